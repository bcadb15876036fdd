"""``python -m scheduler`` runs the oigwatch command line."""

from scheduler.cli import main

main()

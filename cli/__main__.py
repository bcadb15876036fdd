"""``python -m cli`` runs the oigwatch command line."""

from cli.main import main

main()

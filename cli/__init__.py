"""The command line: `oigwatch` and its commands."""

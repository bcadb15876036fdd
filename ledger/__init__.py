"""The ledger: what oigwatch knows about each source, report, version and change."""

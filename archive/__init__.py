"""The PDF archive: every distinct report PDF kept once, named by its sha256 (docs/architecture.md,
"The PDF archive"). ``spool`` is what the crawl leaves for it, ``store`` where PDFs are kept,
``ingest`` the step of a check that moves the one into the other and records each version."""

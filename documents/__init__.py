"""Documents: the text of report PDFs, extracted safely, and page redlines between versions."""

"""What the report documents say: text read from summaries and PDFs (pure)."""

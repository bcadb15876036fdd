"""What the report documents say: their PDFs' text per page, extracted safely; page redlines
between versions; key facts read from summaries (pure, except the bounded extraction child)."""

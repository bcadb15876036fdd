"""Shared helpers for the crawler tests: saved listing pages under ``pages/``, a ledger."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ledger.db import ensure_schema, make_engine
from ledger.store import Ledger

PAGES = Path(__file__).parent / "pages"


@pytest.fixture
def page_html() -> Callable[[str], str]:
    """Read a saved page by file name (UTF-8, BOM kept as the site sent it)."""

    def read(name: str) -> str:
        return (PAGES / name).read_text(encoding="utf-8")

    return read


@pytest.fixture
def ledger(db_url: str) -> Iterator[Ledger]:
    """A migrated ledger on SQLite, then PostgreSQL (``db_url``)."""
    engine = make_engine(db_url)
    ensure_schema(engine)
    yield Ledger(engine)
    engine.dispose()

"""Shared helpers for the crawler tests: saved listing pages under ``pages/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

PAGES = Path(__file__).parent / "pages"


@pytest.fixture
def page_html() -> Callable[[str], str]:
    """Read a saved page by file name (UTF-8, BOM kept as the site sent it)."""

    def read(name: str) -> str:
        return (PAGES / name).read_text(encoding="utf-8")

    return read

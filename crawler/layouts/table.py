"""The table layout: Drupal Views tables (audits, management alerts, whistleblower ROIs)."""

from __future__ import annotations

from config.registry import LAYOUTS, Layout
from crawler.entry import ParsedPage


def parse_page(
    html: str, *, page_url: str, view: str, components: tuple[str, ...] = ()
) -> ParsedPage:
    """One table page (``crawler/parse_table.py``): 50 rows, PDFs linked from the title cell."""
    from crawler.parse_table import parse_table_page

    return parse_table_page(html, page_url=page_url, view=view, components=components)


# the table spider makes the deep sweep's PDF re-checks (once per crawl, whatever the layouts)
LAYOUTS.register(Layout("table", parse_page, __name__, pdf_rechecks=True))

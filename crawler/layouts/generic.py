"""The generic layout: any listing whose fields the view's ``[sources.views.selectors]`` table
names by CSS or XPath selectors (``config/selectors.py``; parsed by ``crawler/parse_generic.py``)."""

from __future__ import annotations

from config.registry import LAYOUTS, Layout
from crawler.entry import ParsedPage


def parse_page(
    html: str, *, page_url: str, view: str, components: tuple[str, ...] = (), selectors: str = ""
) -> ParsedPage:
    """One listing page read by the view's selectors (JSON text, as the crawl job carries them)."""
    from crawler.parse_generic import parse_generic_page, selectors_from_text

    return parse_generic_page(
        html,
        page_url=page_url,
        view=view,
        components=components,
        selectors=selectors_from_text(selectors),
    )


LAYOUTS.register(Layout("generic", parse_page, __name__, selectors=True))

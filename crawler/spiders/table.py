"""The spider of Drupal Views table listings (audits, management alerts, whistleblower ROIs)."""

from __future__ import annotations

from crawler.parse_table import parse_table_page
from crawler.spiders.listing import ListingSpider


class TableSpider(ListingSpider):
    """Table listings: 50 rows a page, PDFs linked from the title cell."""

    name = "table"
    kind = "table"
    parse_page = staticmethod(parse_table_page)

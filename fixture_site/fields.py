"""Field renderings shared by table rows, cards and detail pages."""

from __future__ import annotations

from fixture_site.state import Report, Settings
from fixture_site.views import View

WWW = "https://www.oig.dhs.gov"
APEX = "https://oig.dhs.gov"


def absolute(path: str, settings: Settings) -> str:
    """A site-relative href, made absolute per the `absolute_hrefs` toggle."""
    if settings.absolute_hrefs == "www":
        return WWW + path
    if settings.absolute_hrefs == "apex":
        return APEX + path
    return path


def listing_pdf_path(view: View, report: Report) -> str:
    """The PDF href a view links: management alerts use their `Mga/` path."""
    if view.key == "management_alerts" and report.mga_pdf_path:
        return report.mga_pdf_path
    return report.pdf_path


def date_html(iso_date: str, mode: str) -> str:
    """The issue date as `<time>` (or plain text) per `date_mode`."""
    year, month, day = iso_date.split("-")
    shown = f"{month}/{day}/{year}"
    if mode == "text_only":
        return shown
    if mode == "no_datetime_attr":
        return f'<time class="datetime">{shown}</time>'
    return f'<time datetime="{iso_date}T12:00:00Z" class="datetime">{shown}</time>'


def summary_html(summary: str | None) -> str | None:
    """Summary body HTML (`<p>…</p>` per paragraph, nbsp-only when empty) or None."""
    if summary is None:
        return None
    paragraphs = summary.split("\n\n") if summary.strip(" \xa0\n") else [""]
    parts = []
    for para in paragraphs:
        text = para.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        parts.append("<p>&nbsp;</p>" if not para.strip(" \xa0\n") else f"<p>{text}</p>")
    return "\n\n".join(parts) + "\n\n"


def truncate_wordsafe(text: str, limit: int = 40) -> str:
    """Drupal's word-safe truncation: longest prefix <= limit followed by a non-word char."""
    if len(text) <= limit:
        return text
    for end in range(limit, 0, -1):
        if not text[end].isalnum():
            return text[:end]
    return text[:limit]

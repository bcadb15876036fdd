"""HTML and PDFs of the Department of Examples OIG (``example_oig.py``): a Drupal 7 site whose
listing is a list of ``views-row`` blocks, with a Drupal 7 pager (``ul.pager``)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fixture_site.chrome import esc
from fixture_site.example_oig import AGENCY, LISTING, ExampleListing, ExampleReport

TITLE = "Reports"
SITE = f"Office of Inspector General | {AGENCY}"


def written_date(report: ExampleReport, style: str = "long") -> str:
    """How this site writes an issue date: "November 3, 2026" (or, after a redesign, "Nov. 3,
    2026" or "2026-11-03")."""
    day = report.date
    if style == "iso":
        return day.isoformat()
    if style == "short":
        return f"{day:%b}. {day.day}, {day.year}"
    return f"{day:%B} {day.day}, {day.year}"


def page_number(query: str) -> int:
    """The 0-based ``page`` parameter; anything but digits is page 0 (as Drupal does)."""
    raw = dict(parse_qsl(query, keep_blank_values=True)).get("page", "0")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 0


def _document(title: str, content: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr" xmlns:dc="http://purl.org/dc/terms/">
<head><meta charset="utf-8" /><title>{esc(title)} | {esc(SITE)}</title></head>
<body class="html not-front page-reports">
<div id="page"><header id="header" role="banner">
  <a href="/example-oig/" title="Home" rel="home" id="logo">{esc(AGENCY)} — Office of Inspector General</a>
</header>
<div id="main"><div id="content" class="column" role="main">
<h1 class="title" id="page-title">{esc(title)}</h1>
{content}
</div></div>
<footer id="footer"><p>Office of Inspector General, {esc(AGENCY)}. 1 Example Plaza, Springfield.</p></footer>
</div></body></html>
"""


def _row(report: ExampleReport, position: int, count: int, style: str) -> str:
    parity = "odd" if position % 2 else "even"
    edges = (" views-row-first" if position == 1 else "") + (
        " views-row-last" if position == count else ""
    )
    offices = " ".join(
        f'<a href="/example-oig/office/{esc(office.lower().replace(" ", "-"))}"'
        f' typeof="skos:Concept">{esc(office)}</a>'
        for office in report.offices
    )
    summary = (
        f'\n  <div class="views-field views-field-body"><div class="field-content"><p>'
        f"{esc(report.summary)}</p></div></div>"
        if report.summary
        else ""
    )
    return f"""<div class="views-row views-row-{position} views-row-{parity}{edges}">
  <div class="views-field views-field-title"><h3 class="field-content"><a href="{esc(report.detail_path)}">{esc(report.title)}</a></h3></div>
  <div class="views-field views-field-field-report-number"><span class="field-content">Report {esc(report.number)} — {esc(report.offices[0])}</span></div>
  <div class="views-field views-field-field-date-issued"><span class="views-label">Issued: </span><span class="field-content"><span class="date-display-single" property="dc:date" datatype="xsd:dateTime" content="{report.issued}T00:00:00-05:00">{written_date(report, style)}</span></span></div>{summary}
  <div class="views-field views-field-field-office"><div class="field-content">{offices}</div></div>
  <div class="views-field views-field-field-report-file"><span class="field-content"><span class="file"><a href="{esc(report.pdf_path)}" type="application/pdf">{esc(report.number)}.pdf</a></span></span></div>
</div>"""


def _pager(page: int, last: int) -> str:
    """Drupal 7's full pager; none on a one-page listing."""
    if last == 0:
        return ""

    def link(number: int, text: str, title: str) -> str:
        href = LISTING if number == 0 else f"{LISTING}?page={number}"
        return f'<a title="{title}" href="{href}">{text}</a>'

    items = []
    if page > 0:
        items.append(f'<li class="pager-first first">{link(0, "« first", "Go to first page")}</li>')
        items.append(f'<li class="pager-previous">{link(page - 1, "‹ previous", "Go to previous page")}</li>')  # fmt: skip
    for number in range(last + 1):
        if number == page:
            items.append(f'<li class="pager-current">{number + 1}</li>')
        else:
            go = link(number, str(number + 1), f"Go to page {number + 1}")
            items.append(f'<li class="pager-item">{go}</li>')
    if page < last:
        items.append(f'<li class="pager-next">{link(page + 1, "next ›", "Go to next page")}</li>')
        items.append(f'<li class="pager-last last">{link(last, "last »", "Go to last page")}</li>')
    return (
        '<h2 class="element-invisible">Pages</h2><div class="item-list"><ul class="pager">'
        + "".join(items)
        + "</ul></div>"
    )


def render_listing(listing: ExampleListing, page: int) -> str:
    """One page of the listing (beyond the last page: the empty text)."""
    shown = listing.visible()
    size = listing.page_size
    last = max(0, (len(shown) - 1) // size)
    rows = shown[page * size : (page + 1) * size]
    body = "\n".join(
        _row(report, i, len(rows), listing.date_style) for i, report in enumerate(rows, start=1)
    )
    content = (
        f'<div class="view-content">\n{body}\n</div>'
        if rows
        else '<div class="view-empty"><p>No reports found.</p></div>'
    )
    view = (
        '<div class="view view-oig-reports view-id-oig_reports view-display-id-page">'
        f"\n{content}\n{_pager(page, last) if rows else ''}\n</div>"
    )
    return _document(TITLE, view)


def render_detail(report: ExampleReport) -> str:
    """A report's own page."""
    content = (
        f'<div class="field field-name-field-report-number">Report {esc(report.number)}</div>'
        f'<div class="field field-name-field-date-issued">{written_date(report)}</div>'
        f'<div class="field field-name-body"><p>{esc(report.summary or "")}</p></div>'
        f'<a href="{esc(report.pdf_path)}">Download the report (PDF)</a>'
    )
    return _document(report.title, content)


def render_pdf(report: ExampleReport) -> bytes:
    """A small PDF standing in for the report (its bytes change with ``pdf_version``)."""
    caption = f"{AGENCY} OIG - {report.number} - version {report.pdf_version}"
    latin = caption.encode("latin-1", "replace")
    return b"%PDF-1.4\n% " + latin + b"\n% fixture document, not a real report\n%%EOF\n"

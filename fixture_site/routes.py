"""Site routes (spec §1): request path in, Response out. Pure apart from caches."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fixture_site import render_example
from fixture_site.chrome import access_denied_page, maintenance_page, not_found_page
from fixture_site.document_ops import document_bytes
from fixture_site.example_oig import LISTING as EXAMPLE_LISTING
from fixture_site.example_oig import PREFIX as EXAMPLE_PREFIX
from fixture_site.faults import Response
from fixture_site.paths import site_path
from fixture_site.pdf import build_pdf, strong_etag
from fixture_site.render_cards import render_detail, render_term
from fixture_site.render_table import PageSlice, render_listing
from fixture_site.state import Report, SiteState, parse_z
from fixture_site.views import VIEWS, paginate, parse_query, select_rows, sort_rows

HTML_HEADERS = [
    ("X-Generator", "Drupal 10 (https://www.drupal.org)"),
    ("Cache-Control", "max-age=0, public"),
]


@dataclass
class Index:
    """Lookups rebuilt whenever the state changes."""

    pdfs: dict[str, Report] = field(default_factory=dict)
    aliases: dict[str, Report] = field(default_factory=dict)
    nids: dict[int, Report] = field(default_factory=dict)

    @classmethod
    def build(cls, state: SiteState) -> Index:
        """Index every report's PDF paths, alias and nid."""
        index = cls()
        for report in state.reports:
            index.pdfs[site_path(report.pdf_path)] = report
            if report.mga_pdf_path:
                index.pdfs[site_path(report.mga_pdf_path)] = report
            index.aliases[report.detail_path] = report
            index.nids[report.nid] = report
        return index


def http_date(iso: str) -> str:
    """RFC 7231 date of an ISO `...Z` timestamp."""
    return email.utils.format_datetime(parse_z(iso), usegmt=True)


def _not_modified(headers: dict[str, str], etag: str, last_modified: str) -> bool:
    """Conditional GET: If-None-Match wins; else If-Modified-Since against Last-Modified."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since = headers.get("if-modified-since")
    if not since:
        return False
    try:
        when = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return parse_z(last_modified) <= when


def validated(
    headers: dict[str, str],
    body: bytes,
    content_type: str,
    etag: str,
    modified: str,
    mode: str = "send",
) -> Response:
    """A 200 (or 304) response with ETag and Last-Modified. ``mode`` (the `validators` setting):
    ``omit`` sends neither and always answers 200; ``ignore`` sends both, but never a 304."""
    extra = [("ETag", etag), ("Last-Modified", http_date(modified))] if mode != "omit" else []
    if mode == "send" and _not_modified(headers, etag, modified):
        return Response(304, b"", extra)
    return Response(200, body, [("Content-Type", content_type), *extra])


def encode_html(state: SiteState, text: str) -> tuple[bytes, str]:
    """Body bytes and Content-Type per the `encoding` toggle (M13)."""
    mode = state.settings.encoding
    if mode == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8"), "text/html; charset=UTF-8"
    if mode == "mojibake":
        garbled = text.encode("utf-8").decode("cp1252", errors="replace")
        return garbled.encode("utf-8"), "text/html; charset=UTF-8"
    if mode == "latin1_header":
        return text.encode("utf-8"), "text/html; charset=ISO-8859-1"
    return text.encode("utf-8"), "text/html; charset=UTF-8"


def html(state: SiteState, status: int, text: str) -> Response:
    """An HTML response with the site's headers."""
    body, content_type = encode_html(state, text)
    return Response(status, body, [("Content-Type", content_type), *HTML_HEADERS])


def listing(
    state: SiteState, path: str, query: str, headers: dict[str, str], counter: int
) -> Response:
    """A table listing page with its validators."""
    view = VIEWS[path]
    q = parse_query(view, state, query)
    rows = sort_rows(select_rows(view, state, q), q, state, counter)
    page_rows, index, last = paginate(
        rows, q.page, state.settings.page_size, state.settings.beyond_last
    )
    text = render_listing(state, view, q, PageSlice(page_rows, index, last, len(rows)))
    body, content_type = encode_html(state, text)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    mode = state.settings.validators
    response = validated(headers, body, content_type, etag, state.modified, mode)
    response.headers.extend(HTML_HEADERS)
    return response


def pdf(
    state: SiteState,
    index: Index,
    path: str,
    headers: dict[str, str],
    cache: dict[tuple[object, ...], bytes],
) -> Response:
    """A report PDF, or 404 when unknown (or removed with `removed_pdf=404`)."""
    report = index.pdfs.get(path)
    if report is None or (report.removed and state.settings.removed_pdf == "404"):
        return html(state, 404, not_found_page(state.settings.theme))
    key = (report.nid, report.pdf_version, *report.pdf_caption)
    body = cache.get(key)
    if body is None and report.pdf_document:
        body = document_bytes(report.pdf_document)  # cached by its module
    elif body is None:
        body = cache[key] = build_pdf(report)
    return validated(headers, body, "application/pdf", strong_etag(body), report.pdf_modified,
                     state.settings.validators)  # fmt: skip


def node(state: SiteState, report: Report | None) -> Response:
    """A detail page honouring `node_mode` for removed reports."""
    theme = state.settings.theme
    if report is None:
        return html(state, 404, not_found_page(theme))
    if report.removed and state.settings.node_mode == "unpublished":
        return html(state, 403, access_denied_page(theme))
    if report.removed and state.settings.node_mode == "deleted":
        return html(state, 404, not_found_page(theme))
    return html(state, 200, render_detail(state, report))


def term(state: SiteState, raw_tid: str, query: str) -> Response:
    """A taxonomy term card list."""
    if not raw_tid.isdigit() or int(raw_tid) not in state.terms:
        return html(state, 404, not_found_page(state.settings.theme))
    params = parse_qsl(query, keep_blank_values=True)
    page_raw = dict(params).get("page", "0")
    page_no = int(page_raw) if page_raw.isdigit() else 0
    return html(state, 200, render_term(state, int(raw_tid), params, page_no))


def example_oig(state: SiteState, path: str, query: str, headers: dict[str, str]) -> Response:
    """The Department of Examples OIG: its listing, report pages and PDFs (pulled ones 404)."""
    listing = state.example_oig
    if path.rstrip("/") == EXAMPLE_LISTING:
        text = render_example.render_listing(listing, render_example.page_number(query))
        body = text.encode("utf-8")
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        mode = state.settings.validators
        response = validated(headers, body, "text/html; charset=utf-8", etag, listing.modified,
                             mode)  # fmt: skip
        response.headers.extend(HTML_HEADERS)
        return response
    for report in listing.reports:
        if report.removed:
            continue
        if path == report.pdf_path:
            body = render_example.render_pdf(report)
            return validated(headers, body, "application/pdf", strong_etag(body), listing.modified,
                             state.settings.validators)  # fmt: skip
        if path == report.detail_path:
            return html(state, 200, render_example.render_detail(report))
    return html(state, 404, not_found_page(state.settings.theme))


def route(
    state: SiteState,
    index: Index,
    path: str,
    query: str,
    headers: dict[str, str],
    counter: int,
    cache: dict[tuple[object, ...], bytes],
) -> Response:
    """Dispatch a GET/HEAD to the page it names."""
    if path == "/robots.txt":
        body = state.settings.robots_txt.encode("utf-8")
        return Response(200, body, [("Content-Type", "text/plain; charset=UTF-8")])
    if path.startswith(EXAMPLE_PREFIX + "/"):
        return example_oig(state, path, query, headers)
    if path.startswith("/sites/default/files/"):
        return pdf(state, index, path, headers, cache)
    if state.settings.maintenance:
        return html(state, 200, maintenance_page())
    if path in VIEWS:
        return listing(state, path, query, headers, counter)
    if path.startswith("/taxonomy/term/"):
        return term(state, path.removeprefix("/taxonomy/term/").rstrip("/"), query)
    if path.startswith("/node/"):
        raw = path.removeprefix("/node/").rstrip("/")
        return node(state, index.nids.get(int(raw)) if raw.isdigit() else None)
    if path.startswith("/reports/"):
        return node(state, index.aliases.get(path.rstrip("/")))
    return html(state, 404, not_found_page(state.settings.theme))

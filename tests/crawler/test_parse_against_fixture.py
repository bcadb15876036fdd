"""Every page of every view the fixture site renders parses completely, under each layout toggle.

The expected rows come from the fixture's own state (the same selection, sort and paging code the
server uses), so each parsed entry is checked field by field against the report it shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from crawler.entry import ParsedPage, ReportEntry
from crawler.normalize import norm_summary
from crawler.parse_cards import parse_card_page
from crawler.parse_table import parse_table_page
from fixture_site import FixtureSite, Report, SiteState, build_state
from fixture_site.fields import absolute, listing_pdf_path
from fixture_site.render_cards import term_items
from fixture_site.state import AGENCY_TIDS
from fixture_site.views import VIEWS, View, paginate, parse_query, select_rows, sort_rows

AUDITS = "/reports/audits-inspections-and-evaluations"
TABLE_WALKS = [  # (view name, path, filter query, components of the view)
    ("audits", AUDITS, "", ()),
    ("audits-cbp", AUDITS, "field_dhs_agency_target_id=1", ("CBP",)),
    ("management-alerts", "/reports/management-alerts", "", ()),
    ("whistleblower", "/reports/whistleblower-retaliation-reports-of-investigation", "", ()),
]
TERM_WALKS = [(6, ("USCIS",)), (307, ())]
CP1252_HOLES = {0x81, 0x8D, 0x8F, 0x90, 0x9D}

LAYOUTS: dict[str, dict[str, Any]] = {
    "default": {},
    "renamed-title-class": {"title_td_class": "views-field-report-title"},
    "text-only-dates": {"date_mode": "text_only"},
    "time-without-datetime": {"date_mode": "no_datetime_attr"},
    "reordered-plus-agency-column": {
        "column_order": ["fy", "date", "title", "number"],
        "extra_column": "agency",
    },
    "summary-in-hidden-span": {"summary_mode": "hidden_span"},
    "no-summary-markup": {"summary_mode": "none"},
    "uswds-pager": {"pager": "uswds"},
    "mini-pager": {"pager": "mini"},
    "no-pager": {"pager": "none"},
    "dhs2020-theme": {"theme": "dhs2020"},
    "absolute-www-hrefs": {"absolute_hrefs": "www"},
    "absolute-apex-hrefs": {"absolute_hrefs": "apex"},
    "inline-cards": {"card_layout": "inline"},
    "utf8-bom": {"encoding": "bom"},
    "cp1252-mojibake": {"encoding": "mojibake"},
    "latin1-header": {"encoding": "latin1_header"},
    "page-size-25": {"page_size": 25, "term_page_size": 4},
}


@pytest.fixture(scope="module")
def running_site() -> Iterator[FixtureSite]:
    with FixtureSite(build_state(n_reports=300, seed=3)) as site:
        yield site


@pytest.fixture
def site(running_site: FixtureSite) -> FixtureSite:
    """The running site with a fresh state and stable tie order (so pages are predictable)."""
    running_site.state = build_state(n_reports=300, seed=3)
    running_site.mutate({"op": "layout", "tie_mode": "stable"})
    return running_site


@pytest.fixture
def client(running_site: FixtureSite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running_site.base_url, timeout=10) as http:
        yield http


def _fetch(client: httpx.Client, path: str, query: str) -> tuple[str, str]:
    """(decoded text, absolute URL) of one page, decoded per the response's charset."""
    response = client.get(f"{path}?{query}" if query else path)
    assert response.status_code == 200
    return response.text, str(response.url)


def _with_page(query: str, page: int) -> str:
    return "&".join(part for part in (query, f"page={page}" if page else "") if part)


def _lossy(text: str | None) -> bool:
    """True when cp1252 mojibake of the text cannot be undone (a byte had no cp1252 glyph)."""
    return any(b in CP1252_HOLES for b in (text or "").encode("utf-8"))


def _mismatches(got: ReportEntry, want: ReportEntry, lossy_ok: bool) -> list[str]:
    """Field differences; summaries compare normalized (presence and emptiness exactly)."""
    diffs = []
    for name in ReportEntry.__slots__:
        mine, theirs = getattr(got, name), getattr(want, name)
        if lossy_ok and name in ("title", "summary") and _lossy(theirs):
            if "\ufffd" not in (mine or ""):
                diffs.append(f"{name}: expected a lossy repair, got {mine!r}")
            continue
        if name == "summary" and mine is not None and theirs is not None:
            same = norm_summary(mine) == norm_summary(theirs) and bool(mine) == bool(theirs)
        else:
            same = mine == theirs
        if not same:
            diffs.append(f"{name}: {mine!r} != {theirs!r}")
    return diffs


def _pager_expectation(state: SiteState, index: int, last: int) -> tuple[bool, int | None]:
    """(has_next, last_page) a pager of this mode shows for page ``index`` of 0..``last``."""
    mode = state.settings.pager
    if mode == "none" or last == 0:
        return False, None
    return index < last, None if mode == "mini" else last


def _table_entry(
    state: SiteState, view: View, report: Report, name: str, components: tuple[str, ...], url: str
) -> ReportEntry:
    settings = state.settings
    summary = None if settings.summary_mode == "none" else report.summary
    return ReportEntry(
        view=name,
        title=report.title,
        report_number=(report.report_number or "").strip() or None if view.has_number else None,
        summary=summary,
        issue_date=date.fromisoformat(report.issue_date),
        fiscal_year=None if report.fiscal_year is None else str(report.fiscal_year),
        pdf_url=urljoin(url, absolute(listing_pdf_path(view, report), settings)),
        components=components,
    )


def _card_entry(
    state: SiteState,
    report: Report,
    full: bool,
    name: str,
    components: tuple[str, ...],
    url: str,
    pdf_path: str,
) -> ReportEntry:
    settings = state.settings
    detail = urljoin(url, absolute(report.detail_path, settings))
    if not full:
        return ReportEntry(view=name, title=report.title, components=components, detail_url=detail)
    agencies = [state.terms[AGENCY_TIDS[c]].name for c in report.components if c in AGENCY_TIDS]
    return ReportEntry(
        view=name,
        title=report.title,
        report_number=(report.report_number or "").strip() or None,
        summary=report.summary,
        issue_date=date.fromisoformat(report.issue_date),
        fiscal_year=None if report.fiscal_year is None else str(report.fiscal_year),
        pdf_url=urljoin(url, absolute(pdf_path, settings)),
        components=tuple(dict.fromkeys([*components, *agencies])),
        detail_url=detail,
    )


def _check_page(
    parsed: ParsedPage, expected: list[ReportEntry], pager: tuple[bool, int | None], lossy: bool
) -> None:
    assert parsed.problems == ()
    assert parsed.rows_seen == len(expected)
    assert parsed.parse_rate == 1.0
    assert (parsed.has_next, parsed.last_page) == pager
    for got, want in zip(parsed.entries, expected, strict=True):
        assert _mismatches(got, want, lossy) == [], want.title


def _walk_table(
    site: FixtureSite, client: httpx.Client, walk: tuple[str, str, str, tuple[str, ...]]
) -> int:
    """Parse every page of one table view and check it; returns the number of pages seen."""
    name, path, query, components = walk
    state, view = site.state, VIEWS[path]
    lossy = state.settings.encoding == "mojibake"
    q = parse_query(view, state, query)
    rows = sort_rows(select_rows(view, state, q), q, state, 0)
    last = max(0, (len(rows) - 1) // state.settings.page_size)
    for page in range(last + 1):
        html, url = _fetch(client, path, _with_page(query, page))
        parsed = parse_table_page(html, page_url=url, view=name, components=components)
        shown, _, _ = paginate(rows, page, state.settings.page_size, state.settings.beyond_last)
        expected = [_table_entry(state, view, r, name, components, url) for r in shown]
        _check_page(parsed, expected, _pager_expectation(state, page, last), lossy)
    return last + 1


def _walk_term(
    site: FixtureSite, client: httpx.Client, tid: int, components: tuple[str, ...]
) -> int:
    """Parse every page of one term's card list and check it; returns the number of pages."""
    state = site.state
    items = term_items(state, tid)
    size = state.settings.term_page_size
    last = max(0, (len(items) - 1) // size)
    name = f"term-{tid}"
    for page in range(last + 1):
        html, url = _fetch(client, f"/taxonomy/term/{tid}", _with_page("", page))
        parsed = parse_card_page(html, page_url=url, view=name, components=components)
        shown, _, _ = paginate(items, page, size, state.settings.beyond_last)
        expected = [
            _card_entry(state, r, full, name, components, url, r.pdf_path) for r, full in shown
        ]
        lossy = state.settings.encoding == "mojibake"
        _check_page(parsed, expected, _pager_expectation(state, page, last), lossy)
    return last + 1


@pytest.mark.parametrize("layout", list(LAYOUTS), ids=list(LAYOUTS))
def test_every_row_of_every_view_parses(
    site: FixtureSite, client: httpx.Client, layout: str
) -> None:
    if LAYOUTS[layout]:
        site.mutate({"op": "layout", **LAYOUTS[layout]})
    pages = [_walk_table(site, client, walk) for walk in TABLE_WALKS]
    assert pages[0] >= 6  # the unfiltered view really is paged
    term_pages = [_walk_term(site, client, tid, comps) for tid, comps in TERM_WALKS]
    assert max(term_pages) >= 2


def test_table_layout_swapped_for_cards(site: FixtureSite, client: httpx.Client) -> None:
    site.mutate({"op": "layout", "as_cards": True})
    html, url = _fetch(client, AUDITS, "")
    assert parse_table_page(html, page_url=url, view="audits").problems == ("no table found",)
    state, view = site.state, VIEWS[AUDITS]
    q = parse_query(view, state, "")
    all_rows = sort_rows(select_rows(view, state, q), q, state, 0)
    rows = all_rows[:50]
    expected = [
        _card_entry(state, r, True, "audits", (), url, listing_pdf_path(view, r)) for r in rows
    ]
    parsed = parse_card_page(html, page_url=url, view="audits")
    _check_page(parsed, expected, (True, (len(all_rows) - 1) // 50), lossy=False)


@pytest.mark.parametrize(
    ("mutation", "query", "problems", "rows"),
    [
        ({"maintenance": True}, "", ("maintenance page",), 0),
        ({"empty_table": True}, "", (), 0),
        ({}, "page=99", (), 0),
        ({}, "field_dhs_agency_target_id=99", ("filter rejected by site",), 50),
    ],
    ids=["maintenance", "empty-table", "beyond-last-page", "illegal-filter-choice"],
)
def test_unhealthy_and_empty_pages(
    site: FixtureSite,
    client: httpx.Client,
    mutation: dict[str, Any],
    query: str,
    problems: tuple[str, ...],
    rows: int,
) -> None:
    if mutation:
        site.mutate({"op": "layout", **mutation})
    html, url = _fetch(client, AUDITS, query)
    parsed = parse_table_page(html, page_url=url, view="audits")
    assert (parsed.problems, parsed.rows_seen, len(parsed.entries)) == (problems, rows, rows)
    if mutation.get("maintenance"):
        cards = parse_card_page(_fetch(client, "/taxonomy/term/6", "")[0], page_url=url, view="t")
        assert cards.problems == ("maintenance page",)

"""Listing views (spec §2): query parsing, row selection, sorting with tie modes, paging."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fixture_site.state import AGENCY_TIDS, TID_AGENCIES, Report, SiteState

FILTER_PARAMS = ("field_dhs_agency_target_id", "field_oversight_area", "field_fy_value")
ORDER_COLUMNS = {
    "field_report_number": "number",
    "title": "title",
    "field_issue_date": "date",
    "field_fy": "fy",
}
DEFAULT_ORDER = "field_issue_date"
T = TypeVar("T")
ILLEGAL_CHOICE = "An illegal choice has been detected. Please contact the site administrator."


@dataclass(frozen=True)
class View:
    """One table listing route."""

    key: str
    path: str
    title: str
    has_number: bool


VIEWS: dict[str, View] = {
    v.path: v
    for v in (
        View(
            "audits",
            "/reports/audits-inspections-and-evaluations",
            "Audits, Inspections, and Evaluations",
            True,
        ),
        View("management_alerts", "/reports/management-alerts", "Management Alerts", True),
        View(
            "whistleblower",
            "/reports/whistleblower-retaliation-reports-of-investigation",
            "Whistleblower Retaliation Reports of Investigation",
            False,
        ),
    )
}


@dataclass(frozen=True)
class ListingQuery:
    """What a listing request asks for, after validation."""

    params: list[tuple[str, str]]
    filters: dict[str, str]
    agency: str | None
    oversight: int | None
    fiscal_year: int | None
    order: str
    sort: str
    page: int
    invalid: bool


def parse_query(view: View, state: SiteState, query: str) -> ListingQuery:
    """Validate filters, order, sort and page; unknown parameters are ignored."""
    params = parse_qsl(query, keep_blank_values=True)
    given = dict(params)
    filters = {name: given.get(name, "All") or "All" for name in FILTER_PARAMS}
    agency_id, area, fy_id = (filters[name] for name in FILTER_PARAMS)
    invalid = not (
        _valid(agency_id, {str(t) for t in TID_AGENCIES})
        and _valid(area, set(state.oversight_areas))
        and _valid(fy_id, set(state.fy_options))
    )
    if invalid and state.settings.invalid_filter == "ignore":
        invalid, agency_id, area, fy_id = False, "All", "All", "All"
    order = given.get("order", DEFAULT_ORDER)
    if order not in ORDER_COLUMNS or (order == "field_report_number" and not view.has_number):
        order = DEFAULT_ORDER
    sort = given.get("sort", "").lower()
    if sort not in ("asc", "desc"):
        sort = "desc" if order == DEFAULT_ORDER else "asc"
    return ListingQuery(
        params=params,
        filters=filters,
        agency=None if invalid or agency_id == "All" else TID_AGENCIES[int(agency_id)],
        oversight=None if invalid or area == "All" else int(area),
        fiscal_year=None if invalid or fy_id == "All" else state.fy_options[fy_id],
        order=order,
        sort=sort,
        page=_page_number(given.get("page", "0")),
        invalid=invalid,
    )


def _valid(value: str, allowed: set[str]) -> bool:
    return value == "All" or value in allowed


def _page_number(raw: str) -> int:
    try:
        return max(0, int(raw.split(",")[0]))
    except ValueError:
        return 0


def in_view(view: View, report: Report) -> bool:
    """Whether a (published) report belongs to the view's base set."""
    if report.removed:
        return False
    if view.key == "whistleblower":
        return report.kind == "whistleblower"
    if report.kind != "report":
        return False
    return view.key == "audits" or report.management_alert


def select_rows(view: View, state: SiteState, q: ListingQuery) -> list[Report]:
    """Rows of the view that pass the filters, in state order."""
    rows = []
    for report in state.reports:
        if not in_view(view, report):
            continue
        if q.agency is None:
            if report.hide_from_unfiltered and view.key == "audits":
                continue
        elif q.agency not in report.components:
            continue
        if q.oversight is not None and report.oversight_area != q.oversight:
            continue
        if q.fiscal_year is not None and report.fiscal_year != q.fiscal_year:
            continue
        rows.append(report)
    return rows


SORT_KEYS: dict[str, Callable[[Report], Any]] = {
    "field_issue_date": lambda r: r.issue_date,
    "title": lambda r: r.title,
    "field_report_number": lambda r: r.report_number or "",
    "field_fy": lambda r: -1 if r.fiscal_year is None else r.fiscal_year,
}


def tie_key(state: SiteState, request_counter: int) -> Callable[[Report], Any]:
    """Order among rows tied on the sort key: by nid, or a seeded per-request/per-day hash."""
    mode = state.settings.tie_mode
    if mode == "stable":
        return lambda r: r.nid
    salt_text = (
        f"{state.seed}:{request_counter}" if mode == "shuffle" else f"{state.seed}:{state.today}"
    )
    salt = random.Random(salt_text).getrandbits(62)
    return lambda r: hash((salt, r.nid))


def sort_rows(
    rows: list[Report], q: ListingQuery, state: SiteState, request_counter: int
) -> list[Report]:
    """Rows sorted by the active key; ties by the state's tie mode."""
    ordered = sorted(rows, key=tie_key(state, request_counter))
    ordered.sort(key=SORT_KEYS[q.order], reverse=q.sort == "desc")
    return ordered


def paginate(
    rows: list[T], page: int, page_size: int, beyond_last: str
) -> tuple[list[T], int, int]:
    """(rows of the page, effective page index, last page index)."""
    last = max(0, (len(rows) - 1) // page_size)
    if page > last:
        if beyond_last != "clamp":
            return [], page, last
        page = last
    return rows[page * page_size : (page + 1) * page_size], page, last


def agency_tid(code: str) -> int:
    """Filter id / term id of an agency code."""
    return AGENCY_TIDS[code]

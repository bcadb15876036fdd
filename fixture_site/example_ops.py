"""Mutations of the Department of Examples OIG listing (``example_*`` ops): add, retitle, edit a
summary, replace a PDF, pull and restore a report, page size. Reports are named by number."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fixture_site.example_oig import (
    DATE_STYLES,
    OFFICES,
    ExampleListing,
    ExampleReport,
    next_number,
    slug,
)
from fixture_site.report_ops import MutationError, Op
from fixture_site.state import SiteState, iso_z, parse_z


def _touch(listing: ExampleListing, op: Op) -> str:
    """Advance the listing's clock one minute (or set it to ``at``)."""
    moment = parse_z(str(op["at"])) if op.get("at") else parse_z(listing.modified)
    listing.modified = iso_z(moment + dt.timedelta(minutes=0 if op.get("at") else 1))
    return listing.modified


def _target(state: SiteState, op: Op) -> ExampleReport:
    try:
        return state.example_oig.find(str(op["report_number"]))
    except KeyError as exc:
        raise MutationError(str(exc).strip("'\"")) from None


def _offices(value: Any) -> list[str]:
    offices = [value] if isinstance(value, str) else list(value)
    if not offices or any(not isinstance(o, str) or not o.strip() for o in offices):
        raise MutationError(f"offices must be names such as {OFFICES[0]!r}")
    return offices


def _described(report: ExampleReport) -> dict[str, Any]:
    return {
        "report_number": report.number,
        "title": report.title,
        "issue_date": report.issued,
        "pdf_path": report.pdf_path,
        "detail_path": report.detail_path,
    }


def add_report(state: SiteState, op: Op) -> dict[str, Any]:
    """A new report: numbered for the FY of ``issue_date`` (default: the site's today)."""
    listing = state.example_oig
    day = dt.date.fromisoformat(str(op.get("issue_date") or state.today.isoformat()))
    number = str(op.get("report_number") or next_number(listing, day))
    if any(report.number == number for report in listing.reports):
        raise MutationError(f"report number {number!r} already exists")
    title = str(op.get("title") or f"Audit of Records Management, Review {number} (Synthetic)")
    report = ExampleReport(
        number,
        title,
        day.isoformat(),
        _offices(op.get("offices", [OFFICES[0]])),
        op.get("summary"),
        alias=slug(title),
    )
    listing.reports.append(report)
    _touch(listing, op)
    return _described(report)


def retitle(state: SiteState, op: Op) -> dict[str, Any]:
    """A new title (``title``), or `` (Revised)`` appended (``suffix_op: append_revised``)."""
    report = _target(state, op)
    if op.get("suffix_op") == "append_revised":
        report.title = report.title.rstrip() + " (Revised)"
    elif op.get("title"):
        report.title = str(op["title"])
    else:
        raise MutationError("give title or suffix_op: append_revised")
    _touch(state.example_oig, op)
    return _described(report)


def edit_summary(state: SiteState, op: Op) -> dict[str, Any]:
    """A new summary (``null``: the row shows none)."""
    report = _target(state, op)
    report.summary = op["summary"]
    _touch(state.example_oig, op)
    return _described(report)


def replace_pdf(state: SiteState, op: Op) -> dict[str, Any]:
    """The same PDF link serves new bytes."""
    report = _target(state, op)
    report.pdf_version += 1
    _touch(state.example_oig, op)
    return {**_described(report), "pdf_version": report.pdf_version}


def set_removed(state: SiteState, op: Op, removed: bool) -> dict[str, Any]:
    """The report leaves (or rejoins) the listing; its pages answer 404 while pulled."""
    report = _target(state, op)
    report.removed = removed
    _touch(state.example_oig, op)
    return {**_described(report), "removed": removed}


def settings(state: SiteState, op: Op) -> dict[str, Any]:
    """``page_size`` (rows a page, >= 1) and/or ``date_style`` (how dates are written)."""
    listing, changed = state.example_oig, {}
    if "page_size" in op:
        size = op["page_size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise MutationError("page_size must be a positive integer")
        listing.page_size = changed["page_size"] = size
    if "date_style" in op:
        if op["date_style"] not in DATE_STYLES:
            raise MutationError(f"date_style must be one of {DATE_STYLES}")
        listing.date_style = changed["date_style"] = op["date_style"]
    if not changed:
        raise MutationError("give page_size and/or date_style")
    _touch(listing, op)
    return changed


OPS = {
    "example_add_report": add_report,
    "example_retitle": retitle,
    "example_edit_summary": edit_summary,
    "example_replace_pdf": replace_pdf,
    "example_remove_report": lambda s, o: set_removed(s, o, True),
    "example_restore_report": lambda s, o: set_removed(s, o, False),
    "example_set": settings,
}

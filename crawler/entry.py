"""The one shared noun: a report entry as parsed from one listing row or card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class ReportEntry:
    """One report as a single listing view shows it; original text, never normalized."""

    view: str
    title: str
    report_number: str | None = None
    summary: str | None = None  # None: no summary markup; "": present but empty
    issue_date: date | None = None
    fiscal_year: str | None = None  # raw cell text: it can be empty or a typo ("20187")
    pdf_url: str | None = None  # absolute URL as linked (query string kept)
    components: tuple[str, ...] = ()
    detail_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings, tuples as lists)."""
        return {
            "view": self.view,
            "title": self.title,
            "report_number": self.report_number,
            "summary": self.summary,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "fiscal_year": self.fiscal_year,
            "pdf_url": self.pdf_url,
            "components": list(self.components),
            "detail_url": self.detail_url,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportEntry:
        """Inverse of :meth:`to_json`."""
        issue = data.get("issue_date")
        return cls(
            view=data["view"],
            title=data["title"],
            report_number=data.get("report_number"),
            summary=data.get("summary"),
            issue_date=date.fromisoformat(issue) if issue else None,
            fiscal_year=data.get("fiscal_year"),
            pdf_url=data.get("pdf_url"),
            components=tuple(data.get("components") or ()),
            detail_url=data.get("detail_url"),
        )


@dataclass(frozen=True, slots=True)
class ParsedPage:
    """What a page parser found on one listing page, including what it could not read."""

    entries: tuple[ReportEntry, ...]
    rows_seen: int  # rows (or cards) in the page body, parsed or not
    has_next: bool  # the pager offers a next page
    last_page: int | None = None  # 0-based index of the last page, when the pager names it
    problems: tuple[str, ...] = field(default=())  # layout findings that make the page unhealthy
    quarantined: tuple[
        dict[str, str], ...
    ] = ()  # rows the parser could not read: field, raw, problem

    @property
    def parse_rate(self) -> float:
        """Share of rows that became entries (1.0 for an empty page)."""
        return len(self.entries) / self.rows_seen if self.rows_seen else 1.0

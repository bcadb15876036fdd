"""What a run leaves (`RunRecord`), what recording it did (`Recorded`), and a report's row as a
`ReportState` and back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from crawler.diff import Diff
from crawler.events import EventDraft
from crawler.health import Verdict
from crawler.normalize import pdf_path
from crawler.state import ReportState

if TYPE_CHECKING:  # the outbox imports this module
    from ledger.outbox import Router

_REPORT_COLUMNS = (
    "key",
    "report_number",
    "title",
    "summary",
    "issue_date",
    "fiscal_year",
    "pdf_url",
    "pdf_family",
    "detail_url",
    "components",
    "view_labels",
    "settled",
    "unconfirmed_losses",
    "pdf_etag",
    "pdf_last_modified",
    "pdf_length",
    "pdf_sha256",
)


def state_from_row(row: Any) -> ReportState:
    """A ReportState from a reports row."""
    values = {name: getattr(row, name) for name in _REPORT_COLUMNS}
    values["issue_date"] = row.issue_date.isoformat() if row.issue_date else None
    values["components"] = tuple(row.components or ())
    values["view_labels"] = tuple(row.view_labels or ())
    values["unconfirmed_losses"] = tuple(row.unconfirmed_losses or ())
    return ReportState(**values)


def state_columns(state: ReportState) -> dict[str, Any]:
    """The reports columns holding a ReportState."""
    values = {name: getattr(state, name) for name in _REPORT_COLUMNS}
    values["issue_date"] = date.fromisoformat(state.issue_date) if state.issue_date else None
    values["components"] = list(state.components)
    values["view_labels"] = list(state.view_labels)
    values["unconfirmed_losses"] = list(state.unconfirmed_losses)
    values["content_hash"] = state.content_hash
    values["pdf_path"] = (pdf_path(state.pdf_url) or "").lower() or None
    return values


@dataclass(frozen=True, slots=True)
class RunRecord:
    """Everything one run leaves in the ledger."""

    run_key: str
    source_id: int
    sweep: str
    started_at: datetime
    finished_at: datetime
    outcome: str  # baseline|healthy|unhealthy|failed
    verdict: Verdict
    diff: Diff | None = None
    events: list[EventDraft] = field(default_factory=list)
    page_cache: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    pdf_checked: Iterable[str] = ()  # PDF paths checked this run
    stats: dict[str, Any] = field(default_factory=dict)
    router: Router | None = None  # the outbox: deliveries owed by each published event
    healthy_source: bool | None = None  # the source's health after the run (None: by outcome)


@dataclass(frozen=True, slots=True)
class Recorded:
    """The run's id and the ids of the events it created (empty when it was already recorded)."""

    run_id: int
    event_ids: list[int]

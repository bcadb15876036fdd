"""Change events (pure): payloads in the documented JSON shape, and the gates that hold them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from crawler.bulk import SITE_WIDE_SHARE, bulk_detail, bulk_limit, held_kinds
from crawler.diff import Change
from crawler.state import ReportState


@dataclass(frozen=True, slots=True)
class EventDraft:
    """An event before it has an id: the ledger stores it unless its dedupe key exists."""

    kind: str
    dedupe_key: str
    payload: dict[str, Any]
    report_key: str | None = None
    status: str = "published"  # published|held


def report_fields(state: ReportState) -> dict[str, Any]:
    """The report part of an event payload, in the site's original text."""
    return {
        "report_number": state.report_number,
        "title": state.title,
        "url": state.pdf_url,
        "detail_url": state.detail_url,
        "issue_date": state.issue_date,
        "fiscal_year": state.fiscal_year,
        "components": list(state.components),
        "summary": state.summary,
        "labels": list(state.labels),
    }


def content_event(
    change: Change, source: str, detected_at: datetime, listing_url: str | None = None
) -> EventDraft:
    """The event announcing one report change."""
    payload = {
        "kind": change.kind,
        "source": source,
        "report_key": change.key,
        **report_fields(change.state),
        "listing_url": listing_url,
        "changes": [{"field": f.field, "old": f.old, "new": f.new} for f in change.fields],
        "labels_gained": list(change.labels_gained),
        "labels_lost": list(change.labels_lost),
        "detected_at": detected_at.isoformat(),
    }
    return EventDraft(change.kind, f"{source}:{change.dedupe_key}", payload, change.key)


def ops_event(
    kind: str, source: str, run_key: str, detected_at: datetime, **detail: Any
) -> EventDraft:
    """An operational event (for the ops route, never a newsroom route)."""
    payload = {"kind": kind, "source": source, "detected_at": detected_at.isoformat(), **detail}
    payload.setdefault("changes", [])
    return EventDraft(kind, f"{source}:{kind}:{run_key}", payload)


@dataclass(frozen=True, slots=True)
class GateFacts:
    """What the event gates must know about the source and the run."""

    baseline: bool  # the source's first healthy run
    announce: bool = False
    known_reports: int = 0
    bulk_threshold: int = 25
    bulk_fraction: float = 0.3
    site_wide_share: float = SITE_WIDE_SHARE  # held revisions sharing one field: a site-wide change
    listing_url: str | None = None


def gate_events(
    changes: list[Change], source: str, run_key: str, detected_at: datetime, facts: GateFacts
) -> list[EventDraft]:
    """Baseline silence, then the bulk hold; the rest pass as published events.

    Each kind over the bulk limit is held (status ``held``) behind ONE ``bulk_hold`` event;
    the other kinds of the same run are published as usual.
    """
    if facts.baseline and not facts.announce:
        return []
    drafts = [content_event(c, source, detected_at, facts.listing_url) for c in changes]
    if facts.announce:
        return drafts
    limit = bulk_limit(facts.known_reports, facts.bulk_threshold, facts.bulk_fraction)
    kinds = held_kinds(changes, limit)
    if not kinds:
        return drafts
    held = [replace(d, status="held") if d.kind in kinds else d for d in drafts]
    detail = bulk_detail(changes, kinds, limit, facts.site_wide_share)
    return [*held, ops_event("bulk_hold", source, run_key, detected_at, **detail)]

"""Muted reports: each mute an episode (when, by whom, why, until when), and which events a mute
silences. A muted report's events are recorded as usual; the outbox owes them no delivery."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from crawler.clock import aware, iso
from ledger.sql import chunks
from ledger.tables import report_mutes


@dataclass(frozen=True, slots=True)
class Mute:
    """One mute of a report; ``unmuted_at`` None: the report is muted now."""

    report_id: int
    muted_at: datetime
    muted_by: str
    reason: str
    unmuted_at: datetime | None = None
    unmuted_by: str | None = None

    def covers(self, moment: datetime) -> bool:
        """Whether the report was muted at ``moment``."""
        start, end = aware(self.muted_at), self.unmuted_at
        return start <= aware(moment) and (end is None or aware(moment) < aware(end))

    def to_json(self) -> dict[str, str | None]:
        return {
            "muted_at": iso(self.muted_at),
            "muted_by": self.muted_by,
            "reason": self.reason or None,
            "unmuted_at": iso(self.unmuted_at),
            "unmuted_by": self.unmuted_by,
        }


def silenced(mutes: Sequence[Mute], detected_at: datetime, now: datetime | None = None) -> bool:
    """Whether an event detected at ``detected_at`` owes no delivery: its report was muted then,
    or (``now``: when its deliveries are enqueued, such as a bulk hold's release) is muted now."""
    if any(mute.covers(detected_at) for mute in mutes):
        return True
    return now is not None and any(mute.unmuted_at is None for mute in mutes)


_C = report_mutes.c  # Core columns: reading mutes (`oigwatch changes`) needs no ORM
COLUMNS = (_C.report_id, _C.muted_at, _C.muted_by, _C.reason, _C.unmuted_at, _C.unmuted_by)


def _row(row: Any) -> Mute:
    return Mute(row.report_id, row.muted_at, row.muted_by, row.reason or "", row.unmuted_at,
                row.unmuted_by)  # fmt: skip


def episodes(conn: Connection, report_ids: Iterable[int]) -> dict[int, list[Mute]]:
    """Every mute of these reports, oldest first, by report id (reports never muted: absent)."""
    found: dict[int, list[Mute]] = {}
    wanted = sorted(set(report_ids))
    for part in chunks(wanted):
        query = (
            select(*COLUMNS)
            .where(_C.report_id.in_(part))
            .order_by(_C.report_id, _C.muted_at, _C.id)
        )
        for row in conn.execute(query):
            found.setdefault(row.report_id, []).append(_row(row))
    return found


def current(mutes: Mapping[int, Sequence[Mute]], report_id: int) -> Mute | None:
    """The open mute of a report, if it is muted now."""
    return next((m for m in mutes.get(report_id, ()) if m.unmuted_at is None), None)


def mute(engine: Engine, report_id: int, by: str, reason: str, now: datetime) -> tuple[Mute, bool]:
    """Mute a report from ``now``: its open mute, and whether this call opened it (False: it was
    muted already, and that mute is kept as it was)."""
    from ledger.models import Report, ReportMute

    with engine.begin() as conn:
        conn.execute(select(Report.id).where(Report.id == report_id).with_for_update())
        existing = current(episodes(conn, [report_id]), report_id)
        if existing is not None:
            return existing, False
        opened = Mute(report_id, now, by[:100], reason)
        conn.execute(
            insert(ReportMute).values(
                report_id=report_id, muted_at=now, muted_by=by[:100], reason=reason
            )
        )
        return opened, True


def unmute(engine: Engine, report_id: int, by: str, now: datetime) -> Mute | None:
    """End a report's mute at ``now``: the mute ended, or None when it was not muted."""
    from ledger.models import Report, ReportMute

    with engine.begin() as conn:
        conn.execute(select(Report.id).where(Report.id == report_id).with_for_update())
        existing = current(episodes(conn, [report_id]), report_id)
        if existing is None:
            return None
        conn.execute(
            update(ReportMute)
            .where(ReportMute.report_id == report_id, ReportMute.unmuted_at.is_(None))
            .values(unmuted_at=now, unmuted_by=by[:100])
        )
        return Mute(report_id, existing.muted_at, existing.muted_by, existing.reason, now, by[:100])

"""Muted reports in the ledger: migration 0007 (and the schema it leaves equal to the models), the
outbox owing a muted report's events nothing, ops events never muted; SQLite, then PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

from crawler.events import EventDraft
from crawler.health import Verdict
from ledger import mutes
from ledger.db import _alembic_config, ensure_schema, make_engine
from ledger.models import Base, ChangeEvent, Delivery, Report
from ledger.outbox import Planned
from ledger.store import Ledger, RunRecord, release_hold

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def everywhere(event: object, now: datetime) -> list[Planned]:
    return [Planned("all", "desk", "immediate", now)]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


def test_the_migrated_schema_is_the_models(engine: Engine) -> None:
    """Tables, columns, nullability, indexes; column types on PostgreSQL (SQLite ignores a
    VARCHAR's length, which migration 0003 therefore leaves as it was there)."""
    typed = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": typed})
        assert compare_metadata(context, Base.metadata) == []


def test_migration_0007_adds_and_drops_report_mutes(db_url: str) -> None:
    engine = make_engine(db_url)
    config = _alembic_config(engine)
    command.upgrade(config, "0006")
    assert not inspect(engine).has_table("report_mutes")
    command.upgrade(config, "0007")
    assert inspect(engine).has_table("report_mutes")
    command.downgrade(config, "0006")
    assert not inspect(engine).has_table("report_mutes")
    engine.dispose()


def record(ledger: Ledger, key: str, at: datetime, *events: EventDraft) -> list[int]:
    run = RunRecord(key, ledger.source_id("dhs-oig"), "quick", at, at, "healthy", Verdict(True),
                    None, list(events), router=everywhere)  # fmt: skip
    return ledger.record(run).event_ids


def draft(
    kind: str, n: int, status: str = "published", report: str | None = "OIG-27-01"
) -> EventDraft:
    payload = {"kind": kind, "source": "dhs-oig", "report_number": report, "title": "A report"}
    return EventDraft(kind, f"{kind}-{n}", payload, None, status)


def owed(engine: Engine, ids: list[int]) -> list[int]:
    with engine.connect() as conn:
        return sorted(conn.scalars(select(Delivery.event_id).where(Delivery.event_id.in_(ids))))


def report_id(engine: Engine) -> int:
    """A report row the events are about (events of a run get theirs from its diff)."""
    with engine.begin() as conn:
        source = conn.scalar(select(ChangeEvent.source_id).limit(1))
        result = conn.execute(
            Report.__table__.insert().values(
                source_id=source, key="OIG-27-01", report_number="OIG-27-01", title="A report",
                components=[], view_labels=[], settled=True, content_hash="h", status="active",
                missing_sweeps=0, first_seen_at=T0, changed_at=T0,
            )
        )  # fmt: skip
        return int(result.inserted_primary_key[0])


def attach(engine: Engine, ids: list[int], report: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            ChangeEvent.__table__.update().where(ChangeEvent.id.in_(ids)).values(report_id=report)
        )


def test_a_muted_reports_events_owe_no_delivery_and_ops_events_are_never_muted(
    engine: Engine,
) -> None:
    ledger = Ledger(engine)
    [first] = record(ledger, "r0", T0, draft("new", 0))
    report = report_id(engine)
    attach(engine, [first], report)
    assert owed(engine, [first]) == [first]
    opened, new = mutes.mute(engine, report, "desk", "noise", T0 + timedelta(hours=1))
    assert new and opened.reason == "noise"
    assert mutes.mute(engine, report, "other", "again", T0 + timedelta(hours=2))[1] is False

    # an event of the muted report (its report id set as recording sets it), and an ops event
    from ledger.outbox import enqueue, insert_events
    from ledger.outbox.events import EventRow, ops_row

    later = T0 + timedelta(hours=3)
    row = EventRow(dedupe_key="revised-1", source_id=1, run_id=None, report_id=report,
                   kind="revised", status="published", detected_at=later,
                   payload={"title": "A report"})  # fmt: skip
    ops = ops_row("source_unhealthy", "ops-1", 1, {"reason": "503"}, later)
    with engine.begin() as conn:
        ids = insert_events(conn, [row, ops])
        assert enqueue(conn, ids, everywhere, later) == 1
    assert owed(engine, ids) == [ids[1]], "the ops event only"

    ended = mutes.unmute(engine, report, "desk", T0 + timedelta(hours=4))
    assert ended is not None and ended.unmuted_at is not None
    assert mutes.unmute(engine, report, "desk", T0 + timedelta(hours=5)) is None
    with engine.begin() as conn:
        enqueue(conn, [ids[0]], everywhere, T0 + timedelta(hours=5))
    assert owed(engine, ids) == [ids[1]], "detected while muted: never owed, even after unmute"
    after = row | {"dedupe_key": "revised-2", "detected_at": T0 + timedelta(hours=6)}
    with engine.begin() as conn:
        [fresh] = insert_events(conn, [EventRow(**after)])  # type: ignore[typeddict-item]
        enqueue(conn, [fresh], everywhere, T0 + timedelta(hours=6))
    assert owed(engine, [fresh]) == [fresh]


def test_held_events_released_while_their_report_is_muted_owe_nothing(engine: Engine) -> None:
    ledger = Ledger(engine)
    held = record(ledger, "r0", T0, draft("new", 0, "held"), draft("bulk_hold", 1, report=None))
    report = report_id(engine)
    attach(engine, held[:1], report)
    mutes.mute(engine, report, "desk", "", T0 + timedelta(minutes=5))
    released = release_hold(engine, held[1], everywhere)
    assert released == held[:1] and owed(engine, held[:1]) == []


@pytest.mark.parametrize(
    ("moment", "covered"),
    [(T0 - timedelta(seconds=1), False), (T0, True), (T0 + timedelta(hours=1, seconds=-1), True),
     (T0 + timedelta(hours=1), False)],
)  # fmt: skip
def test_a_mute_covers_from_its_start_until_its_end(moment: datetime, covered: bool) -> None:
    mute = mutes.Mute(1, T0, "desk", "", T0 + timedelta(hours=1))
    assert mute.covers(moment) is covered
    assert mutes.silenced([mute], moment) is covered
    assert mutes.silenced([mute], moment, now=T0 + timedelta(days=1)) is covered, "ended: not now"
    assert mutes.silenced([mutes.Mute(1, T0, "desk", "")], T0 - timedelta(days=1), now=T0)
    assert mute.covers(moment.replace(tzinfo=None)) is covered, "naive is UTC (SQLite)"

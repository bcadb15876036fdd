"""``pdf_versions``: migration 0009, versions numbered per report, refusals recorded once, the
stored flag tried again; SQLite, then PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, select, update

from ledger import pdf_versions
from ledger.db import _alembic_config, ensure_schema, make_engine
from ledger.models import PdfVersion, Report, Source
from ledger.pdf_versions import Holding, NewVersion

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
A, B, C = "a" * 64, "b" * 64, "c" * 64


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


def source(engine: Engine, name: str = "dhs-oig") -> int:
    with engine.begin() as conn:
        statement = insert(Source).values(name=name, healthy=True, created_at=T0)
        return int(conn.execute(statement.returning(Source.id)).scalar_one())


def report(engine: Engine, source_id: int, key: str, sha: str | None, path: str) -> int:
    """A report row whose current PDF is at ``path`` with digest ``sha``."""
    values = {
        "source_id": source_id, "key": key, "report_number": key, "title": f"Report {key}",
        "content_hash": "0" * 64, "first_seen_at": T0, "changed_at": T0, "components": [],
        "view_labels": [], "pdf_url": f"https://www.oig.dhs.gov{path}", "pdf_sha256": sha,
        "pdf_path": path.lower(),
    }  # fmt: skip
    with engine.begin() as conn:
        return int(conn.execute(insert(Report).values(**values).returning(Report.id)).scalar_one())


def holds(engine: Engine, report_id: int, sha: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(Report).where(Report.id == report_id).values(pdf_sha256=sha))


def rows(engine: Engine) -> list[tuple[int, int, str | None, bool, str | None]]:
    query = select(PdfVersion.report_id, PdfVersion.version, PdfVersion.sha256, PdfVersion.stored,
                   PdfVersion.store_reason).order_by(PdfVersion.report_id, PdfVersion.version)  # fmt: skip
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def test_migration_0009_adds_and_drops_pdf_versions(db_url: str) -> None:
    engine = make_engine(db_url)
    config = _alembic_config(engine)
    command.upgrade(config, "0008")
    assert not inspect(engine).has_table("pdf_versions")
    command.upgrade(config, "0009")
    columns = {c["name"]: c for c in inspect(engine).get_columns("pdf_versions")}
    assert {"report_id", "version", "sha256", "length", "url", "first_seen_at", "last_seen_at",
            "stored", "store_reason", "text_status", "text_reason", "pages"} <= set(columns)  # fmt: skip
    assert columns["sha256"]["nullable"] and columns["pages"]["nullable"]
    command.downgrade(config, "0008")
    assert not inspect(engine).has_table("pdf_versions")
    engine.dispose()


def test_a_new_digest_of_a_report_is_its_next_version(engine: Engine) -> None:
    sid = source(engine)
    one = report(engine, sid, "OIG-26-01", A, "/files/OIG-26-01.pdf")
    two = report(engine, sid, "OIG-26-02", B, "/files/OIG-26-02.pdf")
    plan = pdf_versions.plan(engine, sid, {A, B, C})
    assert plan.new == [
        Holding(one, A, "https://www.oig.dhs.gov/files/OIG-26-01.pdf"),
        Holding(two, B, "https://www.oig.dhs.gov/files/OIG-26-02.pdf"),
    ]
    new = [
        NewVersion(plan.new[0], 1000, True),
        NewVersion(plan.new[1], 2000, False, "archive unreachable: x"),
    ]
    pdf_versions.record(engine, new, {}, [], T0)
    assert rows(engine) == [(one, 1, A, True, None), (two, 1, B, False, "archive unreachable: x")]
    assert pdf_versions.plan(engine, sid, {A}).new == [], "recorded: nothing more to add"
    holds(engine, one, C)  # the PDF was replaced
    plan = pdf_versions.plan(engine, sid, {C})
    pdf_versions.record(
        engine, [NewVersion(plan.new[0], 1200, True)], {}, [], T0 + timedelta(hours=1)
    )
    holds(engine, one, A)  # ... and put back: a version it already has
    assert pdf_versions.plan(engine, sid, {A}).new == []
    [first, second] = pdf_versions.versions(engine, one)
    assert (first.version, first.sha256, first.length) == (1, A, 1000)
    assert (second.version, second.sha256, second.length, second.stored) == (2, C, 1200, True)
    assert second.first_seen_at > first.first_seen_at
    assert pdf_versions.stored_digests(engine) == {A, C}


def test_versions_not_stored_are_tried_again(engine: Engine) -> None:
    sid = source(engine)
    one = report(engine, sid, "OIG-26-01", A, "/files/a.pdf")
    plan = pdf_versions.plan(engine, sid, {A})
    pdf_versions.record(
        engine, [NewVersion(plan.new[0], 10, False, "archive unreachable: x")], {}, [], T0
    )
    plan = pdf_versions.plan(engine, sid, {A})
    [waiting] = plan.unstored[A]
    assert plan.new == [] and waiting.reason == "archive unreachable: x"
    later = T0 + timedelta(days=1)
    pdf_versions.record(engine, [], {waiting.id: (True, None)}, plan.known[A], later)
    assert rows(engine) == [(one, 1, A, True, None)]
    [version] = pdf_versions.versions(engine, one)
    assert version.last_seen_at == later and version.first_seen_at == T0


def test_digests_are_matched_within_one_source(engine: Engine) -> None:
    mine, other = source(engine), source(engine, "another-ig")
    report(engine, other, "X-1", A, "/x.pdf")
    assert pdf_versions.plan(engine, mine, {A}).new == []
    assert len(pdf_versions.plan(engine, other, {A}).new) == 1


def test_a_refused_pdf_is_recorded_once_per_url(engine: Engine) -> None:
    sid = source(engine)
    one = report(engine, sid, "OIG-26-01", A, "/files/Big.pdf")
    pdf_versions.record(engine, [NewVersion(Holding(one, A, "u"), 1, True)], {}, [], T0)
    url = "https://www.oig.dhs.gov/files/Big.pdf"
    refusals = {
        "/files/big.pdf": (url, "larger than max_pdf_bytes: response larger than 10 bytes refused")
    }
    assert pdf_versions.refused(engine, sid, refusals, T0) == 1
    assert pdf_versions.refused(engine, sid, refusals, T0 + timedelta(hours=6)) == 0, "once"
    assert rows(engine) == [
        (one, 1, A, True, None),
        (one, 2, None, False, "larger than max_pdf_bytes: response larger than 10 bytes refused"),
    ]
    assert pdf_versions.refused(engine, sid, {"/files/unknown.pdf": (url, "x")}, T0) == 0

"""Figure 3: compare + gate + record of a 5,000-entry crawl result into a 100,000-report ledger.

The ledger is filled by bulk Core inserts into the tables of ledger/models.py (after an
empty baseline run recorded by ``Ledger.record``), one version per report. Then only the parent's
steps after a crawl are timed, called as crawler/check.py calls them, on a result shaped like the
crawl child's. Each repetition lists 10 fresh new reports and revises 10 reports not revised
before, so the repetitions need no reset of the ledger. Probes time the steps inside them.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from benchmarks.common import Figure, LoadMeter
from benchmarks.probes import Probes, compare_targets, record_targets
from benchmarks.synthetic import crawl_result, stored_state, stored_states, view_infos
from config.settings import Settings
from crawler.check import (
    Check,
    CheckOptions,
    Timing,
    admit_rows,
    compare,
    crawl_rules,
    decide_events,
    expand_views,
    run_record,
)
from crawler.clock import utcnow
from crawler.contract import CrawlJob, SourcePlan
from crawler.diff import Diff
from crawler.fetch import CrawlOutcome
from crawler.health import Verdict, assess
from crawler.state import ReportState
from ledger.db import ensure_schema, make_engine
from ledger.models import Report, ReportVersion
from ledger.store import Ledger, RunRecord

LEDGER_REPORTS = 100_000
RUN_REPORTS = 2_500  # two entries each: 5,000 entries
NEW, REVISED = 10, 10
BUILD_BATCH = 5_000
TOTAL_GOAL = 1.0
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class ScaleResult:
    figures: list[Figure] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


def _columns(state: ReportState, digest: str) -> dict[str, Any]:
    """The reports columns of a state (as ledger.store.state_columns, hash supplied)."""
    values = {f.name: getattr(state, f.name) for f in fields(ReportState)}
    values["issue_date"] = date.fromisoformat(state.issue_date) if state.issue_date else None
    values["components"] = list(state.components)
    values["view_labels"] = list(state.view_labels)
    return {**values, "content_hash": digest}


def fill(ledger: Ledger, settings: Settings, reports: int) -> int:
    """A ledger holding ``reports`` settled reports, one version each, after a silent baseline.

    Bulk Core inserts into the tables of ledger/models.py. Only the newest reports, which
    the timed runs list, get their real content hash and version data: hashing all 100,000 would
    take longer than the rest of the benchmark, and nothing timed reads the others' hashes.
    """
    source = settings.sources[0]
    source_id = ledger.source_id(source.name)
    exact = [stored_state(i) for i in range(reports - RUN_REPORTS, reports)]
    if exact[:50] != stored_states(range(reports - RUN_REPORTS, reports - RUN_REPORTS + 50),
                                   view_infos(source)):  # fmt: skip
        raise RuntimeError("synthetic stored states differ from what the crawler would store")
    now = utcnow()
    baseline = RunRecord(run_key=uuid.uuid4().hex, source_id=source_id, sweep="deep",
                         started_at=now, finished_at=now, outcome="baseline",
                         verdict=Verdict(True, complete=True), diff=Diff())  # fmt: skip
    run_id = ledger.record(baseline).run_id
    common = {"source_id": source_id, "status": "active", "missing_sweeps": 0,
              "first_seen_at": now, "changed_at": now, "pdf_checked_at": now}  # fmt: skip
    exact_data = {s.key: s.to_json() for s in exact}
    with ledger.engine.begin() as conn:
        for start in range(0, reports, BUILD_BATCH):
            states = [stored_state(i) for i in range(start, min(start + BUILD_BATCH, reports))]
            digests = {
                s.key: s.content_hash if s.key in exact_data else _cheap_hash(s) for s in states
            }
            conn.execute(
                insert(Report), [{**_columns(s, digests[s.key]), **common} for s in states]
            )
            query = select(Report.key, Report.id).where(Report.key.in_(list(digests)))
            ids: dict[str, int] = {key: rid for key, rid in conn.execute(query)}
            versions = [
                {"report_id": ids[s.key], "content_hash": digests[s.key], "run_id": run_id,
                 "seen_at": now, "data": exact_data.get(s.key) or _json_data(s)}
                for s in states
            ]  # fmt: skip
            conn.execute(insert(ReportVersion), versions)
    return source_id


def _json_data(state: ReportState) -> dict[str, Any]:
    """Version data of the same shape and size as ReportState.to_json (labels not derived)."""
    data = {f.name: getattr(state, f.name) for f in fields(ReportState)}
    return {**data, "components": list(state.components), "view_labels": [], "labels": []}


def _cheap_hash(state: ReportState) -> str:
    return hashlib.sha256(f"{state.key}|{state.title}|{state.summary}".encode()).hexdigest()


def time_steps(ledger: Ledger, settings: Settings, rep: int) -> dict[str, float]:
    """One repetition: a crawl result of 5,000 entries, 10 new and 10 revised; seconds per step."""
    known = list(range(LEDGER_REPORTS - RUN_REPORTS + NEW, LEDGER_REPORTS))  # the newest reports
    revised = set(known[: (rep + 1) * REVISED])  # revised titles: this repetition's and earlier
    new = list(range(LEDGER_REPORTS + rep * NEW, LEDGER_REPORTS + (rep + 1) * NEW))
    crawl = CrawlOutcome(crawl_result(known, revised, new))
    assert crawl.result is not None
    source = settings.sources[0]
    plan = SourcePlan(source.name, source.base_url, source.hosts)
    job = CrawlJob(
        uuid.uuid4().hex, "deep", plan, expand_views(source), crawl_rules(settings.crawl)
    )
    verdict = assess(crawl.result, [], None, deep=False)  # partial: nothing can go missing
    check = Check.open(ledger, settings, settings.sources[0], CheckOptions(sweep="deep"))
    probes = Probes()
    with probes.wrap([*compare_targets(), *record_targets()]):
        return _timed_steps(check, job, crawl, verdict, probes)


def _timed_steps(check: Check, job: CrawlJob, crawl: CrawlOutcome, verdict: Verdict,
                 probes: Probes) -> dict[str, float]:  # fmt: skip
    """The spine's steps after the crawl (crawler/check.py check_source), timed."""
    started = utcnow()
    t0 = time.perf_counter()
    admitted = admit_rows(crawl)
    diff = compare(check, job, crawl, admitted, verdict)
    t1 = time.perf_counter()
    finished = started + timedelta(seconds=1)
    events = decide_events(check, job.run_key, diff, "healthy", verdict, finished)
    t2 = time.perf_counter()
    record = run_record(check, job, crawl, verdict, "healthy", diff, events,
                        Timing(started, finished), admitted)  # fmt: skip
    recorded = check.ledger.record(record)
    t3 = time.perf_counter()

    kinds = [c.kind for c in diff.changes]
    found = (kinds.count("new"), kinds.count("revised"), len(recorded.event_ids))
    if found != (NEW, REVISED, NEW + REVISED) or diff.updates:
        raise RuntimeError(f"unexpected diff: {found[0]} new, {found[1]} revised, {found[2]}"
                           f" events, {len(diff.updates)} silent updates")  # fmt: skip
    steps = {"compare": t1 - t0, "gate": t2 - t1, "record": t3 - t2, "total": t3 - t0}
    return {**steps, **probes.seconds}


def measure(label: str, url: str, settings: Settings, reps: int) -> ScaleResult:
    """Fill a ledger at ``url`` and time ``reps`` repetitions of the parent's post-crawl steps."""
    engine = make_engine(url)
    try:
        ensure_schema(engine)
        ledger = Ledger(engine)
        started = time.perf_counter()
        fill(ledger, settings, LEDGER_REPORTS)
        if engine.dialect.name == "sqlite":  # a long-lived ledger's WAL is small: fold it in
            raw = engine.raw_connection()  # outside a transaction (the engine BEGINs on use)
            try:
                raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        built = time.perf_counter() - started
        meter, steps = LoadMeter(), []
        for rep in range(reps):
            with meter.measure():
                steps.append(time_steps(ledger, settings, rep))
    finally:
        engine.dispose()
    group = f"3 5,000 entries into a 100k ledger, {label}"
    result = ScaleResult(info={"build_seconds": built, "steps": steps})
    titles = {"compare": "compare (crawler.check.compare)", "gate": "event gates (decide_events)",
              "record": "record (Ledger.record)", "total": "compare + gates + record"}  # fmt: skip
    for name, title in titles.items():
        goal = TOTAL_GOAL if name == "total" else None
        result.figures.append(Figure(group, title, "s", [s[name] for s in steps], goal))
    load = meter.figure(group)
    if engine.dialect.name == "postgresql":
        load.note = "(includes the PostgreSQL server's own work)"
    result.figures.append(load)
    detail = f"3 detail: {label}"
    for name in steps[0]:
        if name not in titles:
            result.figures.append(Figure(detail, name, "s", [s.get(name, 0.0) for s in steps]))
    return result


@contextmanager
def scratch_postgres(admin_url: str = PG_ADMIN_URL) -> Iterator[str | None]:
    """A database of our own on the local PostgreSQL (dropped after), or None when none answers."""
    name = f"oigwatch_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        admin.dispose()
        yield None
        return
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

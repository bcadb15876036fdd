"""Figure: how fast the command line answers (issue #12): ``oigwatch --help`` and ``oigwatch
changes`` on a 100,000-report ledger.

The ledger is the one of figure 3 (``benchmarks.ledger_scale.fill``: 100,000 settled reports, one
version each, after a silent baseline), plus one change event per report (``new`` for most,
``revised`` with its changes for every tenth, shaped by ``benchmarks.feeds``), all published, and a
mute on 100 reports: 100,000 events. Each command is a fresh ``oigwatch`` process (interpreter
start, imports, config, query, output), timed by wall clock, 5 runs.

``python -m benchmarks.cli_start`` runs this figure alone.
"""

from __future__ import annotations

import random
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import OIGWATCH, Figure, run_measured, table, write_config

LEDGER_REPORTS = 100_000
RUNS = 5
HELP_GOAL, CHANGES_GOAL = 0.3, 0.5  # seconds, issue #12
EVENT_BATCH = 5_000


def build_ledger(db_url: str, config: Path, reports: int = LEDGER_REPORTS) -> int:
    """A ledger of ``reports`` reports (figure 3's) with one published event each and 100 mutes;
    the number of events."""
    from sqlalchemy import insert, select

    from benchmarks.feeds import events as feed_events
    from benchmarks.ledger_scale import fill
    from config.settings import load_settings
    from ledger.db import ensure_schema, make_engine
    from ledger.models import ChangeEvent, CrawlRun, Report, ReportMute
    from ledger.store import Ledger

    settings = load_settings(config)
    engine = make_engine(db_url)
    try:
        ensure_schema(engine)
        source_id = fill(Ledger(engine), settings, reports)
        shapes = [e for e in feed_events(2_000) if e["report_number"]]
        rng = random.Random(12)
        moment = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
        with engine.begin() as conn:
            run_id = conn.scalar(select(CrawlRun.id).order_by(CrawlRun.id.desc()).limit(1))
            assert run_id is not None, "the filled ledger has its runs"
            ids = list(conn.scalars(select(Report.id).order_by(Report.id)))
            for start in range(0, len(ids), EVENT_BATCH):
                rows = []
                for offset, report_id in enumerate(ids[start : start + EVENT_BATCH], start):
                    moment += timedelta(seconds=rng.choice((1, 1, 1, 600)))
                    rows.append(_event_row(shapes[offset % len(shapes)], source_id, run_id,
                                           report_id, offset, moment))  # fmt: skip
                conn.execute(insert(ChangeEvent), rows)
            muted = [{"report_id": report_id, "muted_at": moment - timedelta(days=30),
                      "muted_by": "bench", "reason": "benchmark"}
                     for report_id in ids[-1000::10]]  # fmt: skip
            conn.execute(insert(ReportMute), muted)
        if engine.dialect.name == "sqlite":
            raw = engine.raw_connection()
            try:
                raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        return len(ids)
    finally:
        engine.dispose()


def _event_row(shape: dict[str, Any], source_id: int, run_id: int, report_id: int, n: int,
               moment: datetime) -> dict[str, Any]:  # fmt: skip
    kind = "revised" if n % 10 == 0 and shape["changes"] else "new"
    skip = {"event_id", "kind", "source", "status", "detected_at"}
    payload = {k: v for k, v in shape.items() if k not in skip}
    if kind == "new":
        payload["changes"] = []
    return {"dedupe_key": f"bench:{uuid.uuid4().hex}", "source_id": source_id, "run_id": run_id,
            "report_id": report_id, "kind": kind, "status": "published", "detected_at": moment,
            "payload": payload}  # fmt: skip


def run_cli_start(workdir: Path) -> list[Figure]:
    """``oigwatch --help`` and ``oigwatch changes`` (its default: the latest changes) on a
    100,000-report SQLite ledger, each a fresh process, wall seconds of 5 runs."""
    config = write_config(workdir)
    db_url = f"sqlite:///{workdir / 'cli.db'}"
    events = build_ledger(db_url, config)
    group = "12 command line start-up"
    helps = Figure(group, "oigwatch --help", "s", goal=HELP_GOAL)
    listed = Figure(group, f"oigwatch changes, {events:,} events", "s", goal=CHANGES_GOAL)
    commands = [
        (helps, [str(OIGWATCH), "--help"]),
        (listed, [str(OIGWATCH), "changes", "--config", str(config), "--db", db_url]),
    ]
    for figure, argv in commands:
        run_measured(argv, workdir)  # warm the file cache
        for _ in range(RUNS):
            done = run_measured(argv, workdir)
            if done.returncode != 0:
                raise RuntimeError(f"oigwatch {argv[1]} failed: {done.stderr[-500:]}")
            if figure is listed and done.stdout.count(" · detected ") != 100:
                raise RuntimeError("oigwatch changes did not list the last 100 changes")
            figure.samples.append(done.wall)
    return [helps, listed]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="oigwatch-cli-start-") as tmp:
        print(table(run_cli_start(Path(tmp))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

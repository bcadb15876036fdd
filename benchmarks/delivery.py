"""Figures 5-7: the delivery worker against a local Slack (tests/support/fake_slack.FakeSlack).

5. latency from the commit of a run to Slack receiving the alert (real clock, polling worker);
6. draining 1,000 due deliveries across 10 channels paced at 1 message/s (simulated clock);
7. the RSS of a worker over 10,000 deliveries (simulated clock, no pacing).

Events are recorded as the test bench records them (``tests/support/desk.py``: ``Ledger.record``
with a router, so the deliveries are enqueued in the run's transaction).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks.common import REPO, Figure, status_mb
from benchmarks.ledger_scale import scratch_postgres
from config.settings import load_settings
from ledger.db import ensure_schema, make_engine
from ledger.models import Delivery
from ledger.store import Ledger
from notifier.worker import Worker

sys.path.insert(0, str(REPO / "tests"))
from support.desk import Clock, Desk, report
from support.fake_slack import FakeSlack

TOKEN = "xoxb-bench"
CHANNELS = 10
LATENCY_SAMPLES = 12
POLL = 0.05  # the polling worker's pause between passes (figure 5)
NUMBER = re.compile(r"BENCH-\d{5}")


def _config(api: str, channels: int, interval: float, burst: int) -> str:
    """``channels`` Slack targets, and a route per target taking one component (C00, C01, ...)."""
    parts = [f"[delivery]\nchannel_interval = {interval}\nburst_digest = {burst}\n"]
    for i in range(channels):
        parts.append(
            f'[[targets]]\nkind = "slack"\nname = "desk-{i:02d}"\nchannel = "C-{i:02d}"\n'
            f'base_url = "{api}"\ntimeout = 5\n'
        )
    for i in range(channels):
        parts.append(
            f'[[routes]]\nname = "route-{i:02d}"\ntarget = "desk-{i:02d}"\n'
            f'components = ["C{i:02d}"]\n'
        )
    return "\n".join(parts)


class RealClock(Clock):
    """The bench's clock, but real: a polling worker on the real clock finds the events due."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@contextmanager
def _desk(
    url: str, workdir: Path, *, interval: float, burst: int, clock: Clock | None = None
) -> Iterator[Desk]:
    """A fresh ledger at ``url``, a FakeSlack with 10 channels, settings pointing at it."""
    channels = tuple(f"C-{i:02d}" for i in range(CHANNELS))
    previous = os.environ.get("OIGWATCH_SLACK_TOKEN")
    os.environ["OIGWATCH_SLACK_TOKEN"] = TOKEN  # read by the transport at send time
    try:
        with FakeSlack(token=TOKEN, channels=channels) as slack:
            config = workdir / "delivery.toml"
            config.write_text(_config(slack.api_url, CHANNELS, interval, burst), encoding="utf-8")
            settings = load_settings(config, environ={})
            engine = make_engine(url)
            ensure_schema(engine)
            try:
                yield Desk(Ledger(engine), settings, slack, clock or Clock())
            finally:
                engine.dispose()
    finally:
        if previous is None:
            os.environ.pop("OIGWATCH_SLACK_TOKEN", None)
        else:
            os.environ["OIGWATCH_SLACK_TOKEN"] = previous


def _events(start: int, count: int) -> list[dict[str, Any]]:
    """``count`` new-report events, spread round-robin over the 10 routes (one channel each)."""
    return [
        report(f"BENCH-{n:05d}", components=(f"C{n % CHANNELS:02d}",))
        for n in range(start, start + count)
    ]


def _sqlite(workdir: Path, name: str) -> str:
    path = workdir / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _close(worker: Any) -> None:
    """Stop the worker's send threads, if this version of the Worker keeps a pool."""
    close = getattr(worker, "close", None)
    if close is not None:
        close()


def _clear(slack: FakeSlack) -> None:
    """Forget the messages and requests FakeSlack keeps (they would grow without bound)."""
    for inbox in (slack._messages, slack._requests):
        with inbox._cond:
            inbox._items.clear()


# -- figure 5 ------------------------------------------------------------------------------------


def latency(workdir: Path) -> list[float]:
    """Seconds from the commit of a one-event run to FakeSlack receiving its message."""
    samples: list[float] = []
    url = _sqlite(workdir, "latency")
    with _desk(url, workdir, interval=1.0, burst=5, clock=RealClock()) as desk:
        worker = desk.worker("poller")
        stop = threading.Event()

        def poll() -> None:
            while not stop.is_set():
                worker.run_once()
                time.sleep(POLL)

        thread = threading.Thread(target=poll, name="poller", daemon=True)
        thread.start()
        try:
            last = time.monotonic() - 2
            for n in range(LATENCY_SAMPLES):
                # past the channel's 1 s pacing, and at a varying phase of the 50 ms poll
                time.sleep(max(0.0, last + 1.05 - time.monotonic()) + (n % 5) * 0.011)
                desk.publish(*_events(n, 1))
                committed = time.monotonic()
                message = desk.slack.wait_for(n + 1, timeout=10)[n]
                samples.append(message.received_at - committed)
                last = message.received_at
        finally:
            stop.set()
            thread.join(timeout=10)
            _close(worker)
    return samples


# -- figure 6 ------------------------------------------------------------------------------------


class MeasuredWorker(Worker):
    """A worker that adds up the CPU time of its own threads (FakeSlack's threads excluded)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.send_cpu = 0.0
        self._lock = threading.Lock()

    def _deliver(self, claim: Any) -> tuple[str, int, str]:
        started = time.thread_time()
        try:
            return super()._deliver(claim)
        finally:
            with self._lock:
                self.send_cpu += time.thread_time() - started


@dataclass
class Drain:
    simulated: float
    wall: float
    cpu: float
    record: float
    oigwatch_cpu: float
    messages: int
    problems: list[str] = field(default_factory=list)


def drain(url: str, workdir: Path, count: int = 1000) -> Drain:
    """Record ``count`` due deliveries (10 channels) and drain them with the simulated clock."""
    with _desk(url, workdir, interval=1.0, burst=10_000) as desk:
        started = time.perf_counter()
        for start in range(0, count, 100):
            desk.publish(*_events(start, 100))
        record = time.perf_counter() - started
        worker = MeasuredWorker(
            desk.ledger.engine,
            desk.settings,
            clock=desk.clock.now,
            sleep=desk.clock.sleep,
            name="drainer",
        )
        begin = desk.clock.now()
        wall, cpu, main = time.perf_counter(), time.process_time(), time.thread_time()
        tally = worker.drain()
        main = time.thread_time() - main
        _close(worker)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        simulated = (desk.clock.now() - begin).total_seconds()
        problems = _check(desk, count, tally.sent, tally.errors)
        own = main + worker.send_cpu
        return Drain(simulated, wall, cpu, record, own, tally.messages, problems)


def _check(desk: Desk, count: int, sent: int, errors: list[str]) -> list[str]:
    """Every delivery sent, exactly once, to its own channel."""
    problems = []
    messages = desk.slack.messages
    numbers = Counter(n for msg in messages for n in set(NUMBER.findall(msg.text or "")))
    per_channel = Counter(msg.channel for msg in messages)
    with desk.ledger.engine.connect() as conn:
        statuses = dict(
            conn.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
        )
    if sent != count or len(messages) != count:
        problems.append(f"sent {sent}, Slack received {len(messages)}, expected {count}")
    if len(numbers) != count or any(n != 1 for n in numbers.values()):
        dupes = sum(1 for n in numbers.values() if n > 1)
        problems.append(f"{len(numbers)} distinct reports in Slack, {dupes} more than once")
    if set(per_channel.values()) != {count // CHANNELS}:
        problems.append(f"per channel: {dict(per_channel)}")
    if statuses != {"sent": count}:
        problems.append(f"delivery statuses: {statuses}")
    if errors:
        problems.append(f"{len(errors)} errors, first: {errors[0]}")
    return problems


def drain_figures(label: str, url_for: Any, workdir: Path, runs: int) -> tuple[list[Figure], Any]:
    group = f"6 drain 1,000 deliveries, 10 channels, 1 msg/s, {label}"
    simulated = Figure(group, "simulated time to drain", "s", note="expect ≈ 100")
    wall = Figure(group, "wall", "s")
    cpu = Figure(group, "CPU, process incl. FakeSlack threads", "CPU-s")
    own = Figure(group, "CPU of oigwatch's own threads (worker + sends)", "CPU-s", goal=5.0)
    record = Figure(group, "recording the 1,000 (10 runs of 100)", "s")
    info: list[dict[str, Any]] = []
    for run in range(runs):
        result = drain(url_for(run), workdir)
        simulated.samples.append(result.simulated)
        wall.samples.append(result.wall)
        cpu.samples.append(result.cpu)
        own.samples.append(result.oigwatch_cpu)
        record.samples.append(result.record)
        info.append(result.__dict__)
        if result.problems:
            print(f"6 {label} run {run + 1}: NOT exactly once: {result.problems}", flush=True)
    bad = sum(1 for i in info if i["problems"])
    check = "all 1,000 sent exactly once" if not bad else f"{bad} of {runs} runs WRONG"
    simulated.note = f"expect ≈ 100; {check}"
    return [simulated, wall, own, cpu, record], info


# -- figure 7 ------------------------------------------------------------------------------------


def memory(workdir: Path, total: int = 10_000, every: int = 1000) -> dict[str, Any]:
    """RSS after every ``every`` deliveries of ``total`` (no pacing, no digests)."""
    url = _sqlite(workdir, "memory")
    with _desk(url, workdir, interval=0.0, burst=10_000) as desk:
        for start in range(0, total, 1000):
            desk.publish(*_events(start, 1000))
        worker = desk.worker("memory")
        before = status_mb()
        rss: list[float] = []
        received = 0
        sent = 0
        started = time.perf_counter()
        while sent < total:
            tally = worker.run_once()
            sent += tally.sent
            if tally.messages == 0:
                if worker.next_due() is None:
                    break
                desk.clock.sleep(1.0)
            if sent >= every * (len(rss) + 1):
                received += len(desk.slack.messages)
                _clear(desk.slack)
                rss.append(status_mb())
        wall = time.perf_counter() - started
        _close(worker)
    return {"rss_mb": rss, "before_mb": before, "sent": sent, "received": received, "wall": wall}


# -- all -----------------------------------------------------------------------------------------


def run_delivery(workdir: Path, runs: int, admin_url: str | None) -> tuple[list[Figure], Any]:
    """Figures 5, 6 (SQLite, and PostgreSQL when ``admin_url`` answers) and 7."""
    figures: list[Figure] = []
    raw: dict[str, Any] = {}
    print(f"5: delivery latency, commit to Slack, {LATENCY_SAMPLES} samples ...", flush=True)
    group = "5 delivery latency, SQLite file, worker polling every 50 ms"
    samples = latency(workdir)
    figures.append(Figure(group, "commit → FakeSlack received", "s", samples, goal=1.0))
    raw["latency_seconds"] = samples

    print(f"6: draining 1,000 deliveries over 10 channels, SQLite, {runs} runs ...", flush=True)
    found, raw["drain_sqlite"] = drain_figures(
        "SQLite", lambda run: _sqlite(workdir, f"drain-{run}"), workdir, runs
    )
    figures += found
    if admin_url is None:
        raw["drain_postgresql"] = "skipped (--no-postgres)"
    else:
        with scratch_postgres(admin_url) as pg_url:
            if pg_url is None:
                print(f"6: PostgreSQL not reachable at {admin_url}: skipped", flush=True)
                raw["drain_postgresql"] = f"skipped: {admin_url} not reachable"
            else:
                print(f"6: the same on PostgreSQL, {runs} runs ...", flush=True)
                found, raw["drain_postgresql"] = drain_figures(
                    "PostgreSQL", lambda run: _fresh_postgres(pg_url), workdir, runs
                )
                figures += found

    print("7: worker RSS over 10,000 deliveries ...", flush=True)
    mem = memory(workdir)
    raw["memory"] = mem
    rss = mem["rss_mb"]
    group = "7 worker memory, 10,000 deliveries, no pacing, SQLite"
    ok = mem["sent"] == 10_000 and mem["received"] == 10_000
    note = (
        f"first {rss[0]:.1f}, last {rss[-1]:.1f}, max {max(rss):.1f} MB" if rss else "no samples"
    ) + ("" if ok else f"; sent {mem['sent']}, received {mem['received']}: WRONG")
    figures.append(Figure(group, "RSS after each 1,000 deliveries", "MB", rss, note=note))
    growth = [rss[-1] - rss[0]] if rss else []
    figures.append(Figure(group, "RSS growth after the first 1,000", "MB", growth, goal=10.0))
    return figures, raw


def _fresh_postgres(url: str) -> str:
    """The scratch database, emptied of the previous run's ledger."""
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)
    engine.dispose()
    return url

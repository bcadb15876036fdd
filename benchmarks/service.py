"""Figures 9 and 10: the service (``oigwatch run``) in its own process against the fixture site.

9. quick polls of an unchanged site (stable tie order, so every page answers 304): requests,
   bytes, pages parsed and CPU seconds per cycle of the whole process tree (the service and
   every crawl process it starts, live or reaped), and of the service alone;
10. the service's resident memory, and its largest crawl process's, after 50 cycles and after all
   of them (500 by default), with
   the quick interval shortened so cycles run back to back. The web side is on (port 0).

The cycles are the service's own schedule, not a loop of ours: we only watch the ledger.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from benchmarks.common import (
    OIGWATCH,
    Figure,
    SiteProcess,
    descendants,
    process_cpu,
    run_measured,
    status_mb,
    tree_cpu,
)

REQUESTS_GOAL, RSS_GOAL, GROWTH_GOAL = 13.0, 200.0, 10.0
TREE_CPU_GOAL, WORKER_RSS_GOAL, WORKER_GROWTH_GOAL = 0.1, 250.0, 20.0  # issue #12
WARM = 50  # cycles before the memory baseline


def _quick_runs(db_url: str) -> list[dict[str, Any]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("select outcome, events, stats from crawl_runs where sweep = 'quick'"
                     " order by id")
            ).all()  # fmt: skip
    finally:
        engine.dispose()
    return [
        {"outcome": r.outcome, "events": r.events,
         **(json.loads(r.stats) if isinstance(r.stats, str) else dict(r.stats))}
        for r in rows
    ]  # fmt: skip


def _count(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text("select count(*) from crawl_runs where sweep = 'quick'")))
    finally:
        engine.dispose()


def _wait_for(db_url: str, cycles: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60 + cycles * 10
    while _count(db_url) < cycles:
        if proc.poll() is not None:
            raise RuntimeError(f"oigwatch run exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the service did not reach {cycles} cycles (see {log})")
        time.sleep(0.1)


@dataclass(frozen=True)
class Sample:
    """The service's process tree at one moment."""

    service_cpu: float
    tree_cpu: float
    service_rss: float
    crawl_rss: float  # the largest live crawl process (0 when none is alive)
    at: float


def _sample(pid: int) -> Sample:
    crawl = [status_mb("VmRSS", child) for child in descendants(pid)]
    return Sample(
        process_cpu(pid),
        tree_cpu(pid),
        status_mb("VmRSS", pid),
        max((mb for mb in crawl if mb == mb), default=0.0),
        time.perf_counter(),
    )


def run_service(
    workdir: Path, config: Path, site: SiteProcess, cycles: int
) -> tuple[list[Figure], dict[str, Any]]:
    """Baseline with the CLI, then watch ``oigwatch run`` make ``cycles`` quick polls."""
    db_url = f"sqlite:///{workdir / 'service.db'}"
    subprocess.run(
        [str(OIGWATCH.parent / "python"), "-m", "fixture_site", "mutate", site.base_url,
         '{"op": "tie_shuffle", "mode": "stable"}'],
        check=True, capture_output=True,
    )  # fmt: skip
    baseline = run_measured(
        [str(OIGWATCH), "crawl", "--deep", "--no-deliver", "--config", str(config),
         "--db", db_url, "--base-url", site.base_url], workdir,
    )  # fmt: skip
    if baseline.returncode != 0:
        raise RuntimeError(f"baseline failed:\n{baseline.stderr}")
    env = {
        **os.environ,
        "OIGWATCH_SERVICE__QUICK_INTERVAL": "0.2",
        "OIGWATCH_SERVICE__DEEP_INTERVAL": str(30 * 86400),
        "OIGWATCH_SERVICE__JITTER": "0",
    }
    log = workdir / "service.log"
    argv = [str(OIGWATCH), "run", "--config", str(config), "--db", db_url,
            "--base-url", site.base_url, "--port", "0"]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            started = time.perf_counter()
            _wait_for(db_url, 1, proc, log)
            _wait_for(db_url, WARM, proc, log)
            warm = _sample(proc.pid)
            _wait_for(db_url, cycles, proc, log)
            done = _sample(proc.pid)
            measured = _count(db_url)  # a cycle may have finished since
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=120)
    runs = _quick_runs(db_url)
    span = max(measured - WARM, 1)
    parent = (done.service_cpu - warm.service_cpu) / span
    tree = (done.tree_cpu - warm.tree_cpu) / span
    worker = bool(warm.crawl_rss and done.crawl_rss)  # a long-lived crawl process to watch
    worker_note = "" if worker else "no crawl process alive at both samples (one per poll)"
    group8, group9 = "9 quick poll, service, 304s", "10 service memory"
    figures = [
        Figure(group8, "requests per cycle", "count", [float(r["requests"]) for r in runs], REQUESTS_GOAL,
               note="one per view (13 views)"),
        Figure(group8, "304 answers per cycle", "count", [float(r["not_modified"]) for r in runs]),
        Figure(group8, "pages parsed per cycle", "count",
               [float(r["requests"] - r["not_modified"]) for r in runs], 0.0),
        Figure(group8, "bytes received per cycle", "kB", [r["bytes"] / 1000 for r in runs]),
        Figure(group8, "CPU per cycle, whole process tree", "s", [tree], TREE_CPU_GOAL,
               note="service + every crawl process, live or reaped"),
        Figure(group8, "CPU per cycle, service process alone", "s", [parent]),
        Figure(group8, "CPU per cycle, crawl processes", "s", [tree - parent]),
        Figure(group8, "wall per cycle (back to back)", "s", [(done.at - warm.at) / span]),
        Figure(group9, f"service RSS after {WARM} cycles", "MB", [warm.service_rss]),
        Figure(group9, f"service RSS after {measured} cycles", "MB", [done.service_rss], RSS_GOAL),
        Figure(group9, f"service growth, cycles {WARM}-{measured}", "MB",
               [done.service_rss - warm.service_rss], GROWTH_GOAL),
        Figure(group9, f"largest crawl process RSS after {measured} cycles", "MB",
               [done.crawl_rss] if worker else [], WORKER_RSS_GOAL, note=worker_note),
        Figure(group9, f"crawl process growth, cycles {WARM}-{measured}", "MB",
               [done.crawl_rss - warm.crawl_rss] if worker else [], WORKER_GROWTH_GOAL,
               note=worker_note),
    ]  # fmt: skip
    info = {
        "cycles": measured,
        "seconds": time.perf_counter() - started,
        "exit_code_after_sigterm": code,
        "outcomes": sorted({r["outcome"] for r in runs}),
        "events": sum(r["events"] for r in runs),
    }
    return figures, info

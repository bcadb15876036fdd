"""Figures 9 and 10: the service (``oigwatch run``) in its own process against the fixture site.

9. quick polls of an unchanged site (stable tie order, so every page answers 304 and the quick
   poll's probe answers without a crawl): requests, bytes, pages parsed and CPU seconds per cycle
   of the whole process tree (the service and every crawl process it starts, live or reaped),
   and of the service alone;
10. the service's resident memory after 50 cycles and after all of them (500 by default), and
   the crawl worker's over a second run of as many polls in which the site reshuffles its tied
   rows on every request (no page is byte-identical) and its robots.txt answers 503 (never
   cached, so the probe hands every poll to the worker, which asks for it first), and the
   worker crawls each time (its RSS and growth, and its CPU per poll);
10b. the service's memory and CPU over as many polls of the reshuffling site with robots.txt
   cached: the probe parses the reshuffled pages in the service process, no worker runs.
The quick interval is shortened so cycles run back to back. The web side is on (port 0).

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


@dataclass(frozen=True)
class Watched:
    """One service run: its tree at cycle WARM and at the end, and the quick runs it recorded."""

    warm: Sample
    done: Sample
    measured: int
    runs: list[dict[str, Any]]
    exit_code: int
    seconds: float

    @property
    def span(self) -> int:
        return max(self.measured - WARM, 1)


def _watch(workdir: Path, config: Path, site: SiteProcess, cycles: int, ties: str,
           robots_fails: bool = False) -> Watched:  # fmt: skip
    """Baseline with the CLI, then watch ``oigwatch run`` make ``cycles`` quick polls of the
    site with its ties in ``ties`` order ("stable": every page answers 304; "shuffle": every
    page's bytes differ on each request, and robots.txt answers 503, so every poll crawls with
    the worker)."""
    name = f"{ties}{'-robots-fail' * robots_fails}"
    db_url = f"sqlite:///{workdir / f'service-{name}.db'}"
    ops: list[dict[str, Any]] = [{"op": "tie_shuffle", "mode": ties}, {"op": "clear_faults"}]
    if robots_fails:  # a robots.txt never cached: the probe leaves each poll to the worker
        ops.append({"op": "http_fault", "match": "/robots.txt", "kind": "status", "status": 503,
                    "count": -1})  # fmt: skip
    subprocess.run(
        [str(OIGWATCH.parent / "python"), "-m", "fixture_site", "mutate", site.base_url,
         json.dumps(ops)],
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
    log = workdir / f"service-{name}.log"
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
    seconds = time.perf_counter() - started
    return Watched(warm, done, measured, _quick_runs(db_url), code, seconds)


def run_service(
    workdir: Path, config: Path, site: SiteProcess, cycles: int
) -> tuple[list[Figure], dict[str, Any]]:
    """Figure 9 (an unchanged site, every page 304) and figure 10 (the same service while every
    poll crawls: the site reshuffles its ties and its robots.txt fails, so the probe never
    answers)."""
    still = _watch(workdir, config, site, cycles, "stable")
    parsing = _watch(workdir, config, site, cycles, "shuffle")
    busy = _watch(workdir, config, site, cycles, "shuffle", robots_fails=True)
    figures = _poll_figures(still) + _memory_figures(still, busy) + _parsing_figures(parsing)
    return figures, {
        "unchanged": _info(still),
        "reshuffled_read_by_the_probe": _info(parsing),
        "reshuffled_robots_failing": _info(busy),
    }


def _parsing_figures(run: Watched) -> list[Figure]:
    """10b: polls whose changed pages the probe parses in the service process itself."""
    group, n = "10b service, ties reshuffled (the probe parses)", run.measured
    tree = (run.done.tree_cpu - run.warm.tree_cpu) / run.span
    return [
        Figure(group, f"service RSS after {n} polls", "MB", [run.done.service_rss], RSS_GOAL),
        Figure(
            group,
            f"service growth, polls {WARM}-{n}",
            "MB",
            [run.done.service_rss - run.warm.service_rss],
            GROWTH_GOAL,
        ),
        Figure(
            group,
            "pages parsed per poll",
            "count",
            [float(r["requests"] - r["not_modified"]) for r in run.runs],
        ),
        Figure(
            group,
            "CPU per poll, whole process tree",
            "s",
            [tree],
            note="no crawl process: the probe reads the reshuffled pages",
        ),
    ]


def _info(run: Watched) -> dict[str, Any]:
    return {
        "cycles": run.measured,
        "seconds": run.seconds,
        "exit_code_after_sigterm": run.exit_code,
        "outcomes": sorted({r["outcome"] for r in run.runs}),
        "events": sum(r["events"] for r in run.runs),
    }


def _poll_figures(run: Watched) -> list[Figure]:
    warm, done, span, runs = run.warm, run.done, run.span, run.runs
    parent = (done.service_cpu - warm.service_cpu) / span
    tree = (done.tree_cpu - warm.tree_cpu) / span
    group = "9 quick poll, service, 304s"
    return [
        Figure(group, "requests per cycle", "count", [float(r["requests"]) for r in runs], REQUESTS_GOAL,
               note="one per view (13 views)"),
        Figure(group, "304 answers per cycle", "count", [float(r["not_modified"]) for r in runs]),
        Figure(group, "pages parsed per cycle", "count",
               [float(r["requests"] - r["not_modified"]) for r in runs], 0.0),
        Figure(group, "bytes received per cycle", "kB", [r["bytes"] / 1000 for r in runs]),
        Figure(group, "CPU per cycle, whole process tree", "s", [tree], TREE_CPU_GOAL,
               note="service + every crawl process, live or reaped"),
        Figure(group, "CPU per cycle, service process alone", "s", [parent]),
        Figure(group, "CPU per cycle, crawl processes", "s", [tree - parent]),
        Figure(group, "wall per cycle (back to back)", "s", [(done.at - warm.at) / span]),
    ]  # fmt: skip


def _memory_figures(still: Watched, busy: Watched) -> list[Figure]:
    group, n = "10 service memory", busy.measured
    worker = bool(busy.warm.crawl_rss and busy.done.crawl_rss)  # a long-lived crawl process
    note = "" if worker else "no crawl process alive at both samples"
    crawl_cpu = (busy.done.tree_cpu - busy.warm.tree_cpu - busy.done.service_cpu
                 + busy.warm.service_cpu) / busy.span  # fmt: skip
    return [
        Figure(group, f"service RSS after {WARM} cycles", "MB", [still.warm.service_rss]),
        Figure(group, f"service RSS after {still.measured} cycles", "MB", [still.done.service_rss],
               RSS_GOAL),
        Figure(group, f"service growth, cycles {WARM}-{still.measured}", "MB",
               [still.done.service_rss - still.warm.service_rss], GROWTH_GOAL),
        Figure(group, f"crawl worker RSS after {n} crawling polls", "MB",
               [busy.done.crawl_rss] if worker else [], WORKER_RSS_GOAL,
               note=note or "ties reshuffled: every poll crawls with the worker"),
        Figure(group, f"crawl worker growth, crawling polls {WARM}-{n}", "MB",
               [busy.done.crawl_rss - busy.warm.crawl_rss] if worker else [], WORKER_GROWTH_GOAL,
               note=note),
        Figure(group, "CPU per crawling poll, crawl worker", "s", [crawl_cpu],
               note="robots.txt fails: the probe leaves every poll to the worker"),
    ]  # fmt: skip

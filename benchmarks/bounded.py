"""Figure 11: memory of a crawl against decompression bombs (bounded work).

``oigwatch crawl --quick`` (the shipped source, 13 views) against the fixture site in its own
process, with seven views (the component filters CBP, ICE, MGMT, TSA, USCIS, USCG, USSS) each
answering a 1.5 GB gzip bomb (``http_fault`` ``gzip_bomb``: 1.5 MB on the wire) and the other six
answering normally; concurrency 4 (``OIGWATCH_CRAWL__CONCURRENCY``), the other crawl settings of
the test harness. A fresh SQLite ledger each run. The run must end unhealthy (exit 1) with the refusal as its reason.

Memory of the process tree (the ``oigwatch`` command and its crawl child) is measured three ways:

- **sum of each process's peak**: every 10 ms the tree is walked (``/proc/PID/task/*/children``)
  and each process's ``VmHWM`` (its own peak resident set, kept by the kernel) read; the sum of the
  last values is an upper bound of what the tree held at any one moment. The goal is on this one.
- **sampled tree RSS**: the largest sum of ``VmRSS`` over the tree at one sample (a lower bound:
  a peak between samples is missed);
- **largest process**: ``ru_maxrss`` of the command and its reaped children from ``os.wait4``.

``python -m benchmarks.bounded [--runs N] [--max-page-bytes N]`` runs this figure alone
(``--max-page-bytes 1073741824``, Scrapy's default ``DOWNLOAD_MAXSIZE``, shows the unbounded crawl).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from benchmarks.common import OIGWATCH, REPO, Figure, LoadMeter, SiteProcess, table, write_config

GROUP = "11 crawl against 7 gzip bombs of 1.5 GB, concurrency 4"
GOAL_MB = 300.0
# Faults match substrings: not 2 (FEMA), "field_dhs_agency_target_id=2" is in "...=2632" (CISA).
BOMB_VIEWS = tuple(f"field_dhs_agency_target_id={tid}" for tid in (1, 3, 4, 5, 6, 7, 8))
SAMPLE_SECONDS = 0.01


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def _tree(root: int) -> list[int]:
    """``root`` and all its descendants that are still alive."""
    pids, queue = [], [root]
    while queue:
        pid = queue.pop()
        pids.append(pid)
        queue += _children(pid)
    return pids


def _kb(pid: int, name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class TreeMemory:
    """What the sampler saw of one command's process tree."""

    peaks_kb: dict[int, int] = field(default_factory=dict)  # pid -> the last VmHWM read
    sampled_kb: int = 0  # the largest sum of VmRSS at one sample
    samples: int = 0

    def sample(self, root: int) -> None:
        total = 0
        for pid in _tree(root):
            rss, peak = _kb(pid, "VmRSS"), _kb(pid, "VmHWM")
            total += rss
            if peak:
                self.peaks_kb[pid] = max(self.peaks_kb.get(pid, 0), peak)
        self.sampled_kb = max(self.sampled_kb, total)
        self.samples += 1


@dataclass(frozen=True)
class BombRun:
    wall: float
    returncode: int
    maxrss_mb: float
    memory: TreeMemory
    outcome: str
    reason: str
    stats: dict[str, Any]


def _last_run(db_url: str) -> tuple[str, str, dict[str, Any]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("select outcome, reason, stats from crawl_runs order by id desc limit 1")
            ).one()
    finally:
        engine.dispose()
    stats = json.loads(row.stats) if isinstance(row.stats, str) else dict(row.stats or {})
    return row.outcome, row.reason, stats


def crawl(
    workdir: Path, config: Path, site: SiteProcess, index: int, max_page_bytes: int
) -> BombRun:
    """One ``oigwatch crawl --quick`` into a fresh ledger, its process tree sampled throughout."""
    db_url = f"sqlite:///{workdir / f'bombs-{index}.db'}"
    argv = [str(OIGWATCH), "crawl", "--config", str(config), "--db", db_url,
            "--base-url", site.base_url, "--quick", "--json"]  # fmt: skip
    env = {**os.environ, "OIGWATCH_CRAWL__CONCURRENCY": "4",
           "OIGWATCH_CRAWL__MAX_PAGE_BYTES": str(max_page_bytes)}  # fmt: skip
    memory = TreeMemory()
    with open(workdir / "bombs.stderr", "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=err)
        while True:
            memory.sample(proc.pid)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(SAMPLE_SECONDS)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    outcome, reason, stats = _last_run(db_url)
    return BombRun(wall, proc.returncode, usage.ru_maxrss / 1024, memory, outcome, reason, stats)


def run_bounded(
    workdir: Path, runs: int, max_page_bytes: int = 5_000_000
) -> tuple[list[Figure], dict[str, Any]]:
    """Figure 11: ``runs`` quick crawls against 7 bombs; peak memory of the process tree."""
    workdir = workdir / "bounded"
    workdir.mkdir(exist_ok=True)
    config = write_config(workdir)
    found: list[BombRun] = []
    with SiteProcess(300, 11, workdir) as site:
        for match in BOMB_VIEWS:
            bomb = {"op": "http_fault", "match": match, "kind": "gzip_bomb", "count": -1}
            site.control("POST", "mutate", bomb)
        _warm(site)
        meter = LoadMeter((site.pid,))
        for index in range(runs):
            with meter.measure():
                found.append(crawl(workdir, config, site, index, max_page_bytes))
    refused = all(r.returncode == 1 and "larger than" in r.reason for r in found)
    note = (
        "every run unhealthy, the refusal as reason"
        if refused
        else "WRONG: "
        + "; ".join(f"exit {r.returncode}, {r.outcome}: {r.reason[:120]}" for r in found)
    )
    group = GROUP if max_page_bytes == 5_000_000 else f"{GROUP}, max_page_bytes {max_page_bytes}"
    figures = [
        Figure(group, "sum of each process's peak (VmHWM)", "MB",
               [sum(r.memory.peaks_kb.values()) / 1024 for r in found], GOAL_MB, note=note),
        Figure(group, "tree RSS, largest 10 ms sample", "MB",
               [r.memory.sampled_kb / 1024 for r in found]),
        Figure(group, "largest process (ru_maxrss)", "MB", [r.maxrss_mb for r in found]),
        Figure(group, "wall", "s", [r.wall for r in found]),
        Figure(group, "bytes received", "kB", [r.stats.get("bytes", 0) / 1000 for r in found]),
        meter.figure(group),
    ]  # fmt: skip
    raw = {
        "max_page_bytes": max_page_bytes,
        "runs": [
            {"wall": r.wall, "returncode": r.returncode, "outcome": r.outcome, "reason": r.reason,
             "maxrss_mb": r.maxrss_mb, "sampled_tree_mb": r.memory.sampled_kb / 1024,
             "peaks_mb": {str(p): kb / 1024 for p, kb in r.memory.peaks_kb.items()},
             "samples": r.memory.samples, "stats": r.stats}
            for r in found
        ],
    }  # fmt: skip
    return figures, raw


def _warm(site: SiteProcess) -> None:
    """One request for a bomb, so the site builds it (0.3 s, once) before anything is timed."""
    url = f"{site.base_url}/reports/audits-inspections-and-evaluations?{BOMB_VIEWS[0]}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=60) as reply:
        reply.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bounded", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="crawls (default 5)")
    parser.add_argument("--max-page-bytes", type=int, default=5_000_000)
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument(
        "--output", type=Path, default=REPO / "benchmarks" / "results" / "bounded.json"
    )
    args = parser.parse_args(argv)
    LoadMeter.patience = args.wait_quiet
    with tempfile.TemporaryDirectory(prefix="oigwatch-bench-") as tmp:
        figures, raw = run_bounded(Path(tmp), args.runs, args.max_page_bytes)
    print(table(figures))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    raw["figures"] = [f.to_json() for f in figures]
    args.output.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    print(f"raw results: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

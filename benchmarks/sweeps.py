"""Figures 1 and 2: the whole ``oigwatch crawl`` command against the fixture site in another process."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from benchmarks.common import OIGWATCH, Figure, LoadMeter, Measured, SiteProcess, run_measured
from benchmarks.peer import Peer, compare, first_pages, listing_urls

WALL_GOAL, CPU_GOAL, RSS_GOAL, QUICK_WALL_GOAL = 5.0, 4.0, 250.0, 2.5
PEER_DEEP_GOAL, PEER_QUICK_GOAL = 0.9, 0.5  # oigwatch wall ÷ urlwatch wall (issue #12)


@dataclass
class SweepResults:
    """The figures, the run stats of each run, and the ledger left behind (baselined)."""

    figures: list[Figure] = field(default_factory=list)
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ledger_url: str = ""


def recent_runs(db_url: str, sweep: str, count: int) -> list[dict[str, Any]]:
    """The last ``count`` crawl_runs of a sweep kind, oldest first, with their stats JSON."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("select outcome, pages, rows, events, stats from crawl_runs where sweep = :s"
                     " order by id desc limit :n"), {"s": sweep, "n": count},
            ).all()  # fmt: skip
    finally:
        engine.dispose()
    found = []
    for row in reversed(rows):
        stats = json.loads(row.stats) if isinstance(row.stats, str) else dict(row.stats)
        stats.pop("view_counts", None)
        found.append({"outcome": row.outcome, "pages": row.pages, "rows": row.rows,
                      "events": row.events, **stats})  # fmt: skip
    return found


def crawl(workdir: Path, config: Path, db_url: str, site: SiteProcess, sweep: str,
          meter: LoadMeter, *extra: str) -> Measured:  # fmt: skip
    """One ``oigwatch crawl --deep|--quick --json`` run; raises when it did not exit 0."""
    argv = [str(OIGWATCH), "crawl", "--config", str(config), "--db", db_url,
            "--base-url", site.base_url, f"--{sweep}", "--json", *extra]  # fmt: skip
    with meter.measure():
        measured = run_measured(argv, workdir)
    if measured.returncode != 0:
        raise RuntimeError(
            f"oigwatch crawl --{sweep} exited {measured.returncode}:\n{measured.stderr}"
        )
    return measured


def _figures(group: str, measured: list[Measured], runs: list[dict[str, Any]], meter: LoadMeter,
             goals: tuple[float | None, ...]) -> list[Figure]:  # fmt: skip
    wall_goal, cpu_goal, rss_goal = goals
    events = sum(r["events"] for r in runs)
    return [
        Figure(group, "wall", "s", [m.wall for m in measured], wall_goal),
        Figure(group, "CPU, whole process tree", "s", [m.cpu for m in measured], cpu_goal),
        Figure(group, "peak RSS, largest process", "MB", [m.maxrss_mb for m in measured], rss_goal),
        Figure(group, "requests", "count", [float(r.get("requests", 0)) for r in runs]),
        Figure(group, "304 not modified", "count", [float(r.get("not_modified", 0)) for r in runs]),
        Figure(group, "bytes received", "kB", [r.get("bytes", 0) / 1000 for r in runs]),
        Figure(group, "change events", "count", [float(r["events"]) for r in runs],
               note="(an unchanged site must give none!)" if events and "1a" not in group else ""),
        meter.figure(group),
    ]  # fmt: skip


def run_sweeps(
    workdir: Path, config: Path, site: SiteProcess, runs: int, peer: bool = True
) -> SweepResults:
    """(1a) deep sweeps into empty ledgers, (1b) unchanged deep sweeps, (2) quick polls, and (1c, 2b)
    the same pages beside urlwatch."""
    results = SweepResults()
    pids = (site.pid,)
    meter, baseline, found = LoadMeter(pids), [], []
    for i in range(runs):
        db_url = f"sqlite:///{workdir / f'baseline-{i}.db'}"
        baseline.append(crawl(workdir, config, db_url, site, "deep", meter))
        found += recent_runs(db_url, "deep", 1)
        results.ledger_url = db_url
    goals: tuple[float | None, ...] = (WALL_GOAL, CPU_GOAL, RSS_GOAL)
    results.figures += _figures(
        "1a deep sweep, empty ledger (baseline)", baseline, found, meter, goals
    )
    results.runs["deep_baseline"] = found

    meter = LoadMeter(pids)
    unchanged = [
        crawl(workdir, config, results.ledger_url, site, "deep", meter) for _ in range(runs)
    ]
    found = results.runs["deep_unchanged"] = recent_runs(results.ledger_url, "deep", runs)
    results.figures += _figures("1b deep sweep, unchanged", unchanged, found, meter, goals)

    meter = LoadMeter(pids)
    quick = [crawl(workdir, config, results.ledger_url, site, "quick", meter) for _ in range(runs)]
    found = results.runs["quick"] = recent_runs(results.ledger_url, "quick", runs)
    goals = (QUICK_WALL_GOAL, None, None)
    results.figures += _figures("2 quick poll, after baseline", quick, found, meter, goals)
    if peer:
        results.figures += side_by_side(workdir, config, results.ledger_url, site, runs)
    return results


def side_by_side(workdir: Path, config: Path, db_url: str, site: SiteProcess,
                 runs: int) -> list[Figure]:  # fmt: skip
    """(1c, 2b) urlwatch and oigwatch over the same listing pages, runs interleaved."""
    try:
        urls = listing_urls(db_url)
        deep, quick = (
            Peer(workdir / "peer-deep", urls),
            Peer(workdir / "peer-quick", first_pages(urls)),
        )
        deep.baseline()
        quick.baseline()
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"1c, 2b: urlwatch unavailable, the peer figures are skipped: {exc}", flush=True)
        return []
    meter = LoadMeter((site.pid,))
    figures: list[Figure] = []
    for label, peer, sweep, extra, goal in (
        (f"1c unchanged deep sweep, listing pages only ({len(deep.urls)}), beside urlwatch",
         deep, "deep", ("--pdf-checks", "0"), PEER_DEEP_GOAL),
        (f"2b quick poll, first pages only ({len(quick.urls)}), beside urlwatch",
         quick, "quick", (), PEER_QUICK_GOAL),
    ):  # fmt: skip
        ours, theirs = [], []
        for _ in range(runs):
            ours.append(crawl(workdir, config, db_url, site, sweep, meter, *extra))
            with meter.measure():
                theirs.append(peer.run())
        figures += [
            Figure(label, "oigwatch: wall", "s", [m.wall for m in ours]),
            Figure(label, "oigwatch: CPU, whole process tree", "s", [m.cpu for m in ours]),
            *compare(label, theirs, ours, (goal, None)),
            meter.figure(label),
        ]
    return figures

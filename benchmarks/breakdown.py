"""Figure 4: where the time of one unchanged deep sweep goes.

The real spine (crawler.check.check_source) runs in this process, its stages wrapped by probes, and
so does the crawl (Scrapy in this process, as ``oigwatch crawl`` runs it since issue #12); the
fixture site's request log dates the first and last request. Interpreter start-up and imports,
which the in-process run cannot see, are timed as separate ``python -c`` commands.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import crawler.check
from benchmarks.common import REPO, Figure, LoadMeter, SiteProcess
from benchmarks.probes import Probes, Target, compare_targets, find, record_targets
from config.settings import load_settings
from crawler.check import CheckOptions
from ledger.db import ensure_schema, make_engine
from ledger.store import Ledger

GROUP = "4 where the time goes (unchanged deep sweep)"


def import_seconds(module: str, runs: int) -> list[float]:
    """Wall seconds of ``python -c "import MODULE"``: interpreter start-up plus the imports."""
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, check=True)
        walls.append(time.perf_counter() - started)
    return walls


def parse_seconds(config: Path, base_url: str, runs: int = 7) -> tuple[list[float], int]:
    """Seconds to parse the first listing page of the first view (the fixture site's, fetched
    once), each of ``runs`` parses timed alone; and the rows it read. Pure CPU, in this process."""
    import httpx

    from config.registry import LAYOUTS

    source = load_settings(config).sources[0].with_base_url(base_url)  # the fixture site only
    view = source.views[0]
    html = httpx.get(source.base_url + view.path, timeout=30).text
    parse = LAYOUTS[view.kind].parse_page
    walls, rows = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        page = parse(html, page_url=source.base_url + view.path, view=view.name, components=())
        walls.append(time.perf_counter() - started)
        rows = page.rows_seen
    return walls, rows


def _spine_targets() -> list[Target]:
    """The stages crawler.check.check_source calls, and the steps inside compare and record."""
    stages = ("build_job", "run_crawl", "judge", "compare", "decide_events", "run_record")
    return [
        *(target for stage in stages for target in find(stage, ["crawler.check"], stage)),
        *find("record", ["ledger.store:Ledger"], "record"),
        *compare_targets(),
        *record_targets(),
    ]


def one_sweep(config: Path, db_url: str, site: SiteProcess) -> dict[str, float]:
    """Seconds per stage of one deep sweep through the real spine."""
    probes = Probes()
    first_progress: list[float] = []
    opened = time.perf_counter()
    settings = load_settings(config, overrides={"database_url": db_url})
    engine = make_engine(settings.db_url)
    ensure_schema(engine, auto=True)
    ledger = Ledger(engine)
    open_ledger = time.perf_counter() - opened
    source = settings.sources[0].with_base_url(site.base_url)
    site.control("POST", "log/clear")

    def progress(done: int, scheduled: int) -> None:
        if not first_progress:
            first_progress.append(time.time())

    try:
        with probes.wrap(_spine_targets()):
            begun = time.perf_counter()
            recorded, record = crawler.check.check_source(
                ledger, settings, source, CheckOptions(sweep="deep"), progress
            )
            total = time.perf_counter() - begun
    finally:
        engine.dispose()
    if record.outcome != "healthy" or recorded.event_ids:
        raise RuntimeError(f"the unchanged deep sweep was {record.outcome} with "
                           f"{len(recorded.event_ids)} events: {record.verdict.reason}")  # fmt: skip
    log = site.control("GET", "log")
    first_request, last_request = log[0]["time"], log[-1]["time"]
    nan = float("nan")
    started, ended, seconds = probes.started, probes.ended, probes.seconds
    crawl_start, crawl_end = started.get("run_crawl", nan), ended.get("run_crawl", nan)
    stages = {
        "parent: load config, open ledger": open_ledger,
        "build_job (page cache, PDF plan)": seconds.get("build_job", nan),
        "crawl: start (reactor, spiders) until the first request": first_request - crawl_start,
        "crawl: first to last request": last_request - first_request,
        "crawl: after last request until its result": crawl_end - last_request,
        "judge (health gate)": seconds.get("judge", nan),
        "compare": seconds.get("compare", nan),
        "decide_events": seconds.get("decide_events", nan),
        "record": seconds.get("record", nan),
        "check_source total": total,
        "crawl: first response (progress)": (first_progress or [nan])[0] - crawl_start,
        "requests": float(len(log)),
    }
    details = {k: v for k, v in seconds.items() if ":" in k}
    return {k: v for k, v in {**stages, **details}.items() if v == v}  # NaN: a probe not found


def run_breakdown(config: Path, db_url: str, site: SiteProcess, runs: int) -> list[Figure]:
    """The figures of the breakdown: medians over ``runs`` unchanged deep sweeps."""
    meter = LoadMeter((site.pid,))
    sweeps = []
    for _ in range(runs):
        with meter.measure():
            sweeps.append(one_sweep(config, db_url, site))
    figures = [
        Figure(GROUP, "python start + import the crawl command (cli.crawl, crawler.check)", "s",
               import_seconds("cli.crawl, crawler.check", max(runs, 5))),
        Figure(GROUP, "python start + import crawler.child (Scrapy, Twisted, spiders)", "s",
               import_seconds("crawler.child", max(runs, 5))),
    ]  # fmt: skip
    walls, rows = parse_seconds(config, site.base_url)
    figures.append(Figure(GROUP, f"parse one listing page ({rows} rows)", "s", walls, goal=0.010))
    for name in sweeps[0]:
        unit = "count" if name == "requests" else "s"
        figures.append(Figure(GROUP, name, unit, [s[name] for s in sweeps if name in s]))
    return [*figures, meter.figure(GROUP)]

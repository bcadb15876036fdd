"""``make bench``: time oigwatch against the local fixture site; see docs/benchmarks.md.

Prints a table (median, min and max of several runs, goal, ✓ or MISSED) and writes the raw results
to benchmarks/results/latest.json. Exits non-zero only when something crashed, never for a missed
goal. Nothing here contacts the internet: the site is a local imitation on a loopback port.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.archive_sweep import run_archive_sweep
from benchmarks.bounded import run_bounded
from benchmarks.breakdown import run_breakdown
from benchmarks.cli_start import run_cli_start
from benchmarks.common import REPO, Figure, LoadMeter, SiteProcess, table, write_config
from benchmarks.delivery import run_delivery
from benchmarks.feeds import run_feeds
from benchmarks.ledger_scale import PG_ADMIN_URL, measure, scratch_postgres
from benchmarks.pdf_redline import run_pdf_redline
from benchmarks.service import run_service
from benchmarks.sweeps import run_sweeps
from config.settings import load_settings
from ledger.db import normalize_url

RESULTS = REPO / "benchmarks" / "results" / "latest.json"
SERVICE_PEER_GOAL = 0.25  # issue #12: a service poll at a quarter of one urlwatch run


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _filesystem(path: Path) -> str:
    """The file system type holding ``path`` (from /proc/mounts), for the SQLite figures."""
    best, kind = "", "unknown"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, fstype, *_ = line.split()
            if str(path).startswith(mount) and len(mount) > len(best):
                best, kind = mount, fstype
    except OSError:
        pass
    return kind


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip()


def machine(workdir: Path) -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "workdir_filesystem": _filesystem(workdir),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty_files": len(_git("status", "--porcelain", "--untracked-files=no").splitlines()),
    }


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument(
        "--breakdown-runs", type=int, default=3, help="runs of figure 4 (default 3)"
    )
    parser.add_argument("--reports", type=int, default=2500, help="reports on the fixture site")
    parser.add_argument("--seed", type=int, default=1, help="seed of the fixture site")
    parser.add_argument(
        "--no-peer", action="store_true", help="skip urlwatch beside the sweeps (1c, 2b)"
    )
    parser.add_argument(
        "--no-cli-start", action="store_true", help="skip --help and changes timings (12)"
    )
    parser.add_argument(
        "--no-archive-sweep",
        action="store_true",
        help="skip the unchanged deep sweeps beside a 1,000-PDF archive (14)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL figures")
    parser.add_argument(
        "--no-delivery", action="store_true", help="skip the delivery figures (5, 6, 7)"
    )
    parser.add_argument(
        "--service-cycles",
        type=int,
        default=500,
        help="quick polls the service makes for figures 9 and 10 (default 500; 0 skips them)",
    )
    parser.add_argument("--delivery-runs", type=int, default=3, help="runs of figure 6 (default 3)")
    parser.add_argument(
        "--no-feeds", action="store_true", help="skip the feed rendering figure (8)"
    )
    parser.add_argument(
        "--no-bounded", action="store_true", help="skip the gzip bomb memory figure (11)"
    )
    parser.add_argument(
        "--no-pdf", action="store_true", help="skip the PDF text and page redline figure (13)"
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="on a shared machine: wait up to this long in all, before runs, for"
        " other processes to go quiet (default 0: never wait)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    LoadMeter.patience = args.wait_quiet
    started = time.perf_counter()
    figures: list[Figure] = []
    raw: dict[str, Any] = {"started_at": datetime.now(UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="oigwatch-bench-") as tmp:
        workdir = Path(tmp)
        raw["machine"] = machine(workdir)
        config = write_config(workdir)
        print(
            f"fixture site: {args.reports} reports, seed {args.seed} (separate process)", flush=True
        )
        with SiteProcess(args.reports, args.seed, workdir) as site:
            raw["fixture_site_startup_seconds"] = site.startup
            print("1, 2: oigwatch crawl --deep / --quick, as separate commands ...", flush=True)
            sweeps = run_sweeps(workdir, config, site, args.runs, peer=not args.no_peer)
            figures += sweeps.figures
            raw["crawl_runs"] = sweeps.runs
            print("4: where the time of an unchanged deep sweep goes ...", flush=True)
            figures += run_breakdown(config, sweeps.ledger_url, site, args.breakdown_runs)
            if args.no_archive_sweep:
                raw["archive_sweep"] = "skipped (--no-archive-sweep)"
            else:
                print("14: unchanged deep sweeps, 1,000 archived PDFs or none ...", flush=True)
                found, raw["archive_sweep"] = run_archive_sweep(
                    workdir, sweeps.ledger_url, site, args.runs
                )
                figures += found
            if args.service_cycles:
                print(f"9, 10: oigwatch run, {args.service_cycles} quick polls ...", flush=True)
                found, raw["service"] = run_service(workdir, config, site, args.service_cycles)
                figures += found
                figures += service_vs_peer(figures)  # needs figure 9, just added
        settings = load_settings(config)
        print("3: compare + record into a 100,000-report ledger, SQLite ...", flush=True)
        scale = measure("SQLite", f"sqlite:///{workdir / 'scale.db'}", settings, args.runs)
        figures += scale.figures
        raw["ledger_scale"] = {"sqlite": scale.info}
        if args.no_postgres:
            raw["ledger_scale"]["postgresql"] = "skipped (--no-postgres)"
        else:
            admin = normalize_url(os.environ.get("OIGWATCH_TEST_DATABASE_URL", PG_ADMIN_URL))
            with scratch_postgres(admin) as pg_url:
                if pg_url is None:
                    print(f"3: PostgreSQL not reachable at {admin}: skipped", flush=True)
                    raw["ledger_scale"]["postgresql"] = f"skipped: {admin} not reachable"
                else:
                    print("3: the same on PostgreSQL (a scratch database) ...", flush=True)
                    pg = measure("PostgreSQL", pg_url, settings, args.runs)
                    figures += pg.figures
                    raw["ledger_scale"]["postgresql"] = pg.info
        if args.no_delivery:
            raw["delivery"] = "skipped (--no-delivery)"
        else:
            admin = normalize_url(os.environ.get("OIGWATCH_TEST_DATABASE_URL", PG_ADMIN_URL))
            found, raw["delivery"] = run_delivery(
                workdir, args.delivery_runs, None if args.no_postgres else admin
            )
            figures += found
        if args.no_feeds:
            raw["feeds"] = "skipped (--no-feeds)"
        else:
            found, raw["feeds"] = run_feeds(args.runs)
            figures += found
        if args.no_cli_start:
            raw["cli_start"] = "skipped (--no-cli-start)"
        else:
            print(
                "12: oigwatch --help, oigwatch changes on a 100,000-report ledger ...", flush=True
            )
            figures += run_cli_start(workdir)
        if args.no_bounded:
            raw["bounded"] = "skipped (--no-bounded)"
        else:
            print("11: oigwatch crawl --quick against 7 gzip bombs of 1.5 GB ...", flush=True)
            found, raw["bounded"] = run_bounded(workdir, args.runs)
            figures += found
        if args.no_pdf:
            raw["pdf_redline"] = "skipped (--no-pdf)"
        else:
            print("13: text and page redline of a 150-page report PDF ...", flush=True)
            found, raw["pdf_redline"] = run_pdf_redline(workdir, args.runs)
            figures += found
    raw["seconds"] = time.perf_counter() - started
    raw["waited_for_quiet_seconds"] = args.wait_quiet - max(LoadMeter.patience, 0.0)
    raw["figures"] = [f.to_json() for f in _ordered(figures)]
    print()
    print(table(_ordered(figures)))
    missed = [f"{f.group}: {f.name}" for f in figures if f.verdict == "MISSED"]
    print(f"\ngoals missed: {len(missed)}" + "".join(f"\n  {m}" for m in missed))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(raw, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"raw results: {args.output} ({raw['seconds']:.0f} s in all)")
    return 0


def service_vs_peer(figures: list[Figure]) -> list[Figure]:
    """Figure 9's whole-tree CPU per quick poll over one urlwatch run of the same first pages
    (figure 2b, measured in this run); nothing when urlwatch did not run."""
    peer = [f for f in figures if f.group.startswith("2b ") and f.name.startswith("urlwatch")
            and "CPU" in f.name]  # fmt: skip
    ours = [
        f for f in figures if f.group.startswith("9 ") and f.name.endswith("whole process tree")
    ]
    if not peer or not ours or not peer[0].median:
        return []
    return [Figure(ours[0].group, "CPU per cycle ÷ one urlwatch run of the first pages", "×",
                   [ours[0].median / peer[0].median], SERVICE_PEER_GOAL)]  # fmt: skip


def _ordered(figures: list[Figure]) -> list[Figure]:
    """Figures in the order of their group's number (1a, 1b, 2, ... 10), stable within a group."""

    def number(figure: Figure) -> tuple[int, str]:
        label = figure.group.split()[0]  # "1a", "2", "10"
        digits = "".join(c for c in label if c.isdigit())
        return int(digits or 0), label

    return sorted(figures, key=number)


if __name__ == "__main__":
    sys.exit(main())

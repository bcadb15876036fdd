"""Figure 14: does an archive of 1,000 PDFs cost an unchanged deep sweep anything? (issue #13)

Two copies of the same baselined SQLite ledger, each with its own data directory (so its own
archive): one with an empty archive, one with 1,000 PDFs stored by ``Archive.put`` (synthetic
bytes, 20 kB each) and their 1,000 ``pdf_versions`` rows (text kept, 12 pages each). Then
unchanged deep sweeps (the whole ``oigwatch crawl --deep`` command, PDF re-checks included) on
one copy and the other, interleaved, so both see the same machine and the same re-check budget.
The answer is the ratio of their walls and CPU, run by run.

``python -m benchmarks.archive_sweep [--runs N]`` runs this figure alone (its own site and
baseline).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import Figure, LoadMeter, SiteProcess, table, write_config
from benchmarks.sweeps import crawl

GROUP = "14 unchanged deep sweep, archive of 1,000 PDFs against an empty one"
ARCHIVED, PDF_BYTES = 1000, 20_000
RATIO_GOAL = 1.10  # "no measurable time": within the noise of one sweep to the next


def _sqlite_path(db_url: str) -> Path:
    return Path(db_url.removeprefix("sqlite:///"))


def fill_archive(config: Path, db_url: str, count: int = ARCHIVED) -> int:
    """Store ``count`` synthetic PDFs in the config's archive, one ``pdf_versions`` row each
    (reports that have no version yet, version 1, text kept); returns how many."""
    import hashlib

    from sqlalchemy import insert, select

    from archive.store import open_archive
    from config.settings import load_settings
    from ledger.db import make_engine
    from ledger.models import PdfVersion, Report

    archive = open_archive(load_settings(config, environ={}))
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    pages = [f"Page {n} of a synthetic report, a few words of text." for n in range(1, 13)]
    try:
        with engine.begin() as conn:
            versioned = select(PdfVersion.report_id)
            ids = conn.execute(
                select(Report.id).where(Report.id.not_in(versioned)).order_by(Report.id)
            ).scalars()
            rows = []
            for i, report_id in enumerate(list(ids)[:count]):
                data = b"%PDF-1.4\n" + random.Random(i).randbytes(PDF_BYTES)
                sha = hashlib.sha256(data).hexdigest()
                archive.put(sha, data)
                rows.append({"report_id": report_id, "version": 1, "sha256": sha,
                             "length": len(data), "url": f"/synthetic/{i}.pdf",
                             "first_seen_at": now, "last_seen_at": now, "stored": True,
                             "store_reason": None, "text_status": "ok", "text_reason": None,
                             "pages": pages})  # fmt: skip
            if rows:
                conn.execute(insert(PdfVersion), rows)
    finally:
        engine.dispose()
    return len(rows)


def run_archive_sweep(
    workdir: Path, ledger_url: str, site: SiteProcess, runs: int
) -> tuple[list[Figure], dict[str, object]]:
    """Figure 14 from a baselined ledger (copied twice; the original is left alone)."""
    copies: dict[str, tuple[Path, str]] = {}
    for name in ("empty", "full"):
        folder = workdir / f"archive-{name}"
        folder.mkdir(exist_ok=True)
        db = folder / "ledger.db"
        shutil.copyfile(_sqlite_path(ledger_url), db)
        copies[name] = (write_config(folder), f"sqlite:///{db}")
    stored = fill_archive(*copies["full"])
    meter = LoadMeter((site.pid,))
    measured: dict[str, list[tuple[float, float]]] = {"empty": [], "full": []}
    for _ in range(runs):
        for name in ("empty", "full"):
            config, db_url = copies[name]
            done = crawl(config.parent, config, db_url, site, "deep", meter)
            measured[name].append((done.wall, done.cpu))
    wall = {name: [w for w, _ in found] for name, found in measured.items()}
    cpu = {name: [c for _, c in found] for name, found in measured.items()}
    figures = [
        Figure(GROUP, "empty archive: wall", "s", wall["empty"]),
        Figure(GROUP, f"{stored:,} archived PDFs: wall", "s", wall["full"]),
        Figure(GROUP, "empty archive: CPU, whole process tree", "s", cpu["empty"]),
        Figure(GROUP, f"{stored:,} archived PDFs: CPU, whole process tree", "s", cpu["full"]),
        Figure(GROUP, "wall, archived ÷ empty (run by run)", "×",
               [f / e for f, e in zip(wall["full"], wall["empty"], strict=True)], RATIO_GOAL),
        Figure(GROUP, "CPU, archived ÷ empty (run by run)", "×",
               [f / e for f, e in zip(cpu["full"], cpu["empty"], strict=True)], RATIO_GOAL),
        meter.figure(GROUP),
    ]  # fmt: skip
    return figures, {"archived": stored, "pdf_bytes": PDF_BYTES, "runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.archive_sweep")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reports", type=int, default=2500)
    args = parser.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="oigwatch-bench-") as tmp:
        workdir = Path(tmp)
        config = write_config(workdir)
        with SiteProcess(args.reports, 1, workdir) as site:
            db_url = f"sqlite:///{workdir / 'baseline.db'}"
            crawl(workdir, config, db_url, site, "deep", LoadMeter((site.pid,)))
            figures, _ = run_archive_sweep(workdir, db_url, site, args.runs)
    print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

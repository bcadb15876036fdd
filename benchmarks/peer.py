"""The peer: urlwatch over the same listing pages, measured in the same run as oigwatch.

urlwatch (https://thp.io/2008/urlwatch/) is what a newsroom would otherwise point at these pages.
It is a benchmark dependency, not a runtime one: it lives in its own virtualenv
(``benchmarks/.peer-venv``, made on first use from PyPI, version ``PEER_VERSION``) so it never
touches oigwatch's packages. It watches the same URLs oigwatch fetched in the run's deep sweep
(every listing page of every view: "listing pages only", no PDFs), or only the views' first pages
for the quick-poll comparison. Each urlwatch run is one process; wait4 gives the CPU of it and of
every child it reaped (urlwatch fetches in threads, so that is the whole tree).

What urlwatch does per page is less than oigwatch does: it stores and diffs the page text, while
oigwatch parses rows, keys reports, compares fields and records a run. Both send conditional
requests where they have validators (urlwatch keeps the ETag; oigwatch ETag and Last-Modified).
"""

from __future__ import annotations

import statistics
import subprocess
import venv
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import create_engine, text

from benchmarks.common import REPO, Figure, Measured, run_measured

PEER_VERSION = "urlwatch>=2.29,<2.30"
PEER_VENV = REPO / "benchmarks" / ".peer-venv"


def urlwatch_bin() -> Path:
    """The urlwatch executable of the peer virtualenv, installed on first use."""
    exe = PEER_VENV / "bin" / "urlwatch"
    if not exe.exists():
        print(f"installing the peer ({PEER_VERSION}) into {PEER_VENV} ...", flush=True)
        venv.create(PEER_VENV, with_pip=True, clear=True)
        subprocess.run(
            [str(PEER_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", PEER_VERSION],
            check=True,
        )  # fmt: skip
    return exe


def listing_urls(db_url: str) -> list[str]:
    """Every listing page URL the ledger's page cache holds (what a deep sweep fetched)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return sorted(conn.scalars(text("select url from page_cache")).all())
    finally:
        engine.dispose()


def first_pages(urls: list[str]) -> list[str]:
    """The views' first pages: those without a ``page`` number past the first."""
    return [u for u in urls if parse_qs(urlsplit(u).query).get("page", ["0"]) == ["0"]]


@dataclass
class Peer:
    """One urlwatch set-up (URL list, config, cache) in its own folder."""

    folder: Path
    urls: list[str]

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        jobs = "---\n".join(f"name: page {i}\nurl: {u!r}\n" for i, u in enumerate(self.urls))
        (self.folder / "urls.yaml").write_text(jobs, encoding="utf-8")

    def argv(self) -> list[str]:
        f = self.folder
        return [str(urlwatch_bin()), "--urls", str(f / "urls.yaml"), "--config",
                str(f / "urlwatch.yaml"), "--hooks", str(f / "hooks.py"), "--cache",
                str(f / "cache.db")]  # fmt: skip

    def run(self) -> Measured:
        measured = run_measured(self.argv(), self.folder)
        if measured.returncode != 0:
            raise RuntimeError(f"urlwatch exited {measured.returncode}:\n{measured.stderr[-2000:]}")
        if "ERROR" in measured.stdout:
            raise RuntimeError(f"urlwatch reported errors:\n{measured.stdout[-2000:]}")
        return measured

    def baseline(self) -> None:
        """The first run: it writes its default config and caches every page (all 'NEW')."""
        self.run()


def compare(
    group: str, peer: list[Measured], ours: list[Measured], goals: tuple[float | None, float | None]
) -> list[Figure]:
    """urlwatch's wall and CPU, and oigwatch's over urlwatch's (ratio of the medians)."""
    wall = Figure(group, "urlwatch 2.29: wall", "s", [m.wall for m in peer])
    cpu = Figure(group, "urlwatch 2.29: CPU, whole process tree", "s", [m.cpu for m in peer])
    our_wall = statistics.median(m.wall for m in ours)
    our_cpu = statistics.median(m.cpu for m in ours)
    return [
        wall,
        cpu,
        Figure(group, "oigwatch wall ÷ urlwatch wall", "×", [our_wall / wall.median], goals[0]),
        Figure(group, "oigwatch CPU ÷ urlwatch CPU", "×", [our_cpu / cpu.median], goals[1]),
    ]

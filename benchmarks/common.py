"""Shared pieces: figures (median/min/max against a goal), the fixture site process, timed commands."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

BUSY_CORES = 0.25  # other processes using more than this share of the machine disturb a run
REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OIGWATCH = BIN / "oigwatch"


@dataclass
class Figure:
    """One measured quantity: its samples, and the goal it should meet (if any)."""

    group: str
    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    goal: float | None = None  # an upper bound
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def verdict(self) -> str:
        if self.goal is None or not self.samples:
            return ""
        return "✓" if self.median <= self.goal else "MISSED"

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group, "name": self.name, "unit": self.unit, "runs": len(self.samples),
            "median": self.median if self.samples else None,
            "min": min(self.samples) if self.samples else None,
            "max": max(self.samples) if self.samples else None,
            "goal": self.goal, "verdict": self.verdict, "samples": self.samples, "note": self.note,
        }  # fmt: skip


def fmt(value: float, unit: str = "") -> str:
    """A number with about three significant digits (counts as they are)."""
    if value != value:  # NaN
        return "-"
    if unit == "count":
        return f"{value:g}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}" if abs(value) < 1 else f"{value:.2f}"


def table(figures: list[Figure]) -> str:
    """A plain-text table of the figures, grouped."""
    head = f"{'figure':<54} {'median':>8} {'min':>8} {'max':>8} {'n':>3}  {'goal':>7}  result"
    lines = [head, "-" * len(head)]
    group = None
    for f in figures:
        if f.group != group:
            group = f.group
            lines.append(f"[{group}]")
        low = fmt(min(f.samples), f.unit) if f.samples else "-"
        high = fmt(max(f.samples), f.unit) if f.samples else "-"
        goal = f"≤{fmt(f.goal)}" if f.goal is not None else ""
        label = f"  {f.name} ({f.unit})"
        row = f"{label:<54} {fmt(f.median, f.unit):>8} {low:>8} {high:>8} {len(f.samples):>3}  {goal:>7}"
        lines.append(f"{row}  {f.verdict}{'  ' + f.note if f.note else ''}".rstrip())
    return "\n".join(lines)


def write_config(directory: Path) -> Path:
    """The shipped config with the fast crawl settings of the test harness (no delay, 8
    requests in flight): tests/support/harness.py, so both measure the same thing."""
    sys.path.insert(0, str(REPO / "tests"))
    from support.harness import write_config as harness_config

    return harness_config(directory)


@dataclass(frozen=True)
class Measured:
    """A finished command: wall and CPU seconds, peak RSS, exit code and output."""

    wall: float
    cpu: float
    maxrss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_measured(argv: list[str], cwd: Path) -> Measured:
    """Run a command; wait4 gives the CPU and peak RSS of it and of every child it reaped."""
    out_path, err_path = cwd / "cmd.stdout", cwd / "cmd.stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss_mb=usage.ru_maxrss / 1024,  # Linux: kilobytes
        returncode=proc.returncode,
        stdout=out_path.read_text("utf-8", "replace"),
        stderr=err_path.read_text("utf-8", "replace"),
    )


class SiteProcess:
    """``python -m fixture_site serve`` in its own process (its CPU is not in the crawl figures)."""

    def __init__(self, reports: int, seed: int, workdir: Path) -> None:
        self.argv = [sys.executable, "-m", "fixture_site", "serve", "--reports", str(reports),
                     "--seed", str(seed)]  # fmt: skip
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: Any = None
        self.base_url = ""
        self.startup = 0.0

    def __enter__(self) -> SiteProcess:
        started = time.perf_counter()
        self.log = open(self.workdir / "site.log", "wb")
        self.proc = subprocess.Popen(self.argv, cwd=REPO, stdout=subprocess.PIPE, stderr=self.log)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode().strip()
        prefix = "fixture site listening on "
        if not line.startswith(prefix):
            self.__exit__(None, None, None)
            raise RuntimeError(
                f"fixture site did not start: {line!r} (see {self.workdir}/site.log)"
            )
        self.base_url = line.removeprefix(prefix)
        self.startup = time.perf_counter() - started
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        if self.log is not None:
            self.log.close()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def control(self, method: str, name: str, payload: Any = None) -> Any:
        """Call a ``/__fixture/`` control endpoint (with ``payload`` as its JSON body); the decoded
        JSON reply."""
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        url = f"{self.base_url}/__fixture/{name}"
        request = urllib.request.Request(url, data=body, method=method)
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only
        with direct.open(request, timeout=30) as reply:
            return json.loads(reply.read())


def _ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores, from /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _ticks()


def process_cpu(pid: int, children: bool = False) -> float:
    """CPU seconds of a live process, or (``children``) of the children it has reaped; 0 when
    it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    first = 13 if children else 11  # cutime + cstime, or utime + stime
    return (int(fields[first]) + int(fields[first + 1])) / _ticks()


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, their children, ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its whole tree: its own, its reaped children's, and every live
    descendant's (own + reaped). A long-lived child (a crawl worker) counts while it runs."""
    live = [pid, *descendants(pid)]
    return sum(process_cpu(p) + process_cpu(p, children=True) for p in live)


def status_mb(field: str = "VmRSS", pid: int | str = "self") -> float:
    """A memory figure (VmRSS, VmHWM) of a process from /proc, in MB (nan when unknown or gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return float("nan")
    for line in lines:
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def own_cpu(pids: tuple[int, ...] = ()) -> float:
    """CPU seconds of this process, its reaped children, and the given live processes."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    return total + sum(process_cpu(pid) for pid in pids)


class LoadMeter:
    """How busy OTHER processes kept the machine during a block, in cores (averaged).

    Machine-wide busy CPU (/proc/stat) minus this benchmark's own (its process, its children,
    the fixture site). On a shared machine, this says how much the wall figures were disturbed.
    """

    patience = 0.0  # seconds the whole benchmark may still wait for other processes to calm down

    def __init__(self, pids: tuple[int, ...] = ()) -> None:
        self.pids = pids
        self.samples: list[float] = []

    def _foreign(self, busy: float, own: float, wall: float) -> float:
        foreign = (machine_busy() - busy) - (own_cpu(self.pids) - own)
        return max(foreign, 0.0) / wall if wall > 0 else 0.0

    def wait_quiet(self) -> None:
        """Wait (within the remaining patience) until other processes leave the machine alone."""
        while LoadMeter.patience > 0:
            busy, own, started = machine_busy(), own_cpu(self.pids), time.perf_counter()
            time.sleep(0.5)
            wall = time.perf_counter() - started
            LoadMeter.patience -= wall
            if self._foreign(busy, own, wall) < BUSY_CORES:
                return

    @contextmanager
    def measure(self) -> Iterator[None]:
        self.wait_quiet()
        busy, own, started = machine_busy(), own_cpu(self.pids), time.perf_counter()
        try:
            yield
        finally:
            self.samples.append(self._foreign(busy, own, time.perf_counter() - started))

    def figure(self, group: str) -> Figure:
        busy = [s for s in self.samples if s > BUSY_CORES]
        note = (
            f"(machine shared: {len(busy)} of {len(self.samples)} runs disturbed)" if busy else ""
        )
        return Figure(group, "load of other processes", "cores", list(self.samples), note=note)

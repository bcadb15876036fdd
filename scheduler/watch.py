"""What the service knows that the ledger cannot say: sweeps that left no record at all (the
database refused even a failed run), and a SQLite ledger file deleted or replaced under the
running service. Both reach /healthz (``Service.status()["problems"]``) within one poll."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from crawler.check import database_reason
from crawler.clock import utcnow


class LedgerGone(Exception):
    """The ledger file this service opened is no longer the one on disk: writing would be lost."""


@dataclass(frozen=True, slots=True)
class _Unrecorded:
    count: int
    since: datetime
    reason: str


class Watch:
    """Thread-safe: crawl threads report, the web side's threads read."""

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self._unrecorded: dict[str, _Unrecorded] = {}
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self.path = database if database and database != ":memory:" else None
        self.identity = _identity(self.path) if self.path else None

    def file_problem(self) -> str | None:
        """Why the ledger file cannot be trusted any more (None: it is the one opened)."""
        if self.path is None or self.identity is None:
            return None
        now = _identity(self.path)
        if now is None:
            return f"the ledger file {self.path} was deleted: nothing can be recorded"
        if now != self.identity:
            return f"the ledger file {self.path} was replaced: restart oigwatch to use it"
        return None

    def check_database(self) -> None:
        """Raise LedgerGone rather than write into a deleted or replaced ledger file."""
        problem = self.file_problem()
        if problem:
            raise LedgerGone(problem)

    def unrecorded(self, source: str, exc: BaseException) -> None:
        """A sweep of ``source`` ended without any record in the ledger."""
        reason = str(exc) if isinstance(exc, LedgerGone) else database_reason(exc)
        with self._lock:
            before = self._unrecorded.get(source)
            count, since = (before.count + 1, before.since) if before else (1, utcnow())
            self._unrecorded = {**self._unrecorded, source: _Unrecorded(count, since, reason)}

    def recorded(self, source: str) -> None:
        """A sweep of ``source`` was recorded (whatever its outcome)."""
        with self._lock:
            self._unrecorded = {k: v for k, v in self._unrecorded.items() if k != source}

    def problems(self) -> list[str]:
        """Every reason the service cannot see or tell right now, one line each."""
        found = [problem] if (problem := self.file_problem()) else []
        for source, fact in sorted(self._unrecorded.items()):
            sweeps = "sweep" if fact.count == 1 else f"{fact.count} sweeps in a row"
            found.append(
                f"{source}: {sweeps} left no record in the ledger since "
                f"{fact.since:%Y-%m-%d %H:%M:%S} UTC: {fact.reason}"
            )
        return found


def _identity(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino

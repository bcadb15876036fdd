"""One crawl per source at a time, across processes: a PostgreSQL advisory lock held by a
dedicated session, or on SQLite an flock()ed file beside the database. Both die with the process
holding them, so a killed crawl never leaves a source locked."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text

LOCK_CLASS = 0x6F6967  # "oig": the first key of oigwatch's advisory locks
POLL = 0.2


class SourceBusy(Exception):
    """Another process is crawling this source; the message names it."""


def _key(name: str) -> int:
    """A signed 32-bit key for the source (the second key of the advisory lock)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


@contextlib.contextmanager
def source_lock(engine: Engine, name: str, wait: float = 0.0) -> Iterator[None]:
    """Hold the source's crawl lock; SourceBusy after ``wait`` seconds of trying."""
    if engine.dialect.name == "postgresql":
        with _advisory(engine, name, wait):
            yield
        return
    database = engine.url.database
    if not database or database == ":memory:":  # one process owns an in-memory ledger
        yield
        return
    with _file_lock(Path(f"{database}.{_key(name) & 0xFFFFFFFF:08x}.lock"), name, wait):
        yield


@contextlib.contextmanager
def _advisory(engine: Engine, name: str, wait: float) -> Iterator[None]:
    key = _key(name)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        deadline = time.monotonic() + wait
        while not conn.scalar(
            text("select pg_try_advisory_lock(:c, :k)"), {"c": LOCK_CLASS, "k": key}
        ):
            if time.monotonic() >= deadline:
                holder = conn.scalar(
                    text(
                        "select a.application_name || ' (backend ' || a.pid || ')'"
                        " from pg_locks l join pg_stat_activity a on a.pid = l.pid"
                        " where l.locktype = 'advisory' and l.granted and l.classid = :c"
                        " and l.database = (select oid from pg_database"
                        " where datname = current_database())"
                        " and l.objid = :o and l.objsubid = 2"
                    ),
                    {"c": LOCK_CLASS, "o": key & 0xFFFFFFFF},
                )
                raise SourceBusy(f"{name} is being crawled by {holder or 'another process'}")
            time.sleep(POLL)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # a lost connection has released it already
                conn.execute(text("select pg_advisory_unlock(:c, :k)"), {"c": LOCK_CLASS, "k": key})


@contextlib.contextmanager
def _file_lock(path: Path, name: str, wait: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                    raise SourceBusy(
                        f"{name} is being crawled by {holder or 'another process'}"
                    ) from None
                time.sleep(POLL)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"oigwatch pid {os.getpid()}\n".encode(), 0)  # what PostgreSQL names too
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)

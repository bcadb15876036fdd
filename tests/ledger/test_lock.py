"""One crawl per source at a time (``ledger/lock.py``): an flock()ed file beside a SQLite ledger, a
PostgreSQL advisory lock; a busy source names who holds it."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ledger.db import make_engine
from ledger.lock import SourceBusy, source_lock


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def test_a_held_source_is_busy_and_named_then_free_again(engine: Engine) -> None:
    with source_lock(engine, "dhs-oig"):
        with pytest.raises(SourceBusy) as busy, source_lock(engine, "dhs-oig"):
            pytest.fail("the lock was taken twice")
        assert str(busy.value).startswith("dhs-oig is being crawled by oigwatch pid ")
        assert str(os.getpid()) in str(busy.value)
        with source_lock(engine, "another-source"):  # other sources are not held up
            pass
    with source_lock(engine, "dhs-oig"):
        pass


def test_waiting_gets_the_lock_once_its_holder_lets_go(engine: Engine) -> None:
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with source_lock(engine, "dhs-oig"):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        threading.Timer(0.3, release.set).start()
        started = time.monotonic()
        with source_lock(engine, "dhs-oig", wait=10):
            assert time.monotonic() - started >= 0.2
    finally:
        release.set()
        holder.join(10)


def test_the_sqlite_lock_file_lies_beside_the_ledger_and_is_emptied(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    with source_lock(engine, "dhs-oig"):
        [lock] = tmp_path.glob("ledger.db.*.lock")
        assert lock.read_text() == f"oigwatch pid {os.getpid()}\n"
    assert lock.read_text() == ""
    engine.dispose()


def test_an_in_memory_ledger_needs_no_lock() -> None:
    engine = make_engine("sqlite://")
    with source_lock(engine, "dhs-oig"), source_lock(engine, "dhs-oig"):
        pass
    engine.dispose()

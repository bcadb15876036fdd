"""What the service knows that the ledger cannot say: sweeps that left no record, and a SQLite
ledger file deleted or replaced under it (``scheduler/watch.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from scheduler.watch import LedgerGone, Watch


def sqlite_watch(path: Path) -> Watch:
    path.write_bytes(b"")
    return Watch(create_engine(f"sqlite:///{path}"))


def test_the_opened_file_is_no_problem(tmp_path: Path) -> None:
    watch = sqlite_watch(tmp_path / "ledger.db")
    assert watch.path == str(tmp_path / "ledger.db")
    assert watch.file_problem() is None and watch.problems() == []
    watch.check_database()  # does not raise


def test_a_deleted_ledger_file_is_named_and_refuses_writes(tmp_path: Path) -> None:
    watch = sqlite_watch(tmp_path / "ledger.db")
    os.remove(tmp_path / "ledger.db")
    problem = f"the ledger file {tmp_path / 'ledger.db'} was deleted: nothing can be recorded"
    assert watch.problems() == [problem]
    with pytest.raises(LedgerGone, match="was deleted"):
        watch.check_database()


def test_a_replaced_ledger_file_asks_for_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    watch = sqlite_watch(path)
    (tmp_path / "other.db").write_bytes(b"")
    os.replace(tmp_path / "other.db", path)  # another inode under the same name
    assert (
        watch.file_problem() == f"the ledger file {path} was replaced: restart oigwatch to use it"
    )


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///:memory:", "postgresql+psycopg://u@127.0.0.1:1/db"]
)
def test_ledgers_without_a_file_have_no_file_problem(url: str) -> None:
    watch = Watch(create_engine(url))
    assert watch.path is None and watch.file_problem() is None


def test_unrecorded_sweeps_are_counted_per_source_until_one_is_recorded(tmp_path: Path) -> None:
    watch = sqlite_watch(tmp_path / "ledger.db")
    refused = OperationalError("INSERT ...", {}, Exception("database is locked\nmore"))
    watch.unrecorded("dhs-oig", refused)
    [once] = watch.problems()
    assert once.startswith("dhs-oig: sweep left no record in the ledger since ")
    assert once.endswith(" UTC: OperationalError: database is locked")
    watch.unrecorded("dhs-oig", LedgerGone("the ledger file x was deleted"))
    watch.unrecorded("other", RuntimeError("boom"))
    twice, other = watch.problems()
    assert twice.startswith("dhs-oig: 2 sweeps in a row left no record in the ledger since ")
    assert (
        once[len("dhs-oig: sweep left no record in the ledger since ") :].split(" UTC")[0] in twice
    )
    assert twice.endswith(" UTC: the ledger file x was deleted")
    assert other.startswith("other: sweep ") and other.endswith("RuntimeError: boom")
    watch.recorded("dhs-oig")
    assert [p.split(":")[0] for p in watch.problems()] == ["other"]

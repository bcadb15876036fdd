"""The service's small parts on their own (``scheduler/service.py``): binding the web side's port,
waiting on the first of several events, pacing delivery passes, its status, a second stop."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.harness import write_config

from config.settings import load_settings
from ledger.db import ensure_schema, make_engine
from ledger.store import Ledger
from scheduler.service import AddressInUse, Service, _Crawl, _first_of, bind

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_bind_listens_and_a_taken_address_says_what_to_change() -> None:
    listener = bind("127.0.0.1", 0)
    try:
        port = listener.getsockname()[1]
        assert listener.family == socket.AF_INET and not listener.getblocking()
        with pytest.raises(AddressInUse) as taken:
            bind("127.0.0.1", port)
        assert str(taken.value).startswith(f"cannot listen on 127.0.0.1:{port} (")
        assert "set service.http_port (OIGWATCH_SERVICE__HTTP_PORT)" in str(taken.value)
    finally:
        listener.close()


def test_first_of_returns_on_the_first_event_or_the_timeout() -> None:
    async def scenario() -> tuple[float, float]:
        loop = asyncio.get_running_loop()
        first, second = asyncio.Event(), asyncio.Event()
        loop.call_later(0.05, second.set)
        started = loop.time()
        await _first_of(first, second, timeout=10)
        woken = loop.time() - started
        started = loop.time()
        await _first_of(asyncio.Event(), timeout=0.05)
        return woken, loop.time() - started

    woken, timed_out = asyncio.run(scenario())
    assert woken < 5 and 0.04 <= timed_out < 5


@dataclass
class Tally:
    messages: int = 0
    sent: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class FakeWorker:
    """What ``_deliver_pass`` asks of a worker."""

    due: datetime | None = None
    inflight: dict[Any, Any] = field(default_factory=dict)
    tally: Tally = field(default_factory=Tally)

    def run_once(self, wait: bool) -> Tally:
        assert wait is False  # a slow target must not hold up the loop
        return self.tally

    def next_due(self) -> datetime | None:
        return self.due

    def clock(self) -> datetime:
        return NOW


@pytest.mark.parametrize(
    ("worker", "pause"),
    [
        (FakeWorker(), 30.0),  # nothing due: the poll interval
        (FakeWorker(due=NOW + timedelta(seconds=4)), 4.0),
        (FakeWorker(due=NOW + timedelta(hours=1)), 30.0),  # never longer than the poll
        (FakeWorker(due=NOW - timedelta(seconds=9)), 0.05),  # overdue: at once, not busily
        (FakeWorker(due=NOW, inflight={"send": 1}), 0.1),  # sends in flight: look again soon
    ],
)
def test_a_delivery_pass_says_when_the_next_is_worth_making(
    worker: FakeWorker, pause: float
) -> None:
    assert Service._deliver_pass(worker, 30.0) == pause  # type: ignore[arg-type]


def test_a_pass_logs_what_it_delivered_and_every_error(caplog: pytest.LogCaptureFixture) -> None:
    worker = FakeWorker(tally=Tally(messages=1, sent=3, errors=["slack newsroom: HTTP 500"]))
    caplog.set_level("INFO", logger="oigwatch.service")
    Service._deliver_pass(worker, 30.0)  # type: ignore[arg-type]
    assert "delivered 3 alerts in 1 messages" in caplog.messages
    assert "delivery: slack newsroom: HTTP 500" in caplog.messages


@pytest.fixture
def service(tmp_path: Path) -> Any:
    settings = load_settings(
        write_config(tmp_path),
        overrides={
            "database_url": f"sqlite:///{tmp_path}/x.db",
            "service": {"http_enabled": False},
        },
    )
    engine = make_engine(settings.db_url)
    ensure_schema(engine, auto=True)
    yield Service(settings, Ledger(engine))
    engine.dispose()


def test_the_status_of_a_service_not_started(service: Service) -> None:
    assert service.status() == {
        "running": False, "overdue": [], "heartbeat": None, "crawling": [], "jobs": [],
        "problems": [],
    }  # fmt: skip


def test_a_second_stop_abandons_running_crawls(service: Service) -> None:
    crawl = _Crawl("deep", threading.Event(), None, started=0.0)
    service.crawls["dhs-oig"] = crawl
    service.stop()
    assert service.stopping.is_set() and not crawl.abort.is_set()  # the first waits for crawls
    service.stop()
    assert crawl.abort.is_set()

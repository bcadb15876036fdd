"""Web fixtures: a ledger with real events (the real CLI crawling the fixture site), the app served
by uvicorn on a loopback port, and fresh small ledgers for tests that add events.

The shared ledger (one per backend and test process) holds, after a silent baseline: a new ICE report, a revision of a baseline report
(its title gained "(Revised)" and its summary changed), a new report with a hostile title, and a
pulled report. A webhook route (never delivered: crawls run with --no-deliver) leaves one pending
delivery per event.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from support.harness import Oigwatch, write_config
from support.web_server import WebServer

from config.settings import Settings, load_settings
from crawler.clock import utcnow
from crawler.events import EventDraft, ops_event
from crawler.health import Verdict
from fixture_site import FixtureSite, build_state
from ledger.db import ensure_schema, make_engine
from ledger.models import Source
from ledger.store import Ledger, RunRecord
from notifier.routes import router_for
from web.app import create_app

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HOSTILE_TITLE = '<script>alert(1)</script> & "quotes" \x01 ]]> Report'
REVISED = "OIG-19-11"  # a baseline report: its title gains "(Revised)" and its summary changes
PULLED = "OIG-20-75"
NEW_SUMMARY = "CBP did not collect $4.3 billion in delinquent debt owed by importers."
WEBHOOK = """
[[targets]]
kind = "webhook"
name = "pipeline"
url = "http://127.0.0.1:9/never-called"

[[routes]]
name = "pipeline"
target = "pipeline"
"""


@dataclass
class WebLedger:
    """A ledger with known events, and what the tests need to know about it."""

    db_url: str
    engine: Engine
    settings: Settings
    events: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # new, revised, hostile, removed

    @property
    def newest_first(self) -> list[dict[str, Any]]:
        return sorted(self.events.values(), key=lambda e: e["event_id"], reverse=True)


def build_ledger(db_url: str, directory: Path) -> WebLedger:
    """Baseline, then one change of each kind, crawled by the real CLI from the fixture site."""
    with FixtureSite(build_state(n_reports=300, seed=11)) as site:
        site.mutate({"op": "tie_shuffle", "mode": "stable"})
        config = write_config(directory, routes=WEBHOOK)
        cli = Oigwatch(site, db_url, config)

        def crawl(*args: str) -> list[dict[str, Any]]:
            return cli.crawl(*args, "--no-deliver")

        assert crawl("--deep", "--pdf-checks", "all") == []
        site.mutate(
            {
                "op": "add_report",
                "components": ["ICE"],
                "title": "ICE Did Not Track Detainee Transfers",
                "summary": "We found that ICE did not track transfers between facilities.",
            }
        )
        [new] = crawl("--quick")
        site.mutate({"op": "retitle", "report_number": REVISED, "suffix_op": "append_revised"})
        site.mutate({"op": "edit_summary", "report_number": REVISED, "summary": NEW_SUMMARY})
        [revised] = crawl("--deep")
        site.mutate({"op": "add_report", "components": ["CBP"], "title": HOSTILE_TITLE})
        [hostile] = crawl("--quick")
        site.mutate({"op": "remove_report", "report_number": PULLED})
        assert crawl("--deep") == []
        [removed] = crawl("--deep")
    engine = make_engine(db_url)
    settings = load_settings(config, environ={})
    events = {"new": new, "revised": revised, "hostile": hostile, "removed": removed}
    assert [e["kind"] for e in events.values()] == ["new", "revised", "new", "removed"]
    return WebLedger(db_url, engine, settings, events)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one module (skipped, or failed under
    OIGWATCH_TEST_REQUIRE_POSTGRES=1, when no server answers)."""
    admin_url = os.environ.get("OIGWATCH_TEST_DATABASE_URL") or DEFAULT_PG
    try:
        admin = create_engine(
            admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        if os.environ.get("OIGWATCH_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {admin_url}: {exc}")
        pytest.skip(f"no PostgreSQL at {admin_url}")
    name = f"oigwatch_w_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def database(kind: str, directory: Path) -> Iterator[str]:
    """A ledger URL of this kind: a SQLite file in ``directory``, or a PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'ledger.db'}"
    else:
        with postgres_database() as url:
            yield url


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebLedger]:
    """The ledger with real events on SQLite (built once per test process)."""
    directory = tmp_path_factory.mktemp("web-sqlite")
    built = build_ledger(f"sqlite:///{directory / 'ledger.db'}", directory)
    yield built
    built.engine.dispose()


@pytest.fixture(scope="session")
def postgres_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebLedger]:
    """The same ledger on PostgreSQL."""
    directory = tmp_path_factory.mktemp("web-postgres")
    with postgres_database() as url:
        built = build_ledger(url, directory)
        yield built
        built.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def ledger(request: pytest.FixtureRequest) -> WebLedger:
    """The ledger with real events, on SQLite then on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_ledger")


@pytest.fixture(scope="session")
def web(ledger: WebLedger) -> Iterator[httpx.Client]:
    """An HTTP client of the app served over the ledger (no scheduler)."""
    with (
        WebServer(create_app(ledger.settings, ledger.engine)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def pages(sqlite_ledger: WebLedger) -> Iterator[httpx.Client]:
    """An HTTP client of the app served over the SQLite ledger."""
    with (
        WebServer(create_app(sqlite_ledger.settings, sqlite_ledger.engine)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


@pytest.fixture(params=BACKENDS)
def empty_ledger(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Engine, Settings]]:
    """A fresh ledger with the schema and no runs (tests record their own events)."""
    with database(request.param, tmp_path) as url:
        engine = make_engine(url)
        ensure_schema(engine)
        settings = load_settings(write_config(tmp_path, routes=WEBHOOK), environ={})
        yield engine, settings
        engine.dispose()


def publish(engine: Engine, settings: Settings, *payloads: dict[str, Any]) -> list[int]:
    """Record events as one healthy run, deliveries enqueued by the configured routes (as a crawl
    records them)."""
    ledger = Ledger(engine)
    source_id = ledger.source_id("dhs-oig")
    run = f"run-{uuid.uuid4().hex[:12]}"
    now = utcnow()
    drafts = [
        EventDraft(p["kind"], f"{run}:{i}", {"source": "dhs-oig", "changes": [], **p})
        for i, p in enumerate(payloads)
    ]
    record = RunRecord(
        run, source_id, "quick", now, now, "healthy", Verdict(True), None, drafts,
        router=router_for(settings.routes),
    )  # fmt: skip
    return ledger.record(record).event_ids


@pytest.fixture
def record_events() -> Callable[..., list[int]]:
    """``record_events(engine, settings, *payloads)``: events recorded through the ledger."""
    return publish


def health_run(
    engine: Engine, settings: Settings, reason: str | None, finished: datetime | None = None
) -> list[int]:
    """Record one run of dhs-oig as a crawl would: unhealthy with ``reason`` (a ``failed`` run
    when it starts with "crawl failed"), healthy when ``reason`` is None; with the
    ``source_unhealthy`` / ``source_recovered`` event when the source's health flips."""
    ledger = Ledger(engine)
    source_id = ledger.source_id("dhs-oig")
    with Session(engine) as session:
        was_healthy = session.scalars(select(Source.healthy).where(Source.id == source_id)).one()
    run = f"run-{uuid.uuid4().hex[:12]}"
    now = finished or utcnow()
    if reason is None:
        outcome, verdict = "healthy", Verdict(True)
        events = [] if was_healthy else [ops_event("source_recovered", "dhs-oig", run, now)]
    else:
        outcome = "failed" if reason.startswith("crawl failed") else "unhealthy"
        verdict = Verdict(False, (reason,))
        drafts = [ops_event("source_unhealthy", "dhs-oig", run, now, reason=verdict.reason)]
        events = drafts if was_healthy else []
    record = RunRecord(
        run, source_id, "quick", now, now, outcome, verdict, None, events,
        router=router_for(settings.routes),
    )  # fmt: skip
    return ledger.record(record).event_ids


@pytest.fixture
def record_health() -> Callable[..., list[int]]:
    """``record_health(engine, settings, reason_or_None, finished=None)``: one run of dhs-oig."""
    return health_run


Serve = Callable[..., WebServer]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start ``create_app(settings, engine, status)`` on a loopback port; stopped after the test."""
    started: list[WebServer] = []

    def start(settings: Settings, engine: Engine, status: Any = None) -> WebServer:
        server = WebServer(create_app(settings, engine, status)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()

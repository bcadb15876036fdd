"""`oigwatch run` as a real process: scheduled cycles against the fixture site, alerts reaching a
local Slack, SIGTERM during a crawl and during delivery, and the catch-up after a long gap."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import feedparser
import httpx
import pytest
from sqlalchemy import create_engine, text
from support.fake_slack import FakeSlack
from support.harness import NEWSROOM_SLACK, Oigwatch, ledger_snapshot, write_config
from support.service import ServiceProcess, crawl_runs, wait_until

from ledger.db import normalize_url

ENV = {"OIGWATCH_SLACK_TOKEN": "xoxb-test"}


def service_config(tmp_path: Path, slack: FakeSlack | None = None, **service: object) -> Path:
    keys = {"jitter": 0, "deliver_poll": 1, **service}
    lines = "".join(f"{key} = {value!r}\n".replace("'", '"') for key, value in keys.items())
    routes = NEWSROOM_SLACK.replace("{api}", slack.api_url) if slack else ""
    return write_config(tmp_path, routes=routes, service=lines)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token="xoxb-test", channels=("C-NEWS",)) as server:
        yield server


@pytest.fixture
def services() -> Iterator[list[ServiceProcess]]:
    started: list[ServiceProcess] = []
    yield started
    for service in started:
        service.kill()


def start(
    services: list[ServiceProcess],
    oigwatch: Oigwatch,
    config: Path,
    tmp_path: Path,
    http: bool = False,
    env: dict[str, str] | None = None,
) -> ServiceProcess:
    service = ServiceProcess(
        tmp_path,
        config,
        oigwatch.db_url,
        oigwatch.site.base_url,
        http=http,
        env={**ENV, **(env or {})},
    )
    services.append(service)
    return service


def shift_runs(db_url: str, days: int) -> None:
    """Age every recorded run by ``days`` (the service was down that long)."""
    engine = create_engine(normalize_url(db_url))
    interval = {
        "sqlite": f"datetime(%s, '-{days} days')",
        "postgresql": f"%s - interval '{days} days'",
    }
    shifted = interval[engine.dialect.name]
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "update crawl_runs set started_at = "
                    + shifted % "started_at"
                    + ", finished_at = "
                    + shifted % "finished_at"
                )
            )
    finally:
        engine.dispose()


def test_scheduled_cycles_deliver_a_new_report_within_one_poll(
    oigwatch: Oigwatch, slack: FakeSlack, services: list[ServiceProcess], tmp_path: Path
) -> None:
    quick = 2.0
    config = service_config(tmp_path, slack, quick_interval=quick, deep_interval=3600)
    service = start(services, oigwatch, config, tmp_path, http=True)
    assert service.url is not None

    # the first run is the silent baseline (a deep sweep), then quick polls follow
    wait_until(lambda: len(service.runs()) >= 3, 60, "a baseline and two quick polls")
    assert slack.messages == []
    health = httpx.get(f"{service.url}/healthz", timeout=10)
    assert health.status_code == 200, health.text
    body = health.json()
    assert body["status"] == "ok" and body["scheduler"]["running"] is True
    job_ids = {job["id"] for job in body["scheduler"]["jobs"]}
    assert {"quick:dhs-oig", "deep:dhs-oig", "heartbeat"} <= job_ids
    assert [source["name"] for source in body["sources"]] == ["dhs-oig"]
    added = oigwatch.site.mutate({"op": "add_report", "components": ["ICE"]})
    published = time.monotonic()
    wait_until(lambda: slack.messages, quick + 5, "the new report on Slack")
    assert time.monotonic() - published <= quick + 5
    assert added["report_number"] in slack.messages[0].text

    feed = feedparser.parse(httpx.get(f"{service.url}/feeds/changes.atom", timeout=10).content)
    assert not feed.bozo
    assert {link.href for link in feed.feed.links} & {f"{service.url}/feeds/changes.atom"}
    assert [added["report_number"] in entry.title for entry in feed.entries] == [True]

    wait_until(lambda: len(service.runs()) >= 6, 60, "six scheduled cycles")
    assert service.stop() == 0
    runs = service.runs()
    assert [run["sweep"] for run in runs][:1] == ["deep"]
    assert {run["outcome"] for run in runs[1:]} == {"healthy"}, runs  # none failed
    assert len(runs) >= 6
    texts = [message.text for message in slack.messages]
    assert sum(added["report_number"] in t for t in texts) == 1  # announced once
    assert service.crawl_dirs() == [] and service.stray_processes() == []
    assert "stopped" in service.log


def test_sigterm_during_a_crawl_abandons_it_and_records_nothing(
    baselined: Oigwatch, slack: FakeSlack, services: list[ServiceProcess], tmp_path: Path
) -> None:
    site = baselined.site
    config = service_config(tmp_path, slack, quick_interval=0.5, shutdown_grace=0.5)
    site.mutate(
        {"op": "http_fault", "kind": "delay", "match": "/reports/", "seconds": 3, "count": 500}
    )
    added = site.mutate({"op": "add_report", "components": ["CBP"]})
    before = ledger_snapshot(baselined.db_url)
    events_before = len(baselined.changes())
    runs_before = len(crawl_runs(baselined.db_url))

    service = start(services, baselined, config, tmp_path)
    wait_until(service.crawl_dirs, 30, "a crawl in progress")
    time.sleep(0.5)  # the child is fetching its (slow) pages
    began = time.monotonic()
    assert service.stop() == 0
    assert time.monotonic() - began < 10
    assert "abandoned at shutdown; nothing recorded" in service.log
    assert ledger_snapshot(baselined.db_url) == before
    assert len(baselined.changes()) == events_before
    assert len(crawl_runs(baselined.db_url)) == runs_before  # not even a failed run
    assert service.crawl_dirs() == [] and service.stray_processes() == []
    assert slack.messages == []

    # after a restart the same change is found and announced once
    site.mutate({"op": "clear_faults"})
    again = start(services, baselined, config, tmp_path)
    wait_until(lambda: slack.messages, 30, "the new report on Slack")
    assert again.stop() == 0
    assert sum(added["report_number"] in m.text for m in slack.messages) == 1


def test_sigterm_during_a_crawl_lets_it_finish_within_the_grace(
    baselined: Oigwatch, services: list[ServiceProcess], tmp_path: Path
) -> None:
    site = baselined.site
    config = service_config(tmp_path, quick_interval=0.5, shutdown_grace=30)
    site.mutate(
        {"op": "http_fault", "kind": "delay", "match": "/reports/", "seconds": 1, "count": 500}
    )
    added = site.mutate({"op": "add_report"})
    before = len(crawl_runs(baselined.db_url))
    service = start(services, baselined, config, tmp_path)
    wait_until(service.crawl_dirs, 30, "a crawl in progress")
    assert service.stop() == 0
    runs = service.runs()
    assert len(runs) == before + 1 and runs[-1]["outcome"] == "healthy"
    assert [e["report_number"] for e in baselined.changes("--kind", "new")] == [
        added["report_number"]
    ]
    assert service.crawl_dirs() == []


def test_sigterm_during_delivery_loses_nothing(
    baselined: Oigwatch, slack: FakeSlack, services: list[ServiceProcess], tmp_path: Path
) -> None:
    site = baselined.site
    numbers = [site.mutate({"op": "add_report"})["report_number"] for _ in range(3)]
    config = service_config(tmp_path, slack, quick_interval=0.5, shutdown_grace=0)
    slack.fault(kind="delay", seconds=3, count=1)  # the first post is answered late
    service = start(services, baselined, config, tmp_path)
    wait_until(lambda: any(r.method == "chat.postMessage" for r in slack.requests), 60, "a post")
    assert service.stop() == 0  # while Slack holds the first post
    held = [
        d
        for d in baselined.deliveries()
        if d["target"] == "newsroom" and str(d["report_number"]) in slack.messages[0].text
    ]
    assert [d["status"] for d in held] == ["sent"]  # its answer was awaited and marked

    again = start(services, baselined, config, tmp_path)
    wait_until(
        lambda: all(any(n in m.text for m in slack.messages) for n in numbers), 30, "all alerts"
    )
    assert again.stop() == 0
    for number in numbers:  # each delivered, none twice (the in-flight send was marked)
        assert sum(number in m.text for m in slack.messages) == 1
    statuses = [d["status"] for d in baselined.deliveries()]
    assert statuses and set(statuses) == {"sent"}


def test_restart_after_a_day_runs_one_catch_up_sweep(
    baselined: Oigwatch, services: list[ServiceProcess], tmp_path: Path
) -> None:
    shift_runs(baselined.db_url, days=1)
    config = service_config(tmp_path, quick_interval=600, deep_interval=21600)
    before = len(crawl_runs(baselined.db_url))
    service = start(services, baselined, config, tmp_path)
    wait_until(lambda: len(service.runs()) > before, 60, "the catch-up sweep")
    time.sleep(3)  # a backlog would show up here
    assert service.stop() == 0
    new = service.runs()[before:]
    assert [run["sweep"] for run in new] == ["deep"]
    assert new[0]["outcome"] == "healthy"
    # the quick polls resume one interval after the catch-up, not at once
    firsts = dict(re.findall(r"first (quick|deep) sweep at (\S+)", service.log))
    gap = datetime.fromisoformat(firsts["quick"]) - datetime.fromisoformat(firsts["deep"])
    assert gap == timedelta(seconds=600)


def test_a_crawl_past_its_time_limit_is_killed_and_the_next_cycle_is_clean(
    baselined: Oigwatch, services: list[ServiceProcess], tmp_path: Path
) -> None:
    site = baselined.site
    config = service_config(tmp_path, quick_interval=0.5)
    site.mutate(
        {"op": "http_fault", "kind": "delay", "match": "/reports/", "seconds": 10, "count": 500}
    )
    limit = {"OIGWATCH_CRAWL__PROCESS_TIMEOUT": "4"}
    service = start(services, baselined, config, tmp_path, env=limit)
    failed = wait_until(
        lambda: [r for r in service.runs() if r["outcome"] == "failed"], 60, "a kill"
    )
    assert "timed out after 4 s and was killed" in failed[0]["reason"]
    site.mutate({"op": "clear_faults"})
    wait_until(lambda: service.runs()[-1]["outcome"] == "healthy", 60, "a healthy cycle")
    assert service.stop() == 0
    kinds = [e["kind"] for e in baselined.changes()]
    assert kinds == ["source_unhealthy", "source_recovered"]
    assert service.crawl_dirs() == [] and service.stray_processes() == []


def test_a_second_signal_abandons_a_crawl_at_once(
    baselined: Oigwatch, services: list[ServiceProcess], tmp_path: Path
) -> None:
    site = baselined.site
    config = service_config(tmp_path, quick_interval=0.5, shutdown_grace=60)
    site.mutate(
        {"op": "http_fault", "kind": "delay", "match": "/reports/", "seconds": 3, "count": 500}
    )
    before = ledger_snapshot(baselined.db_url)
    runs_before = len(crawl_runs(baselined.db_url))
    service = start(services, baselined, config, tmp_path)
    wait_until(service.crawl_dirs, 30, "a crawl in progress")
    service.proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    began = time.monotonic()
    assert service.stop(signal.SIGINT) == 0
    assert time.monotonic() - began < 10  # not the 60 s grace
    assert ledger_snapshot(baselined.db_url) == before
    assert len(crawl_runs(baselined.db_url)) == runs_before

"""APScheduler's "maximum number of running instances reached" never reaches the operator's log;
a skipped poll is said once, in oigwatch's words (issue #11, observation 9)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.skips import quiet_skips


def test_a_job_still_running_is_said_once_and_apscheduler_says_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("oigwatch.service")
    skips: list[JobEvent] = []

    async def main() -> None:
        scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={"max_instances": 1})
        quiet_skips(scheduler, log)
        scheduler.add_listener(skips.append, EVENT_JOB_MAX_INSTANCES)

        async def slow_poll() -> None:
            await asyncio.sleep(1.5)

        scheduler.add_job(slow_poll, IntervalTrigger(seconds=0.1), id="quick:dhs-oig")
        scheduler.start()
        await asyncio.sleep(1.2)  # the first run is still running: every later one is skipped
        scheduler.shutdown(wait=False)

    with caplog.at_level(logging.INFO):
        asyncio.run(main())
    assert len(skips) >= 3, "the scheduler skipped runs"
    messages = [record.getMessage() for record in caplog.records]
    assert not [m for m in messages if "maximum number of running instances" in m]
    ours = [m for m in messages if "still running" in m]
    assert ours == [
        "dhs-oig: a quick sweep was skipped because the last one is still running "
        "(said once until it ends)"
    ]

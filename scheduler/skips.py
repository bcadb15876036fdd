"""A poll skipped because the last one still runs: said once, in oigwatch's words.

APScheduler logs a warning ("Execution of job ... skipped: maximum number of running instances
reached (1)") every time a job's next run comes while the last one is still running: a slow deep
sweep would fill the operator's log with them. They are dropped from APScheduler's logger; the
service says instead, once per job until the running one ends, that the sweep was skipped.
"""

from __future__ import annotations

import logging
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    JobEvent,
)

APSCHEDULER_LOG = "apscheduler.scheduler"
MAX_INSTANCES = "maximum number of running instances reached"


class _DropMaxInstances(logging.Filter):
    """Drops APScheduler's "maximum number of running instances reached" records."""

    def filter(self, record: logging.LogRecord) -> bool:
        return MAX_INSTANCES not in record.getMessage()


def _describe(job_id: str) -> str:
    """``quick:dhs-oig`` → ``dhs-oig: a quick sweep``; other jobs by their id."""
    sweep, _, source = job_id.partition(":")
    if sweep in ("quick", "deep") and source:
        return f"{source}: a {sweep} sweep"
    return f"job {job_id}"


def quiet_skips(scheduler: Any, log: logging.Logger) -> None:
    """Drop APScheduler's skip warnings; log one line of ours per job and episode instead."""
    aps = logging.getLogger(APSCHEDULER_LOG)
    if not any(isinstance(f, _DropMaxInstances) for f in aps.filters):
        aps.addFilter(_DropMaxInstances())
    told: set[str] = set()

    def skipped(event: JobEvent) -> None:
        if event.job_id not in told:
            told.add(event.job_id)
            log.info(
                "%s was skipped because the last one is still running (said once until it ends)",
                _describe(event.job_id),
            )

    def ended(event: JobEvent) -> None:
        told.discard(event.job_id)

    scheduler.add_listener(skipped, EVENT_JOB_MAX_INSTANCES)
    scheduler.add_listener(ended, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

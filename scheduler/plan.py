"""When each sweep of a source runs first after the service starts (pure).

What is due after downtime comes from the ledger's last runs, not from pickled jobs: a deep sweep
overdue by a day runs once, at once, and the quick polls resume one interval after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class FirstRuns:
    """The first quick poll and the first deep sweep of one source."""

    quick: datetime
    deep: datetime


def first_runs(
    last: dict[str, datetime],
    baseline_done: bool,
    now: datetime,
    quick_interval: float,
    deep_interval: float,
) -> FirstRuns:
    """Deep: at once without a baseline or when overdue, else one interval after the last deep
    sweep. Quick: one interval after the last run of either kind (a deep sweep reads every page
    0 too), and never before the first deep sweep has had its interval."""
    quick_every, deep_every = timedelta(seconds=quick_interval), timedelta(seconds=deep_interval)
    last = {sweep: min(at, now) for sweep, at in last.items()}  # a clock set back: not the future
    last_deep = last.get("deep")
    deep = now if last_deep is None or not baseline_done else max(now, last_deep + deep_every)
    latest = max(last.values(), default=None)
    quick = now if latest is None else max(now, latest + quick_every)
    if deep <= quick:  # the deep sweep covers this poll
        quick = deep + quick_every
    return FirstRuns(quick=quick, deep=deep)

"""When a source's sweeps first run after the service starts (scheduler/plan.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.plan import first_runs

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
QUICK, DEEP = 600.0, 21600.0
MIN, HOUR = timedelta(minutes=1), timedelta(hours=1)


def test_an_empty_ledger_starts_with_the_baseline_and_polls_after_it() -> None:
    first = first_runs({}, False, NOW, QUICK, DEEP)
    assert first.deep == NOW
    assert first.quick == NOW + timedelta(seconds=QUICK)


def test_a_day_long_gap_gives_one_deep_sweep_now_then_polls_one_interval_later() -> None:
    last = {"deep": NOW - timedelta(days=1), "quick": NOW - timedelta(days=1) + 10 * MIN}
    first = first_runs(last, True, NOW, QUICK, DEEP)
    assert first.deep == NOW
    assert first.quick == NOW + timedelta(seconds=QUICK)


def test_a_short_restart_keeps_the_rhythm() -> None:
    last = {"deep": NOW - 2 * HOUR, "quick": NOW - 3 * MIN}
    first = first_runs(last, True, NOW, QUICK, DEEP)
    assert first.deep == NOW - 2 * HOUR + timedelta(seconds=DEEP)
    assert first.quick == NOW + 7 * MIN


def test_an_overdue_poll_runs_at_once() -> None:
    last = {"deep": NOW - 3 * HOUR, "quick": NOW - 30 * MIN}
    first = first_runs(last, True, NOW, QUICK, DEEP)
    assert first.quick == NOW
    assert first.deep == NOW + 3 * HOUR


def test_without_a_baseline_the_deep_sweep_is_due_whatever_ran() -> None:
    last = {"deep": NOW - 5 * MIN, "quick": NOW - MIN}  # failed sweeps, no baseline yet
    first = first_runs(last, False, NOW, QUICK, DEEP)
    assert first.deep == NOW


def test_a_deep_sweep_due_before_the_poll_covers_it() -> None:
    last = {"deep": NOW - timedelta(seconds=DEEP) + MIN, "quick": NOW - 9 * MIN}
    first = first_runs(last, True, NOW, QUICK, DEEP)
    assert first.deep == NOW + MIN
    assert first.quick == first.deep + timedelta(seconds=QUICK)


def test_runs_recorded_in_the_future_count_as_now() -> None:
    last = {"deep": NOW + 2 * HOUR, "quick": NOW + HOUR}  # the clock was set back
    first = first_runs(last, True, NOW, QUICK, DEEP)
    assert first.deep == NOW + timedelta(seconds=DEEP)
    assert first.quick == NOW + timedelta(seconds=QUICK)

"""A quick poll that reads what the latest run read and absorbed skips the diff (crawler/replay.py),
and that never changes what is announced: the same walk through the same site, with and without
replays, yields the same events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from support.harness import Oigwatch, write_config

# (site changes, sweep, the kinds of events it must announce)
STEPS: list[tuple[list[dict[str, Any]], str, list[str]]] = [
    ([], "--quick", []),
    ([], "--quick", []),
    ([{"op": "add_report"}], "--quick", ["new"]),
    ([], "--quick", []),
    ([{"op": "retitle", "report_number": "{first}", "suffix_op": "append_revised"}], "--quick",
     ["revised"]),
    ([], "--quick", []),
    ([], "--quick", []),
    ([], "--deep", []),
    ([], "--quick", []),
    ([{"op": "edit_summary", "report_number": "{first}", "summary": "A new summary."}], "--quick",
     ["revised"]),
    ([], "--quick", []),
    ([{"op": "tie_shuffle", "mode": "shuffle"}], "--quick", []),
    ([], "--quick", []),
    ([{"op": "add_report"}], "--quick", ["new"]),
]  # fmt: skip


def _never_replays(db_url: str) -> None:
    """Take the reading out of the latest run, so the next quick poll compares in full."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        latest = conn.execute(text("select id, stats from crawl_runs order by id desc")).first()
        assert latest is not None
        stats = latest.stats if isinstance(latest.stats, dict) else json.loads(latest.stats)
        stats.pop("reading", None)
        conn.execute(
            text("update crawl_runs set stats = :stats where id = :id"),
            {"stats": json.dumps(stats), "id": latest.id},
        )
    engine.dispose()


@contextmanager
def counting_report_loads() -> Iterator[list[int]]:
    """How many statements load whole reports (a full compare does; a replay does not)."""
    counts = [0]

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "reports.summary" in statement:  # a full row of a report (compare loads them)
            counts[0] += 1

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        yield counts
    finally:
        event.remove(Engine, "before_cursor_execute", seen)


def _events(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((e["kind"], str(e.get("report_number"))) for e in events)


def test_replays_announce_exactly_what_full_compares_announce(
    oigwatch: Oigwatch, tmp_path: Path
) -> None:
    """The same walk on a second ledger that never replays (its runs' readings taken out) gives
    the same events, and both give the ones each step must."""
    site = oigwatch.site
    site.mutate({"op": "tie_shuffle", "mode": "stable"})
    (tmp_path / "full").mkdir()
    full = Oigwatch(site, f"sqlite:///{tmp_path / 'full.db'}", write_config(tmp_path / "full"))
    assert oigwatch.crawl("--deep") == [] and full.crawl("--deep") == []
    first = site.state.reports[0].report_number
    replayed = 0
    for ops, sweep, kinds in STEPS:
        for op in ops:
            site.mutate({k: (v.format(first=first) if isinstance(v, str) else v)
                         for k, v in op.items()})  # fmt: skip
        with counting_report_loads() as loads:
            replaying = oigwatch.crawl(sweep)
        replayed += sweep == "--quick" and loads[0] == 0
        _never_replays(full.db_url)
        assert sorted(e["kind"] for e in replaying) == kinds, (ops, sweep)
        assert _events(replaying) == _events(full.crawl(sweep)), (ops, sweep)
    assert replayed >= 4, "unchanged quick polls after a quick poll skip the compare"


def test_a_quick_poll_after_a_deep_sweep_or_a_failure_compares_in_full(
    oigwatch: Oigwatch,
) -> None:
    oigwatch.site.mutate({"op": "tie_shuffle", "mode": "stable"})
    assert oigwatch.crawl("--deep") == []
    with counting_report_loads() as loads:
        assert oigwatch.crawl("--quick") == []
    assert loads[0] > 0, "the latest run was deep: compare"
    with counting_report_loads() as loads:
        assert oigwatch.crawl("--quick") == []
    assert loads[0] == 0, "the same reading as the latest quick run: replay"
    oigwatch.site.mutate({"op": "http_fault", "match": "audits", "kind": "status",
                          "status": 503, "count": -1})  # fmt: skip
    oigwatch.crawl("--quick", expect=1)
    oigwatch.site.mutate({"op": "clear_faults"})
    with counting_report_loads() as loads:
        assert [e["kind"] for e in oigwatch.crawl("--quick")] == ["source_recovered"]
    assert loads[0] > 0, "the latest run was not healthy: compare"

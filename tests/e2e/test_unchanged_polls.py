"""An unchanged poll costs its run row and nothing else (SQLite and PostgreSQL).

Listing pages (first pages and deeper ones) and re-checked PDFs are asked for conditionally; a
site that sends no validators, or ignores them, answers 200 with the same bytes, and the page's
body digest stands in for the 304. Either way the cached entries are reused, and the ledger gains
the ``crawl_runs`` row and nothing else: no page cache rewritten with what it holds, no source
row set to the health it has, no run row updated with zero events.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from support.harness import Oigwatch

from fixture_site import RequestLogEntry

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
ONLY_THE_RUN = {"crawl_runs": 1}


@contextmanager
def rows_written() -> Iterator[Counter[str]]:
    """Writes per table, by any engine of this process, while the block runs: each INSERT,
    UPDATE or DELETE statement that changed a row, or whose row count the driver does not tell
    (an INSERT … RETURNING whose rows are not read yet), counts once per row (at least once)."""
    written: Counter[str] = Counter()

    def count(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if match := WRITE.match(statement):
            text = statement.upper()
            rows, returning = cursor.rowcount, "RETURNING" in text and "INSERT" in text[:20]
            if rows != 0 or returning:
                written[match.group(1).lower()] += max(rows, 1)

    event.listen(Engine, "after_cursor_execute", count)
    try:
        yield written
    finally:
        event.remove(Engine, "after_cursor_execute", count)


def listing_requests(log: list[RequestLogEntry]) -> list[RequestLogEntry]:
    return [e for e in log if e.path.startswith("/reports/")]


def conditional(entry: RequestLogEntry) -> bool:
    headers = {k.lower(): v for k, v in entry.headers.items()}
    return "if-none-match" in headers or "if-modified-since" in headers


def test_an_unchanged_quick_poll_writes_only_its_run_row(baselined: Oigwatch) -> None:
    baselined.site.clear_log()
    with rows_written() as written:
        assert baselined.crawl("--quick") == []
    listing = listing_requests(baselined.site.log)
    assert listing and all(conditional(e) and e.status == 304 for e in listing)
    assert dict(written) == ONLY_THE_RUN


def test_an_unchanged_deep_sweep_writes_only_its_run_row(baselined: Oigwatch) -> None:
    baselined.site.clear_log()
    with rows_written() as written:
        assert baselined.crawl("--deep", "--pdf-checks", "0") == []
    listing = listing_requests(baselined.site.log)
    deeper = [e for e in listing if "page=" in e.path]
    assert len(deeper) > 5, "the deep sweep walks the pages beyond the first"
    assert all(conditional(e) and e.status == 304 for e in listing), [
        (e.path, e.status) for e in listing if e.status != 304
    ]
    assert dict(written) == ONLY_THE_RUN


def test_pdf_rechecks_are_conditional(baselined: Oigwatch) -> None:
    baselined.site.clear_log()
    assert baselined.crawl("--deep", "--pdf-checks", "5") == []
    pdfs = [e for e in baselined.site.log if e.path.endswith(".pdf")]
    assert len(pdfs) == 5 and all(conditional(e) and e.status == 304 for e in pdfs)


@pytest.mark.parametrize("validators", ["omit", "ignore"])
def test_same_bytes_without_a_304_write_only_the_run_row(
    oigwatch: Oigwatch, validators: str
) -> None:
    oigwatch.site.mutate({"op": "set", "validators": validators})
    assert oigwatch.crawl("--deep", "--pdf-checks", "all") == []  # the baseline
    for sweep in (("--quick",), ("--deep", "--pdf-checks", "0")):
        oigwatch.site.clear_log()
        with rows_written() as written:
            assert oigwatch.crawl(*sweep) == []
        listing = listing_requests(oigwatch.site.log)
        assert listing and all(e.status == 200 for e in listing)
        assert dict(written) == ONLY_THE_RUN, sweep


def test_changes_behind_unchanged_bytes_are_still_found(oigwatch: Oigwatch) -> None:
    site = oigwatch.site
    site.mutate({"op": "set", "validators": "omit"})
    assert oigwatch.crawl("--deep", "--pdf-checks", "all") == []
    added = site.mutate({"op": "add_report", "components": ["ICE"]})
    [new] = oigwatch.crawl("--quick")
    assert (new["kind"], new["report_number"]) == ("new", added["report_number"])
    oldest = min((r for r in site.state.reports if r.report_number), key=lambda r: r.issue_date)
    site.mutate({"op": "retitle", "report_number": oldest.report_number, "title": "Set Later"})
    [revised] = oigwatch.crawl("--deep", "--pdf-checks", "0")
    assert (revised["kind"], revised["report_number"]) == ("revised", oldest.report_number)
    with rows_written() as written:
        assert oigwatch.crawl("--deep", "--pdf-checks", "0") == []
    assert dict(written) == ONLY_THE_RUN

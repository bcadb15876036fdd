"""Unchanged pages are not parsed again: a 200 with the bytes a page was last parsed from is
answered from the page cache like a 304, and the page cache is rewritten only when it learns
something."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.settings import load_settings
from crawler.check import crawl_rules
from crawler.contract import CachedPage, CrawlJob, CrawlResult, SourcePlan, ViewPlan, page_url
from crawler.entry import ParsedPage, ReportEntry
from crawler.fetch import run_crawl
from fixture_site import FixtureSite, build_state

ENTRY = st.builds(
    ReportEntry,
    view=st.text(max_size=5),
    title=st.text(max_size=10),
    report_number=st.none() | st.text(max_size=8),
    issue_date=st.none() | st.dates(),
    components=st.lists(st.text(max_size=4), max_size=2).map(tuple),
)
PAGE = st.builds(
    ParsedPage,
    entries=st.lists(ENTRY, max_size=6).map(tuple),
    rows_seen=st.integers(0, 60),
    has_next=st.booleans(),
    last_page=st.none() | st.integers(0, 50),
)
DIGEST = st.sampled_from(["", "a" * 64, "b" * 64])
CACHED = st.builds(
    CachedPage,
    etag=st.none() | st.text(max_size=8),
    last_modified=st.none() | st.text(max_size=8),
    page=PAGE,
    read_by=st.sampled_from(["", "0123abcd"]),
    body_sha256=DIGEST,
)


@given(CACHED)
def test_the_body_digest_survives_the_ledger_and_the_job_file(cached: CachedPage) -> None:
    data = json.loads(json.dumps(cached.to_json()))
    assert CachedPage.from_json(data) == cached
    assert ("body_sha256" in data["page"]) == bool(cached.body_sha256), "old shape when unknown"


@given(CACHED)
def test_a_read_equal_to_the_stored_row_writes_nothing(cached: CachedPage) -> None:
    assert not cached.replaces(cached)
    assert cached.replaces(None)
    assert cached.replaces(replace(cached, read_by="other selectors"))


@given(CACHED, st.randoms(use_true_random=False), DIGEST)
def test_a_reshuffled_page_keeps_its_stored_row(
    stored: CachedPage, shuffle: object, digest: str
) -> None:
    entries = list(stored.page.entries)
    shuffle.shuffle(entries)  # type: ignore[attr-defined]
    fresh = replace(stored, etag="new", body_sha256=digest, page=replace(stored.page,
                    entries=tuple(entries)))  # fmt: skip
    same_bytes = bool(digest) and digest == stored.body_sha256
    if fresh == stored:
        assert not fresh.replaces(stored)
    elif same_bytes:
        assert fresh.replaces(stored), "the same bytes under new validators: keep them"
    else:
        assert fresh.replaces(stored) == (tuple(entries) == stored.page.entries)


@given(CACHED, ENTRY)
def test_a_page_holding_other_entries_replaces_the_stored_row(
    stored: CachedPage, entry: ReportEntry
) -> None:
    fresh = replace(stored, page=replace(stored.page, entries=(*stored.page.entries, entry)))
    assert fresh.replaces(stored)
    if stored.page.entries:
        fewer = replace(stored.page, entries=stored.page.entries[1:])
        assert replace(stored, body_sha256="c" * 64, page=fewer).replaces(stored)


# --- the spider, against the fixture site ---

AUDITS = "/reports/audits-inspections-and-evaluations"
MARKER = ReportEntry("audits", "Read From The Cache", "OIG-99-99", issue_date=date(2020, 1, 1))
MARKED = ParsedPage((MARKER,), 1, False)  # what no parse of the site's page gives


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureSite]:
    """A site without validators: every request is a 200."""
    with FixtureSite(build_state(n_reports=120, seed=3)) as running:
        running.mutate({"op": "set", "tie_mode": "stable", "validators": "omit"})
        yield running


def _first_page(site: FixtureSite) -> str:
    return page_url(site.base_url + AUDITS, "", 0)


def _crawl(site: FixtureSite, cached: CachedPage) -> CrawlResult:
    """A quick crawl of the audits view, its first page cached as ``cached``."""
    settings = load_settings(environ={})
    view = ViewPlan("audits", site.base_url + AUDITS, "table", "audits", 0)
    job = CrawlJob(
        "skip", "quick", SourcePlan("dhs-oig", site.base_url), (view,),
        crawl_rules(settings.crawl), page_cache={_first_page(site): cached}, robots="",
    )  # fmt: skip
    outcome = run_crawl(job, 60)
    assert outcome.result is not None, outcome.failure
    return outcome.result


def _digest(site: FixtureSite) -> str:
    return hashlib.sha256(httpx.get(_first_page(site), timeout=5).content).hexdigest()


def test_a_page_with_the_stored_bytes_is_not_parsed_again(site: FixtureSite) -> None:
    result = _crawl(site, CachedPage(None, None, MARKED, "", _digest(site)))
    [page] = result.pages
    assert page.status == 200 and page.parsed == MARKED, "the stored entries, not a new parse"
    assert result.page_cache == {}, "nothing new to store"


def test_a_page_with_other_bytes_is_parsed_and_stored(site: FixtureSite) -> None:
    result = _crawl(site, CachedPage(None, None, MARKED, "", "0" * 64))
    [page] = result.pages
    assert MARKER not in page.parsed.entries and len(page.parsed.entries) == 50
    stored = result.page_cache[_first_page(site)]
    assert stored.page == page.parsed and stored.body_sha256 == _digest(site)


def test_stored_bytes_read_by_other_selectors_are_parsed_again(site: FixtureSite) -> None:
    result = _crawl(site, CachedPage(None, None, MARKED, "older selectors", _digest(site)))
    assert MARKER not in result.pages[0].parsed.entries

"""Bounded work: an over-size, endless or decompression-bomb body is refused at its limit, and the
refusal is a page (or PDF) error that says what happened."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from config.settings import load_settings
from crawler.check import crawl_rules
from crawler.contract import CrawlJob, PdfCheck, PdfPlan, SourcePlan, ViewPlan
from crawler.fetch import run_crawl
from fixture_site import FixtureSite, build_state

AUDITS = "/reports/audits-inspections-and-evaluations"
MGMT = "/reports/management-alerts"
WHISTLEBLOWER = "/reports/whistleblower-retaliation-reports-of-investigation"


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite(build_state(n_reports=300, seed=11)) as running:
        yield running


def _job(site: FixtureSite, views: dict[str, str], **crawl: Any) -> CrawlJob:
    settings = load_settings(environ={})
    base = site.base_url
    return CrawlJob(
        run_key="bounded",
        sweep="quick",
        source=SourcePlan("dhs-oig", base),
        views=tuple(
            ViewPlan(name, base + path, "table", name, rank)
            for rank, (name, path) in enumerate(views.items())
        ),
        crawl=replace(crawl_rules(settings.crawl), **{"delay": 0.0, "concurrency": 4} | crawl),
    )


def test_over_size_listing_pages_are_refused_with_a_reason(site: FixtureSite) -> None:
    fault = {"op": "http_fault", "count": -1}
    site.mutate({**fault, "match": "field_dhs_agency_target_id=1", "kind": "gzip_bomb"})  # 1.5 GB
    site.mutate({**fault, "match": AUDITS, "kind": "gzip_bomb", "size": 20_000_000})
    site.mutate({**fault, "match": MGMT, "kind": "endless"})
    views = {"audits": AUDITS, "audits:CBP": AUDITS + "?field_dhs_agency_target_id=1",
             "management-alerts": MGMT, "whistleblower": WHISTLEBLOWER}  # fmt: skip
    outcome = run_crawl(_job(site, views, max_page_bytes=1_000_000), 60)
    assert outcome.failure is None and outcome.result is not None
    reasons = {error.view: error.reason for error in outcome.result.errors}
    assert reasons == {
        "audits": "ResponseTooLarge: response larger than 1000000 bytes (decompressed) refused",
        # the 1.5 GB bomb is 1.5 MB on the wire: its Content-Length is already too much
        "audits:CBP": "ResponseTooLarge: response larger than 1000000 bytes (declared length)"
        " refused",
        "management-alerts": "ResponseTooLarge: response larger than 1000000 bytes refused",
    }
    assert [page.view for page in outcome.result.pages] == ["whistleblower"]
    assert outcome.result.stats.retries == 0, "a refusal is not retried"
    assert len([e for e in site.log if e.path.startswith("/reports/")]) == 4


def test_an_over_size_pdf_is_a_pdf_error(site: FixtureSite) -> None:
    endless, bomb, fine = (report.pdf_path for report in site.state.reports[:3])
    site.mutate({"op": "http_fault", "match": endless, "kind": "endless", "count": -1})
    site.mutate({"op": "http_fault", "match": bomb, "kind": "gzip_bomb", "size": 10_000_000})
    job = _job(site, {"whistleblower": WHISTLEBLOWER}, max_pdf_bytes=3_000_000)
    recheck = tuple(PdfCheck(site.base_url + path) for path in (endless, bomb, fine))
    job = replace(job, sweep="deep", pdf=PdfPlan(recheck=recheck))
    outcome = run_crawl(job, 60)
    assert outcome.result is not None and outcome.result.errors == ()
    pdfs = {
        record.url.removeprefix(site.base_url): record for record in outcome.result.pdfs.values()
    }
    assert pdfs[endless].reason == "response larger than 3000000 bytes refused"
    assert pdfs[bomb].reason == ("response larger than 3000000 bytes (decompressed) refused")
    assert pdfs[fine].status == "ok"
    assert pdfs[endless].status == pdfs[bomb].status == "error"


def test_the_limits_reach_scrapy() -> None:
    from crawler.child import scrapy_settings

    crawl = crawl_rules(load_settings(environ={}).crawl)
    settings = scrapy_settings(crawl)
    assert settings["DOWNLOAD_MAXSIZE"] == 5_000_000 == crawl.max_page_bytes
    assert 0 < settings["DOWNLOAD_WARNSIZE"] < settings["DOWNLOAD_MAXSIZE"]
    assert crawl.max_pdf_bytes == 200_000_000

"""The spool: the crawl keeps each PDF it fetched, named by its digest, written atomically; an
over-size PDF is refused (and said to be), an unwritable spool noted on the fingerprint."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.crawl_jobs import job, silent_view

from archive.ingest import folder_name
from archive.spool import STALE_PARTIAL, discard, keep, spool_path, waiting
from crawler.contract import PdfCheck, PdfPlan
from crawler.fetch import run_crawl
from fixture_site import FixtureSite, build_state
from fixture_site.pdf import build_pdf


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite(build_state(n_reports=20, seed=3)) as running:
        yield running


def test_a_kept_pdf_is_named_by_its_digest(tmp_path: Path) -> None:
    body = b"%PDF-1.4 a report"
    digest = hashlib.sha256(body).hexdigest()
    assert keep(tmp_path / "spool", digest, body) is True
    assert keep(tmp_path / "spool", digest, body) is False, "there already"
    assert waiting(tmp_path / "spool") == {digest: spool_path(tmp_path / "spool", digest)}
    assert spool_path(tmp_path / "spool", digest).read_bytes() == body
    discard(spool_path(tmp_path / "spool", digest))
    discard(spool_path(tmp_path / "spool", digest))  # gone already: nothing to do
    assert waiting(tmp_path / "spool") == {} == waiting(tmp_path / "nowhere")


def test_half_written_files_are_never_listed_and_stale_ones_go(tmp_path: Path) -> None:
    partial = tmp_path / f".{'a' * 64}.x1.part"
    fresh = tmp_path / f".{'b' * 64}.x2.part"
    partial.write_bytes(b"%PDF-1.4 half")
    fresh.write_bytes(b"%PDF-1.4 half")
    old = time.time() - STALE_PARTIAL - 10
    os.utime(partial, (old, old))
    (tmp_path / "notes.txt").write_text("not a PDF of the spool")
    assert waiting(tmp_path) == {}
    assert not partial.exists() and fresh.exists()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=2048))
def test_any_body_is_kept_whole(tmp_path: Path, body: bytes) -> None:
    digest = hashlib.sha256(body).hexdigest()
    keep(tmp_path / "any", digest, body)
    assert waiting(tmp_path / "any")[digest].read_bytes() == body


def test_a_name_that_is_not_a_digest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        keep(tmp_path, "../escape", b"%PDF")


@given(name=st.text(min_size=1, max_size=100))
def test_any_source_name_is_one_safe_folder(name: str) -> None:
    folder = folder_name(name)
    assert folder and "/" not in folder and not folder.startswith(".")
    assert all(c.isascii() and (c.isalnum() or c in "-_") for c in folder)
    assert folder == name or folder != folder_name(name + "x")


def pdf_job(site: FixtureSite, spool: str, *reports: int, max_pdf_bytes: int = 200_000_000):
    base = job(site.base_url, silent_view(site.base_url))
    checks = tuple(PdfCheck(site.base_url + site.state.reports[i].pdf_path) for i in reports)
    crawl = replace(base.crawl, max_pdf_bytes=max_pdf_bytes)
    return replace(base, sweep="deep", crawl=crawl, pdf=PdfPlan(recheck=checks, spool_dir=spool))


def test_the_crawl_spools_each_fetched_pdf(site: FixtureSite, tmp_path: Path) -> None:
    spool = tmp_path / "spool" / "dhs-oig"
    outcome = run_crawl(pdf_job(site, str(spool), 0, 1), 60)
    assert outcome.result is not None
    fingerprints = list(outcome.result.pdfs.values())
    assert [fp.status for fp in fingerprints] == ["ok", "ok"]
    kept = waiting(spool)
    assert set(kept) == {fp.sha256 for fp in fingerprints}
    for report in site.state.reports[:2]:
        body = build_pdf(report)
        assert kept[hashlib.sha256(body).hexdigest()].read_bytes() == body
    assert [p for p in spool.iterdir() if p.name.startswith(".")] == [], "no partial file left"


def test_without_a_spool_nothing_is_kept(site: FixtureSite, tmp_path: Path) -> None:
    outcome = run_crawl(pdf_job(site, "", 0), 60)
    assert outcome.result is not None and next(iter(outcome.result.pdfs.values())).status == "ok"
    assert list(tmp_path.iterdir()) == []


def test_an_over_size_pdf_is_refused_and_said_to_be(site: FixtureSite, tmp_path: Path) -> None:
    size = len(build_pdf(site.state.reports[0]))
    outcome = run_crawl(pdf_job(site, str(tmp_path), 0, max_pdf_bytes=size // 2), 60)
    assert outcome.result is not None
    [fingerprint] = outcome.result.pdfs.values()
    assert fingerprint.too_large and fingerprint.sha256 is None
    assert fingerprint.reason == f"response larger than {size // 2} bytes refused" or (
        fingerprint.reason == f"response larger than {size // 2} bytes (declared length) refused"
    )
    assert waiting(tmp_path) == {}


def test_an_unwritable_spool_is_noted_not_fatal(site: FixtureSite, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("in the way")
    outcome = run_crawl(pdf_job(site, str(blocked / "spool"), 0), 60)
    assert outcome.result is not None
    [fingerprint] = outcome.result.pdfs.values()
    assert fingerprint.status == "ok" and fingerprint.sha256
    assert fingerprint.spool_error and "Error" in fingerprint.spool_error


def test_the_services_crawl_worker_spools_too(
    site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service crawls in a worker process without secrets: it spools where the job says."""
    from crawler.pool import WorkerPool

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "never-in-the-worker")
    spool = tmp_path / "spool" / "dhs-oig"
    pool = WorkerPool()
    try:
        outcome = pool.run(pdf_job(site, str(spool), 0, 1, 2), 60)
    finally:
        pool.close()
    assert outcome.result is not None
    digests = {fp.sha256 for fp in outcome.result.pdfs.values()}
    assert len(digests) == 3 and set(waiting(spool)) == digests

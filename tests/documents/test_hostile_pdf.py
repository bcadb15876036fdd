"""A hostile PDF fails only its own extraction, with a reason, within the limits.

Each file is handed to the real child process (``documents.extract_child``); the test process
must survive, get a ``failed`` answer with a plain reason in time, and have no child left.
"""

from __future__ import annotations

import os
import time

import pytest
from support.crawl_jobs import children

from documents.extract import ExtractLimits, PdfText, extract_text
from fixture_site.pdf_pages import bomb_pdf, loop_pdf, many_pages_pdf, report_versions, slow_pdf

SLACK = 3.0  # seconds beyond the limit for starting and reaping the child on a busy machine


def extract(data: bytes, limits: ExtractLimits | None = None) -> tuple[PdfText, float]:
    started = time.perf_counter()
    text = extract_text(data, limits or ExtractLimits())
    elapsed = time.perf_counter() - started
    assert not children(os.getpid()), "the extracting process was left behind"
    return text, elapsed


def test_a_decompression_bomb_fails_on_the_readers_limit() -> None:
    data = bomb_pdf(300)  # 300 MB of spaces in ~300 kB
    assert len(data) < 1_000_000
    text, elapsed = extract(data)
    assert text.status == "failed"
    assert text.reason == "a compressed stream in it inflates to more than 75 MB (a decompression bomb?)"  # fmt: skip
    assert elapsed < ExtractLimits().seconds + SLACK


def test_memory_beyond_the_limit_fails_the_extraction_only() -> None:
    """A 70 MB stream (under pypdf's own limit) against a 150 MB address space."""
    text, elapsed = extract(bomb_pdf(70), ExtractLimits(memory_mb=150))
    assert text == PdfText("failed", (), "needed more than 150 MB")
    assert elapsed < ExtractLimits().seconds + SLACK


def test_the_memory_limit_holds_from_the_first_import() -> None:
    text, _ = extract(report_versions()["original"], ExtractLimits(memory_mb=30))
    assert text == PdfText("failed", (), "needed more than 30 MB")


def test_a_page_tree_that_loops_fails() -> None:
    text, elapsed = extract(loop_pdf("pages"))
    assert text.status == "failed"
    assert text.reason == "could not be read: Detected cyclic page references."
    assert elapsed < ExtractLimits().seconds + SLACK


def test_objects_that_refer_to_each_other_end() -> None:
    """Contents that are a reference to a reference back to the first: read, no text, no hang."""
    text, elapsed = extract(loop_pdf("references"))
    assert text.status in ("scanned", "failed") and text.reason
    assert elapsed < ExtractLimits().seconds + SLACK


def test_two_thousand_pages_are_refused_by_count() -> None:
    text, elapsed = extract(many_pages_pdf(2000))
    assert text == PdfText("failed", (), "has 2,000 pages, more than 1,500")
    assert elapsed < ExtractLimits().seconds + SLACK


def test_endless_work_is_stopped_at_the_time_limit() -> None:
    limits = ExtractLimits(seconds=2)
    text, elapsed = extract(slow_pdf(), limits)
    assert text == PdfText("failed", (), "took longer than 2 s")
    assert elapsed < limits.seconds + SLACK


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a PDF (no %PDF- header)"),
        (b"<!DOCTYPE html><html><body>Access denied</body></html>", "not a PDF (no %PDF- header)"),
        (b"%PDF-1.7\n" + b"\x00" * 100, "could not be read: "),
        (report_versions()["original"][:4000], "could not be read: "),
    ],
    ids=["empty", "html", "header only", "truncated"],
)
def test_what_is_not_a_readable_pdf_fails(data: bytes, reason: str) -> None:
    text, _ = extract(data)
    assert text.status == "failed"
    assert text.reason is not None and text.reason.startswith(reason)


def test_after_hostile_files_a_good_one_still_reads() -> None:
    extract(loop_pdf("pages"))
    text, _ = extract(report_versions()["original"])
    assert text.status == "ok" and len(text.pages) == 12

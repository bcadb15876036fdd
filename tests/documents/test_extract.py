"""Text per page from real PDFs (the fixture site's report versions), through the bounded child."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.pdf_layout import words_of

from documents.extract import PdfText, extract_text
from fixture_site.pdf import build_pdf
from fixture_site.pdf_pages import (
    ADDED_PAGE,
    ADDED_PARAGRAPH,
    NUMBER_BEFORE,
    NUMBER_PAGE,
    REPORT_PAGES,
    build_report_pdf,
    report_versions,
    version_pages,
)
from fixture_site.seed import build_state


@pytest.fixture(scope="module")
def versions() -> dict[str, PdfText]:
    return {name: extract_text(data) for name, data in report_versions().items()}


def test_every_page_is_read_as_its_words(versions: dict[str, PdfText]) -> None:
    """The text of each page is the paragraphs' words: no header, no footer, no line breaks."""
    text = versions["original"]
    assert text.status == "ok" and text.reason is None
    assert len(text.pages) == REPORT_PAGES
    assert text.pages == words_of(version_pages("original"))
    assert NUMBER_BEFORE in text.pages[NUMBER_PAGE - 1]
    assert not any("www.oig.dhs.gov" in page or "Page " in page for page in text.pages)


def test_the_versions_differ_where_they_should(versions: dict[str, PdfText]) -> None:
    original = versions["original"].pages
    assert versions["layout_only"].pages == original  # hyphens joined, footers gone
    changed = versions["number_changed"].pages
    assert [n for n in range(REPORT_PAGES) if changed[n] != original[n]] == [NUMBER_PAGE - 1]
    added = versions["paragraph_added"].pages
    assert [n for n in range(REPORT_PAGES) if added[n] != original[n]] == [ADDED_PAGE - 1]
    assert ADDED_PARAGRAPH in added[ADDED_PAGE - 1]


def test_the_layout_only_version_is_really_laid_out_differently() -> None:
    """The test above must be able to fail: the re-typeset file's bytes and raw lines differ."""
    import io

    import pypdf

    raw = {
        name: pypdf.PdfReader(io.BytesIO(data)).pages[4].extract_text()
        for name, data in report_versions().items()
        if name in ("original", "layout_only")
    }
    assert raw["original"] != raw["layout_only"]
    assert any(line.endswith("-") for line in raw["layout_only"].splitlines())
    assert "- 5 -" in raw["layout_only"] and "Page 5 of 12" in raw["original"]


def test_a_file_on_disk_is_read_by_the_child(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(report_versions()["original"])
    assert extract_text(path).pages == extract_text(path.read_bytes()).pages


def test_the_fixture_sites_one_page_pdf() -> None:
    report = build_state(n_reports=3, seed=2).reports[0]
    text = extract_text(build_pdf(report))
    assert text.status == "ok" and len(text.pages) == 1
    assert f"PDF version: {report.pdf_version}" in text.pages[0]


def test_pages_without_a_text_layer_are_a_scan() -> None:
    """Pages that carry only a stamped running header (scanned images): no text to compare."""
    text = extract_text(build_report_pdf([[]] * 6, footer=""))
    assert text.status == "scanned"
    assert text.reason == "has no text layer (a scan?): 0 of 6 pages carry text"


def test_a_missing_file_fails_with_its_reason(tmp_path: Path) -> None:
    text = extract_text(tmp_path / "gone.pdf")
    assert text == PdfText("failed", (), "could not be read: No such file or directory")


def test_json_round_trip_of_a_real_extraction(versions: dict[str, PdfText]) -> None:
    for text in versions.values():
        assert PdfText.from_json(text.to_json()) == text


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["ok", "scanned", "failed"]),
    st.lists(st.text(), max_size=5),
    st.none() | st.text(),
)
def test_json_round_trip(status: str, pages: list[str], reason: str | None) -> None:
    text = PdfText(status, tuple(pages), reason)
    assert PdfText.from_json(text.to_json()) == text


@pytest.mark.parametrize(
    "data",
    [
        {"status": "fine", "pages": []},
        {"status": "ok", "pages": "text"},
        {"status": "ok", "pages": [1]},
        {"status": "failed", "reason": 3},
        {"pages": []},
    ],
)
def test_from_json_refuses_other_shapes(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PdfText.from_json(data)

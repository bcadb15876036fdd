"""Page text normalisation: layout (line breaks, hyphenation, headers, page numbers) is not text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.pdf_layout import COMPOUNDS, WORDS, document, documents_of, lay_out, style, words_of

from documents.pages import (
    MIN_RUNNING_PAGES,
    comparison_word,
    is_page_number,
    join_lines,
    looks_scanned,
    normalize_pages,
    running_lines,
)
from documents.redline import diff_pages


@pytest.mark.parametrize(
    "line", ["3", "- 3 -", "– 12 –", "Page 3 of 40", "page 3", "3 of 40", "3/40", "iv", "Page xii"]
)
def test_page_number_lines(line: str) -> None:
    assert is_page_number(line)


@pytest.mark.parametrize(
    "line", ["2023.", "$4.7 million", "Page 3 shows", "civil", "mix", "Appendix B", "12%", "I am"]
)
def test_not_page_number_lines(line: str) -> None:
    assert not is_page_number(line)


def test_hyphenated_line_end_is_joined() -> None:
    assert join_lines(["We made one recom-", "mendation to FEMA."]) == (
        "We made one recommendation to FEMA."
    )


def test_compound_keeps_its_hyphen_when_the_document_writes_it() -> None:
    vocabulary = frozenset({"follow-up", "reviews"})
    assert join_lines(["a follow-", "up review"], vocabulary) == "a follow-up review"
    assert join_lines(["a follow-", "up review"]) == "a followup review"
    assert comparison_word("follow-up") == comparison_word("followup") == "followup"
    assert comparison_word("-5%") == "-5%"  # a minus sign is not a compound's hyphen


def test_capitalised_continuation_keeps_the_hyphen() -> None:
    assert join_lines(["the DHS-", "OIG team"]) == "the DHS-OIG team"


BODY = ("We found", "that FEMA", "did not", "always track", "its grants", "or their", "costs.")


def test_running_header_and_footer_are_dropped_not_body_text() -> None:
    raw = [
        "\n".join(["OIG-24-01 www.oig.dhs.gov", *(f"{n}{line}" for line in BODY), f"Page {p} of 5"])
        for p, n in enumerate("abcde", start=1)
    ]
    assert normalize_pages(raw) == tuple(" ".join(f"{n}{line}" for line in BODY) for n in "abcde")


def test_header_with_the_page_number_in_it_is_running() -> None:
    pages = [
        [f"OIG-24-01 | Page {p}", *(f"{n}{line}" for line in BODY)]
        for p, n in enumerate("abcd", start=1)
    ]
    assert running_lines(pages) == frozenset({("top", "oig-#-# | page #")})


def test_a_short_document_has_no_running_lines() -> None:
    """Two pages: a line on both is not furniture (too few pages to tell)."""
    raw = ["Summary of findings\nWe found a gap.", "Summary of findings\nWe found another gap."]
    assert normalize_pages(raw)[0] == "Summary of findings We found a gap."


def test_page_number_in_the_middle_of_a_page_stays() -> None:
    raw = ["Line one of text\nLine two\n3\nLine four\nLine five\nLine six"]
    assert normalize_pages(raw) == ("Line one of text Line two 3 Line four Line five Line six",)


def test_text_is_folded_as_listing_text_is() -> None:
    raw = ["\u201cCurly\u201d quotes\u00a0and en\u2013dash &amp; soft\u00adhyphen\x07"]
    assert normalize_pages(raw) == ('"Curly" quotes and en-dash & softhyphen',)


def test_scanned_means_almost_no_page_carries_text() -> None:
    assert looks_scanned(["", "", " 3 "])
    assert looks_scanned(["A typed cover page with plenty of words on it"] + [""] * 20)
    assert not looks_scanned(["A typed cover page with plenty of words on it"] + [""] * 5)
    assert looks_scanned([])


@settings(max_examples=200, deadline=None)
@given(document, style, style)
def test_layout_never_changes_the_text(pages: list[list[str]], one: tuple, two: tuple) -> None:
    """Any two layouts of the same paragraphs normalise to the same text: the words alone, once
    there are pages enough to tell a running header (``MIN_RUNNING_PAGES``)."""
    first = normalize_pages(lay_out(pages, *one))
    second = normalize_pages(lay_out(pages, *two))
    assert first == second
    if len(pages) >= MIN_RUNNING_PAGES:
        assert first == words_of(pages)


@settings(max_examples=150, deadline=None)
@given(documents_of(WORDS + COMPOUNDS), style, style)
def test_compounds_broken_at_their_hyphen_compare_unchanged(
    pages: list[list[str]], one: tuple, two: tuple
) -> None:
    """A compound broken at its own hyphen may lose it ("followup"): never a change."""
    changes = diff_pages(normalize_pages(lay_out(pages, *one)), normalize_pages(lay_out(pages, *two)))  # fmt: skip
    assert changes.empty, changes.passages[:3]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=200), max_size=6))
def test_any_text_normalises_without_error(raw: list[str]) -> None:
    pages = normalize_pages(raw)
    assert len(pages) == len(raw)
    assert all("\n" not in page and page == page.strip() for page in pages)


def test_pathological_pages_normalise_in_linear_time() -> None:
    """Thousands of hyphenated line ends in a row, one line of a million letters: no blow-up."""
    import time

    raw = ["\n".join(["abc-"] * 20_000 + ["end"]), "x" * 1_000_000 + "-\n" + "y" * 1000]
    started = time.perf_counter()
    pages = normalize_pages(raw)
    assert time.perf_counter() - started < 5.0, "a hang guard, not a benchmark"
    assert pages[0] == "abc" * 20_000 + "end"
    assert pages[1] == "x" * 1_000_000 + "y" * 1000

"""Page-level redlines: which pages changed, the passages, added and removed pages, the wording."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from documents.extract import PdfText, extract_text
from documents.redline import CONTEXT, Passage, PdfChanges, compare, diff_pages, page_list
from fixture_site.pdf_pages import (
    ADDED_PAGE,
    ADDED_PARAGRAPH,
    NUMBER_AFTER,
    NUMBER_BEFORE,
    NUMBER_PAGE,
    report_text,
    report_versions,
)


@pytest.fixture(scope="module")
def versions() -> dict[str, PdfText]:
    return {name: extract_text(data) for name, data in report_versions().items()}


def page_texts(pages: int = 12, seed: int = 3) -> tuple[str, ...]:
    return tuple(" ".join(paragraphs) for paragraphs in report_text(pages, seed))


def test_a_number_changed_on_one_page(versions: dict[str, PdfText]) -> None:
    changes = compare(versions["original"], versions["number_changed"])
    assert changes is not None
    assert changes.changed_pages == (NUMBER_PAGE,)
    assert changes.added_pages == changes.removed_pages == ()
    assert changes.pages_line() == f"Changed on page {NUMBER_PAGE}"
    (passage,) = changes.passages
    number_before, number_after = NUMBER_BEFORE.split()[0], NUMBER_AFTER.split()[0]
    assert passage.page == NUMBER_PAGE and passage.size == 2
    assert f"[-{number_before}-]{{+{number_after}+}}" in passage.redline
    assert NUMBER_BEFORE in passage.before and NUMBER_AFTER in passage.after
    # a little context either side, never the whole page
    assert len(passage.after.split()) == 2 * CONTEXT + 1


def test_a_paragraph_added_on_another_page(versions: dict[str, PdfText]) -> None:
    changes = compare(versions["original"], versions["paragraph_added"])
    assert changes is not None
    assert changes.changed_pages == (ADDED_PAGE,)
    assert changes.pages_line() == f"Changed on page {ADDED_PAGE}"
    (passage,) = changes.passages
    assert "{+" + ADDED_PARAGRAPH + "+}" in passage.redline
    assert passage.size == len(ADDED_PARAGRAPH.split())
    assert ADDED_PARAGRAPH not in passage.before and ADDED_PARAGRAPH in passage.after


def test_line_breaks_and_page_number_footers_are_no_change(
    versions: dict[str, PdfText],
) -> None:
    changes = compare(versions["original"], versions["layout_only"])
    assert changes is not None and changes.empty
    assert changes.pages_line() == "No change in the text"
    assert changes.passages == ()


def test_both_changes_at_once_name_both_pages(versions: dict[str, PdfText]) -> None:
    changes = compare(versions["number_changed"], versions["paragraph_added"])
    assert changes is not None
    assert changes.changed_pages == (NUMBER_PAGE, ADDED_PAGE)
    assert changes.pages_line() == f"Changed on pages {NUMBER_PAGE} and {ADDED_PAGE}"
    assert [p.page for p in changes.passages] == [ADDED_PAGE, NUMBER_PAGE]  # largest first


def test_only_ok_texts_are_compared(versions: dict[str, PdfText]) -> None:
    scan = PdfText("scanned", ("",), "has no text layer (a scan?): 0 of 1 pages carry text")
    failed = PdfText.failed("took longer than 20 s")
    assert compare(scan, versions["original"]) is None
    assert compare(versions["original"], failed) is None


def test_a_page_inserted_is_added_and_no_later_page_changes() -> None:
    old = page_texts()
    new = (*old[:4], "Appendix E: a table of the grants we reviewed, added in revision.", *old[4:])
    changes = diff_pages(old, new)
    assert changes.added_pages == (5,)
    assert changes.changed_pages == changes.removed_pages == ()
    assert changes.passages == ()
    assert changes.pages_line() == "Page 5 added"


def test_a_page_dropped_is_removed_by_its_old_number() -> None:
    old = page_texts()
    changes = diff_pages(old, (*old[:7], *old[9:]))
    assert changes.removed_pages == (8, 9)
    assert changes.pages_line() == "Pages 8 and 9 of the previous version removed"


def test_text_pushed_onto_later_pages_changes_only_where_it_was_added() -> None:
    """A sentence added on page 4 moves every later word down: pages re-cut, one change."""
    words = " ".join(page_texts(20)).split()
    cut = 150

    def paginate(ws: list[str]) -> tuple[str, ...]:
        return tuple(" ".join(ws[i : i + cut]) for i in range(0, len(ws), cut))

    added = ["Management", "did", "not", "respond", "to", "our", "request", "for", "comment."]
    at = 3 * cut + 40
    changes = diff_pages(paginate(words), paginate(words[:at] + added + words[at:]))
    assert changes.changed_pages == (4,)
    assert changes.added_pages == ()  # the last page grew a few words: not a new page
    assert changes.passages[0].redline.count("{+") == 1


def test_a_whole_page_of_new_words_within_reflowed_text_is_added() -> None:
    words = " ".join(page_texts(6)).split()
    fresh = [f"new{n}" for n in range(100)]
    old = tuple(" ".join(words[i : i + 100]) for i in range(0, len(words), 100))
    new = (*old[:2], " ".join(fresh), *old[2:])
    new = (new[0], new[1] + " one more sentence.", *new[2:])
    changes = diff_pages(old, new)
    assert changes.added_pages == (3,)
    assert changes.changed_pages == (2,)


def test_passages_rank_by_size_and_stay_on_their_page() -> None:
    old = list(page_texts())
    new = list(old)
    new[1] = new[1].replace("We ", "They ", 1)
    new[9] = "Eleven words were written here at the top of the page. " + new[9]
    changes = diff_pages(old, new)
    assert [p.page for p in changes.passages] == [10, 2]
    assert [p.size for p in changes.passages] == [11, 2]
    assert changes.by_page() == {2: [changes.passages[1]], 10: [changes.passages[0]]}


def test_nearby_changes_are_one_passage_far_ones_two() -> None:
    words = " ".join(page_texts(1)).split()
    near = list(words)
    near[20], near[30] = "CHANGED", "AGAIN"
    assert len(diff_pages([" ".join(words)], [" ".join(near)]).passages) == 1
    far = list(words)
    far[20], far[20 + 2 * CONTEXT + 5] = "CHANGED", "AGAIN"
    assert len(diff_pages([" ".join(words)], [" ".join(far)]).passages) == 2


def test_a_rewritten_document_costs_little_and_shows_clipped_passages() -> None:
    rng = random.Random(5)
    old = page_texts(150)
    shuffled = tuple(" ".join(rng.sample(p.split(), len(p.split()))) for p in old)
    other = tuple(" ".join(f"w{rng.randint(0, 5000)}" for _ in range(400)) for _ in old)
    for new in (shuffled, other):
        started = time.perf_counter()
        changes = diff_pages(old, new)
        assert time.perf_counter() - started < 10.0, "a hang guard, not a benchmark"
        assert changes.changed_pages == tuple(range(1, 151))
        assert len(changes.passages) + changes.omitted >= 150
        assert all(len(p.after.split()) <= 200 for p in changes.passages)


@pytest.mark.parametrize(
    ("pages", "words"),
    [
        ([3], "page 3"),
        ([3, 12], "pages 3 and 12"),
        ([40, 3, 12], "pages 3, 12 and 40"),
        ([5, 6, 7, 8, 12], "pages 5–8 and 12"),
        ([1, 2], "pages 1 and 2"),
        ([1, 2, 3], "pages 1–3"),
    ],
)
def test_page_lists(pages: list[int], words: str) -> None:
    assert page_list(pages) == words


def test_pages_line_names_changed_added_and_removed() -> None:
    changes = PdfChanges((3, 12, 40), (41,), (7,), ())
    assert changes.pages_line() == (
        "Changed on pages 3, 12 and 40; page 41 added; page 7 of the previous version removed"
    )
    assert not changes.empty and PdfChanges((), (), (), ()).empty


passages = st.builds(
    Passage, st.integers(1, 1500), st.text(), st.text(), st.text(), st.integers(0, 10**6)
)
page_numbers = st.lists(st.integers(1, 1500), max_size=8).map(lambda p: tuple(sorted(set(p))))


@settings(max_examples=200, deadline=None)
@given(page_numbers, page_numbers, page_numbers, st.lists(passages, max_size=4), st.integers(0, 99))
def test_json_round_trip(
    changed: tuple[int, ...],
    added: tuple[int, ...],
    removed: tuple[int, ...],
    found: list[Passage],
    omitted: int,
) -> None:
    changes = PdfChanges(changed, added, removed, tuple(found), omitted)
    assert PdfChanges.from_json(changes.to_json()) == changes


def test_json_round_trip_of_a_real_comparison(versions: dict[str, PdfText]) -> None:
    changes = compare(versions["original"], versions["paragraph_added"])
    assert changes is not None
    assert PdfChanges.from_json(changes.to_json()) == changes


@pytest.mark.parametrize(
    "data",
    [
        {"changed_pages": ["3"]},
        {"changed_pages": [True]},
        {"passages": [{"page": 1, "before": "", "after": "", "redline": ""}]},
        {"passages": ["x"]},
        {"omitted": "2"},
    ],
)
def test_from_json_refuses_other_shapes(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PdfChanges.from_json(data)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 11), st.integers(0, 10**6), st.text("abcdefgh$.,0123456789", min_size=1))
def test_one_word_replaced_changes_exactly_its_page(page: int, where: int, word: str) -> None:
    old = page_texts()
    words = old[page].split()
    at = where % len(words)
    if words[at] == word:
        return
    words[at] = word
    new = (*old[:page], " ".join(words), *old[page + 1 :])
    changes = diff_pages(old, new)
    assert changes.changed_pages == (page + 1,)
    assert sum(p.size for p in changes.passages) == 2
    assert diff_pages(new, new).empty

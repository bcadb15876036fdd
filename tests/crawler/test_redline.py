"""Word-level redlines: exact on real edits, bounded on pathological text."""

from __future__ import annotations

import time

from crawler.redline import common_ends, diff_runs, redline_text, word_diff


def test_appended_marker_is_one_insertion() -> None:
    old = "CBP Did Not Effectively Plan and Manage Employee Housing in Ajo, Arizona"
    assert redline_text(old, old + " (Revised)") == old + "{+ (Revised)+}"


def test_word_replacement_is_struck_and_inserted() -> None:
    assert redline_text("CBP Did Not Adequately Plan", "CBP Did Not Effectively Plan") == (
        "CBP Did Not [-Adequately-]{+Effectively+} Plan"
    )


def test_spans_rebuild_both_texts() -> None:
    old, new = "a b c d e", "a x c d y e z"
    spans = word_diff(old, new)
    assert "".join(s.text for s in spans if s.op != "+") == old
    assert "".join(s.text for s in spans if s.op != "-") == new


def test_repetitive_text_does_not_hang() -> None:
    started = time.perf_counter()
    spans = word_diff("a " * 3000, "b " * 3000)  # an exact diff of this took minutes
    assert time.perf_counter() - started < 10.0, "a hang guard, not a benchmark"
    assert "".join(s.text for s in spans if s.op != "+") == "a " * 3000


def test_common_ends_never_overlap() -> None:
    assert common_ends(["a", "b", "c"], ["a", "x", "c"]) == (1, 1)
    assert common_ends(["a", "a"], ["a", "a", "a"]) == (2, 0)
    assert common_ends([], ["a"]) == (0, 0)


def test_word_runs_are_joined_and_kept_runs_padded_by_the_separator() -> None:
    spans = diff_runs(["a", "b", "c", "d"], ["x", "b", "c", "y"], exact=True, sep=" ")
    assert [(s.op, s.text) for s in spans] == [
        ("-", "a"), ("+", "x"), (" ", " b c "), ("-", "d"), ("+", "y"),
    ]  # fmt: skip

"""Word-level redlines between two versions of a text (pure)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

_TOKENS = re.compile(r"\S+|\s+")


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text that is kept (" "), deleted ("-") or inserted ("+")."""

    op: str
    text: str


EXACT_LIMIT = 400  # changed tokens per side beyond which difflib's heuristics are used
REWRITE_SHARE = 0.5  # more of the words changed than this: shown as "was: … / now: …"


def word_diff(old: str | None, new: str | None) -> list[Span]:
    """Spans turning ``old`` into ``new``, compared word by word.

    Common leading and trailing words are set aside first; a long, repetitive middle is compared
    with difflib's junk heuristic, which keeps the cost bounded (an exact diff is quadratic)."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    head, tail = common_ends(a, b)
    spans: list[Span] = [Span(" ", "".join(a[:head]))] if head else []
    middle_a, middle_b = a[head : len(a) - tail], b[head : len(b) - tail]
    spans += diff_runs(middle_a, middle_b, exact=max(len(middle_a), len(middle_b)) <= EXACT_LIMIT)
    if tail:
        spans.append(Span(" ", "".join(a[len(a) - tail :])))
    return spans


def common_ends(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """How many leading and how many trailing items ``a`` and ``b`` share (never overlapping)."""
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head, tail


def diff_runs(a: Sequence[str], b: Sequence[str], *, exact: bool, sep: str = "") -> list[Span]:
    """Spans turning the items ``a`` into ``b``, each run joined by ``sep`` (kept runs padded by
    it); without ``exact``, difflib's junk heuristic bounds the cost on repetitive input."""
    spans: list[Span] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=not exact)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            spans.append(Span(" ", sep + sep.join(a[i1:i2]) + sep))
            continue
        if i2 > i1:
            spans.append(Span("-", sep.join(a[i1:i2])))
        if j2 > j1:
            spans.append(Span("+", sep.join(b[j1:j2])))
    return spans


def changed_share(old: str | None, new: str | None) -> float:
    """The share of words changed between two texts (0: the same words, 1: none kept), over the
    longer of the two."""
    a, b = (old or "").split(), (new or "").split()
    longest = max(len(a), len(b))
    if not longest:
        return 0.0
    head, tail = common_ends(a, b)
    middle_a, middle_b = a[head : len(a) - tail], b[head : len(b) - tail]
    exact = max(len(middle_a), len(middle_b)) <= EXACT_LIMIT
    matcher = difflib.SequenceMatcher(a=middle_a, b=middle_b, autojunk=not exact)
    kept = head + tail + sum(block.size for block in matcher.get_matching_blocks())
    return 1.0 - kept / longest


def rewritten(old: str | None, new: str | None) -> bool:
    """Whether both texts have words and more than ``REWRITE_SHARE`` of them changed: a word
    redline of such a rewrite is a jumble, so readers are shown the old and the new text."""
    return bool((old or "").split() and (new or "").split()) and (
        changed_share(old, new) > REWRITE_SHARE
    )


def redline_text(old: str | None, new: str | None) -> str:
    """A plain-text redline: ``[-deleted-]{+inserted+}`` around changed words; a rewrite (see
    ``rewritten``) as ``was: [-old-] / now: {+new+}``."""
    if rewritten(old, new):
        return (
            f"was: [-{' '.join((old or '').split())}-] / now: {{+{' '.join((new or '').split())}+}}"
        )
    parts = []
    for span in word_diff(old, new):
        if span.op == "-":
            parts.append(f"[-{span.text}-]")
        elif span.op == "+":
            parts.append(f"{{+{span.text}+}}")
        else:
            parts.append(span.text)
    return "".join(parts)

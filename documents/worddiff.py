"""A word diff of long texts at bounded cost (pure): anchored on words found once on each side.

``crawler.redline`` compares a title or a summary: a few hundred words. A report is tens of
thousands, and difflib's cost grows with the product of the lengths (and with repeated words:
"the", "recommendation"), so ``opcodes`` divides the work first, as patience diff does: common
leading and trailing words set aside (``crawler.redline.common_ends``), then the words that occur
exactly once in each side, in the longest run that keeps their order, are matched as anchors, and
the stretches between anchors are compared the same way in turn. A stretch small enough
(``SMALL_PRODUCT``) goes to difflib as is. A large stretch without anchors (a page rewritten
throughout, or words shuffled) goes to difflib only up to ``LARGE_PRODUCT``, else counts as
replaced whole; and ``WORK_FACTOR`` bounds the work of the whole comparison, past which the
stretches left count as replaced whole. The result is difflib's opcodes, in order.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Sequence

from crawler.redline import EXACT_LIMIT, common_ends

SMALL_PRODUCT = 250_000  # words × words a stretch may have to go to difflib as it is
LARGE_PRODUCT = 4_000_000  # ... when it has no anchors (beyond: replaced whole)
WORK_FACTOR = 20  # the words looked at, in all, at most this many times both lengths

Opcode = tuple[str, int, int, int, int]  # difflib's: tag, i1, i2, j1, j2


def opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """difflib-style opcodes turning ``a`` into ``b`` (equal runs included), at bounded cost."""
    out: list[Opcode] = []
    budget = WORK_FACTOR * (len(a) + len(b)) + SMALL_PRODUCT
    # work items, last first: a stretch to compare (i1, i2, j1, j2), or an opcode found
    stack: list[tuple[int, int, int, int] | Opcode] = [(0, len(a), 0, len(b))]
    while stack:
        item = stack.pop()
        if len(item) == 5:
            out.append(item)
            continue
        i1, i2, j1, j2 = item
        head, tail = common_ends(a[i1:i2], b[j1:j2])
        if tail:
            stack.append(("equal", i2 - tail, i2, j2 - tail, j2))
        i1, j1, i2, j2 = i1 + head, j1 + head, i2 - tail, j2 - tail
        budget -= i2 - i1 + j2 - j1
        stack += reversed(_inner(a, b, (i1, i2, j1, j2), budget > 0))
        if head:
            stack.append(("equal", i1 - head, i1, j1 - head, j1))
    return out


def _inner(
    a: Sequence[str], b: Sequence[str], stretch: tuple[int, int, int, int], affordable: bool
) -> list[tuple[int, int, int, int] | Opcode]:
    """What a stretch without common ends becomes: opcodes, or smaller stretches between anchors."""
    i1, i2, j1, j2 = stretch
    m, n = i2 - i1, j2 - j1
    if not m or not n:
        return [("delete" if m else "insert", i1, i2, j1, j2)] if m or n else []
    if m * n <= SMALL_PRODUCT:
        return list(_difflib(a, b, stretch))
    anchors = _anchors(a, b, stretch) if affordable else []
    if not anchors:
        if affordable and m * n <= LARGE_PRODUCT:
            return list(_difflib(a, b, stretch))
        return [("replace", i1, i2, j1, j2)]
    items: list[tuple[int, int, int, int] | Opcode] = []
    last_i, last_j = i1, j1
    for i, j in anchors:
        items.append((last_i, i, last_j, j))
        items.append(("equal", i, i + 1, j, j + 1))
        last_i, last_j = i + 1, j + 1
    items.append((last_i, i2, last_j, j2))
    return items


def _difflib(
    a: Sequence[str], b: Sequence[str], stretch: tuple[int, int, int, int]
) -> list[Opcode]:
    i1, i2, j1, j2 = stretch
    exact = max(i2 - i1, j2 - j1) <= EXACT_LIMIT
    matcher = difflib.SequenceMatcher(a=a[i1:i2], b=b[j1:j2], autojunk=not exact)
    return [
        (tag, i1 + x1, i1 + x2, j1 + y1, j1 + y2) for tag, x1, x2, y1, y2 in matcher.get_opcodes()
    ]


def _anchors(
    a: Sequence[str], b: Sequence[str], stretch: tuple[int, int, int, int]
) -> list[tuple[int, int]]:
    """Pairs (i, j) of words found exactly once in each side of the stretch, the longest run of
    them in the same order on both sides (patience sorting)."""
    i1, i2, j1, j2 = stretch
    count_a, count_b = Counter(a[i1:i2]), Counter(b[j1:j2])
    where_b = {b[j]: j for j in range(j1, j2) if count_b[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(i1, i2) if count_a[a[i]] == 1 and a[i] in where_b]
    # longest increasing subsequence of the j's (pairs are in i order)
    tops: list[int] = []  # the smallest j ending a run of each length
    ends: list[int] = []  # index in pairs of that run's last pair
    back = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        length = bisect.bisect_left(tops, j)
        if length == len(tops):
            tops.append(j)
            ends.append(index)
        else:
            tops[length], ends[length] = j, index
        back[index] = ends[length - 1] if length else -1
    run = []
    index = ends[-1] if ends else -1
    while index >= 0:
        run.append(pairs[index])
        index = back[index]
    return run[::-1]

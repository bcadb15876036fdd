"""Page-level redlines between two versions of a PDF's text (pure).

``compare`` tells which pages of the new version changed, which pages are new and which are gone,
and cuts the changed passages (word-level, ``[-old-]{+new+}`` as ``crawler/redline.py`` marks
listing text) with ``CONTEXT`` words either side, largest first.

How: the pages are aligned first (difflib over the pages' comparison forms), so a page inserted,
or dropped, leaves the pages after it unchanged; pages only one side has between two aligned
runs are added or removed pages. Each stretch of pages that differs is then compared word by
word as one run of text (``documents/worddiff.py``, bounded cost), so a paragraph that pushes
the following text onto later pages changes only the page it was added to. In a stretch that
gained pages, a page of the new version made only of inserted words is an added page (and in
one that lost pages, an old one made only of deleted words a removed page), named as such rather
than cut into passages. Words are compared with their
inner hyphens left out (``pages.comparison_word``). A passage stays on one page of the new
version; the words it shows are clipped to ``SHOWN_WORDS`` a side.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from documents.changes import Passage, PdfChanges, page_list
from documents.extract import OK, PdfText
from documents.pages import comparison_word
from documents.worddiff import opcodes

__all__ = ["CONTEXT", "Passage", "PdfChanges", "compare", "diff_pages", "page_list"]

CONTEXT = 8  # words of unchanged text either side of a change
MAX_PASSAGES = 200  # passages kept (the largest); the rest are counted in ``omitted``
SHOWN_WORDS = 120  # changed words a passage shows per side (the first 80, "…", the last 40)
ELLIPSIS = "…"

Hunk = tuple[str, int, int, int, int]  # difflib's opcode: tag, i1, i2, j1, j2 (word indices)


def compare(before: PdfText, after: PdfText) -> PdfChanges | None:
    """The page-level changes from ``before`` to ``after``; None unless both are ``ok`` (a scan
    or a failed extraction has no text to compare)."""
    if before.status != OK or after.status != OK:
        return None
    return diff_pages(before.pages, after.pages)


@dataclass(frozen=True, slots=True)
class _Doc:
    """A version's words, their comparison forms, and where each page's words start."""

    words: list[str]
    keys: list[str]
    page_of: list[int]  # 1-based page of each word
    starts: list[int]  # index of each page's first word; one more entry: len(words)

    @classmethod
    def of(cls, pages: Sequence[str]) -> _Doc:
        words: list[str] = []
        page_of: list[int] = []
        starts = []
        for number, text in enumerate(pages, start=1):
            starts.append(len(words))
            split = text.split()
            words += split
            page_of += [number] * len(split)
        starts.append(len(words))
        keys = [comparison_word(w) if "-" in w or "\u2010" in w else w for w in words]
        return cls(words, keys, page_of, starts)

    def page_key(self, index: int) -> str:
        return " ".join(self.keys[self.starts[index] : self.starts[index + 1]])

    def page_size(self, page: int) -> int:
        return self.starts[page] - self.starts[page - 1]


def diff_pages(old_pages: Sequence[str], new_pages: Sequence[str]) -> PdfChanges:
    """The changes from one list of page texts to another (see the module's docstring)."""
    old, new = _Doc.of(old_pages), _Doc.of(new_pages)
    old_eq, new_eq = bytearray(len(old.words)), bytearray(len(new.words))
    added: set[int] = set()
    removed: set[int] = set()
    hunks: list[Hunk] = []
    pages = difflib.SequenceMatcher(
        a=[old.page_key(i) for i in range(len(old_pages))],
        b=[new.page_key(j) for j in range(len(new_pages))],
        autojunk=False,
    )
    for tag, p1, p2, q1, q2 in pages.get_opcodes():
        i1, i2, j1, j2 = old.starts[p1], old.starts[p2], new.starts[q1], new.starts[q2]
        if tag == "equal":
            old_eq[i1:i2] = b"\1" * (i2 - i1)
            new_eq[j1:j2] = b"\1" * (j2 - j1)
        elif tag == "insert":
            added.update(range(q1 + 1, q2 + 1))
        elif tag == "delete":
            removed.update(range(p1 + 1, p2 + 1))
        else:
            found = _word_hunks(old, new, (i1, i2, j1, j2), old_eq, new_eq)
            # whole pages of inserted (deleted) words, as many as the stretch gained (lost)
            more, fewer = (q2 - q1) - (p2 - p1), (p2 - p1) - (q2 - q1)
            added.update(sorted(_whole_pages(new, found, "insert", lambda h: (h[3], h[4])))[:more])
            removed.update(
                sorted(_whole_pages(old, found, "delete", lambda h: (h[1], h[2])))[:fewer]
            )
            hunks += found
    pieces = [piece for hunk in hunks for piece in _pieces(hunk, old, new, added, removed)]
    groups = _groups(pieces, old_eq, new_eq)
    passages = [_passage(group, old, new, old_eq, new_eq) for group in groups]
    passages.sort(key=lambda p: (-p.size, p.page))
    return PdfChanges(
        changed_pages=tuple(sorted({p.page for p in passages} - added)),
        added_pages=tuple(sorted(added)),
        removed_pages=tuple(sorted(removed)),
        passages=tuple(passages[:MAX_PASSAGES]),
        omitted=max(len(passages) - MAX_PASSAGES, 0),
    )


def _word_hunks(
    old: _Doc,
    new: _Doc,
    region: tuple[int, int, int, int],
    old_eq: bytearray,
    new_eq: bytearray,
) -> list[Hunk]:
    """The word-level changes within one stretch of differing pages (global word indices); the
    words they keep are marked in ``old_eq`` / ``new_eq``."""
    i1, i2, j1, j2 = region
    hunks = []
    for tag, x1, x2, y1, y2 in opcodes(old.keys[i1:i2], new.keys[j1:j2]):
        if tag == "equal":
            old_eq[i1 + x1 : i1 + x2] = b"\1" * (x2 - x1)
            new_eq[j1 + y1 : j1 + y2] = b"\1" * (y2 - y1)
        else:
            hunks.append((tag, i1 + x1, i1 + x2, j1 + y1, j1 + y2))
    return hunks


def _whole_pages(
    doc: _Doc, hunks: list[Hunk], tag: str, span: Callable[[Hunk], tuple[int, int]]
) -> set[int]:
    """Pages of ``doc`` every word of which lies in ``tag`` hunks (inserted, or deleted)."""
    covered: dict[int, int] = {}
    for hunk in hunks:
        if hunk[0] == tag:
            start, end = span(hunk)
            for page in doc.page_of[start:end]:
                covered[page] = covered.get(page, 0) + 1
    return {page for page, count in covered.items() if count == doc.page_size(page)}


def _pieces(
    hunk: Hunk, old: _Doc, new: _Doc, added: set[int], removed: set[int]
) -> list[tuple[int, Hunk]]:
    """A hunk as (new page, hunk) pieces, one per page of the new version it touches, without
    the words of added or removed pages (those are named as pages). A replacement spanning
    pages shares its old words out among them in proportion."""
    tag, i1, i2, j1, j2 = hunk
    if j2 == j1:  # a deletion: where the new version continues (the old page if it has no words)
        kept = _runs(old, i1, i2, removed)
        at = new.page_of[j1 - 1] if j1 else (new.page_of[0] if new.page_of else old.page_of[i1])
        return [(at, (tag, s, e, j1, j2)) for s, e, _ in kept]
    out = []
    for s, e, page in _runs(new, j1, j2, added):
        if i2 == i1:
            out.append((page, (tag, i1, i2, s, e)))
        else:
            share = (i2 - i1) / (j2 - j1)
            a1 = i1 + round((s - j1) * share)
            a2 = i2 if e == j2 else i1 + round((e - j1) * share)
            out.append((page, ("replace" if a2 > a1 else "insert", a1, a2, s, e)))
    return out


def _runs(doc: _Doc, start: int, end: int, skip: set[int]) -> list[tuple[int, int, int]]:
    """The words ``start:end`` of ``doc`` cut at page breaks, pages in ``skip`` left out:
    (start, end, page) runs."""
    runs = []
    index = start
    while index < end:
        page = doc.page_of[index]
        stop = min(end, doc.starts[page])
        if page not in skip:
            runs.append((index, stop, page))
        index = stop
    return runs


def _groups(
    pieces: list[tuple[int, Hunk]], old_eq: bytearray, new_eq: bytearray
) -> list[tuple[int, list[Hunk]]]:
    """Hunks on one page close enough that their contexts would overlap: one passage each (up
    to ``SHOWN_WORDS`` words long a side)."""
    groups: list[tuple[int, list[Hunk]]] = []
    for page, hunk in sorted(pieces, key=lambda p: (p[1][3], p[1][1])):
        if groups and groups[-1][0] == page:
            last = groups[-1][1][-1]
            gap_old, gap_new = hunk[1] - last[2], hunk[3] - last[4]
            first = groups[-1][1][0]
            if (
                gap_old == gap_new
                and 0 <= gap_old <= 2 * CONTEXT
                and max(hunk[2] - first[1], hunk[4] - first[3]) <= SHOWN_WORDS
                and all(old_eq[last[2] : hunk[1]])
                and all(new_eq[last[4] : hunk[3]])
            ):
                groups[-1][1].append(hunk)
                continue
        groups.append((page, [hunk]))
    return groups


def _context(eq: bytearray, index: int, step: int) -> int:
    """How many unchanged words (up to ``CONTEXT``) run from ``index`` in direction ``step``."""
    count = 0
    position = index if step > 0 else index - 1
    while count < CONTEXT and 0 <= position < len(eq) and eq[position]:
        count += 1
        position += step
    return count


def _clip(words: list[str]) -> list[str]:
    if len(words) <= SHOWN_WORDS:
        return words
    keep = SHOWN_WORDS * 2 // 3
    return [*words[:keep], ELLIPSIS, *words[len(words) - (SHOWN_WORDS - keep) :]]


def _passage(
    group: tuple[int, list[Hunk]], old: _Doc, new: _Doc, old_eq: bytearray, new_eq: bytearray
) -> Passage:
    page, hunks = group
    first, last = hunks[0], hunks[-1]
    left = min(_context(old_eq, first[1], -1), _context(new_eq, first[3], -1))
    right = min(_context(old_eq, last[2], 1), _context(new_eq, last[4], 1))
    before = old.words[first[1] - left : first[1]]
    after = new.words[first[3] - left : first[3]]
    marks = list(after)
    for index, (_, i1, i2, j1, j2) in enumerate(hunks):
        if index:
            gap = new.words[hunks[index - 1][4] : j1]
            before, after, marks = before + gap, after + gap, marks + gap
        gone, came = _clip(old.words[i1:i2]), _clip(new.words[j1:j2])
        before, after = before + gone, after + came
        mark = ("[-" + " ".join(gone) + "-]" if gone else "") + (
            "{+" + " ".join(came) + "+}" if came else ""
        )
        marks.append(mark)
    tail = new.words[last[4] : last[4] + right]
    return Passage(
        page=page,
        before=" ".join(before + tail),
        after=" ".join(after + tail),
        redline=" ".join(marks + tail),
        size=sum((i2 - i1) + (j2 - j1) for _, i1, i2, j1, j2 in hunks),
    )

"""Page-level redlines between two versions of a PDF's text (pure).

``compare`` tells which pages of the new version changed, which pages are new and which are gone,
and cuts the changed passages (word-level, ``[-old-]{+new+}`` as ``crawler/redline.py`` marks
listing text) with ``CONTEXT`` words either side, largest first.

How: the pages are aligned first (difflib over the pages' comparison forms), so a page inserted,
or dropped, leaves the pages after it unchanged; pages only one side has between two aligned
runs are added or removed pages. Each stretch of pages that differs is then compared word by
word as one run of text, so a paragraph that pushes the following text onto later pages changes
only the page it was added to. A page of the new version made only of inserted words is an added
page (and an old one made only of deleted words a removed page), named as such rather than cut
into passages. Words are compared with the inner hyphens left out (``pages.comparison_word``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crawler.redline import EXACT_LIMIT, common_ends
from documents.extract import OK, PdfText
from documents.pages import comparison_word

CONTEXT = 8  # words of unchanged text either side of a change
MAX_PASSAGES = 200  # passages kept (the largest); the rest are counted in ``omitted``


@dataclass(frozen=True, slots=True)
class Passage:
    """One changed passage: where it is, the words before and after, the redline."""

    page: int  # page number in the NEW version (or old version's page for a removal)
    before: str  # the changed words with a little context, old version
    after: str  # same, new version
    redline: str  # word-level marks in the style of crawler/redline.py ("[-old-]{+new+}")
    size: int  # changed words (ranking key)

    def to_json(self) -> dict[str, Any]:
        return {"page": self.page, "before": self.before, "after": self.after,
                "redline": self.redline, "size": self.size}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Passage:
        page, size = data.get("page"), data.get("size")
        texts = [data.get(name) for name in ("before", "after", "redline")]
        if not (_is_int(page) and _is_int(size)) or not all(isinstance(t, str) for t in texts):
            raise ValueError("a passage needs page and size (integers), before, after and redline")
        return cls(page, *texts, size=size)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class PdfChanges:
    """What changed between two versions of a PDF's text, by page."""

    changed_pages: tuple[int, ...]  # new-version page numbers with changed passages
    added_pages: tuple[int, ...]  # whole pages new in the new version
    removed_pages: tuple[int, ...]  # whole pages gone (old-version numbers)
    passages: tuple[Passage, ...]  # ranked by size, largest first
    omitted: int = 0  # smaller passages left out beyond ``MAX_PASSAGES``

    def to_json(self) -> dict[str, Any]:
        return {
            "changed_pages": list(self.changed_pages),
            "added_pages": list(self.added_pages),
            "removed_pages": list(self.removed_pages),
            "passages": [passage.to_json() for passage in self.passages],
            "omitted": self.omitted,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PdfChanges:
        """The ``PdfChanges`` of ``to_json``'s output; ``ValueError`` for anything else."""
        lists = [data.get(name, []) for name in ("changed_pages", "added_pages", "removed_pages")]
        if not all(isinstance(pages, list) and all(map(_is_int, pages)) for pages in lists):
            raise ValueError("page lists must be lists of integers")
        passages, omitted = data.get("passages", []), data.get("omitted", 0)
        if not isinstance(passages, list) or not all(isinstance(p, Mapping) for p in passages):
            raise ValueError("passages must be a list of objects")
        if not _is_int(omitted):
            raise ValueError("omitted must be an integer")
        found = tuple(Passage.from_json(p) for p in passages)
        return cls(*(tuple(pages) for pages in lists), passages=found, omitted=omitted)

    @property
    def empty(self) -> bool:
        """No page changed, none added, none removed."""
        return not (self.changed_pages or self.added_pages or self.removed_pages)

    def pages_line(self) -> str:
        """One line for a reader: "Changed on pages 3, 12 and 40; page 41 added; page 7 of the
        previous version removed" ("No change in the text" when ``empty``)."""
        parts = []
        if self.changed_pages:
            parts.append(f"changed on {page_list(self.changed_pages)}")
        if self.added_pages:
            parts.append(f"{page_list(self.added_pages)} added")
        if self.removed_pages:
            parts.append(f"{page_list(self.removed_pages)} of the previous version removed")
        line = "; ".join(parts) or "no change in the text"
        return line[0].upper() + line[1:]

    def by_page(self) -> dict[int, list[Passage]]:
        """The passages grouped by page, pages in order, each page's in reading order of size."""
        grouped: dict[int, list[Passage]] = {}
        for passage in sorted(self.passages, key=lambda p: p.page):
            grouped.setdefault(passage.page, []).append(passage)
        return grouped


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def page_list(pages: Sequence[int]) -> str:
    """ "page 3", "pages 3 and 12", "pages 3, 12 and 40"; three or more in a row as "5–9"."""
    runs: list[str] = []
    ordered = sorted(set(pages))
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        if end - start >= 2:
            runs.append(f"{ordered[start]}–{ordered[end]}")
        else:
            runs += [str(page) for page in ordered[start : end + 1]]
        start = end + 1
    noun = "page" if len(runs) == 1 and "–" not in runs[0] else "pages"
    if len(runs) == 1:
        return f"{noun} {runs[0]}"
    return f"{noun} {', '.join(runs[:-1])} and {runs[-1]}"


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


Hunk = tuple[str, int, int, int, int]  # difflib's opcode: tag, i1, i2, j1, j2 (word indices)


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
            hunks += _word_hunks(old, new, (i1, i2, j1, j2), old_eq, new_eq)
    added |= _whole_pages(new, hunks, "insert", lambda h: (h[3], h[4]))
    removed |= _whole_pages(old, hunks, "delete", lambda h: (h[1], h[2]))
    hunks = _without_pages(hunks, old, new, added, removed)
    groups = _groups(hunks, old_eq, new_eq)
    passages = [_passage(group, old, new, old_eq, new_eq) for group in groups]
    changed = {page for group in groups for page in _pages_touched(group, old, new)}
    passages.sort(key=lambda p: (-p.size, p.page))
    return PdfChanges(
        changed_pages=tuple(sorted(changed - added)),
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
    a, b = old.keys[i1:i2], new.keys[j1:j2]
    head, tail = common_ends(a, b)
    middle_a, middle_b = a[head : len(a) - tail], b[head : len(b) - tail]
    exact = max(len(middle_a), len(middle_b)) <= EXACT_LIMIT
    matcher = difflib.SequenceMatcher(a=middle_a, b=middle_b, autojunk=not exact)
    ai, bj = i1 + head, j1 + head
    for start, end in ((i1, ai), (i2 - tail, i2)):
        old_eq[start:end] = b"\1" * (end - start)
    for start, end in ((j1, bj), (j2 - tail, j2)):
        new_eq[start:end] = b"\1" * (end - start)
    hunks = []
    for tag, x1, x2, y1, y2 in matcher.get_opcodes():
        if tag == "equal":
            old_eq[ai + x1 : ai + x2] = b"\1" * (x2 - x1)
            new_eq[bj + y1 : bj + y2] = b"\1" * (y2 - y1)
        else:
            hunks.append((tag, ai + x1, ai + x2, bj + y1, bj + y2))
    return hunks


def _whole_pages(doc: _Doc, hunks: list[Hunk], tag: str, span: Any) -> set[int]:
    """Pages of ``doc`` every word of which lies in ``tag`` hunks (inserted, or deleted)."""
    covered: dict[int, int] = {}
    for hunk in hunks:
        if hunk[0] == tag:
            start, end = span(hunk)
            for page in doc.page_of[start:end]:
                covered[page] = covered.get(page, 0) + 1
    return {
        page for page, count in covered.items() if count == doc.starts[page] - doc.starts[page - 1]
    }


def _without_pages(
    hunks: list[Hunk], old: _Doc, new: _Doc, added: set[int], removed: set[int]
) -> list[Hunk]:
    """The hunks with the words of added and removed pages cut out (they are named as pages)."""
    out: list[Hunk] = []
    for hunk in hunks:
        tag, i1, i2, j1, j2 = hunk
        if tag == "insert" and added:
            out += [(tag, i1, i2, s, e) for s, e in _runs_outside(new, j1, j2, added)]
        elif tag == "delete" and removed:
            out += [(tag, s, e, j1, j2) for s, e in _runs_outside(old, i1, i2, removed)]
        else:
            out.append(hunk)
    return out


def _runs_outside(doc: _Doc, start: int, end: int, pages: set[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    run_start = None
    for index in range(start, end):
        inside = doc.page_of[index] in pages
        if not inside and run_start is None:
            run_start = index
        elif inside and run_start is not None:
            runs.append((run_start, index))
            run_start = None
    if run_start is not None:
        runs.append((run_start, end))
    return runs


def _groups(hunks: list[Hunk], old_eq: bytearray, new_eq: bytearray) -> list[list[Hunk]]:
    """Hunks close enough that their contexts would overlap, as one passage each."""
    groups: list[list[Hunk]] = []
    for hunk in sorted(hunks, key=lambda h: (h[3], h[1])):
        if groups:
            last = groups[-1][-1]
            gap_old, gap_new = hunk[1] - last[2], hunk[3] - last[4]
            if (
                gap_old == gap_new
                and gap_old <= 2 * CONTEXT
                and all(old_eq[last[2] : hunk[1]])
                and all(new_eq[last[4] : hunk[3]])
            ):
                groups[-1].append(hunk)
                continue
        groups.append([hunk])
    return groups


def _context(eq: bytearray, index: int, step: int) -> int:
    """How many unchanged words (up to ``CONTEXT``) run from ``index`` in direction ``step``."""
    count = 0
    position = index if step > 0 else index - 1
    while count < CONTEXT and 0 <= position < len(eq) and eq[position]:
        count += 1
        position += step
    return count


def _passage(
    group: list[Hunk], old: _Doc, new: _Doc, old_eq: bytearray, new_eq: bytearray
) -> Passage:
    first, last = group[0], group[-1]
    left = min(_context(old_eq, first[1], -1), _context(new_eq, first[3], -1))
    right = min(_context(old_eq, last[2], 1), _context(new_eq, last[4], 1))
    marks = new.words[first[3] - left : first[3]]
    for index, (_, i1, i2, j1, j2) in enumerate(group):
        if index:
            marks += new.words[group[index - 1][4] : j1]
        if i2 > i1:
            marks.append("[-" + " ".join(old.words[i1:i2]) + "-]")
        if j2 > j1:
            if i2 > i1:
                marks[-1] += "{+" + " ".join(new.words[j1:j2]) + "+}"
            else:
                marks.append("{+" + " ".join(new.words[j1:j2]) + "+}")
    marks += new.words[last[4] : last[4] + right]
    return Passage(
        page=min(_pages_touched(group, old, new)),
        before=" ".join(old.words[first[1] - left : last[2] + right]),
        after=" ".join(new.words[first[3] - left : last[4] + right]),
        redline=" ".join(marks),
        size=sum((i2 - i1) + (j2 - j1) for _, i1, i2, j1, j2 in group),
    )


def _pages_touched(group: list[Hunk], old: _Doc, new: _Doc) -> set[int]:
    """New-version pages a passage changes: those of its inserted words, and for a deletion the
    page of the word it followed (the old page when the new version has no words)."""
    pages: set[int] = set()
    for _, i1, _i2, j1, j2 in group:
        if j2 > j1:
            pages.update(new.page_of[j1:j2])
        elif new.page_of:
            pages.add(new.page_of[max(j1 - 1, 0)] if j1 <= len(new.page_of) else new.page_of[-1])
        else:
            pages.add(old.page_of[i1])
    return pages

"""What changed between two versions of a PDF's text, by page: the shapes that
``documents.redline.compare`` returns, their JSON (``to_json`` / ``from_json``) and their
wording (``pages_line``). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard


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
        before, after, redline = (data.get(name) for name in ("before", "after", "redline"))
        if not (
            _is_int(page)
            and _is_int(size)
            and isinstance(before, str)
            and isinstance(after, str)
            and isinstance(redline, str)
        ):
            raise ValueError("a passage needs page and size (integers), before, after and redline")
        return cls(page, before, after, redline, size)


@dataclass(frozen=True, slots=True)
class PdfChanges:
    """What changed between two versions of a PDF's text, by page."""

    changed_pages: tuple[int, ...]  # new-version page numbers with changed passages
    added_pages: tuple[int, ...]  # whole pages new in the new version
    removed_pages: tuple[int, ...]  # whole pages gone (old-version numbers)
    passages: tuple[Passage, ...]  # ranked by size, largest first
    omitted: int = 0  # smaller passages left out (``documents.redline.MAX_PASSAGES``)

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
        changed, added, removed = (tuple(pages) for pages in lists)
        found = tuple(Passage.from_json(p) for p in passages)
        return cls(changed, added, removed, found, omitted)

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


def _is_int(value: object) -> TypeGuard[int]:
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

"""The text of a PDF's pages made comparable (pure): layout is not content.

A PDF's text layer is laid out: lines broken at the page width, words hyphenated at line ends,
a running header and footer and a page number on every page. Two printings of the same words
must compare equal, so ``normalize_pages`` reduces each page to its words:

1. characters no reader should get are dropped (``crawler.text.clean_text``; soft hyphens too);
2. layout furniture goes: page-number lines ("3", "- 3 -", "Page 3 of 40", "iv") among the
   first and last ``NUMBER_ZONE`` lines of a page, and running lines: a line that, digits aside,
   stands among the first ``ZONE`` lines of at least half of the pages (a header), or among the
   last ``ZONE`` lines (a footer), and of at least ``MIN_RUNNING_PAGES`` pages ("OIG-24-01
   www.oig.dhs.gov", "Page 3 | FEMA's Oversight of ..."). A body line that repeats word for word
   at the top or the bottom of most pages is taken for one too;
3. the lines are joined: a word hyphenated at a line end is joined again ("recom-" + "mendation"
   → "recommendation"; "follow-" + "up" stays "follow-up" when the document writes "follow-up"
   elsewhere and never "followup"), other line breaks become spaces;
4. the page is folded as listing text is (``crawler.normalize.norm_text``: entities, nbsp,
   quotes and dashes, whitespace collapsed).

Which hyphen a broken compound keeps can still differ between two printings when the document
gives no hint; ``documents.redline`` compares words with their inner hyphens left out, so that
choice never shows as a change.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import islice

from crawler.normalize import norm_text
from crawler.text import clean_text

ZONE = 3  # lines at the top and at the bottom of a page where headers and footers stand
NUMBER_ZONE = 2  # lines at the top and bottom where a bare page number is dropped
RUNNING_SHARE = 0.5  # a running line stands on at least this share of the pages ...
MIN_RUNNING_PAGES = 3  # ... and on at least this many (a short document has no furniture)
TEXT_PAGE_CHARS = 20  # letters and digits that make a page one with text
SCANNED_SHARE = 0.1  # fewer pages with text than this share: a scan without a text layer

_SPACES = re.compile(r"[^\S\n]+")
_DIGITS = re.compile(r"\d+")
_ROMAN = r"(?=[ivxlc])(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_PAGE_NUMBER = re.compile(
    r"(?:page\s*)?(?:\d{1,4}|" + _ROMAN + r")(?:\s*(?:of|/)\s*\d{1,4})?"
    r"|[-\u2010-\u2014]\s*(?:\d{1,4}|" + _ROMAN + r")\s*[-\u2010-\u2014]",
    re.IGNORECASE,
)
_HYPHENS = "-\u2010"
_INNER_HYPHEN = re.compile(r"(?<=[^\W\d_])[-\u2010](?=[^\W\d_])")
_ALNUM = re.compile(r"[^\W_]")
_PUNCTUATION = "\"'()[]{},.;:!?\u201c\u201d\u2018\u2019"


def normalize_pages(raw_pages: Sequence[str]) -> tuple[str, ...]:
    """Each page's text as compared between versions: furniture dropped, lines joined, folded."""
    pages = [page_lines(raw) for raw in raw_pages]
    running = running_lines(pages)
    kept = [strip_furniture(lines, running) for lines in pages]
    vocabulary = words_in(line for lines in kept for line in lines)
    return tuple(norm_text(join_lines(lines, vocabulary)) for lines in kept)


def page_lines(raw: str) -> list[str]:
    """A page's non-blank lines, cleaned, soft hyphens and inner runs of spaces gone."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u00ad\n", "")
    text = clean_text(text.replace("\u00ad", "").replace("\f", "\n"))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return [line for line in lines if line]


def line_key(line: str) -> str:
    """A line as running headers and footers are recognised: case, spaces and digits aside."""
    return _DIGITS.sub("#", " ".join(line.casefold().split()))


def running_lines(pages: Sequence[Sequence[str]]) -> frozenset[tuple[str, str]]:
    """The running lines: (side, ``line_key``) of each line standing in the top ("top") or the
    bottom ("bottom") ``ZONE`` lines of at least ``RUNNING_SHARE`` of the pages, and of at
    least ``MIN_RUNNING_PAGES`` of them."""
    needed = max(MIN_RUNNING_PAGES, math.ceil(RUNNING_SHARE * len(pages)))
    if len(pages) < needed:
        return frozenset()
    seen: Counter[tuple[str, str]] = Counter()
    for lines in pages:
        seen.update({("top", line_key(line)) for line in lines[:ZONE]})
        seen.update({("bottom", line_key(line)) for line in lines[-ZONE:]})
    return frozenset(key for key, count in seen.items() if count >= needed)


def is_page_number(line: str) -> bool:
    """Whether the line is only a page number: "3", "- 3 -", "Page 3 of 40", "iv", "3/40"."""
    return _PAGE_NUMBER.fullmatch(line.strip()) is not None


def strip_furniture(lines: Sequence[str], running: frozenset[tuple[str, str]]) -> list[str]:
    """The page's lines without its running lines and page numbers (looked for only in the top
    and bottom ``ZONE`` / ``NUMBER_ZONE`` lines)."""
    last = len(lines) - 1
    kept = []
    for index, line in enumerate(lines):
        edge = min(index, last - index)  # 0: the first or last line
        if edge < ZONE and _running(line, index < ZONE, last - index < ZONE, running):
            continue
        if edge < NUMBER_ZONE and is_page_number(line):
            continue
        kept.append(line)
    return kept


def _running(line: str, top: bool, bottom: bool, running: frozenset[tuple[str, str]]) -> bool:
    key = line_key(line)
    return (top and ("top", key) in running) or (bottom and ("bottom", key) in running)


def words_in(lines: Iterable[str]) -> frozenset[str]:
    """The words written whole in these lines (a line's last word, if hyphenated, is not)."""
    found: set[str] = set()
    for line in lines:
        words = line.split()
        if words and words[-1][-1] in _HYPHENS:
            words.pop()
        found.update(word.strip(_PUNCTUATION) for word in words)
    return frozenset(found)


def join_lines(lines: Sequence[str], vocabulary: frozenset[str] = frozenset()) -> str:
    """The lines as one text: a word hyphenated at a line end and continued in lowercase is
    joined without the hyphen, unless ``vocabulary`` holds it hyphenated and not joined; one
    continued otherwise ("DHS-" + "OIG") keeps it; other line breaks become spaces. Linear in
    the text (each line end is looked at once)."""
    pieces: list[str] = []
    for line in lines:
        last = pieces[-1] if pieces else ""
        if len(last) > 1 and last[-1] in _HYPHENS and last[-2].isalpha() and line[0].isalnum():
            cut = last.rfind(" ") + 1
            head = last[cut:-1]  # the broken word, without its hyphen
            if line[0].islower():
                word = head.strip(_PUNCTUATION)
                tail = line.split(" ", 1)[0].strip(_PUNCTUATION)
                kept = f"{word}-{tail}" in vocabulary and f"{word}{tail}" not in vocabulary
            else:  # "DHS-" + "OIG": a compound's own hyphen
                kept = True
            pieces[-1] = last[:cut] + head + ("-" if kept else "") + line
        else:
            pieces.append(line)
    return " ".join(pieces)


def comparison_word(word: str) -> str:
    """A word as two versions are compared: hyphens between letters left out, so a compound
    broken at its hyphen in one printing ("follow-up" / "followup") is the same word."""
    return _INNER_HYPHEN.sub("", word)


def has_text(page: str) -> bool:
    """Whether a normalised page has at least ``TEXT_PAGE_CHARS`` letters and digits."""
    return sum(1 for _ in islice(_ALNUM.finditer(page), TEXT_PAGE_CHARS)) >= TEXT_PAGE_CHARS


def looks_scanned(pages: Sequence[str]) -> bool:
    """Whether a document has (almost) no text layer: fewer than ``SCANNED_SHARE`` of its pages
    (and never none) carry text: scanned images, a text-layer cover page at most."""
    with_text = sum(1 for page in pages if has_text(page))
    return with_text == 0 or with_text < SCANNED_SHARE * len(pages)

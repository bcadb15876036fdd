"""What changed inside a replaced PDF, as readers are shown it (pure).

A ``revised`` event whose PDF was replaced may carry ``pdf_changes`` (the contract:
``docs/architecture.md``, "PDF redlines, rendered"): the status (``compared``,
``no_text_change``, ``not_compared``), the reason, both versions' sha256 and page count, and for
``compared`` the ``documents.changes.PdfChanges`` (pages changed, added, removed; passages).
It is stored JSON, so it is read here and nowhere else: :func:`read_pdf_changes` validates it
(anything malformed is dropped whole, as if the event had none) and cleans its strings. Every
channel then writes the same words: :attr:`PdfRedline.line` ("Changed on pages 3, 12 and 40",
or the one sentence of the other statuses) and the passages, each a word-level redline turned
into the channel's spans by :func:`passage_spans`, escaped by the channel's own redline writer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crawler.redline import Span
from crawler.text import clean_text
from documents.changes import Passage, PdfChanges
from notifier.render.common import Style, diff_words, fit, fit_spans

COMPARED, NO_TEXT_CHANGE, NOT_COMPARED = "compared", "no_text_change", "not_compared"
STATUSES = (COMPARED, NO_TEXT_CHANGE, NOT_COMPARED)
LAYOUT_ONLY = "The PDF was replaced; its text did not change (layout only)"
NOT_COMPARABLE = "The PDF was replaced; its text could not be compared: {reason}"
NO_REASON = "no reason recorded"
REASON_LIMIT = 500  # characters of a reason shown
MAX_PAGE = 100_000  # no PDF has more pages; a larger number is not one to print
LINE_LIMIT = 600  # characters of a pages line (thousands of scattered pages: cut)
_PLAIN_MARKS = {"-": "[-{}-]", "+": "{{+{}+}}", " ": "{}"}
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class PdfVersion:
    """One side of the comparison: the PDF's sha256 (None if unknown) and its page count."""

    sha256: str | None
    pages: int | None

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "pages": self.pages}


@dataclass(frozen=True, slots=True)
class PdfRedline:
    """A validated ``pdf_changes`` object; ``changes`` only when ``status`` is ``compared``."""

    status: str
    reason: str  # "" when none was given
    before: PdfVersion
    after: PdfVersion
    changes: PdfChanges | None

    @property
    def line(self) -> str:
        """What a reader is told first: the pages line, or the status's one sentence."""
        if self.status == COMPARED and self.changes is not None:
            return _cut(self.changes.pages_line(), LINE_LIMIT)
        if self.status == NO_TEXT_CHANGE:
            return LAYOUT_ONLY
        return NOT_COMPARABLE.format(reason=self.reason or NO_REASON)

    @property
    def passages(self) -> tuple[Passage, ...]:
        """The passages, largest first (the order ``documents.redline`` ranks them in)."""
        found = self.changes.passages if self.changes else ()
        return tuple(sorted(found, key=lambda p: -p.size))

    @property
    def omitted(self) -> int:
        """Smaller passages the comparison itself left out."""
        return self.changes.omitted if self.changes else 0

    def to_json(self) -> dict[str, Any]:
        """The object of the contract, rebuilt from what was validated (``pages_line`` included)."""
        data: dict[str, Any] = {
            "status": self.status,
            "reason": self.reason or None,
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "pages_line": self.line if self.changes is not None else "",
        }
        if self.changes is not None:
            data.update(self.changes.to_json())
        return data


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _version(value: Any) -> PdfVersion:
    if not isinstance(value, Mapping):
        raise ValueError("before and after must be objects")
    sha, pages = value.get("sha256"), value.get("pages")
    if sha is not None and not (isinstance(sha, str) and _SHA256.fullmatch(sha)):
        raise ValueError("sha256 must be 64 lowercase hex digits or null")
    if pages is not None and not (_is_count(pages) and pages <= MAX_PAGE):
        raise ValueError("pages must be a count or null")
    return PdfVersion(sha, pages)


def _clean_passage(passage: Passage) -> Passage:
    before, after, marks = (
        clean_text(text) for text in (passage.before, passage.after, passage.redline)
    )
    return Passage(passage.page, before, after, marks, passage.size)


def _changes(value: Mapping[str, Any]) -> PdfChanges:
    found = PdfChanges.from_json(value)
    pages = (*found.changed_pages, *found.added_pages, *found.removed_pages)
    if any(not 1 <= page <= MAX_PAGE for page in (*pages, *(p.page for p in found.passages))):
        raise ValueError(f"page numbers run from 1 to {MAX_PAGE}")
    if found.omitted < 0 or any(p.size < 0 for p in found.passages):
        raise ValueError("counts cannot be negative")
    passages = tuple(_clean_passage(p) for p in found.passages)
    return PdfChanges(
        found.changed_pages, found.added_pages, found.removed_pages, passages, found.omitted
    )


def read_pdf_changes(value: Any) -> PdfRedline | None:
    """The validated ``pdf_changes`` object; None when absent or malformed in any part."""
    if not isinstance(value, Mapping):
        return None
    status, reason = value.get("status"), value.get("reason")
    if status not in STATUSES or not (reason is None or isinstance(reason, str)):
        return None
    try:
        before, after = _version(value.get("before")), _version(value.get("after"))
        changes = _changes(value) if status == COMPARED else None
    except (ValueError, TypeError):
        return None
    text = _cut(" ".join(clean_text(reason).split()), REASON_LIMIT)
    return PdfRedline(str(status), text, before, after, changes)


def event_pdf_changes(event: Mapping[str, Any]) -> PdfRedline | None:
    """The event's validated ``pdf_changes`` (None: none, or not one to trust)."""
    return read_pdf_changes(event.get("pdf_changes"))


def pdf_changes_json(event: Mapping[str, Any]) -> dict[str, Any]:
    """What the JSON API and the JSON Feed carry: ``{"pdf_changes": {...}}`` rebuilt from the
    validated object, or ``{"pdf_changes": None}`` when the event has none (or a malformed one)."""
    found = event_pdf_changes(event)
    return {"pdf_changes": found.to_json() if found else None}


def archive_href(sha256: str | None) -> str | None:
    """The web app's path of an archived version (``/archive/<sha256>.pdf``); None if unknown."""
    return f"/archive/{sha256}.pdf" if sha256 and _SHA256.fullmatch(sha256) else None


def more_passages(count: int) -> str:
    """ "… and 4 more passages" ("" for none)."""
    if count <= 0:
        return ""
    return f"… and {count} more passage{'' if count == 1 else 's'}"


def pdf_context(event: Mapping[str, Any], style: Style) -> dict[str, Any] | None:
    """What templates see as ``pdf`` (None: the event has no valid ``pdf_changes``): ``status``,
    ``line`` (escaped for the channel), ``top`` (the ``style.passages`` largest passages, each
    ``{page, body}``, the body a channel redline within ``style.passage``), ``pages`` (the same
    passages grouped by page, in page order: ``{page, passages: [body]}``), ``more`` ("… and 4
    more passages", or ""), and ``before``/``after``: ``{sha256, pages, href}`` (``href`` the
    archived version's path on the web app, None when its sha256 is unknown)."""
    found = event_pdf_changes(event)
    if found is None:
        return None
    ranked = found.passages
    shown = ranked if style.passages is None else ranked[: max(style.passages, 0)]
    top = [{"page": p.page, "body": _body(p, style)} for p in shown]
    pages: dict[int, list[Any]] = {}
    for item in sorted(top, key=lambda item: item["page"]):
        pages.setdefault(item["page"], []).append(item["body"])
    return {
        "status": found.status,
        "compared": found.status == COMPARED,
        "line": fit(found.line, LINE_LIMIT, style.text),
        "top": top,
        "pages": [{"page": page, "passages": bodies} for page, bodies in pages.items()],
        "more": more_passages(len(ranked) - len(shown) + found.omitted) if shown else "",
        "before": _side(found.before),
        "after": _side(found.after),
    }


def _side(version: PdfVersion) -> dict[str, Any]:
    return {"sha256": version.sha256, "pages": version.pages, "href": archive_href(version.sha256)}


def plain_passage(passage: Passage, limit: int = 600) -> str:
    """A passage on one plain-text line: "Page 7: … [-4.3-]{+5.1+} billion …" (within ``limit``
    characters of text, marks aside)."""
    spans = fit_spans(passage_spans(passage), limit, _plain_cost, 12)
    return f"Page {passage.page}: " + "".join(_PLAIN_MARKS[s.op].format(s.text) for s in spans)


def _plain_cost(spans: list[Span]) -> int:
    return sum(len(span.text) for span in spans)


def text_lines(event: Mapping[str, Any], passages: int = 20, limit: int = 600) -> list[str]:
    """Plain-text lines for a feed entry: "Inside the PDF: Changed on pages 3 and 7", up to
    ``passages`` passages (largest first) and "… and 4 more passages"; the one sentence of the
    other statuses; [] without ``pdf_changes``."""
    found = event_pdf_changes(event)
    if found is None:
        return []
    if found.status != COMPARED:
        return [found.line]
    ranked = found.passages
    lines = [f"Inside the PDF: {found.line}"]
    lines += [plain_passage(p, limit) for p in ranked[:passages]]
    more = more_passages(len(ranked[passages:]) + found.omitted)
    return lines + ([more] if more else [])


def _body(passage: Passage, style: Style) -> Any:
    spans = fit_spans(passage_spans(passage), style.passage, style.cost, style.context_words)
    return style.redline(spans)


def passage_spans(passage: Passage) -> list[Span]:
    """The passage's redline as spans: its ``[-old-]{+new+}`` marks read back when they agree
    with its ``before`` and ``after`` words, else a word diff of the two (hostile text can forge
    marks; it can never escape a channel's escaping, only be shown as a diff of before/after)."""
    spans = _marked_spans(passage.redline)
    if spans is not None and _sides(spans) == (passage.before.split(), passage.after.split()):
        return spans
    return diff_words(" ".join(passage.before.split()), " ".join(passage.after.split()))


def _marked_spans(marks: str) -> list[Span] | None:
    """``a [-b c-]{+d+} e`` as kept/deleted/inserted spans; None when the marks do not pair up."""
    spans: list[Span] = []
    rest = marks.strip()
    while rest:
        starts = [i for i in (rest.find("[-"), rest.find("{+")) if i >= 0]
        at = min(starts) if starts else len(rest)
        if at:
            spans.append(Span(" ", rest[:at]))
        rest = rest[at:]
        if not rest:
            break
        op, closing = ("-", "-]") if rest.startswith("[-") else ("+", "+}")
        end = rest.find(closing, 2)
        words = rest[2:end].strip() if end >= 0 else ""
        if not words:
            return None
        spans.append(Span(op, words))
        rest = rest[end + 2 :]
    return _joined(spans)


def _joined(spans: list[Span]) -> list[Span]:
    """Adjacent spans of one kind merged (a kept space between two marks included)."""
    out: list[Span] = []
    for span in spans:
        if out and out[-1].op == span.op:
            out[-1] = Span(span.op, out[-1].text + span.text)
        else:
            out.append(span)
    return out


def _sides(spans: list[Span]) -> tuple[list[str], list[str]]:
    old = " ".join(s.text for s in spans if s.op != "+")
    new = " ".join(s.text for s in spans if s.op != "-")
    return old.split(), new.split()


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;") + "…"

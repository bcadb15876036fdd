"""What changed inside a replaced PDF, told on the ``revised`` event that announces it.

After a check has decided its events and before it records them (so the outbox never delivers a
revision without it), each published ``revised`` event whose changes hold ``pdf_content`` gains
one payload key, ``pdf_changes`` (:func:`pdf_changes`; docs/architecture.md, "What changed
inside a replaced PDF")::

    {"status": "compared" | "no_text_change" | "not_compared", "reason": None | "plain words",
     "before": {"sha256": ..., "pages": 12 | None}, "after": {...}, "pages_line": "Changed on ...",
     + documents.changes.PdfChanges.to_json() when "compared"}

Each version's text is read once: from the ledger when a version of that digest was read before
(``pdf_versions.pages``), else extracted (``documents.extract.extract_text``, a bounded child
process) from the crawl's spool (``<spool_dir>/<sha256>.pdf``) or the archive. The texts read
now are handed back, and ``archive/ingest.py`` keeps them on the versions. Only replaced PDFs
are ever read: a run without such an event asks nothing of the ledger or the archive. Nothing
here raises: a version that cannot be had or read makes the event ``not_compared``, with why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.spool import SHA256, spool_path
from crawler.normalize import pdf_path
from documents.extract import FAILED, OK, SCANNED, ExtractLimits, PdfText, extract_text
from documents.facts import KeyFacts, key_facts
from documents.redline import compare

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from archive.store import Archive
    from config.settings import Settings
    from crawler.events import EventDraft

log = logging.getLogger("oigwatch.archive")

COMPARED, NO_TEXT_CHANGE, NOT_COMPARED = "compared", "no_text_change", "not_compared"
KEY = "pdf_changes"  # the payload key
FACTS_KEY = "pdf_key_facts"  # key facts read from a report's PDF (when it states any)
BEFORE_FACTS_KEY = "pdf_key_facts_before"  # a replaced PDF's earlier version's, when they moved
FACT_PAGES = 3  # the pages that hold a report's highlights
REASON_CHARS = 300
HELD = "it was held with the run's other revisions (a bulk hold), which are not compared"
NO_ARCHIVE = "was not kept (the PDF archive is off: [archive] enabled = false)"


@dataclass(frozen=True, slots=True)
class Side:
    """One version of a replaced PDF: its digest and its text, or (``text`` None) why there is
    none, in words that complete "the earlier version ..." / "the new version ..."."""

    sha256: str
    text: PdfText | None = None
    missing: str = "was not archived"

    @property
    def pages(self) -> int | None:
        """Its page count, when its text was read."""
        return len(self.text.pages) if self.text and self.text.status in (OK, SCANNED) else None


def replaced_pdf(payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """The (old, new) sha256 of an event payload's ``pdf_content`` change; None without one."""
    changes = payload.get("changes")
    if not isinstance(changes, list):
        return None
    for change in changes:
        if not isinstance(change, Mapping) or change.get("field") != "pdf_content":
            continue
        old, new = change.get("old"), change.get("new")
        if isinstance(old, str) and isinstance(new, str) and _digest(old) and _digest(new):
            return (old, new) if old != new else None
    return None


def _digest(value: str) -> bool:
    return bool(SHA256.fullmatch(value))


def pdf_changes(before: Side, after: Side, held: bool = False) -> dict[str, Any]:
    """The ``pdf_changes`` object of a replaced PDF, from its two versions (pure)."""
    reason = HELD if held else why_not(before, after)
    changes = None
    if reason is None and before.text is not None and after.text is not None:
        changes = compare(before.text, after.text)
        reason = None if changes is not None else "its text could not be compared"
    status = NOT_COMPARED if changes is None else NO_TEXT_CHANGE if changes.empty else COMPARED
    found: dict[str, Any] = {
        "status": status,
        "reason": reason,
        "before": {"sha256": before.sha256, "pages": before.pages},
        "after": {"sha256": after.sha256, "pages": after.pages},
        "pages_line": changes.pages_line() if changes is not None and status == COMPARED else "",
    }
    if changes is not None and status == COMPARED:
        found.update(changes.to_json())
    return found


def why_not(before: Side, after: Side) -> str | None:
    """Why the two versions cannot be compared (the new one's trouble first); None: they can."""
    for side, name in ((after, "the new version"), (before, "the earlier version")):
        if side.text is None:
            return _clip(f"{name} {side.missing}")
        if side.text.status == SCANNED:
            return f"{name} has no text layer (a scan)"
        if side.text.status == FAILED:
            return _clip(f"{name} {_failure(side.text.reason)}")
    return None


def _failure(reason: str | None) -> str:
    """An extraction's recorded reason, as the rest of "the new version ...". Its own words
    ("has 2,000 pages, more than 1,500", "is encrypted ...") read on; others follow "could not
    be read:"."""
    text = " ".join((reason or "").split()) or "for a reason not recorded"
    if text.startswith(("has ", "is ", "could not be read")):
        return text
    return f"could not be read: {text}"


def _clip(text: str) -> str:
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "…"


@dataclass
class Reader:
    """Finds and reads the versions of replaced PDFs for one run: ledger first, then the
    crawl's spool, then the archive. ``read`` holds the texts extracted now, by digest."""

    settings: Settings
    spool_dir: str
    known: dict[str, PdfText] = field(default_factory=dict)
    read: dict[str, PdfText] = field(default_factory=dict)
    _archive: Archive | None = None
    _archive_down: str | None = None

    @property
    def limits(self) -> ExtractLimits:
        config = self.settings.archive
        return ExtractLimits(config.text_seconds, config.text_memory_mb, config.text_max_pages)

    def side(self, sha256: str) -> Side:
        """One version, its text read if it can be."""
        if (text := self.known.get(sha256) or self.read.get(sha256)) is not None:
            return Side(sha256, text)
        if not self.settings.archive.enabled:
            return Side(sha256, None, NO_ARCHIVE)
        source: Path | bytes | None = None
        spooled = spool_path(self.spool_dir, sha256) if self.spool_dir else None
        if spooled is not None and spooled.is_file():
            source = spooled
        else:
            found = self._from_archive(sha256)
            if isinstance(found, str):
                return Side(sha256, None, found)
            source = found
        text = extract_text(source, self.limits)
        self.read[sha256] = text
        return Side(sha256, text)

    def _from_archive(self, sha256: str) -> bytes | str:
        """The archived bytes, or why they cannot be had (words following "the ... version")."""
        from archive.store import ArchiveError, NotArchived, open_archive

        if self._archive_down is not None:
            return self._archive_down
        try:
            self._archive = self._archive or open_archive(self.settings)
            return self._archive.get(sha256)
        except NotArchived:
            return "was not archived"
        except ArchiveError as exc:
            log.warning("PDF archive: %s: %s", sha256, exc)
            if "damaged" in str(exc):
                return "is damaged in the archive"
            self._archive_down = "could not be fetched from the archive (unreachable)"
            return self._archive_down


def first_facts(text: PdfText | None, components: Any) -> KeyFacts | None:
    """The key facts the first of a report's first pages that states any states (its highlights,
    as the OIG prints them); None when none does. One page at a time: the body's own
    "we recommend ..." sentences would only blur a count the highlights state plainly."""
    if text is None or text.status != "ok":
        return None
    named = [c for c in components if isinstance(c, str)] if isinstance(components, list) else []
    component = named[0] if len(named) == 1 else None
    for page in text.pages[:FACT_PAGES]:
        facts = key_facts(page, component)
        if not facts.empty:
            return facts
    return None


def facts_moved(before: Side, after: Side, components: Any) -> dict[str, Any]:
    """A replaced PDF whose first pages state other key facts than the earlier version's:
    ``pdf_key_facts_before`` and ``pdf_key_facts`` (alerts call the change out); else nothing."""
    old, new = first_facts(before.text, components), first_facts(after.text, components)
    if old is None or new is None or old == new:
        return {}
    return {BEFORE_FACTS_KEY: old.to_json(), FACTS_KEY: new.to_json()}


def describe_replaced_pdfs(
    engine: Engine,
    settings: Settings,
    spool_dir: str,
    events: Iterable[EventDraft],
    fetched: Mapping[str, str] | None = None,
) -> dict[str, PdfText]:
    """Give each ``revised`` event with a replaced PDF its ``pdf_changes``, and each published
    ``new`` event whose PDF this crawl fetched (``fetched``: digest by PDF path) the key facts its
    first pages state (``pdf_key_facts``), in place; returns the texts extracted now, by digest,
    for ``archive.ingest.ingest_pdfs`` to keep."""
    events = list(events)
    replaced = [
        (event, pair)
        for event in events
        if event.kind == "revised" and (pair := replaced_pdf(event.payload)) is not None
    ]
    fresh = [
        (event, digest)
        for event in events
        if event.kind == "new" and event.status != "held" and fetched
        if (digest := fetched.get(pdf_path(event.payload.get("url")) or "")) is not None
    ]
    if not replaced and not fresh:
        return {}
    from ledger.pdf_versions import known_texts

    published = {digest for event, pair in replaced if event.status != "held" for digest in pair}
    published |= {digest for _, digest in fresh}
    reader = Reader(settings, spool_dir, known_texts(engine, published) if published else {})
    for event, digest in fresh:
        try:
            facts = first_facts(reader.side(digest).text, event.payload.get("components"))
        except Exception:  # the alert goes out with the summary's facts only
            log.exception("key facts of the PDF of %s", event.report_key)
            continue
        if facts is not None:
            event.payload[FACTS_KEY] = facts.to_json()
    for event, (old, new) in replaced:
        if event.status == "held":
            event.payload[KEY] = pdf_changes(Side(old), Side(new), held=True)
            continue
        try:
            before, after = reader.side(old), reader.side(new)
            event.payload[KEY] = pdf_changes(before, after)
            event.payload.update(facts_moved(before, after, event.payload.get("components")))
        except Exception:  # never the run's failure: this event says it could not compare
            log.exception("PDF changes of %s", event.report_key)
            missing = "could not be read (an unexpected error, logged)"
            event.payload[KEY] = pdf_changes(Side(old, None, missing), Side(new, None, missing))
    return reader.read

"""Admission (pure): the rows of one crawl that may reach the diff, and the odd ones kept out.

A row that cannot be normalised, or holds a value no report has (a 150-character report number, a
fiscal year "2026²"), is *quarantined*: kept out of the diff with a warning naming its page, row,
field and raw text, while the rest of the run is recorded. Text that is kept is cleaned of
characters no reader should get (NUL and other controls, bidi overrides) and bounded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlsplit

from crawler.contract import PageRecord
from crawler.entry import ReportEntry
from crawler.normalize import norm_number, norm_text
from crawler.state import entry_identity
from crawler.text import UNSAFE, clean_text

MAX_NUMBER = 100  # characters of a normalised report number
MAX_FISCAL_YEAR = 20
MAX_TITLE = 2000
MAX_SUMMARY = 100_000
MAX_URL = 2000
RAW_SHOWN = 200  # characters of the raw text a warning keeps
WARNINGS_KEPT = 100  # warnings stored per run (the count is always exact)

_FISCAL_YEAR = re.compile(r"[0-9]*")
_TEXT_FIELDS = ("title", "report_number", "summary", "fiscal_year", "pdf_url", "detail_url")


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A row kept out of the diff, and why."""

    view: str
    page: str  # the page's URL
    row: int  # 1-based position among the page's parsed rows (0: the parser could not read it)
    field: str
    raw: str
    problem: str
    key: str | None = None  # the report's identity when it could be told: protects it from removal

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class Admitted:
    """The entries that may be diffed, and the quarantined rows."""

    entries: list[ReportEntry]
    quarantined: list[Quarantined]

    @property
    def protected(self) -> frozenset[str]:
        """Identities seen in quarantined rows: such a report is not missing, only unreadable."""
        return frozenset(q.key for q in self.quarantined if q.key)

    @property
    def unidentified(self) -> int:
        """Quarantined rows whose report could not be told (a complete sweep cannot then
        conclude that any report is missing)."""
        return sum(1 for q in self.quarantined if not q.key)


def describe_quarantined(warning: Mapping[str, Any]) -> str:
    """One line for a quarantined row (as stored in a run's stats)."""
    where = f"row {warning['row']}" if warning.get("row") else "a row"
    raw = str(warning.get("raw", ""))[:80]
    return (
        f"{warning.get('page')} {where}: {warning.get('field')} {raw!r}: {warning.get('problem')}"
    )


def problem_of(entry: ReportEntry) -> tuple[str, str, str] | None:
    """(field, raw text, problem) of the first value no report could have; None: admissible."""
    raw_title = entry.title.strip()
    if len(raw_title) < 16 or len(raw_title) > MAX_TITLE:  # else it is neither empty nor too long
        title = norm_text(raw_title)
        if not title:
            return "title", entry.title, "no title text"
        if len(title) > MAX_TITLE:
            return "title", entry.title, f"title longer than {MAX_TITLE} characters"
    number = norm_number(entry.report_number)
    if number and len(number) > MAX_NUMBER:
        return "report_number", entry.report_number or "", f"longer than {MAX_NUMBER} characters"
    fiscal_year = (entry.fiscal_year or "").strip()
    if len(fiscal_year) > MAX_FISCAL_YEAR or not _FISCAL_YEAR.fullmatch(fiscal_year):
        return "fiscal_year", entry.fiscal_year or "", "not a year (ASCII digits)"
    for name in ("pdf_url", "detail_url"):
        url = getattr(entry, name)
        if url and (len(url) > MAX_URL or not _parses(url)):
            return name, url, "not a usable URL"
    if entry.summary and len(entry.summary) > MAX_SUMMARY:
        return "summary", entry.summary, f"summary longer than {MAX_SUMMARY} characters"
    return None


def admit(pages: Iterable[PageRecord]) -> Admitted:
    """Every entry of the crawl's pages, cleaned, unless quarantined; plus the rows the parsers
    could not read (``ParsedPage.quarantined``)."""
    entries: list[ReportEntry] = []
    quarantined: list[Quarantined] = []
    for page in pages:
        view, url = page.view, page.url
        for raw in page.parsed.quarantined:
            quarantined.append(
                Quarantined(
                    view, url, 0, raw.get("field", "row"), raw.get("raw", ""), raw["problem"]
                )
            )
        for row, listed in enumerate(page.parsed.entries, start=1):
            entry: ReportEntry | None = None
            try:
                entry = _cleaned(listed)
                found = problem_of(entry)
            except Exception as exc:  # whatever it is, it stays out of the diff, with a warning
                found = ("entry", str(listed.to_json()), f"{type(exc).__name__}: {exc}")
            if found is None and entry is not None:
                entries.append(entry)
                continue
            field, text, problem = found or ("entry", str(listed.to_json()), "unreadable")
            key = _key(entry) if entry is not None else None
            quarantined.append(
                Quarantined(view, url, row, field, clean_text(text)[:RAW_SHOWN], problem, key)
            )
    return Admitted(entries, quarantined)


def warnings_json(quarantined: list[Quarantined]) -> list[dict[str, Any]]:
    """The warnings a run keeps in its stats (the first few; the count is stored beside)."""
    return [q.to_json() for q in quarantined[:WARNINGS_KEPT]]


def _cleaned(entry: ReportEntry) -> ReportEntry:
    texts = [getattr(entry, name) or "" for name in _TEXT_FIELDS]
    if not UNSAFE.search("\n".join([*texts, *entry.components])):  # the common case
        return entry
    changes: dict[str, Any] = {
        name: clean_text(value)
        for name in _TEXT_FIELDS
        if isinstance(value := getattr(entry, name), str) and UNSAFE.search(value)
    }
    if any(UNSAFE.search(c) for c in entry.components):
        changes["components"] = tuple(clean_text(c) for c in entry.components)
    return replace(entry, **changes) if changes else entry


@functools.lru_cache(maxsize=1 << 16)
def _parses(url: str) -> bool:
    parts = url.split("/", 3)
    if "[" not in url and (len(parts) < 3 or ":" not in parts[2]):  # no port, no IPv6 host
        return True
    try:
        urlsplit(url).port  # noqa: B018 - a bad port raises only when read
    except ValueError:
        return False
    return True


def _key(entry: ReportEntry) -> str | None:
    """The identity of a quarantined row, when its number (or title and date) can tell it."""
    number = norm_number(entry.report_number)
    if number and len(number) > MAX_NUMBER:
        return None
    try:
        return entry_identity(entry)
    except Exception:
        return None

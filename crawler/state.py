"""A report's state as the ledger keeps it, and how one crawl's entries become such states."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from crawler.contract import PdfFingerprint
from crawler.entry import ReportEntry
from crawler.normalize import (
    identity,
    labels,
    norm_fiscal_year,
    norm_number,
    norm_summary,
    norm_text,
    path_identity,
    pdf_path,
)

PLAUSIBLE_FY = range(1990, 2101)


@dataclass(frozen=True, slots=True)
class ReportState:
    """One report's state: original text for display, compared in normalized form."""

    key: str
    title: str
    report_number: str | None = None
    summary: str | None = None
    issue_date: str | None = None
    fiscal_year: str | None = None
    pdf_url: str | None = None
    pdf_family: str | None = None  # the view family the PDF link was read from
    detail_url: str | None = None
    components: tuple[str, ...] = ()
    view_labels: tuple[str, ...] = ()
    settled: bool = False  # a complete deep sweep has seen it, so its components are known
    pdf_etag: str | None = None
    pdf_last_modified: str | None = None
    pdf_length: int | None = None
    pdf_sha256: str | None = None
    # "component:X" / "view:Y" a complete sweep missed once; held until a second sweep confirms
    unconfirmed_losses: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        """Markers carried by the title plus those of the views listing the report."""
        return tuple(sorted(labels(self.title) | set(self.view_labels)))

    def comparable(self) -> dict[str, Any]:
        """The fields that define a version, normalized so cosmetic noise compares equal."""
        return {
            "report_number": norm_number(self.report_number),
            "title": norm_text(self.title),
            "summary": norm_summary(self.summary),
            "issue_date": self.issue_date,
            "fiscal_year": (self.fiscal_year or "").strip(),
            "pdf_url": pdf_path(self.pdf_url),
            "pdf_content": self.pdf_sha256,
            "components": sorted(self.components),
            "labels": list(self.labels),
        }

    @property
    def content_hash(self) -> str:
        """sha256 of :meth:`comparable`: equal hashes mean no change worth telling."""
        blob = json.dumps(self.comparable(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The state as stored in a report version (with its derived labels)."""
        data = asdict(self)
        data["components"] = list(self.components)
        data["view_labels"] = list(self.view_labels)
        data["labels"] = list(self.labels)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportState:
        """Inverse of :meth:`to_json` (derived fields ignored)."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        values["components"] = tuple(values.get("components") or ())
        values["view_labels"] = tuple(values.get("view_labels") or ())
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ViewInfo:
    """What merging needs to know of the view an entry came from."""

    family: str
    rank: int  # lower ranks win when views disagree on a field
    labels: tuple[str, ...] = ()


@dataclass(slots=True)
class _Merged:
    rank: int
    entry: ReportEntry
    components: dict[str, None] = field(default_factory=dict)
    view_labels: dict[str, None] = field(default_factory=dict)
    family: str = ""


def _plausible_fy(raw: str | None) -> int | None:
    year = norm_fiscal_year(raw)
    return year if year in PLAUSIBLE_FY else None


def entry_identity(entry: ReportEntry) -> str:
    """The identity of the report an entry lists (see ``normalize.identity``)."""
    issued = entry.issue_date.isoformat() if entry.issue_date else None
    return identity(entry.report_number, entry.pdf_url, entry.title, issued)


def report_key(entry: ReportEntry, known_fy: Mapping[str, str | None], fy_gap: int) -> str:
    """The entry's identity; a reused number with a far-off fiscal year is another report."""
    key = entry_identity(entry)
    seen_fy, stored_fy = _plausible_fy(entry.fiscal_year), _plausible_fy(known_fy.get(key))
    if seen_fy and stored_fy and abs(seen_fy - stored_fy) >= fy_gap:
        return f"{key}@{seen_fy}"
    return key


def entry_keys(
    entries: Sequence[ReportEntry], known_fy: Mapping[str, str | None], fy_gap: int = 3
) -> list[str]:
    """The identity of each entry. Two reports of one view that share a title and a date are
    told apart by their PDF paths; an entry with neither number nor date (a field-less card)
    takes the identity of the entry linking the same PDF."""
    keys = [report_key(entry, known_fy, fy_gap) for entry in entries]
    numberless = [i for i, key in enumerate(keys) if key.startswith(("doc:", "pdf:", "title:"))]
    if not numberless:  # every entry has a report number: the common case
        return keys
    shared: dict[tuple[str, str], set[str | None]] = {}
    for i in numberless:
        shared.setdefault((entries[i].view, keys[i]), set()).add(pdf_path(entries[i].pdf_url))
    for i in numberless:
        if keys[i].startswith("doc:") and len(shared[(entries[i].view, keys[i])]) > 1:
            keys[i] = path_identity(entries[i].pdf_url) or keys[i]
    undated = [i for i in numberless if not entries[i].issue_date]
    if undated:
        by_path: dict[str, str] = {}
        for i, entry in enumerate(entries):
            if (entry.report_number or entry.issue_date) and (path := pdf_path(entry.pdf_url)):
                by_path.setdefault(path, keys[i])
        for i in undated:
            keys[i] = by_path.get(pdf_path(entries[i].pdf_url) or "", keys[i])
    return keys


def merge_entries(
    entries: Sequence[ReportEntry],
    views: Mapping[str, ViewInfo],
    known_fy: Mapping[str, str | None],
    fy_gap: int = 3,
) -> dict[str, ReportState]:
    """Union one crawl's entries by identity: first-ranked view wins fields, components add up."""
    merged: dict[str, _Merged] = {}
    for entry, key in zip(entries, entry_keys(entries, known_fy, fy_gap), strict=True):
        view = views[entry.view]
        slot = merged.get(key)
        if slot is None or view.rank < slot.rank:
            previous = slot
            slot = _Merged(rank=view.rank, entry=entry, family=view.family)
            if previous is not None:
                slot.components.update(previous.components)
                slot.view_labels.update(previous.view_labels)
            merged[key] = slot
        slot.components.update(dict.fromkeys(entry.components))
        slot.view_labels.update(dict.fromkeys(view.labels))
    return {key: _to_state(key, slot) for key, slot in merged.items()}


def _to_state(key: str, slot: _Merged) -> ReportState:
    entry = slot.entry
    return ReportState(
        key=key,
        title=entry.title,
        report_number=entry.report_number,
        summary=entry.summary,
        issue_date=entry.issue_date.isoformat() if entry.issue_date else None,
        fiscal_year=entry.fiscal_year,
        pdf_url=entry.pdf_url,
        pdf_family=slot.family if entry.pdf_url else None,
        detail_url=entry.detail_url,
        components=tuple(sorted(slot.components)),
        view_labels=tuple(sorted(slot.view_labels)),
    )


def with_pdf(state: ReportState, fingerprint: PdfFingerprint | None) -> ReportState:
    """The state with a fresh PDF fingerprint applied (None or a failed check: unchanged)."""
    if fingerprint is None or fingerprint.status != "ok":
        return state
    return replace(
        state,
        pdf_etag=fingerprint.etag,
        pdf_last_modified=fingerprint.last_modified,
        pdf_length=fingerprint.length,
        pdf_sha256=fingerprint.sha256,
    )

"""The pure diff: what the ledger knew, what one healthy crawl saw, and what changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from crawler.contract import PdfFingerprint
from crawler.normalize import bare_title, norm_number, norm_summary, pdf_path
from crawler.normalize import labels as title_labels
from crawler.state import ReportState, with_pdf


@dataclass(frozen=True, slots=True)
class Stored:
    """A report as the ledger holds it."""

    id: int
    state: ReportState
    status: str = "active"  # active|removed
    missing_sweeps: int = 0


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's old and new value, in the site's original text."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class Change:
    """A typed change of one report: new, revised, removed or restored."""

    kind: str
    key: str
    state: ReportState
    previous: ReportState | None = None
    fields: tuple[FieldChange, ...] = ()
    labels_gained: tuple[str, ...] = ()
    labels_lost: tuple[str, ...] = ()
    renamed_from: str | None = None  # the identity it had (a corrected number, a new title)

    @property
    def dedupe_key(self) -> str:
        """Same content, same key: an A→B→A oscillation alerts once per distinct transition."""
        before = self.previous.content_hash[:16] if self.previous else "-"
        return f"{self.kind}:{self.key}:{before}:{self.state.content_hash[:16]}"


@dataclass(slots=True)
class Diff:
    """Changes to announce, silent state updates, and new missing-sweep counters."""

    changes: list[Change] = field(default_factory=list)
    updates: dict[str, ReportState] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SweepFacts:
    """What the diff must know about the crawl that produced the entries."""

    complete: bool  # a deep sweep that walked every page of every view
    removal_sweeps: int = 2
    pdfs: Mapping[str, PdfFingerprint] = field(default_factory=dict)  # by PDF path
    protected: frozenset[str] = frozenset()  # seen in quarantined rows: unreadable, not missing


def next_state(old: Stored | None, seen: ReportState, facts: SweepFacts) -> ReportState:
    """Fold what was seen into what was known: partial views never take components away."""
    fingerprint = facts.pdfs.get(pdf_path(seen.pdf_url) or "")
    if old is None:
        return with_pdf(replace(seen, settled=facts.complete), fingerprint)
    prev = old.state
    state = seen
    if not facts.complete:
        state = replace(
            state,
            components=tuple(sorted({*prev.components, *seen.components})),
            view_labels=tuple(sorted({*prev.view_labels, *seen.view_labels})),
        )
    if prev.pdf_family and seen.pdf_family != prev.pdf_family and not facts.complete:
        state = replace(state, pdf_url=prev.pdf_url, pdf_family=prev.pdf_family)
    if pdf_path(state.pdf_url) == pdf_path(prev.pdf_url):
        state = replace(
            state,
            pdf_etag=prev.pdf_etag,
            pdf_last_modified=prev.pdf_last_modified,
            pdf_length=prev.pdf_length,
            pdf_sha256=prev.pdf_sha256,
        )
    state = with_pdf(state, facts.pdfs.get(pdf_path(state.pdf_url) or ""))
    if facts.complete and prev.settled:
        state = hold_losses(prev, state, facts.removal_sweeps)
    return replace(state, settled=prev.settled or facts.complete)


def hold_losses(prev: ReportState, seen: ReportState, sweeps: int) -> ReportState:
    """Keep a component or view the report left until a second complete sweep agrees.

    A view can miss a row while the site shifts under the sweep (a report pulled mid-crawl moves
    the rows after it up a page), so one sweep's absence is held, like a removal's, and only the
    next complete sweep that misses it too announces the loss; one that sees it again forgets it."""
    components = set(prev.components) - set(seen.components)
    views = set(prev.view_labels) - set(seen.view_labels)
    lost = {f"component:{name}" for name in components} | {f"view:{name}" for name in views}
    held = lost - set(prev.unconfirmed_losses) if sweeps > 1 else set()
    if not held:
        return replace(seen, unconfirmed_losses=())
    kept_components = [name for name in components if f"component:{name}" in held]
    kept_views = [name for name in views if f"view:{name}" in held]
    return replace(
        seen,
        components=tuple(sorted({*seen.components, *kept_components})),
        view_labels=tuple(sorted({*seen.view_labels, *kept_views})),
        unconfirmed_losses=tuple(sorted(held)),
    )


def field_changes(old: ReportState, new: ReportState) -> tuple[FieldChange, ...]:
    """Field-level differences that are real (normalized text, same PDF family)."""
    found: list[FieldChange] = []

    def note(name: str, before: Any, after: Any) -> None:
        found.append(FieldChange(name, before, after))

    if norm_number(old.report_number) != norm_number(new.report_number):
        note("report_number", old.report_number, new.report_number)
    if _title_differs(old.title, new.title):
        note("title", old.title, new.title)
    if norm_summary(old.summary) != norm_summary(new.summary):
        note("summary", old.summary, new.summary)
    if old.issue_date != new.issue_date:
        note("issue_date", old.issue_date, new.issue_date)
    if (old.fiscal_year or "").strip() != (new.fiscal_year or "").strip():
        note("fiscal_year", old.fiscal_year, new.fiscal_year)
    same_family = old.pdf_family == new.pdf_family
    if same_family and pdf_path(old.pdf_url) != pdf_path(new.pdf_url):
        note("pdf_url", old.pdf_url, new.pdf_url)
    if old.pdf_sha256 and new.pdf_sha256 and old.pdf_sha256 != new.pdf_sha256:
        note("pdf_content", old.pdf_sha256, new.pdf_sha256)
    if old.settled and set(old.components) != set(new.components):
        note("components", list(old.components), list(new.components))
    return tuple(found)


def _title_differs(old: str, new: str) -> bool:
    """A real retitle, or a marker gained or lost; a marker's spelling alone is not a change."""
    return bare_title(old) != bare_title(new) or title_labels(old) != title_labels(new)


def label_changes(old: ReportState, new: ReportState) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Labels gained and lost; view-derived labels count only once the report is settled."""
    before = set(title_labels(old.title))
    after = set(title_labels(new.title))
    if old.settled:
        before |= set(old.view_labels)
        after |= set(new.view_labels)
    return tuple(sorted(after - before)), tuple(sorted(before - after))


def _compare(
    old: Stored, seen: ReportState, facts: SweepFacts
) -> tuple[Change | None, ReportState]:
    new = next_state(old, seen, facts)
    if new == old.state and old.status != "removed":
        return None, new  # the common case, without normalizing anything
    fields = field_changes(old.state, new)
    gained, lost = label_changes(old.state, new)
    if old.status == "removed":
        kind = "restored"
    elif fields or gained or lost:
        kind = "revised"
    else:
        return None, new
    change = Change(kind, old.state.key, new, old.state, fields, gained, lost)
    return change, new


def match_renames(fresh: Mapping[str, ReportState], unseen: Mapping[str, Stored]) -> dict[str, str]:
    """New identity → old identity, where a report unknown to the ledger is, on strong evidence,
    a known one that this crawl did not see under its old identity: the same PDF bytes, else the
    same PDF path, else the same title (markers left out) and issue date. A match must be the
    only one of its strength both ways; anything less stays a new report."""
    found: dict[str, str] = {}
    for evidence in (_pdf_bytes, _pdf_path, _title_and_date):
        olds: dict[Any, list[str]] = {}
        for key, stored in unseen.items():
            if key not in found.values() and (value := evidence(stored.state)):
                olds.setdefault(value, []).append(key)
        news: dict[Any, list[str]] = {}
        for key, state in fresh.items():
            if key not in found and (value := evidence(state)):
                news.setdefault(value, []).append(key)
        for value, new_keys in news.items():
            old_keys = olds.get(value, [])
            if len(new_keys) == 1 and len(old_keys) == 1:
                found[new_keys[0]] = old_keys[0]
    return found


def _pdf_bytes(state: ReportState) -> str | None:
    return state.pdf_sha256


def _pdf_path(state: ReportState) -> str | None:
    path = pdf_path(state.pdf_url)
    return path.lower() if path else None


def _title_and_date(state: ReportState) -> tuple[str, str] | None:
    title = bare_title(state.title)
    return (title, state.issue_date) if title and state.issue_date else None


def _renamed(old: Stored, seen: ReportState, facts: SweepFacts) -> Change:
    new = next_state(old, seen, facts)
    fields = field_changes(old.state, new) or (FieldChange("key", old.state.key, seen.key),)
    gained, lost = label_changes(old.state, new)
    return Change("revised", seen.key, new, old.state, fields, gained, lost, old.state.key)


def diff_reports(
    stored: Mapping[str, Stored],
    seen: Mapping[str, ReportState],
    facts: SweepFacts,
    unseen: Mapping[str, Stored] | None = None,
) -> Diff:
    """Compare one healthy crawl with the ledger; only complete sweeps can conclude "removed".
    ``unseen``: active reports this crawl did not see, which a new identity may be (renamed)."""
    result = Diff()
    fresh = {key: state for key, state in seen.items() if key not in stored}
    renames = match_renames(fresh, unseen) if fresh and unseen else {}
    for key, state in seen.items():
        old = stored.get(key)
        if key in renames:  # a known report under a new identity: one revision
            assert unseen is not None
            result.changes.append(_renamed(unseen[renames[key]], state, facts))
            continue
        if old is None:
            result.changes.append(Change("new", key, next_state(None, state, facts)))
            continue
        change, new = _compare(old, state, facts)
        if change is not None:
            result.changes.append(change)
        elif new != old.state:
            result.updates[key] = new
        if old.missing_sweeps:
            result.missing[key] = 0
    renamed = set(renames.values())
    if facts.complete:
        for key, old in stored.items():
            if key in seen or key in facts.protected or key in renamed or old.status != "active":
                continue
            count = old.missing_sweeps + 1
            result.missing[key] = count
            if count >= facts.removal_sweeps:
                result.changes.append(Change("removed", key, old.state, old.state))
    return result

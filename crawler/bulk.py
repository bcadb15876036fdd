"""The bulk gate (pure): which kinds of change one run holds, and the summary that holds them.

Each kind of change (new, revised, removed, restored) is judged on its own against one limit;
only the kinds over it are held, so a real new report beside a site migration is still announced.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from config.vocabulary import CONTENT_KINDS as KINDS  # judged, held and counted in this order
from crawler.diff import Change

FIELD_ORDER = (
    "title",
    "summary",
    "issue_date",
    "fiscal_year",
    "pdf_url",
    "pdf_content",
    "components",
)
EXAMPLES = 5
REPORT_NUMBERS = 50
SITE_WIDE_SHARE = 0.9


def bulk_limit(known: int, threshold: int, fraction: float) -> int:
    """How many changes of one kind a run may announce before they are held as one summary."""
    if known < 2 * threshold:
        return threshold
    return min(threshold, max(1, int(known * fraction)))


def held_kinds(changes: Iterable[Change], limit: int) -> frozenset[str]:
    """The kinds with more changes in this run than ``limit``."""
    counts = Counter(change.kind for change in changes)
    return frozenset(kind for kind, count in counts.items() if count > limit)


def _field_rank(name: str) -> tuple[int, str]:
    return (FIELD_ORDER.index(name) if name in FIELD_ORDER else len(FIELD_ORDER), name)


def field_counts(changes: Iterable[Change]) -> dict[str, int]:
    """For revisions: how many changed each field (``labels_gained:LABEL`` for markers too).

    Most frequent first; ties in the order fields are compared (title … pdf_url, pdf_content).
    """
    counts: Counter[str] = Counter()
    for change in changes:
        if change.kind != "revised":
            continue
        counts.update({f.field for f in change.fields})
        counts.update({f"labels_gained:{label}" for label in change.labels_gained})
        counts.update({f"labels_lost:{label}" for label in change.labels_lost})
    ranked = sorted(counts, key=lambda name: (-counts[name], *_field_rank(name)))
    return {name: counts[name] for name in ranked}


def site_wide_field(revisions: int, fields: dict[str, int], share: float) -> str | None:
    """The one field (most frequent first) that at least ``share`` of the revisions changed."""
    if revisions <= 0 or not fields:
        return None
    name = next(iter(fields))
    return name if fields[name] >= share * revisions else None


def example(change: Change) -> dict[str, Any]:
    """One held change as the summary shows it: which report, and what changed."""
    return {
        "kind": change.kind,
        "report_number": change.state.report_number,
        "report_key": change.key,
        "title": change.state.title,
        "changes": [{"field": f.field, "old": f.old, "new": f.new} for f in change.fields],
        "labels_gained": list(change.labels_gained),
        "labels_lost": list(change.labels_lost),
    }


def _touches(change: Change, name: str) -> bool:
    kind, _, label = name.partition(":")
    if kind == "labels_gained":
        return label in change.labels_gained
    if kind == "labels_lost":
        return label in change.labels_lost
    return any(f.field == name for f in change.fields)


def pick_examples(held: Sequence[Change], site_field: str | None) -> list[Change]:
    """Up to EXAMPLES held changes, taken in turn from each held kind.

    A site-wide change shows revisions of its field first.
    """
    first = (
        [c for c in held if c.kind == "revised" and _touches(c, site_field)] if site_field else []
    )
    rest = [c for c in held if c not in first]
    queues = [[c for c in rest if c.kind == kind] for kind in KINDS]
    picked = first[:EXAMPLES]
    for rank in range(EXAMPLES):
        picked += [queue[rank] for queue in queues if rank < len(queue)]
    return picked[:EXAMPLES]


def bulk_detail(
    changes: Sequence[Change], kinds: frozenset[str], limit: int, share: float = SITE_WIDE_SHARE
) -> dict[str, Any]:
    """The payload of a ``bulk_hold`` event holding the changes of ``kinds``."""
    held = [change for change in changes if change.kind in kinds]
    counts = Counter(change.kind for change in held)
    fields = field_counts(held)
    site_field = site_wide_field(counts["revised"], fields, share)
    return {
        "held": len(held),
        "limit": limit,
        "report_numbers": [c.state.report_number or c.key for c in held][:REPORT_NUMBERS],
        "counts": {kind: counts[kind] for kind in KINDS if counts[kind]},
        "fields": fields,
        "examples": [example(change) for change in pick_examples(held, site_field)],
        "site_wide": site_field is not None,
        "site_wide_field": site_field,
    }

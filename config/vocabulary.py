"""The words oigwatch uses, written once (pure): event kinds, labels and run outcomes, as stored
and as readers see them.

A kind is stored, sent to webhooks and printed in JSON by its stored name (``removed``); readers
see its word ("Pulled"). Where a user names a kind (``--kind``, a route's ``kinds``, ``?kind=``),
``pulled`` is accepted for ``removed``.
"""

from __future__ import annotations

from collections.abc import Iterable

# Event kinds: what happened to a report (content), and what happened to oigwatch (ops).
CONTENT_KINDS = ("new", "revised", "removed", "restored")
HEALTH_KINDS = ("source_unhealthy", "source_recovered")  # episodes readers see in every feed
OPS_KINDS = (*HEALTH_KINDS, "bulk_hold", "delivery_failed", "delivery_recovered")
KINDS = CONTENT_KINDS + OPS_KINDS
KIND_ALIASES = {"pulled": "removed"}  # a word a user may give: the stored kind it means

# A kind as a reader sees it: the headline word ("Pulled: OIG-20-75 ...") ...
KIND_WORDS = {
    "new": "New", "revised": "Revised", "removed": "Pulled", "restored": "Restored",
    "source_unhealthy": "Source unhealthy", "source_recovered": "Source recovered",
    "bulk_hold": "Held for release", "delivery_failed": "Delivery failed",
    "delivery_recovered": "Delivery recovered",
}  # fmt: skip
# ... and the word in a count ("3 new, 1 pulled"; kinds not listed: the kind, "_" as " ").
COUNT_WORDS = {"removed": "pulled", "source_unhealthy": "unhealthy", "bulk_hold": "held"}

# Labels: markers a report carries (its title's "(Revised)", or the listing it is in).
LABELS = ("revised", "redacted", "unclassified_summary", "management_alert")
LABEL_WORDS = {  # label: (as shown, when gained, when lost)
    "revised": ("Revised", 'gained "(Revised)"', 'lost "(Revised)"'),
    "redacted": ("Redacted", "redaction label added", "redaction label lifted"),
    "unclassified_summary": (
        "Unclassified Summary", 'gained "(Unclassified Summary)"', 'lost "(Unclassified Summary)"'
    ),
    "management_alert": (
        "Management Alert", "became a Management Alert", "no longer a Management Alert"
    ),
}  # fmt: skip

# Run outcomes: what the health gate made of one crawl of a source (``crawl_runs.outcome``).
OUTCOMES = ("baseline", "healthy", "unhealthy", "failed")
GOOD_OUTCOMES = ("healthy", "baseline")  # the source was read: changes were recorded
BAD_OUTCOMES = ("failed", "unhealthy")  # the source could not be read (or read as it should)


class UnknownKind(ValueError):
    """A kind word that is neither a kind nor an alias; the message lists the known words."""


def kind_words_accepted() -> tuple[str, ...]:
    """Every word a user may give for a kind: the kinds, then their aliases."""
    return KINDS + tuple(KIND_ALIASES)


def parse_kind(word: str) -> str:
    """The stored kind a user's word names (``pulled`` → ``removed``; case and surrounding space
    ignored); UnknownKind listing the known words otherwise."""
    folded = word.strip().casefold()
    if folded in KINDS:
        return folded
    if folded in KIND_ALIASES:
        return KIND_ALIASES[folded]
    aliases = ", ".join(f"{alias} (= {kind})" for alias, kind in KIND_ALIASES.items())
    raise UnknownKind(f"unknown kind {word!r} (known: {', '.join(KINDS)}; also {aliases})")


def parse_kinds(words: Iterable[str]) -> tuple[str, ...]:
    """Each word's stored kind, in order, without repeats."""
    return tuple(dict.fromkeys(parse_kind(word) for word in words))


def kind_word(kind: str) -> str:
    """The word a reader sees for a kind ("Pulled" for removed; an unknown kind capitalised)."""
    return KIND_WORDS.get(kind) or kind.replace("_", " ").capitalize()

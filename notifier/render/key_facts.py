"""Key facts on alerts (pure): "4 recommendations · DHS concurred with all" on a new report's
alert, and "Recommendations: 4 → 5" on a revision whose summary changed them.

Read from the event's summary when it is rendered or shaped (``documents.facts``, conservative:
a fact only when the summary states it plainly); when the summary states none, a new report's
alert uses the facts the crawl read from its PDF's first pages (``pdf_key_facts`` in the payload,
``archive/compare.py``). The text is plain: each
output escapes it as it escapes the summary it was read from.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from config.vocabulary import CONTENT_KINDS
from documents.facts import FactChange, KeyFacts, fact_changes, facts_line, key_facts

HEADLINE_KINDS = ("new",)  # alerts whose facts line names the key facts


@lru_cache(maxsize=4096)
def _read(summary: str | None, component: str | None) -> KeyFacts:
    """``key_facts`` once per summary: a feed of 10,000 entries asks for each more than once."""
    return key_facts(summary, component)


def _component(event: Mapping[str, Any]) -> str | None:
    """The report's one component (who answered when the summary says only "management")."""
    components = event.get("components")
    if not isinstance(components, list | tuple):
        return None
    named = [c for c in components if isinstance(c, str) and c.strip()]
    return named[0] if len(named) == 1 else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def event_key_facts(event: Mapping[str, Any]) -> KeyFacts | None:
    """The key facts of a report event's current summary, else (a new report whose summary
    states none) those its PDF's first pages state (``pdf_key_facts``, read by the crawl);
    None for events of no report."""
    if event.get("kind") not in CONTENT_KINDS:
        return None
    facts = _read(_text(event.get("summary")), _component(event))
    if facts.empty and isinstance(event.get("pdf_key_facts"), Mapping):
        return KeyFacts.from_json(dict(event["pdf_key_facts"]))
    return facts


def headline_facts(event: Mapping[str, Any]) -> str:
    """The facts line of a new report's alert ("" for other kinds, or when nothing is stated)."""
    if event.get("kind") not in HEADLINE_KINDS:
        return ""
    return facts_line(event_key_facts(event) or KeyFacts())


def _summary_change(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for change in event.get("changes") or ():
        if isinstance(change, Mapping) and change.get("field") == "summary":
            return change
    return None


def _before_after(event: Mapping[str, Any]) -> tuple[KeyFacts, KeyFacts] | None:
    """The facts before and after a revision: its summary's when they moved, else (a replaced
    PDF whose first pages state other facts) its PDF's as the crawl read them, else the
    summary's unmoved ones; None when the revision touched neither."""
    if event.get("kind") != "revised":
        return None
    pair = None
    if (change := _summary_change(event)) is not None:
        component = _component(event)
        pair = (
            _read(_text(change.get("old")), component),
            _read(_text(change.get("new")), component),
        )
        if pair[0] != pair[1]:
            return pair
    before, after = event.get("pdf_key_facts_before"), event.get("pdf_key_facts")
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        return KeyFacts.from_json(dict(before)), KeyFacts.from_json(dict(after))
    return pair


def changed_facts(event: Mapping[str, Any]) -> tuple[FactChange, ...]:
    """The key facts a revision's summary change changed: "Recommendations" 4 → 5, "Response"."""
    pair = _before_after(event)
    return fact_changes(*pair) if pair else ()


def summary_facts_changes(old: Any, new: Any, component: str | None) -> tuple[FactChange, ...]:
    """The same between two stored versions' summaries (a report's page)."""
    return fact_changes(_read(_text(old), component), _read(_text(new), component))


def change_lines(event: Mapping[str, Any]) -> list[str]:
    """ "Recommendations: 4 → 5", "Response: DHS concurred with all → DHS concurred with 4 of 5"."""
    return [f"{c.name}: {c.old} → {c.new}" for c in changed_facts(event)]


def key_facts_json(event: Mapping[str, Any]) -> dict[str, Any]:
    """What the JSON API and the JSON Feed add to a report event: ``key_facts`` (the current
    summary's; nulls where not stated) and, for a revision that changed them,
    ``key_facts_changes`` (``[{"fact": "recommendations", "old": 4, "new": 5}, ...]``)."""
    current = event_key_facts(event)
    if current is None:
        return {}
    changes: list[dict[str, Any]] = []
    pair = _before_after(event)
    if pair:
        old, new = pair
        for fact in ("recommendations", "concurred", "response"):
            if getattr(old, fact) != getattr(new, fact):
                changes.append({"fact": fact, "old": getattr(old, fact), "new": getattr(new, fact)})
    return {"key_facts": current.to_json(), "key_facts_changes": changes}

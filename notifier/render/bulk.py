"""A bulk hold in words: held changes per kind, the fields revisions changed, a few examples,
and whether it is one site-wide change (crawler/bulk.py writes the payload)."""

from __future__ import annotations

from typing import Any

from config.vocabulary import COUNT_WORDS, KIND_WORDS
from notifier.render.common import FIELD_NAMES, Style, change_text, clean, fit, label_changes

BULK_EXAMPLE_FIELDS = 3


def _count(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def bulk_counts(event: dict[str, Any]) -> dict[str, int]:
    """Held changes per kind; a hold recorded before ``counts`` existed held new reports only."""
    raw = event.get("counts")
    if isinstance(raw, dict) and raw:
        return {str(k): n for k, v in raw.items() if (n := _count(v)) is not None}
    held = _count(event.get("held"))
    return {"new": held} if held is not None else {}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _held_reports(event: dict[str, Any]) -> str:
    """ "30 new reports", "1 pulled report", or "558 reports" when several kinds are held."""
    counts = bulk_counts(event)
    if not counts:
        return f"{clean(event.get('held'))} new reports"
    if len(counts) == 1:
        [(kind, count)] = counts.items()
        word = COUNT_WORDS.get(kind, clean(kind).replace("_", " "))
        return f"{count} {word} report{'' if count == 1 else 's'}"
    return _plural(sum(counts.values()), "report")


def _count_words(counts: dict[str, int]) -> list[str]:
    return [f"{n} {COUNT_WORDS.get(k, clean(k).replace('_', ' '))}" for k, n in counts.items()]


def _site_wide(event: dict[str, Any]) -> tuple[str, str, int] | None:
    """(what changed, a marker phrase or "", how many) of a site-wide change, or None."""
    field = clean(event.get("site_wide_field"))
    if not event.get("site_wide") or not field:
        return None
    count = _count(_mapping(event.get("fields")).get(field)) or bulk_counts(event).get("revised", 0)
    kind, _, label = field.partition(":")
    if kind in ("labels_gained", "labels_lost") and label:
        return "the markers", label_changes({kind: [label]})[0], count
    name = FIELD_NAMES.get(field) or field.replace("_", " ")
    return f"the {name if name.startswith('PDF') else name.lower()}", "", count


def bulk_subject(event: dict[str, Any], source: str) -> str:
    site_wide = _site_wide(event)
    if site_wide:
        what, _, count = site_wide
        return f"site-wide change to {what} of {_plural(count, 'report')} from {source}"
    counts = bulk_counts(event)
    words = f": {', '.join(_count_words(counts))}" if len(counts) > 1 else ""
    return f"{_held_reports(event)} from {source}{words}"


def _field_rank(name: str) -> tuple[int, str]:
    """Fields in the order alerts show them, then markers by name."""
    order = list(FIELD_NAMES)
    return (order.index(name) if name in order else len(order), name)


def _field_label(name: str) -> str:
    kind, _, label = name.partition(":")
    if kind in ("labels_gained", "labels_lost") and label:
        return "marker " + label_changes({kind: [label]})[0]
    return FIELD_NAMES.get(name) or name.replace("_", " ").capitalize()


def bulk_context(event: dict[str, Any], style: Style) -> dict[str, Any]:
    """What templates see of a bulk hold, every scraped value escaped and within budget.

    ``reports`` ("30 new reports"), ``one``, ``counts`` ("518 revised"), ``fields``
    ("PDF link (518)"), ``examples`` (``kind_word``, ``number``, ``title``, ``changes``, ``more``,
    ``label_changes``), ``summary`` (one line); a site-wide change adds ``site_wide``,
    ``change`` ("the PDF link of 518 reports changed"), ``example`` ("OIG-14-131: a → b") and
    ``also`` (the other kinds held with it).
    """

    def text(value: Any, limit: int) -> str:
        return fit(None if value is None else str(value), limit, style.text)

    counts = bulk_counts(event)
    fields = sorted(
        (
            (clean(k), n)
            for k, v in _mapping(event.get("fields")).items()
            if (n := _count(v)) is not None
        ),
        key=lambda item: (-item[1], *_field_rank(item[0])),
    )
    raw = [e for e in event.get("examples") or [] if isinstance(e, dict)][:5]
    examples = [_example(e, style) for e in raw]
    site_wide = _site_wide(event)
    context: dict[str, Any] = {
        "reports": text(_held_reports(event), 120),
        "one": sum(counts.values()) == 1 if counts else clean(event.get("held")) == "1",
        "counts": [text(words, 60) for words in _count_words(counts)],
        "fields": [text(f"{_field_label(k)} ({n})", 120) for k, n in fields[:10]],
        "examples": examples,
        "site_wide": site_wide is not None,
        "change": "",
        "example": "",
        "also": [],
    }
    if site_wide:
        what, marker, count = site_wide
        change = f"{what} of {_plural(count, 'report')} changed" + (
            f" ({marker})" if marker else ""
        )
        context["change"] = text(change, 200)
        context["example"] = _site_wide_example(raw, clean(event.get("site_wide_field")), style)
        other = {k: n for k, n in counts.items() if k != "revised"}
        context["also"] = [text(words, 60) for words in _count_words(other)]
        context["summary"] = text(f"Site-wide change: {change}", 300) + (
            f" (e.g. {context['example']})." if context["example"] else "."
        )
    else:
        held = ", ".join(_count_words(counts)) or f"{clean(event.get('held'))} held"
        context["summary"] = text(f"Held (limit {clean(event.get('limit'))}): {held}.", 300)
    return context


def _example(example: dict[str, Any], style: Style) -> dict[str, Any]:
    kind = clean(example.get("kind"))
    number = example.get("report_number") or example.get("report_key")
    changes = [c for c in example.get("changes") or [] if isinstance(c, dict)]
    return {
        "kind_word": fit(KIND_WORDS.get(kind) or kind, 40, style.text),
        "number": fit(number, 60, style.text),
        "title": fit(example.get("title"), min(style.title, 160), style.text),
        "changes": [
            {
                "name": fit(
                    FIELD_NAMES.get(clean(c.get("field"))) or c.get("field"), 60, style.text
                ),
                "body": fit(change_text(c), min(style.change, 240), style.text),
            }
            for c in changes[:BULK_EXAMPLE_FIELDS]
        ],
        "more": max(0, len(changes) - BULK_EXAMPLE_FIELDS),
        "label_changes": [fit(p, 120, style.text) for p in label_changes(example)],
    }


def _site_wide_example(examples: list[dict[str, Any]], field: str, style: Style) -> str:
    """ "OIG-14-131: /old.pdf → /new.pdf", from the first example that changed the field."""
    for example in examples:
        number = clean(example.get("report_number") or example.get("report_key"))
        for change in example.get("changes") or []:
            if isinstance(change, dict) and change.get("field") == field:
                return fit(f"{number}: {change_text(change)}", min(style.change, 400), style.text)
        kind, _, label = field.partition(":")
        if label and label in (example.get(kind) or []):
            return fit(number, 60, style.text)
    return ""

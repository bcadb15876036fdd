"""The console target: a change event as plain text for a terminal (pure)."""

from __future__ import annotations

import textwrap
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from config.vocabulary import HEALTH_KINDS, KIND_WORDS
from crawler.text import clean_data, clean_text
from notifier.render.common import Style, clean, facts, when
from notifier.render.key_facts import change_lines
from notifier.render.words import change_line, label_words, plain_error, plain_reason, value_text

if TYPE_CHECKING:
    from notifier.render.pdf_changes import PdfRedline

SUMMARY_LIMIT = 400


# Scraped text for a terminal: crawler.text's one cleaner (escape sequences, CR, bidi overrides
# and isolates...); ``safe`` is the name the commands import.
safe = clean_text


def trim(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """Text cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _items(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _status(event: dict[str, Any]) -> str:
    status = value_text(event.get("status"))
    return f" ({status})" if status else ""


def render_text(event: dict[str, Any], where: tzinfo | None = None) -> str:
    """A few scannable lines: headline, facts, summary and exactly what changed (every string
    of the event cleaned first: no field can write a terminal escape or a bidi override); times
    in the readers' zone ``where`` (default America/New_York), failures in plain words."""
    event = clean_data(event)
    kind = str(event.get("kind") or "")
    headline = KIND_WORDS.get(kind) or kind.replace("_", " ").capitalize() or "Change"
    if kind == "delivery_failed" and event.get("target_status") == "failing":
        return (
            f"[{headline}] alerts to {value_text(event.get('target'))} failing since"
            f" {when(event.get('since'), where)}, {value_text(event.get('pending'))} waiting:"
            f" {plain_error(event.get('error')) or 'unknown error'}"
        )
    if kind == "delivery_recovered":
        return f"[{headline}] alerts to {value_text(event.get('target'))} are delivered again"
    if kind == "delivery_failed":
        return (
            f"[{headline}] event {value_text(event.get('event_id'))} to {value_text(event.get('target'))}"
            f"{_status(event)}: {plain_error(event.get('error')) or 'unknown error'}"
        )
    if kind == "bulk_hold":
        return _bulk_text(event, headline)
    if kind in HEALTH_KINDS:
        detail = plain_reason(event.get("reason"))
        return f"[{headline}] {value_text(event.get('source'))}: {detail}".rstrip(": ")
    number = value_text(event.get("report_number")) or "(no number)"
    lines = [f"[{headline}] {number} {value_text(event.get('title'))}".rstrip()]
    names = label_words(_items(event.get("labels")))
    labels = ["labels: " + ", ".join(names)] if names else []
    details = " · ".join(facts(event) + labels)
    lines += [f"  {details}"] if details else []
    gained = label_words(_items(event.get("labels_gained")))
    lost = label_words(_items(event.get("labels_lost")))
    if gained or lost:
        marks = [f"+{label}" for label in gained] + [f"-{label}" for label in lost]
        lines.append("  labels changed: " + " ".join(marks))
    lines += [f"  {safe(line)}" for line in change_lines(event)]  # "Recommendations: 4 → 5"
    lines += [
        f"  {safe(change_line(c))}" for c in _items(event.get("changes")) if isinstance(c, dict)
    ]
    if pdf := _pdf_changes(event):  # "Inside the PDF: Changed on pages 3 and 7"
        lines.append(
            f"  {pdf.line}" if pdf.status != "compared" else f"  Inside the PDF: {pdf.line}"
        )
    if kind == "new" and isinstance(event.get("summary"), str) and event["summary"].strip():
        lines += textwrap.wrap(
            safe(trim(event["summary"])), 96, initial_indent="  ", subsequent_indent="  "
        )
    if isinstance(event.get("url"), str) and event["url"].strip():
        lines.append(f"  {safe(event['url'])}")
    return "\n".join(lines)


def _pdf_changes(event: dict[str, Any]) -> PdfRedline | None:
    """The event's validated ``pdf_changes`` (None: none); their renderer loads for an event
    that has them (``oigwatch changes`` lists most without)."""
    if event.get("pdf_changes") is None:
        return None
    from notifier.render.pdf_changes import event_pdf_changes

    return event_pdf_changes(event)


BULK_STYLE = Style(
    clean, clean, lambda spans: "", lambda spans: 0, headline=200, title=160, summary=400,
    change=300,
)  # fmt: skip


def _bulk_text(event: dict[str, Any], headline: str) -> str:
    """A bulk hold: the site-wide change in one sentence, or counts per kind and examples."""
    from notifier.render.bulk import bulk_context  # bulk holds only

    bulk = bulk_context(event, BULK_STYLE)
    release = f"oigwatch release {clean(event.get('event_id'))}"
    source = clean(event.get("source"))
    if bulk["site_wide"]:
        lines = [
            f"[{headline}] {source}: {bulk['summary']}",
            f"  Held: run `{release}` to announce them one by one.",
        ]
        if bulk["also"]:
            lines.append(f"  Also held: {', '.join(bulk['also'])}.")
        return "\n".join(lines)
    kinds = f" ({', '.join(bulk['counts'])})" if len(bulk["counts"]) > 1 else ""
    held = f"{bulk['reports']}{kinds} held (limit {clean(event.get('limit'))})"
    lines = [f"[{headline}] {source}: {held}; release with `{release}`"]
    if bulk["fields"]:
        lines.append(f"  fields changed: {', '.join(bulk['fields'])}")
    for example in bulk["examples"]:
        number = f"{example['number']} " if example["number"] else ""
        lines.append(f"  e.g. {example['kind_word']} {number}{example['title']}")
        lines += [f"    {c['name']}: {c['body']}" for c in example["changes"]]
        if example["more"]:
            lines.append(
                f"    …and {example['more']} more field{'' if example['more'] == 1 else 's'}"
            )
        lines += [f"    {phrase}" for phrase in example["label_changes"]]
    return "\n".join(lines)

"""The console target: a change event as plain text for a terminal (pure)."""

from __future__ import annotations

import textwrap
from typing import Any

from config.vocabulary import HEALTH_KINDS, KIND_WORDS
from crawler.redline import redline_text
from crawler.text import clean_data, clean_text
from notifier.render.bulk import bulk_context
from notifier.render.common import Style, clean, facts, is_redline

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


def _change_line(change: dict[str, Any]) -> str:
    name, old, new = change["field"], change["old"], change["new"]
    if is_redline(change):
        return f"  {name}: {safe(trim(redline_text(old, new), 600))}"
    return f"  {name}: {safe(old)} → {safe(new)}"


def render_text(event: dict[str, Any]) -> str:
    """A few scannable lines: headline, facts, summary and exactly what changed (every string
    of the event cleaned first: no field can write a terminal escape or a bidi override)."""
    event = clean_data(event)
    kind = event["kind"]
    headline = KIND_WORDS.get(kind, kind)
    if kind == "delivery_failed" and event.get("target_status") == "failing":
        return (
            f"[{headline}] alerts to {safe(event.get('target'))} failing since"
            f" {safe(event.get('since'))}, {safe(event.get('pending'))} waiting:"
            f" {safe(event.get('error'))}"
        )
    if kind == "delivery_recovered":
        return f"[{headline}] alerts to {safe(event.get('target'))} are delivered again"
    if kind == "delivery_failed":
        return (
            f"[{headline}] event {safe(event.get('event_id'))} to {safe(event.get('target'))}"
            f" ({safe(event.get('status'))}): {safe(event.get('error'))}"
        )
    if kind == "bulk_hold":
        return _bulk_text(event, headline)
    if kind in HEALTH_KINDS:
        detail = event.get("reason") or ""
        return f"[{headline}] {safe(event['source'])}: {safe(detail)}".rstrip(": ")
    number = event.get("report_number") or "(no number)"
    lines = [f"[{headline}] {safe(number)} {safe(event.get('title'))}"]
    labels = ["labels: " + ", ".join(event["labels"])] if event.get("labels") else []
    lines.append("  " + " · ".join(facts(event) + labels))
    gained, lost = event.get("labels_gained") or [], event.get("labels_lost") or []
    if gained or lost:
        marks = [f"+{label}" for label in gained] + [f"-{label}" for label in lost]
        lines.append("  labels changed: " + " ".join(marks))
    lines += [_change_line(change) for change in event.get("changes") or []]
    if kind == "new" and event.get("summary"):
        lines += textwrap.wrap(
            safe(trim(event["summary"])), 96, initial_indent="  ", subsequent_indent="  "
        )
    if event.get("url"):
        lines.append(f"  {safe(event['url'])}")
    return "\n".join(lines)


BULK_STYLE = Style(
    clean, clean, lambda spans: "", lambda spans: 0, headline=200, title=160, summary=400,
    change=300,
)  # fmt: skip


def _bulk_text(event: dict[str, Any], headline: str) -> str:
    """A bulk hold: the site-wide change in one sentence, or counts per kind and examples."""
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

"""What every channel's renderer shares: templates, cleaning, trimming, headlines, wording."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from config.vocabulary import COUNT_WORDS, KIND_WORDS, LABEL_WORDS, OPS_KINDS
from crawler.clock import local_text
from crawler.redline import REWRITE_SHARE, Span, common_ends, diff_runs, word_diff
from crawler.text import clean_text
from notifier.render.key_facts import changed_facts, headline_facts
from notifier.render.templating import PACKAGE_TEMPLATES, Templates, load_templates, templates_for
from notifier.render.words import (
    FIELD_NAMES,
    change_text,
    field_name,
    label_words,
    plain_error,
    plain_reason,
    value_text,
)

# Their homes: notifier/render/words.py (reader words), templating.py (templates, display names).
__all__ = ["FIELD_NAMES", "PACKAGE_TEMPLATES", "Templates", "change_text", "load_templates", "templates_for"]  # fmt: skip
URL_LIMIT = 1000
DIFF_WORDS = 120  # beyond this many changed words per side, the fast diff
_URL = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)


def clean(text: Any) -> str:
    """Scraped text cleaned by ``crawler.text.clean_text`` (controls, bidi overrides and
    isolates...), tabs as spaces (a channel's layout)."""
    return clean_text(text).replace("\t", " ")


def trim(text: str | None, limit: int) -> str:
    """Cleaned text, whitespace collapsed, cut at a word boundary with "…" (within ``limit``)."""
    text = " ".join(clean(text).split())
    if len(text) <= limit:
        return text
    if limit < 2:
        return "…"[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if text[limit - 1] != " " and space > (limit - 1) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def fit(text: str | None, limit: int, render: Callable[[str], str]) -> str:
    """``render(trim(text, n))`` for the largest n found that keeps it within ``limit``."""
    size = limit
    while True:
        out = render(trim(text, size))
        if len(out) <= limit:
            return out
        if size <= 0:
            return ""
        size = min(size - 1, size * limit // len(out))


def headline(event: dict[str, Any], limit: int = 80, where: tzinfo | None = None) -> str:
    """One line a reporter scans: kind word, report number and title (or the ops facts)."""
    kind = event.get("kind") or ""
    word = KIND_WORDS.get(kind) or clean(kind).replace("_", " ").capitalize() or "Change"
    return trim(f"{word}: {_subject(event, where)}", limit)


def _subject(event: dict[str, Any], where: tzinfo | None) -> str:
    kind, source = event.get("kind"), value_text(event.get("source"))
    if kind == "source_unhealthy":
        reason = plain_reason(event.get("reason"))
        return f"{source} — {reason}" if reason else source
    if kind == "source_recovered":
        return source
    if kind == "bulk_hold":
        from notifier.render.bulk import bulk_subject  # bulk.py builds on this module

        return bulk_subject(event, source)
    if kind == "delivery_failed" and event.get("target_status") == "failing":
        return f"{value_text(event.get('target'))} failing since {when(event.get('since'), where)}"
    if kind == "delivery_failed":
        return f"event {value_text(event.get('event_id'))} to {value_text(event.get('target'))}"
    if kind == "delivery_recovered":
        return f"{value_text(event.get('target'))} works again"
    number = value_text(event.get("report_number"))
    title = value_text(event.get("title")) or value_text(event.get("report_key"))
    return f"{number} {title}" if number else title


label_names = label_words  # labels as a reporter reads them ("Revised", "Management Alert")


def label_changes(event: dict[str, Any]) -> list[str]:
    """Markers gained or lost, in words: 'gained "(Revised)"', 'redaction label lifted'."""
    phrases: list[str] = []
    for key, index, verb in (("labels_gained", 1, "gained"), ("labels_lost", 2, "lost")):
        for label in _items(event.get(key)):
            if label in LABEL_WORDS:
                phrases.append(LABEL_WORDS[label][index])
            elif " ".join(clean(label).split()):
                phrases.append(f'{verb} "{" ".join(clean(label).split())}"')
    return phrases


def facts(event: dict[str, Any]) -> list[str]:
    """Components, key facts (a new report's: "4 recommendations · DHS concurred with all"),
    issue date and fiscal year, the parts that are present."""
    found = [", ".join(filter(None, (clean(c).strip() for c in _items(event.get("components")))))]
    found.append(" ".join(clean(headline_facts(event)).split()))
    if event.get("issue_date"):
        found.append(f"issued {value_text(event['issue_date'])}")
    if event.get("fiscal_year"):
        found.append(f"FY {value_text(event['fiscal_year'])}")
    return [f for f in found if f]


def is_redline(change: dict[str, Any]) -> bool:
    """Title and summary edits are shown word by word."""
    old, new = change.get("old"), change.get("new")
    return change.get("field") in ("title", "summary") and all(
        isinstance(v, str | None) for v in (old, new)
    )


def _items(value: Any) -> list[Any]:
    """A payload's list (a lone value as one item, none as none)."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def redline(
    old: str | None, new: str | None, limit: int, cost: Callable[[list[Span]], int], context: int
) -> list[Span]:
    """Word-level spans, long unchanged runs shortened to ``context`` words, within ``limit``.

    Text added where there was none reads "added: …", text taken away "removed: …", and a
    rewrite (more than ``REWRITE_SHARE`` of the words changed) "was: OLD / now: NEW" rather than
    a jumble of interleaved words; the new text is kept whole before the old one is cut."""
    a, b = trim(old, 10**7), trim(new, 10**7)
    if not a or not b:
        return _whole([Span(" ", "added: "), Span("+", b)] if b else [Span(" ", "removed: "), Span("-", a)] if a else [], limit, cost)  # fmt: skip
    diffed = diff_words(a, b)
    kept = sum(len(s.text.split()) for s in diffed if s.op == " ")
    if 1 - kept / max(len(a.split()), len(b.split())) > REWRITE_SHARE:
        return _rewrite(a, b, limit, cost)
    return fit_spans(diffed, limit, cost, context)


def fit_spans(
    spans: list[Span], limit: int, cost: Callable[[list[Span]], int], context: int
) -> list[Span]:
    """Unchanged runs cut to ``context`` words around each change, then the spans clipped (the
    last at a word, with "…") until ``cost`` of them is within ``limit``."""
    spans = _condense(spans, context)
    size = limit
    while True:
        clipped = _clip(spans, size)
        used = cost(clipped)
        if used <= limit:
            return clipped
        if size <= 0:
            return []
        size = min(size - 1, size * limit // used)


def diff_words(old: str, new: str) -> list[Span]:
    """``word_diff`` on what lies between the common first and last words; big middles fast."""
    a, b = old.split(), new.split()
    start, end = common_ends(a, b)
    mid_a, mid_b = a[start : len(a) - end], b[start : len(b) - end]
    if not mid_a and not mid_b:
        return [Span(" ", old)] if old else []
    if len(mid_a) <= DIFF_WORDS and len(mid_b) <= DIFF_WORDS:
        middle = word_diff(" ".join(mid_a), " ".join(mid_b))
    else:  # difflib without its junk heuristic is cubic on repetitive text: seconds per alert
        middle = diff_runs(mid_a, mid_b, exact=False, sep=" ")
    head = [Span(" ", " ".join(a[:start]) + " ")] if start else []
    tail = [Span(" ", " " + " ".join(a[len(a) - end :]))] if end else []
    return _merge([*head, *middle, *tail])


def _merge(spans: list[Span]) -> list[Span]:
    """Adjacent kept spans joined, doubled spaces between them folded."""
    out: list[Span] = []
    for span in spans:
        if out and span.op == " " and out[-1].op == " ":
            joined = out[-1].text.rstrip(" ") + " " + span.text.lstrip(" ")
            out[-1] = Span(" ", joined if joined.strip() else " ")
        elif span.text:
            out.append(span)
    if out and out[0].op == " ":
        out[0] = Span(" ", out[0].text.lstrip(" "))
    if out and out[-1].op == " ":
        out[-1] = Span(" ", out[-1].text.rstrip(" "))
    return [span for span in out if span.text]


def _condense(spans: list[Span], context: int) -> list[Span]:
    """Unchanged runs far from any change become "…"; the words next to a change stay."""
    out = []
    for i, span in enumerate(spans):
        words = span.text.split(" ")
        first, last = i == 0, i == len(spans) - 1
        if span.op != " " or (first and last) or len(words) <= 2 * context + 3:
            out.append(span)
        elif first:
            out.append(Span(" ", "… " + " ".join(words[-context - 1 :])))
        elif last:
            out.append(Span(" ", " ".join(words[: context + 1]) + " …"))
        else:
            head, tail = " ".join(words[: context + 1]), " ".join(words[-context - 1 :])
            out.append(Span(" ", f"{head} … {tail}"))
    return out


def _whole(spans: list[Span], limit: int, cost: Callable[[list[Span]], int]) -> list[Span]:
    """Labelled spans whose last one is cut (at a word) until they fit ``limit``."""
    if not spans:
        return []
    size = len(spans[-1].text)
    while True:
        shown = [*spans[:-1], Span(spans[-1].op, trim(spans[-1].text, size))]
        used = cost(shown)
        if used <= limit or size <= 0:
            return shown if used <= limit else []
        size = min(size - 1, size * limit // used)


def _rewrite(old: str, new: str, limit: int, cost: Callable[[list[Span]], int]) -> list[Span]:
    """ "was: OLD / now: NEW": the old text is cut first, the new one only if it alone is over."""
    now = _whole([Span(" ", " / now: "), Span("+", new)], limit, cost)
    room = limit - cost(now)
    was = _whole([Span(" ", "was: "), Span("-", old)], room, cost) if room > 0 else []
    if not was or not was[-1].text or was[-1].text == "…":
        return _whole([Span(" ", "now: "), Span("+", new)], limit, cost)
    return was + now


def _clip(spans: list[Span], limit: int) -> list[Span]:
    """Spans cut to ``limit`` characters of text, the last one at a word boundary with "…"."""
    out, used = [], 0
    for span in spans:
        if used + len(span.text) <= limit:
            out.append(span)
            used += len(span.text)
            continue
        lead = " " if span.text.startswith(" ") else ""
        rest = trim(span.text, limit - used - len(lead))
        out.append(Span(span.op, lead + rest) if rest else Span(" ", " …"))
        break
    return out


def safe_url(url: Any) -> str | None:
    """An http(s) link (spaces encoded, ≤ 1,000 chars), or None: other schemes are never linked."""
    text = clean(url).strip().replace(" ", "%20").replace("\n", "")
    return text if len(text) <= URL_LIMIT and _URL.fullmatch(text) else None


def when(value: Any, where: tzinfo | None = None) -> str:
    """A moment (or its ISO 8601 text) in the readers' zone: "Dec 2, 2026, 9:14 AM EST"; "" for
    none, other text cleaned as it is."""
    return local_text(value if hasattr(value, "tzinfo") else clean(value) or None, where)


def detected(event: dict[str, Any], where: tzinfo | None = None) -> str:
    """When the change was seen, in the readers' zone (or the raw text if unparsable)."""
    return when(event.get("detected_at"), where)


def count_phrase(events: list[dict[str, Any]]) -> str:
    """ "12 changes: 3 new, 8 revised, 1 pulled" (kinds in a fixed order)."""
    counts: dict[str, int] = {}
    for event in events:
        counts[event.get("kind") or "other"] = counts.get(event.get("kind") or "other", 0) + 1
    order = [k for k in KIND_WORDS if k in counts] + sorted(
        k for k in counts if k not in KIND_WORDS
    )
    parts = [f"{counts[k]} {COUNT_WORDS.get(k, clean(k).replace('_', ' '))}" for k in order]
    total = len(events)
    return f"{total} change{'' if total == 1 else 's'}" + (": " + ", ".join(parts) if parts else "")


@dataclass(frozen=True)
class Style:
    """How one channel writes scraped text, links and redlines, and its length budgets."""

    text: Callable[[str], str]
    url: Callable[[str], str]
    redline: Callable[[list[Span]], str]
    cost: Callable[[list[Span]], int]
    headline: int
    title: int
    summary: int
    change: int
    context_words: int = 12
    passage: int = 700  # characters of one passage of a PDF redline
    passages: int | None = 3  # passages of a PDF redline shown (None: every one)


def event_context(
    event: dict[str, Any], style: Style, where: tzinfo | None = None
) -> dict[str, Any]:
    """What templates see: every scraped value escaped for the channel and within its budget;
    times in the readers' zone ``where`` (default ``America/New_York``); failures in words."""
    kind = event.get("kind") or ""
    changes = [_fact_change(c.name, f"{c.old} → {c.new}", style) for c in changed_facts(event)]
    changes += [_change(c, style) for c in event.get("changes") or [] if isinstance(c, dict)]
    summary_shown = any(c["field"] == "summary" and c["redline"] for c in changes)

    def text(value: Any, limit: int) -> str:
        return fit(value if isinstance(value, str) else value_text(value), limit, style.text)

    def link(value: Any) -> str:
        url = safe_url(value)
        return style.url(url) if url else ""

    return {
        "kind": kind,
        "kind_word": KIND_WORDS.get(kind) or text(kind, 40),
        "ops": kind in OPS_KINDS,
        "headline": text(headline(event, style.headline, where), style.headline),
        "number": text(event.get("report_number"), 80),
        "title": text(event.get("title"), style.title),
        "facts": [text(f, 300) for f in facts(event)],
        "labels": [text(name, 80) for name in label_names(_items(event.get("labels")))],
        "label_changes": [text(phrase, 120) for phrase in label_changes(event)],
        "summary": "" if summary_shown else text(event.get("summary"), style.summary),
        "url": link(event.get("url")),
        "listing_url": link(event.get("listing_url")),
        "detail_url": link(event.get("detail_url")),
        "changes": changes,
        "source": text(event.get("source"), 80),
        "detected": text(detected(event, where), 40),
        "event_id": text(event.get("event_id"), 40),
        "reason": text(plain_reason(event.get("reason")), style.summary),
        "held": text(event.get("held"), 20),
        "limit": text(event.get("limit"), 20),
        "report_numbers": [text(n, 60) for n in (event.get("report_numbers") or [])[:50]],
        "target": text(event.get("target"), 200),
        "error": text(plain_error(event.get("error")), style.summary),
        "target_status": text(event.get("target_status"), 20),  # delivery_failed: failing
        "since": text(when(event.get("since"), where), 40),
        "pending": text(event.get("pending"), 20),
        "bulk": _bulk(event, style) if kind == "bulk_hold" else None,
        "pdf": _pdf(event, style),
    }


def _change(change: dict[str, Any], style: Style) -> dict[str, Any]:
    """One field change for a template: its name, and the redline or "old → new" body."""
    field = clean(change.get("field"))
    name = field_name(field)
    if is_redline(change):
        spans = redline(
            change.get("old"), change.get("new"), style.change, style.cost, style.context_words
        )
        body = style.redline(spans)
    else:
        body = fit(change_text(change), style.change, style.text)
    return {
        "field": field,
        "name": fit(name, 60, style.text),
        "body": body,
        "redline": is_redline(change),
    }


def _fact_change(name: str, body: str, style: Style) -> dict[str, Any]:
    """A key fact a revised summary changed, shown as a change ("Recommendations: 4 → 5")."""
    return {
        "field": "key_facts",
        "name": fit(name, 60, style.text),
        "body": fit(body, style.change, style.text),
        "redline": False,
    }


def _bulk(event: dict[str, Any], style: Style) -> dict[str, Any]:
    from notifier.render.bulk import bulk_context  # bulk.py builds on this module

    return bulk_context(event, style)


def _pdf(event: dict[str, Any], style: Style) -> dict[str, Any] | None:
    from notifier.render.pdf_changes import pdf_context  # pdf_changes.py builds on this module

    return pdf_context(event, style)

"""What every channel's renderer shares: templates, cleaning, trimming, headlines, wording."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from config.settings import Settings
from config.vocabulary import COUNT_WORDS, KIND_WORDS, LABEL_WORDS, OPS_KINDS
from crawler.clock import utc_minutes
from crawler.redline import Span, common_ends, diff_runs, word_diff
from crawler.text import clean_text

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FIELD_NAMES = {
    "title": "Title", "summary": "Summary", "issue_date": "Issue date", "fiscal_year": "Fiscal year",
    "pdf_url": "PDF link", "pdf_content": "PDF file", "components": "Components",
}  # fmt: skip
URL_LIMIT = 1000
DIFF_WORDS = 120  # beyond this many changed words per side, the fast diff
_URL = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)


@dataclass(frozen=True)
class Templates:
    """Jinja2 templates: a newsroom's own folder first, then the package's; HTML autoescaped.
    With them, the names readers know the sources by (``display_name`` in the config)."""

    env: jinja2.Environment
    names: Mapping[str, str]  # source name: display name
    site: str  # the title of all the configured sources (``Settings.site_title``)

    def render(self, name: str, **context: Any) -> str:
        """One template rendered with surrounding whitespace stripped."""
        return self.env.get_template(name).render(**context).strip()

    def display_name(self, source: Any) -> str:
        """A source's display name; for a source not configured (``test-route``'s sample), the
        site title, else its own name."""
        return self.names.get(clean(source)) or self.site or clean(source)

    def title_for(self, events: Iterable[dict[str, Any]]) -> str:
        """The display names of the events' sources, joined by " · " (a digest's title)."""
        return " · ".join(dict.fromkeys(self.display_name(e.get("source")) for e in events))


def templates_for(settings: Settings) -> Templates:
    """The templates a deployment delivers with: its own folder, its sources' display names."""
    return load_templates(
        settings.delivery.templates_dir or None, settings.display_names, settings.site_title
    )


def load_templates(
    user_dir: str | None = None, names: Mapping[str, str] | None = None, site: str = ""
) -> Templates:
    """Templates from ``user_dir`` (same file names override) over the package's own."""
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES))]
    if user_dir:
        loaders.insert(0, jinja2.FileSystemLoader(user_dir))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "html.j2", "htm.j2"),
            disabled_extensions=(),
            default_for_string=False,
            default=False,
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Templates(env, dict(names or {}), site)


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


def headline(event: dict[str, Any], limit: int = 80) -> str:
    """One line a reporter scans: kind word, report number and title (or the ops facts)."""
    kind = event.get("kind") or ""
    word = KIND_WORDS.get(kind) or clean(kind).replace("_", " ").capitalize() or "Change"
    return trim(f"{word}: {_subject(event)}", limit)


def _subject(event: dict[str, Any]) -> str:
    kind, source = event.get("kind"), clean(event.get("source"))
    if kind == "source_unhealthy":
        return f"{source} — {clean(event.get('reason'))}" if event.get("reason") else source
    if kind == "source_recovered":
        return source
    if kind == "bulk_hold":
        from notifier.render.bulk import bulk_subject  # bulk.py builds on this module

        return bulk_subject(event, source)
    if kind == "delivery_failed" and event.get("target_status") == "failing":
        return f"{clean(event.get('target'))} failing since {clean(event.get('since'))[:16]}"
    if kind == "delivery_failed":
        return f"event {clean(event.get('event_id'))} to {clean(event.get('target'))}"
    if kind == "delivery_recovered":
        return f"{clean(event.get('target'))} works again"
    number = clean(event.get("report_number"))
    title = clean(event.get("title")) or clean(event.get("report_key"))
    return f"{number} {title}" if number else title


def label_names(labels: Iterable[str] | None) -> list[str]:
    """Labels as a reporter reads them ("Revised", "Management Alert")."""
    return [
        LABEL_WORDS[label][0] if label in LABEL_WORDS else clean(label) for label in labels or []
    ]


def label_changes(event: dict[str, Any]) -> list[str]:
    """Markers gained or lost, in words: 'gained "(Revised)"', 'redaction label lifted'."""
    phrases: list[str] = []
    for key, index, verb in (("labels_gained", 1, "gained"), ("labels_lost", 2, "lost")):
        for label in event.get(key) or []:
            word = LABEL_WORDS[label][index] if label in LABEL_WORDS else f'{verb} "{clean(label)}"'
            phrases.append(word)
    return phrases


def facts(event: dict[str, Any]) -> list[str]:
    """Components, issue date and fiscal year, the parts that are present."""
    found = [", ".join(clean(c) for c in event.get("components") or [])]
    if event.get("issue_date"):
        found.append(f"issued {clean(event['issue_date'])}")
    if event.get("fiscal_year"):
        found.append(f"FY {clean(event['fiscal_year'])}")
    return [f for f in found if f]


def is_redline(change: dict[str, Any]) -> bool:
    """Title and summary edits are shown word by word."""
    old, new = change.get("old"), change.get("new")
    return change.get("field") in ("title", "summary") and all(
        isinstance(v, str | None) for v in (old, new)
    )


def change_text(change: dict[str, Any]) -> str:
    """A field change other than a redline, as "old → new" (or what was added and removed)."""
    name, old, new = change.get("field"), change.get("old"), change.get("new")
    if name == "pdf_content":
        return f"PDF file replaced (sha256 {_short(old)} → {_short(new)})"
    if name == "components" and isinstance(old, list) and isinstance(new, list):
        added = [clean(c) for c in new if c not in old]
        removed = [clean(c) for c in old if c not in new]
        parts = [f"added {', '.join(added)}"] if added else []
        parts += [f"removed {', '.join(removed)}"] if removed else []
        return "; ".join(parts) or f"{_value(old)} → {_value(new)}"
    return f"{_value(old)} → {_value(new)}"


def _short(digest: Any) -> str:
    text = clean(digest) or "none"
    return text if len(text) <= 12 else text[:12] + "…"


def _value(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, list | tuple):
        return ", ".join(clean(v) for v in value) or "(none)"
    return " ".join(clean(value).split())


def redline(
    old: str | None, new: str | None, limit: int, cost: Callable[[list[Span]], int], context: int
) -> list[Span]:
    """Word-level spans, long unchanged runs shortened to ``context`` words, within ``limit``."""
    spans = _condense(diff_words(trim(old, 10**7), trim(new, 10**7)), context)
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


def detected(event: dict[str, Any]) -> str:
    """When the change was seen, as "2026-11-23 01:30 UTC" (or the raw text if unparsable)."""
    raw = clean(event.get("detected_at"))
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if moment.utcoffset() is not None and not moment.utcoffset():
        return utc_minutes(moment)
    return moment.isoformat(sep=" ", timespec="minutes")


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


def event_context(event: dict[str, Any], style: Style) -> dict[str, Any]:
    """What templates see: every scraped value escaped for the channel and within its budget."""
    kind = event.get("kind") or ""
    changes = [_change(c, style) for c in event.get("changes") or [] if isinstance(c, dict)]
    summary_shown = any(c["field"] == "summary" and c["redline"] for c in changes)

    def text(value: Any, limit: int) -> str:
        return fit(None if value is None else str(value), limit, style.text)

    def link(value: Any) -> str:
        url = safe_url(value)
        return style.url(url) if url else ""

    return {
        "kind": kind,
        "kind_word": KIND_WORDS.get(kind) or text(kind, 40),
        "ops": kind in OPS_KINDS,
        "headline": text(headline(event, style.headline), style.headline),
        "number": text(event.get("report_number"), 80),
        "title": text(event.get("title"), style.title),
        "facts": [text(f, 300) for f in facts(event)],
        "labels": [text(name, 80) for name in label_names(event.get("labels"))],
        "label_changes": [text(phrase, 120) for phrase in label_changes(event)],
        "summary": "" if summary_shown else text(event.get("summary"), style.summary),
        "url": link(event.get("url")),
        "listing_url": link(event.get("listing_url")),
        "detail_url": link(event.get("detail_url")),
        "changes": changes,
        "source": text(event.get("source"), 80),
        "detected": text(detected(event), 40),
        "event_id": text(event.get("event_id"), 40),
        "reason": text(event.get("reason"), style.summary),
        "held": text(event.get("held"), 20),
        "limit": text(event.get("limit"), 20),
        "report_numbers": [text(n, 60) for n in (event.get("report_numbers") or [])[:50]],
        "target": text(event.get("target"), 200),
        "error": text(event.get("error"), style.summary),
        "target_status": text(event.get("target_status"), 20),  # delivery_failed: failing
        "since": text(event.get("since"), 40),
        "pending": text(event.get("pending"), 20),
        "bulk": _bulk(event, style) if kind == "bulk_hold" else None,
    }


def _change(change: dict[str, Any], style: Style) -> dict[str, Any]:
    """One field change for a template: its name, and the redline or "old → new" body."""
    field = clean(change.get("field"))
    name = FIELD_NAMES.get(field) or field.replace("_", " ").capitalize()
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


def _bulk(event: dict[str, Any], style: Style) -> dict[str, Any]:
    from notifier.render.bulk import bulk_context  # bulk.py builds on this module

    return bulk_context(event, style)

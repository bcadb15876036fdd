"""What the pages and the API show, shaped from ledger rows and events (pure).

Scraped text stays plain ``str``, cleaned by ``crawler.text`` (through ``render.common.clean``),
and the templates escape it; the only markup made here is a redline, built from escaped spans.
Links are http(s) only: any other scheme from scraped data is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from config.vocabulary import GOOD_OUTCOMES
from crawler.clock import iso, local_text, parse_iso
from crawler.redline import Span
from crawler.text import clean_data
from documents.facts import KeyFacts, facts_line, key_facts
from ledger.queries import VERSION_FIELDS, ReportHistory
from notifier.render.common import (
    FIELD_NAMES,
    Style,
    change_text,
    clean,
    event_context,
    is_redline,
    label_names,
    redline,
    safe_url,
    trim,
)
from notifier.render.key_facts import key_facts_json, summary_facts_changes
from notifier.render.pdf_changes import pdf_changes_json
from notifier.render.words import plain_error, plain_reason, reader_change
from web.feeds import HEALTH_KINDS, health_text, health_title

PAGE_FIELDS = VERSION_FIELDS[1:]  # all but the report number, which pages and the API never list
FIELD_LABELS = {**FIELD_NAMES, "labels": "Labels", "pdf_sha256": "PDF file"}
CHANGE_LIMIT = 20_000  # characters of one field's redline on a page
BANNER_REASON = 200  # characters of a failure's reason in the banner


def html_redline(spans: Sequence[Span]) -> Markup:
    """Deleted words in ``<del>``, inserted words in ``<ins>``; every piece of text escaped.

    Spaces around a changed run stay outside its tag, so only words are struck or underlined."""
    parts: list[Markup] = []
    previous = " "
    for span in spans:
        if span.op == " ":
            parts.append(escape(span.text))
            previous = span.op
            continue
        words = span.text.strip()
        lead = span.text[: len(span.text) - len(span.text.lstrip())]
        trail = span.text[len(span.text.rstrip()) :]
        if previous == "-" and span.op == "+" and not lead:
            lead = " "
        tag = "del" if span.op == "-" else "ins"
        marked = Markup(f'<{tag} class="rl-{tag}">{{}}</{tag}>').format(words) if words else ""
        parts.append(escape(lead) + marked + escape(trail))
        previous = span.op
    return Markup("").join(parts)


def _text_cost(spans: list[Span]) -> int:
    return sum(len(span.text) for span in spans)


def _same(url: str) -> str:
    return url


WEB_STYLE = Style(
    clean, _same, html_redline, _text_cost, headline=300, title=2000, summary=6000,
    change=CHANGE_LIMIT, context_words=10_000, passage=CHANGE_LIMIT, passages=None,
)  # fmt: skip
LIST_STYLE = replace(WEB_STYLE, passages=0)  # the change list: a PDF's pages line, no passages


def report_href(key: Any) -> str | None:
    """The path of a report's page on this site (the key or number, percent-encoded)."""
    text = clean(key).strip()
    return "/reports/" + quote(text, safe="@") if text else None


def when(value: datetime | str | None, where: tzinfo | None = None) -> str:
    """A moment in the readers' zone: "Nov 22, 2026, 8:30 PM EST" ("" for none); its ISO 8601
    form stays in the ``<time datetime>`` attribute and the API."""
    return local_text(value if isinstance(value, datetime) else clean(value) or None, where)


def safe_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event (for the feeds and the API) with every string cleaned (``crawler.text``) and links
    that are http(s) or None (a ``javascript:`` URL never becomes a link); a report's event
    also gets its ``key_facts`` (and ``key_facts_changes``), read from its summary."""
    shaped: dict[str, Any] = clean_data(dict(event))
    for key in ("url", "detail_url", "listing_url"):
        if key in shaped:
            shaped[key] = safe_url(shaped[key])
    shaped.update(key_facts_json(shaped))
    if "pdf_changes" in shaped:  # validated and rebuilt; a malformed one is null
        shaped.update(pdf_changes_json(shaped))
    return shaped


def event_card(
    event: Mapping[str, Any], where: tzinfo | None = None, full: bool = False
) -> dict[str, Any]:
    """One change as the change list shows it: the email's context, with web redlines; ``full``
    (a report's page): every passage of a replaced PDF's redline too, not only its pages line."""
    card = event_context(dict(event), WEB_STYLE if full else LIST_STYLE, where)
    card["id"] = event.get("event_id")
    card["href"] = report_href(event.get("report_key") or event.get("report_number"))
    card["when"] = when(event.get("detected_at"), where)
    card["iso"] = clean(event.get("detected_at"))
    card["health"] = event.get("kind") in HEALTH_KINDS
    if card["health"]:  # the feeds' words: "Watching dhs-oig is failing; changes may be missed"
        card["health_title"] = clean(health_title(event))
        card["health_lines"] = [clean(line) for line in health_text(event, where).splitlines()]
    return card


def field_change(field: str, old: Any, new: Any) -> dict[str, Any]:
    """One field's change between two versions: a redline for text, "old → new" otherwise."""
    name = FIELD_LABELS.get(field) or field.replace("_", " ").capitalize()
    change = {"field": field, "old": old, "new": new}
    if is_redline(change):
        spans = redline(old, new, CHANGE_LIMIT, _text_cost, WEB_STYLE.context_words)
        return {"field": field, "name": name, "body": html_redline(spans), "redline": True}
    body = change_text(reader_change(field, old, new))  # labels in words, first PDF fingerprint
    return {"field": field, "name": name, "body": body, "redline": False}


def version_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The raw field changes between two stored versions, in a fixed field order."""
    return [
        {"field": name, "old": old.get(name), "new": new.get(name)}
        for name in PAGE_FIELDS
        if old.get(name) != new.get(name)
    ]


def fingerprint(data: Mapping[str, Any], checked_at: datetime | None = None) -> dict[str, Any]:
    """What is known of a PDF file: sha256, length, ETag, Last-Modified (and when checked)."""
    return {
        "sha256": clean(data.get("pdf_sha256")) or None,
        "length": data.get("pdf_length") if isinstance(data.get("pdf_length"), int) else None,
        "etag": clean(data.get("pdf_etag")) or None,
        "last_modified": clean(data.get("pdf_last_modified")) or None,
        "checked_at": iso(checked_at),
    }


def report_view(history: ReportHistory, where: tzinfo | None = None) -> dict[str, Any]:
    """A report's page: its current state, then every version newest first, each with its diff."""
    report = history.report
    versions: list[dict[str, Any]] = []
    previous: Mapping[str, Any] | None = None
    for number, version in enumerate(history.versions, 1):
        data: Mapping[str, Any] = version.data or {}
        changes = [] if previous is None else version_changes(previous, data)
        shown = [field_change(c["field"], c["old"], c["new"]) for c in changes]
        if any(c["field"] == "summary" for c in changes):  # "Recommendations: 4 → 5" first
            facts = summary_facts_changes(previous.get("summary") if previous else None, data.get("summary"), _one(data.get("components")))  # fmt: skip
            shown = [_fact_change(c.name, f"{c.old} → {c.new}") for c in facts] + shown
        versions.append(
            {
                "number": number,
                "seen": when(version.seen_at, where),
                "seen_iso": iso(version.seen_at),
                "content_hash": clean(version.content_hash),
                "title": clean(data.get("title")),
                "pdf": safe_url(data.get("pdf_url")),
                "fingerprint": fingerprint(data),
                "first": previous is None,
                "changes": shown,
            }
        )
        previous = data
    versions.reverse()
    return {
        "source": clean(history.source),
        "key": clean(report.key),
        "number": clean(report.report_number or report.key),
        "title": clean(report.title),
        "summary": clean(report.summary),
        "status": report.status,
        "removed": report.status == "removed",
        "issue_date": report.issue_date.isoformat() if report.issue_date else "",
        "fiscal_year": clean(report.fiscal_year),
        "components": [clean(c) for c in report.components or []],
        "key_facts": clean(
            facts_line(KeyFacts.from_json(report_facts(report.summary, report.components)))
        ),
        "labels": label_names(_current_labels(history)),
        "pdf": safe_url(report.pdf_url),
        "detail": safe_url(report.detail_url),
        "first_seen": when(report.first_seen_at, where),
        "changed": when(report.changed_at, where),
        "fingerprint": fingerprint(
            {
                "pdf_sha256": report.pdf_sha256,
                "pdf_length": report.pdf_length,
                "pdf_etag": report.pdf_etag,
                "pdf_last_modified": report.pdf_last_modified,
            },
            report.pdf_checked_at,
        ),
        "versions": versions,
    }


def report_facts(summary: Any, components: Any) -> dict[str, Any]:
    """A report's key facts as JSON (its summary read by ``documents.facts``), strings cleaned."""
    found = key_facts(summary if isinstance(summary, str) else None, _one(components))
    return dict(clean_data(found.to_json()))


def _one(components: Any) -> str | None:
    """A report's only component (None for none or several)."""
    named = [c for c in components or () if isinstance(c, str) and c.strip()]
    return named[0] if len(named) == 1 else None


def _fact_change(name: str, body: str) -> dict[str, Any]:
    return {"field": "key_facts", "name": clean(name), "body": clean(body), "redline": False}


def _current_labels(history: ReportHistory) -> list[str]:
    if not history.versions:
        return []
    return list((history.versions[-1].data or {}).get("labels") or [])


def source_view(item: Mapping[str, Any], where: tzinfo | None = None) -> dict[str, Any]:
    """One source's health for the sources page (failure reasons in plain words)."""
    return {
        "name": clean(item.get("source")),
        "healthy": bool(item.get("healthy")),
        "unhealthy_since": when(item.get("unhealthy_since"), where),
        "last_healthy_run": when(item.get("last_healthy_run"), where) or "never",
        "baseline": bool(item.get("baseline")),
        "reports": item.get("reports") or 0,
        "runs": [
            {
                **run,
                "finished": when(run.get("finished_at"), where),
                "reason": plain_reason(run.get("reason")),
                "ok": run.get("outcome") in GOOD_OUTCOMES,
            }
            for run in item.get("runs") or []
        ],
    }


def age_words(seconds: float) -> str:
    """A duration as a reader says it: "less than a minute", "12 minutes", "3 hours", "4 days"."""
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return "less than a minute"
    count, unit = (
        (minutes, "minute") if minutes < 60
        else (minutes // 60, "hour") if minutes < 48 * 60
        else (minutes // (24 * 60), "day")
    )  # fmt: skip
    return f"{count} {unit}{'' if count == 1 else 's'}"


def banner_notices(
    unhealthy: Sequence[Mapping[str, Any]],
    own_reasons: Sequence[str],
    now: datetime,
    where: tzinfo | None = None,
) -> list[dict[str, str]]:
    """What the banner on every page says (empty: no banner): one notice per unhealthy source
    ("Watching dhs-oig has been failing since … (3 hours); changes may be missed.", with the
    latest failed run's reason), and one when oigwatch itself fails (the /healthz reasons)."""
    notices = []
    for item in unhealthy:
        source = " ".join(clean(item.get("source")).split()) or "a source"
        since = item.get("unhealthy_since")
        try:
            moment = parse_iso(since) if isinstance(since, str) else None
        except ValueError:
            moment = None
        if moment is None:
            text = f"Watching {source} is failing; changes may be missed."
        else:
            age = age_words((now - moment).total_seconds())
            text = f"Watching {source} has been failing since {when(moment, where)} ({age}); changes may be missed."  # fmt: skip
        notices.append({"what": "source", "text": text, "reason": trim(plain_reason(item.get("reason")), BANNER_REASON)})  # fmt: skip
    if own_reasons:
        reasons = "; ".join(trim(plain_error(reason), BANNER_REASON) for reason in own_reasons)
        text = f"oigwatch itself is failing: {reasons}."
        notices.append({"what": "self", "text": text, "reason": ""})
    return notices

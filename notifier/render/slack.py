"""Slack Block Kit messages for one change event or a digest of many (pure).

Every scraped string is escaped (``&<>``, so no title can mention ``<!channel>`` or forge a
``<url|link>``) and its mrkdwn markers ``* _ ~ ` `` are swapped for look-alikes (``∗ ˍ ∼ ˋ``), so a
title can neither bold nor strike text, nor close the ``~struck~`` and ``*inserted*`` spans of a
redline early. URLs keep their characters (Slack does not format inside ``<url|label>``); a ``|``
in a URL is percent-encoded. Operational values (source, reason, target, error) are written
inside inline code instead, so names such as ``#oig_alerts`` read as they are. Text objects are
``verbatim``, so Slack adds no links or mentions of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.redline import Span
from notifier.render.common import Style, Templates, clean, count_phrase, event_context, fit
from notifier.render.common import headline as plain_headline
from notifier.render.words import plain_error, plain_reason, value_text

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
TEXT_LIMIT = 3000
DIGEST_TEXT_BUDGET = 36_000  # all sections of one digest: well under Slack's 40,000 characters
MAX_CHANGE_SECTIONS = 40
TOP_PASSAGES = 3  # passages of a PDF redline in a revision's message (one section for all)
PASSAGE_LIMIT = 700  # characters a passage: 3 of them and a pages line stay within a section
_LOOKALIKES = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})


@dataclass(frozen=True)
class SlackMessage:
    """A ``chat.postMessage`` body: Block Kit blocks and the plain ``text`` fallback."""

    text: str
    blocks: list[dict[str, Any]]


def escape_slack(text: str | None) -> str:
    """Slack's three escapes (``& < >``) on text without control characters."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(text: str | None) -> str:
    """Scraped text for mrkdwn: escaped, and formatting markers replaced by look-alikes."""
    return escape_slack(text).translate(_LOOKALIKES)


def slack_url(url: str) -> str:
    """A URL for ``<url|label>``: escaped, with ``|`` percent-encoded so the label stays ours."""
    return escape_slack(url).replace("|", "%7C")


def slack_code(text: str | None) -> str:
    """System text (source, reason, target, error) as inline code: ``_`` in names stays ``_``."""
    escaped = escape_slack(text).replace("`", "ˋ")
    return f"`{escaped}`" if escaped.strip() else ""


def _ops_fields(event: dict[str, Any]) -> dict[str, str]:
    """Operational values shown verbatim in code spans, within budget; failures in words."""
    words = {
        "source": value_text(event.get("source")),
        "reason": plain_reason(event.get("reason")),
        "target": value_text(event.get("target")),
        "error": plain_error(event.get("error")),
    }
    limits = {"source": 100, "reason": 1500, "target": 300, "error": 1500}
    return {name: fit(text, limits[name], slack_code) for name, text in words.items()}


def mrkdwn_redline(spans: list[Span]) -> str:
    """Deleted words ``~struck~``, inserted words ``*bold*``, each span's text escaped."""
    parts: list[str] = []
    for span in spans:
        text = slack_text(span.text)
        core = text.strip()
        if span.op == " " or not core:
            parts.append(text)
            continue
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        if not lead and parts and not parts[-1][-1:].isspace():
            lead = " "  # Slack formats a marker only at a word boundary
        mark = "~" if span.op == "-" else "*"
        parts.append(f"{lead}{mark}{core}{mark}{trail}")
    return "".join(parts)


def _cost(spans: list[Span]) -> int:
    return len(mrkdwn_redline(spans))


MESSAGE_STYLE = Style(
    slack_text, slack_url, mrkdwn_redline, _cost, headline=HEADER_LIMIT, title=1000,
    summary=700, change=1800, passage=PASSAGE_LIMIT, passages=TOP_PASSAGES,
)  # fmt: skip
DIGEST_STYLE = Style(
    slack_text, slack_url, mrkdwn_redline, _cost, headline=150, title=300, summary=200,
    change=160, context_words=4, passages=0,
)  # fmt: skip


def _cap(text: str, limit: int) -> str:
    """A last guard for text from a newsroom's own templates; ours stay within budget."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": _cap(text, HEADER_LIMIT)}}


def _section(text: str) -> dict[str, Any]:
    mrkdwn = {"type": "mrkdwn", "text": _cap(text, SECTION_LIMIT), "verbatim": True}
    return {"type": "section", "text": mrkdwn}


def _context(text: str) -> dict[str, Any]:
    mrkdwn = {"type": "mrkdwn", "text": _cap(text, SECTION_LIMIT), "verbatim": True}
    return {"type": "context", "elements": [mrkdwn]}


def slack_message(event: dict[str, Any], templates: Templates) -> SlackMessage:
    """One event: a header, the facts, one section per change, the summary, then the links."""
    ctx = event_context(event, MESSAGE_STYLE, templates.zone)
    if ctx["ops"]:
        ctx.update(_ops_fields(event))
    else:  # the links line names the source as readers know it (its display name)
        ctx["source"] = fit(templates.display_name(event.get("source")), 100, slack_text)
    header = fit(
        plain_headline(event, HEADER_LIMIT, templates.zone), HEADER_LIMIT, escape_slack
    ) or fit(templates.display_name(event.get("source")), HEADER_LIMIT, escape_slack)
    texts = [templates.render("slack/ops.md.j2" if ctx["ops"] else "slack/event.md.j2", **ctx)]
    bulk = ctx["bulk"]
    if bulk and not bulk["site_wide"]:
        texts += [
            templates.render("slack/bulk_example.md.j2", example=e, **ctx) for e in bulk["examples"]
        ]
    if not ctx["ops"]:
        changes = ctx["changes"]
        shown = changes[:MAX_CHANGE_SECTIONS]
        texts += [templates.render("slack/change.md.j2", change=c, **ctx) for c in shown]
        if len(changes) > len(shown):
            texts.append(f"…and {len(changes) - len(shown)} more changed fields")
        if ctx["pdf"]:  # what changed inside a replaced PDF
            texts.append(templates.render("slack/pdf_changes.md.j2", **ctx))
        texts.append(templates.render("slack/summary.md.j2", **ctx))
    blocks = [_header(header), *(_section(t) for t in texts if t)]
    links = templates.render("slack/links.md.j2", **ctx)
    if links:
        blocks.append(_context(links))
    fallback = fit(plain_headline(event, 300, templates.zone), TEXT_LIMIT, slack_text)
    return SlackMessage(text=fallback, blocks=blocks[:MAX_BLOCKS])


def _what(ctx: dict[str, Any]) -> str:
    """One line of what changed: markers, then the first two field changes."""
    changes = ctx["changes"]
    parts = ctx["label_changes"] + [f"{c['name']}: {c['body']}" for c in changes[:2]]
    if len(changes) > 2:
        parts.append(f"and {len(changes) - 2} more fields")
    if ctx["pdf"]:
        parts.append(ctx["pdf"]["line"])
    return " · ".join(parts)


def slack_digest(events: list[dict[str, Any]], templates: Templates, title: str) -> SlackMessage:
    """Many events as ONE message: a header, a compact section each, within 50 blocks."""
    phrase = count_phrase(events)
    count = phrase.split(":")[0]
    header = templates.render("slack/digest_header.txt.j2", title=escape_slack(title), count=count)
    blocks = [_header(header)]
    used = 0
    for index, event in enumerate(events):
        ctx = event_context(event, DIGEST_STYLE, templates.zone)
        if ctx["ops"]:
            ctx.update(_ops_fields(event))
        text = _cap(templates.render("slack/digest_item.md.j2", what=_what(ctx), **ctx), 3000)
        rest = len(events) - index
        room = MAX_BLOCKS - len(blocks) - (1 if rest > 1 else 0)
        if room < 1 or used + len(text) > DIGEST_TEXT_BUDGET:
            more = templates.render("slack/digest_more.md.j2", more=rest)
            blocks.append(_section(more))
            break
        blocks.append(_section(text))
        used += len(text)
    fallback = fit(f"{clean(title)}: {phrase}", TEXT_LIMIT, slack_text)
    return SlackMessage(text=fallback, blocks=blocks)

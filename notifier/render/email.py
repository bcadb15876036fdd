"""Email for one change event or a digest: a subject line, a text body and an HTML body (pure).

Subjects are cleaned of every control character and collapsed to one line (no header injection),
bodies come from Jinja2 templates: text bodies with ``[-old-]{+new+}`` redlines, HTML bodies
autoescaped, with ``<del>``/``<ins>`` redlines built here from escaped spans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from crawler.redline import Span
from notifier.render.common import Style, Templates, clean, count_phrase, event_context, trim
from notifier.render.common import headline as plain_headline

SUBJECT_LIMIT = 120
DIGEST_LIMIT = 200  # events listed in one digest email; the rest are counted
DEL = '<del style="color:#b31d28;background:#ffeef0;text-decoration:line-through">'
INS = '<ins style="color:#116329;background:#dafbe1;text-decoration:none">'


@dataclass(frozen=True)
class EmailContent:
    """What a multipart email needs: the subject, a text part and an HTML part."""

    subject: str
    text: str
    html: str


def text_redline(spans: list[Span]) -> str:
    """Deleted words as ``[-old-]``, inserted as ``{+new+}``, as ``oigwatch report`` shows."""
    marks = {"-": "[-{}-]", "+": "{{+{}+}}", " ": "{}"}
    return "".join(marks[span.op].format(span.text) for span in spans)


def html_redline(spans: list[Span]) -> Markup:
    """Deleted words in a red ``<del>``, inserted in a green ``<ins>``; all text escaped."""
    parts: list[Markup] = []
    previous = " "
    for span in spans:
        if span.op == " ":
            parts.append(escape(span.text))
        else:
            gap = Markup(" ") if previous == "-" and span.op == "+" else Markup("")
            tag, close = (DEL, "</del>") if span.op == "-" else (INS, "</ins>")
            parts.append(gap + Markup(tag) + escape(span.text) + Markup(close))
        previous = span.op
    return Markup("").join(parts)


def _raw_cost(spans: list[Span]) -> int:
    return sum(len(span.text) for span in spans)


def _same(url: str) -> str:
    return url


TEXT_STYLE = Style(
    clean, _same, text_redline, lambda spans: len(text_redline(spans)), headline=200,
    title=1000, summary=1500, change=3000, context_words=25, passage=3000, passages=None,
)  # fmt: skip
HTML_STYLE = Style(
    clean, _same, html_redline, _raw_cost, headline=200, title=1000, summary=1500, change=3000,
    context_words=25, passage=3000, passages=None,
)  # fmt: skip
DIGEST_TEXT_STYLE = Style(
    clean, _same, text_redline, lambda spans: len(text_redline(spans)), headline=200,
    title=500, summary=600, change=800, context_words=10, passages=0,
)  # fmt: skip
DIGEST_HTML_STYLE = Style(
    clean, _same, html_redline, _raw_cost, headline=200, title=500, summary=600, change=800,
    context_words=10, passages=0,
)  # fmt: skip


def subject_line(text: str) -> str:
    """One header-safe line: no CR, LF or other control characters, at most 120 characters."""
    return trim(text, SUBJECT_LIMIT)


def email_message(event: dict[str, Any], templates: Templates) -> EmailContent:
    """One event as an email a reporter can scan from the subject line alone: "[DHS OIG] New: ..."
    (the source's display name in brackets)."""
    prefix = templates.display_name(event.get("source"))
    line = plain_headline(event, SUBJECT_LIMIT - len(prefix) - 3, templates.zone)
    subject = templates.render("email/subject.txt.j2", prefix=prefix, headline=line)
    text_ctx = event_context(event, TEXT_STYLE, templates.zone)
    html_ctx = event_context(event, HTML_STYLE, templates.zone)
    return EmailContent(
        subject=subject_line(subject),
        text=templates.render("email/event.txt.j2", e=text_ctx, **text_ctx) + "\n",
        html=templates.render("email/event.html.j2", e=html_ctx, **html_ctx) + "\n",
    )


def email_digest(events: list[dict[str, Any]], templates: Templates, title: str) -> EmailContent:
    """Many events in one email: "[<title>] 12 changes: 3 new, 8 revised, 1 pulled"."""
    phrase = count_phrase(events)
    subject = templates.render("email/digest_subject.txt.j2", title=clean(title), phrase=phrase)
    listed, more = events[:DIGEST_LIMIT], max(0, len(events) - DIGEST_LIMIT)
    common = {"title": clean(title), "phrase": phrase, "more": more}
    text_items = [event_context(event, DIGEST_TEXT_STYLE, templates.zone) for event in listed]
    html_items = [event_context(event, DIGEST_HTML_STYLE, templates.zone) for event in listed]
    return EmailContent(
        subject=subject_line(subject),
        text=templates.render("email/digest.txt.j2", items=text_items, **common) + "\n",
        html=templates.render("email/digest.html.j2", items=html_items, **common) + "\n",
    )

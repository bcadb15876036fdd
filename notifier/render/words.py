"""Reader words (pure): what a reporter reads for a field change and for a failure.

No ``None``, no Python list, no exception class name reaches a reader: a value that is missing
reads "none" (or the change reads "added" / "removed"), lists read as words, and a crawl's or a
delivery's error reads as plain words ("connection refused by 127.0.0.1:8765", "timed out after
30 s", "HTTP 503 from oig.dhs.gov"). The raw text stays in logs and in machine outputs (the JSON
API, ``--json``, the webhook body), which never go through this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from config.vocabulary import LABEL_WORDS
from crawler.redline import rewritten, word_diff
from crawler.text import clean_text

FIELD_NAMES = {
    "title": "Title", "summary": "Summary", "issue_date": "Issue date", "fiscal_year": "Fiscal year",
    "pdf_url": "PDF link", "pdf_content": "PDF file", "components": "Components",
    "report_number": "Report number", "labels": "Labels", "pdf_sha256": "PDF file",
}  # fmt: skip
REDLINE_FIELDS = ("title", "summary")

# A failure's known causes, searched in order; the first found names it.
_CAUSES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), words)
    for pattern, words in (
        (r"connection (?:was )?refused|errno 111\b|econnrefused", "connection refused"),
        (r"took longer than|timed? ?out|timeout", "timed out"),
        (
            r"dns lookup failed|name or service not known|nodename nor servname|name resolution"
            r"|getaddrinfo|errno -[235]\b|no address associated",
            "host name not found",
        ),
        (r"connection reset|econnreset|errno 104\b", "connection reset"),
        (
            r"connectionlost|connection to the other side was lost|connectiondone|responsenever"
            r"|remotedisconnected|unexpectedly closed|serverdisconnected|connection closed",
            "connection closed before an answer",
        ),
        (r"certificate|ssl", "secure connection (TLS) failed"),
        (r"network is unreachable|no route to host|errno 10[13]\b", "network unreachable"),
        (r"recipientsrefused", "recipient address refused by the mail server"),
        (r"senderrefused", "sender address refused by the mail server"),
        (r"smtpauthentication", "login refused by the mail server"),
    )
)
_SECONDS = re.compile(r"longer than ([0-9]+(?:\.[0-9]+)?) ?s", re.IGNORECASE)
_HTTP = re.compile(r"\bHTTP(?: Error)? ?([1-5][0-9][0-9])\b", re.IGNORECASE)
# A class name before its message ("URLError: ", "twisted.internet.error.DNSLookupError: "), a
# dotted one in brackets ("(sqlite3.OperationalError) "), and repr noise (<...>, [Errno 111]).
_CLASS = re.compile(
    r"(?:\b[a-z_][\w]*\.)*\b[A-Z][A-Za-z0-9]*(?:Error|Exception|Failure|Warning|Lost|Done|Received|Refused|Timeout|Interrupt|Exit|Disconnected|Closed)\b"
    r"|\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+(?=:)"
)  # fmt: skip
_DOTTED = re.compile(r"\((?:[\w]+\.)+[\w]+\)\s*")
_ERRNO = re.compile(r"\[Errno -?[0-9]+\]\s*")
_BYTES = re.compile(r"\bb'([^']*)'")
# urllib's "<urlopen error …>", a Failure's "<twisted.python.failure.Failure …>"
_ANGLE = re.compile(r"<(?:urlopen error |[a-z_]+(?:\.\w+)+ )([^<>]*)>")
_FINDING = re.compile(r"^(?P<problem>.*?) at (?:(?P<count>[0-9]+) pages, e\.g\. )?(?P<url>https?://\S+)$")  # fmt: skip
_HOSTED = ("connection refused", "timed out", "host name not found", "connection reset",
           "connection closed before an answer", "secure connection (TLS) failed",
           "network unreachable")  # fmt: skip


def plain_error(text: Any) -> str:
    """One failure as plain words: what failed first (a target's name: "webhook pipeline: "),
    then the cause ("connection refused", "timed out after 30 s", "HTTP 503"), else the message
    without its exception class names and reprs. Idempotent."""
    line = " ".join(clean_text(text).split())
    if not line:
        return ""
    marks = [
        m.start() for m in (_CLASS.search(line), _ERRNO.search(line), _ANGLE.search(line)) if m
    ]
    start = min(marks, default=0)
    head, rest = line[:start], line[start:]
    cause = _cause(rest) if marks else None
    if cause is not None:
        return head + cause
    tidy = _tidy(rest)
    if not tidy:
        return head.rstrip(" :;,") or "an unexpected error"
    return head + tidy


def _cause(text: str) -> str | None:
    http = _HTTP.search(text)
    if http:
        return f"HTTP {http.group(1)}"
    for pattern, words in _CAUSES:
        if pattern.search(text):
            seconds = _SECONDS.search(text) if words == "timed out" else None
            return f"timed out after {float(seconds.group(1)):g} s" if seconds else words
    return None


def _tidy(text: str) -> str:
    """A message with its class names, dotted class names in brackets, errnos and <reprs> gone."""
    text = _ANGLE.sub(r"\1", _ERRNO.sub("", _DOTTED.sub("", text)))
    text = _CLASS.sub("", text)
    text = re.sub(
        r"^[:\s]+", "", re.sub(r":\s*(?::\s*)+", ": ", text)
    )  # "…: : msg" left by a removed name
    text = _BYTES.sub(r"\1", text)
    text = re.sub(r"^\[(.*)\]$", r"\1", text.strip())  # a list's repr
    text = re.sub(r"\{'([^']*)': \(([0-9]{3}), '([^']*)'\)\}", r"\1: \2 \3", text)  # SMTP's dict
    return " ".join(text.split()).strip(" :;,")


def plain_reason(text: Any) -> str:
    """A crawl's reason (findings joined by "; ", each "PROBLEM at [N pages, e.g. ]URL") in
    plain words: "connection refused by 127.0.0.1:8765 (13 pages, e.g. http://…)"."""
    parts = [_finding(part) for part in clean_text(text).split("; ")]
    return "; ".join(dict.fromkeys(part for part in parts if part))


def _finding(text: str) -> str:
    text = " ".join(text.split())
    found = _FINDING.match(text)
    if not found:
        return plain_error(text)
    problem, url = plain_error(found.group("problem")), found.group("url")
    host = urlsplit(url).netloc
    if host and problem.startswith("timed out"):
        problem += f" waiting for {host}"
    elif host and problem in _HOSTED:
        problem += f" by {host}"
    elif host and problem.startswith("HTTP ") and problem[5:].isdigit():
        problem += f" from {host}"
    count = found.group("count")
    return f"{problem} ({count} pages, e.g. {url})" if count else f"{problem} ({url})"


def value_text(value: Any) -> str:
    """A field's value as words: "" for none, a list as "a, b", text on one line."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(filter(None, (value_text(v) for v in value)))
    if isinstance(value, dict):
        return ", ".join(f"{value_text(k)}: {value_text(v)}" for k, v in value.items())
    return " ".join(clean_text(value).split())


def _short(digest: Any) -> str:
    text = value_text(digest)
    return text if len(text) <= 12 else text[:12] + "…"


def label_words(labels: Iterable[Any] | None) -> list[str]:
    """Labels as a reporter reads them ("Revised", "Management Alert")."""
    return [
        LABEL_WORDS[label][0] if label in LABEL_WORDS else value_text(label)
        for label in _listed(labels)
        if value_text(label)
    ]


def reader_change(field: Any, old: Any, new: Any) -> dict[str, Any]:
    """A stored version's field change as the alerts name it: labels in words, the PDF's sha256
    as ``pdf_content``."""
    name = value_text(field)
    if name == "labels":
        return {"field": name, "old": label_words(_listed(old)), "new": label_words(_listed(new))}
    if name == "pdf_sha256":
        return {"field": "pdf_content", "old": old, "new": new}
    return {"field": name, "old": old, "new": new}


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def change_text(change: dict[str, Any]) -> str:
    """A field change other than a redline: "old → new", what was added and removed, "added:
    new" when there was nothing before (never "None → …")."""
    name, old, new = change.get("field"), change.get("old"), change.get("new")
    if name in ("pdf_content", "pdf_sha256"):
        if not value_text(old):
            return f"PDF fingerprint recorded (sha256 {_short(new)})" if value_text(new) else ""
        if not value_text(new):
            return f"PDF fingerprint cleared (was sha256 {_short(old)})"
        return f"PDF file replaced (sha256 {_short(old)} → {_short(new)})"
    if _listish(old) and _listish(new) and not (old is None and new is None):
        olds, news = [value_text(v) for v in old or []], [value_text(v) for v in new or []]
        added = [v for v in news if v and v not in olds]
        removed = [v for v in olds if v and v not in news]
        parts = [f"added {', '.join(added)}"] if added else []
        parts += [f"removed {', '.join(removed)}"] if removed else []
        return "; ".join(parts) or f"{value_text(old) or 'none'} → {value_text(new) or 'none'}"
    before, after = value_text(old), value_text(new)
    if not before and after:
        return f"added: {after}"
    if before and not after:
        return f"removed (was: {before})"
    return f"{before or 'none'} → {after or 'none'}"


def _listish(value: Any) -> bool:
    return value is None or isinstance(value, list | tuple)


def field_name(field: Any) -> str:
    """A field's reader name ("Summary", "PDF link")."""
    text = value_text(field)
    return FIELD_NAMES.get(text) or text.replace("_", " ").capitalize() or "Field"


def change_line(change: dict[str, Any], limit: int = 600) -> str:
    """One field change on one plain-text line (console, feeds, ``oigwatch report``): "Summary
    added: …", "Title was: … / now: …", a ``[-old-]{+new+}`` redline, or ``change_text``."""
    field = value_text(change.get("field"))
    name, old, new = field_name(field), change.get("old"), change.get("new")
    if field in REDLINE_FIELDS and isinstance(old, str | None) and isinstance(new, str | None):
        before, after = value_text(old), value_text(new)
        if not before:
            return f"{name} added: {_cut(after, limit)}"
        if not after:
            return f"{name} removed (was: {_cut(before, limit)})"
        if rewritten(before, after):
            return f"{name} was: {_cut(before, limit // 2)} / now: {after}"
        return f"{name}: {_cut(_marked(before, after), limit)}"
    return f"{name}: {change_text(change)}"


def _marked(old: str, new: str) -> str:
    marks = {"-": "[-{}-]", "+": "{{+{}+}}", " ": "{}"}
    return "".join(marks[span.op].format(span.text) for span in word_diff(old, new))


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rsplit(" ", 1)[0] + "…"

"""Normalization for comparison only, identity keys and derived labels (pure functions)."""

from __future__ import annotations

import hashlib
import html
import re
from urllib.parse import urlsplit

_WS = re.compile(r"\s+")
_FOLD = str.maketrans(
    {
        "\u00a0": " ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\ufeff": "",
        "\u200b": "",
    }
)
_RESIDUE = re.compile(r"(?:\s*(?:\(|,|\bReport No\.?))+\s*$", re.IGNORECASE)
_MOJIBAKE = re.compile("[\u00c2\u00c3\u00e2][\u0080-\u00bf\u20ac\u201a-\u203a\u0152-\u0178]")
_SUMMARY_PREFIX = re.compile(r"^\s*summary:\s*", re.IGNORECASE)

LABEL_PATTERNS: dict[str, re.Pattern[str]] = {
    "revised": re.compile(r"\(\s*(?:redacted\s+)?revised\s*\)", re.IGNORECASE),
    "redacted": re.compile(
        r"(?:-\s*)?(?:law enforcement sensitive\s*)?\(\s*redacted(?:\s+revised)?\s*\)",
        re.IGNORECASE,
    ),
    "unclassified_summary": re.compile(r"\(\s*unclassified summary\s*\)", re.IGNORECASE),
    "management_alert": re.compile(r"^\s*management alert\b", re.IGNORECASE),
}
_CLASSIFICATION = re.compile(r"^\s*\(U\)\s", re.IGNORECASE)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252 ("â€™" → "’") when the text shows the telltale pairs."""
    if not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def norm_text(text: str | None) -> str:
    """Fold a title or summary to the form compared between crawls."""
    if not text:
        return ""
    text = repair_mojibake(html.unescape(html.unescape(text)))
    text = _WS.sub(" ", text.translate(_FOLD)).strip()
    return _RESIDUE.sub("", text).strip()


def norm_summary(text: str | None) -> str:
    """Like :func:`norm_text`, also ignoring a leading "Summary:"."""
    return _SUMMARY_PREFIX.sub("", norm_text(text))


def norm_number(number: str | None) -> str | None:
    """Normalize a report number: uppercase, trimmed, nbsp and doubled dashes folded."""
    if not number:
        return None
    folded = _WS.sub("", number.translate(_FOLD)).upper()
    folded = re.sub(r"-{2,}", "-", folded).strip("-")
    return folded or None


def norm_fiscal_year(raw: str | None) -> int | None:
    """The fiscal year as an int when the cell holds one, typos kept as they are."""
    digits = (raw or "").strip()
    return int(digits) if digits.isdigit() else None


def pdf_path(url: str | None) -> str | None:
    """The PDF path without host or query: what identifies a linked file across hosts."""
    if not url:
        return None
    return urlsplit(url).path or None


def identity(number: str | None, url: str | None, title: str, issue_date: str | None) -> str:
    """The ledger key of a report: number, else PDF path, else a hash of title and date."""
    key = norm_number(number)
    if key:
        return key
    path = pdf_path(url)
    if path:
        return "pdf:" + path.lower()
    digest = hashlib.sha256(f"{norm_text(title)}|{issue_date or ''}".encode()).hexdigest()
    return "title:" + digest[:16]


def labels(title: str | None) -> frozenset[str]:
    """Markers the title carries: revised, redacted, unclassified_summary, management_alert."""
    text = norm_text(title)
    found = {name for name, pattern in LABEL_PATTERNS.items() if pattern.search(text)}
    return frozenset(found)


def bare_title(title: str | None) -> str:
    """The title with its markers removed, for telling a real retitle from a label change."""
    text = norm_text(title)
    for name in ("revised", "redacted", "unclassified_summary"):
        text = LABEL_PATTERNS[name].sub(" ", text)
    text = _CLASSIFICATION.sub("", text)
    return norm_text(text)

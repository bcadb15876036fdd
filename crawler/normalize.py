"""Normalization for comparison only, identity keys and derived labels (pure functions)."""

from __future__ import annotations

import functools
import hashlib
import html
import re
import unicodedata
from urllib.parse import urlsplit

_WS = re.compile(r"\s+")
MAX_KEY = 150  # longer keys are hashed: reports.key and the events' dedupe keys stay bounded
_ASCII_DIGITS = re.compile(r"[0-9]{1,20}")
# C0/C1 controls, zero-width and bidi controls: never part of an identity
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
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


@functools.lru_cache(maxsize=1 << 16)  # a sweep asks for each number several times
def norm_number(number: str | None) -> str | None:
    """Normalize a report number: compatibility forms folded (full-width digits), invisible
    and control characters dropped, uppercase, trimmed, nbsp and doubled dashes folded."""
    if not number:
        return None
    folded = unicodedata.normalize("NFKC", number.translate(_FOLD))
    folded = _WS.sub("", _INVISIBLE.sub("", folded)).upper()
    folded = re.sub(r"-{2,}", "-", folded).strip("-")
    return folded or None


def norm_fiscal_year(raw: str | None) -> int | None:
    """The fiscal year as an int when the cell holds only ASCII digits (typos such as "20187"
    kept as they are); None otherwise ("2026²", "FY26", "")."""
    digits = (raw or "").strip()
    return int(digits) if _ASCII_DIGITS.fullmatch(digits) else None


@functools.lru_cache(maxsize=1 << 16)  # a sweep asks for each link several times
def pdf_path(url: str | None) -> str | None:
    """The PDF path without host or query: what identifies a linked file across hosts."""
    if not url:
        return None
    try:
        return urlsplit(url).path or None
    except ValueError:  # an unparseable host ("http://[x/a.pdf"); admission quarantines such rows
        return None


def identity(number: str | None, url: str | None, title: str, issue_date: str | None) -> str:
    """The ledger key of a report: its number; without one, its title (markers left out) and
    issue date, so a moved PDF link or a gained "(Revised)" keeps the report; without a date,
    its PDF path; else its title alone."""
    key = norm_number(number)
    if key:
        return key if len(key) <= MAX_KEY else "long:" + _digest(key)
    if issue_date:
        return "doc:" + _digest(f"{bare_title(title)}|{issue_date}")
    path = pdf_path(url)
    if path:
        path = path.lower()
        return "pdf:" + path if len(path) <= MAX_KEY else "pdf:" + _digest(path)
    return "title:" + _digest(f"{norm_text(title)}|")


def path_identity(url: str | None) -> str | None:
    """The PDF-path identity, for telling apart two reports that share a title and a date."""
    path = pdf_path(url)
    return "pdf:" + _digest(path.lower()) if path else None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


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

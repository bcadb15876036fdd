"""Scraped text made fit to show (pure): the ONE cleaner admission and every output use.

``clean_text`` removes characters no reader should get from the site's text:

- C0 control characters other than tab and newline (NUL, CR, ESC and so terminal escape
  sequences, form feed...), DEL and the C1 controls (U+0080-U+009F);
- bidi embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069), which reorder
  the text that follows them (a title could show a report number or a link backwards);
- lone surrogates (U+D800-U+DFFF: not characters, unencodable as UTF-8);
- the noncharacters U+FFFE and U+FFFF; with the above, everything XML 1.0 forbids, so the same
  text is safe in Atom and RSS.

Right-to-left scripts, emoji (joiners included), the bidi *marks* (U+200E, U+200F) and line
breaks stay. Admission (``crawler/admit.py``) cleans text as it is stored; the outputs (Slack,
email, pages, feeds, the JSON API, the console and the CLI's ``--json`` lines) clean again,
because ledger rows stored before a rule existed may still hold such characters.

Cleaning is about characters, escaping about syntax: each output still escapes for its own
syntax (Jinja2's HTML autoescape, XML by lxml and feedgen, Slack's ``& < >`` and mentions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
_ASCII_UNSAFE = bytes(range(0x09)) + bytes(range(0x0B, 0x20)) + b"\x7f"  # UNSAFE within ASCII
# What UNSAFE characters become in json.dumps(..., ensure_ascii=False): C0 controls are escaped
# (\b, \f, \r, \u0000-\u001f; tab and newline as \t and \n), the others stay as they are. A
# literal backslash in the text can match too: that only costs the slow path. (Two patterns: one
# alternation of both scans three times slower.)
_JSON_ESCAPED = re.compile(r"\\[bfr]|\\u00[01]")
_JSON_RAW = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def clean_text(text: object) -> str:
    """``text`` (``str()`` of anything else; None: "") without the characters ``UNSAFE`` names."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if text.isascii():  # the common case: bytes.translate is several times faster than the pattern
        raw = text.encode("ascii")
        kept = raw.translate(None, _ASCII_UNSAFE)
        return text if len(kept) == len(raw) else kept.decode("ascii")
    return UNSAFE.sub("", text)


def clean_data(value: Any) -> Any:
    """JSON-like data (an event, a report) with every string in it cleaned by ``clean_text``,
    mapping keys included; numbers, booleans and None as they are."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {
            (clean_text(key) if isinstance(key, str) else key): clean_data(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [clean_data(item) for item in value]
    if isinstance(value, tuple):
        return tuple(clean_data(item) for item in value)
    return value


def clean_json(value: Any, indent: int | None = None) -> str:
    """``json.dumps(clean_data(value), ensure_ascii=False)``, without walking ``value`` when its
    JSON shows nothing to clean (the common case: a 10,000-entry JSON Feed is one regex scan)."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    if ("\\" in text and _JSON_ESCAPED.search(text)) or _JSON_RAW.search(text):
        text = json.dumps(clean_data(value), ensure_ascii=False, indent=indent)
    return text

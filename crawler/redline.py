"""Word-level redlines between two versions of a text (pure)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKENS = re.compile(r"\S+|\s+")


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text that is kept (" "), deleted ("-") or inserted ("+")."""

    op: str
    text: str


def word_diff(old: str | None, new: str | None) -> list[Span]:
    """Spans turning ``old`` into ``new``, compared word by word."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    spans: list[Span] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            spans.append(Span(" ", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            spans.append(Span("-", "".join(a[i1:i2])))
        if j2 > j1:
            spans.append(Span("+", "".join(b[j1:j2])))
    return spans


def redline_text(old: str | None, new: str | None) -> str:
    """A plain-text redline: ``[-deleted-]{+inserted+}`` around changed words."""
    parts = []
    for span in word_diff(old, new):
        if span.op == "-":
            parts.append(f"[-{span.text}-]")
        elif span.op == "+":
            parts.append(f"{{+{span.text}+}}")
        else:
            parts.append(span.text)
    return "".join(parts)

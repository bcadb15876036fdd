"""Key facts of a report, read from its summary or text (pure): how many recommendations the OIG
made, and how the component answered them.

Read conservatively: a fact is returned only when a sentence states it plainly ("We made four
recommendations", "FEMA concurred with all four recommendations", "DHS concurred with
recommendation 2 but did not concur with recommendations 1 and 3"). Anything that could be read
two ways gives None: counts that disagree, a sentence about a prior report, two components
answering, a partial concurrence, a phrase the reader does not know. A wrong fact in a headline
costs more than a missing one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from crawler.normalize import repair_mojibake
from crawler.text import clean_text
from documents.concurrence import (
    ELSEWHERE,
    MAX_COUNT,
    NUM,
    Reading,
    answer,
    number_value,
    read_response,
)

# curly quotes and dashes as the patterns spell them (crawler.normalize folds the same way)
_FOLD = (
    ("\u00a0", " "), ("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'),
    ("\u2010", "-"), ("\u2011", "-"), ("\u2012", "-"), ("\u2013", "-"), ("\u2014", "-"),
    ("\u2212", "-"), ("\u00ad", ""),
)  # fmt: skip
MAX_TEXT = 200_000  # characters read: a summary, or the first pages of a report's text
_COUNT = rf"(?:{NUM}|a\s+single|a)"
# who makes recommendations: the OIG ("we", the report) or its contracted auditors ("KPMG LLP")
_OIG = (
    r"\b(?i:we|(?:the\s+)?OIG|(?:this|the|our)\s+(?:report|review|audit|evaluation|inspection"
    r"|memorandum|letter|alert)|(?:the\s+)?(?:independent\s+)?(?:public\s+)?(?:auditors?"
    r"|accountants?))|\bKPMG"
)
_FIRM = r"(?:\b[A-Z][\w&.'-]*\s+){1,4}(?:LLP|LLC|P\.?C\.?)"
_MAKES = (
    r"(?i:(?:also\s+)?(?:made|make|makes|are\s+making|is\s+making|ha(?:ve|s)\s+made|issued"
    r"|issues|offered|offers|provided|provides|included|includes?|contains?|contained|has))"
)


@cache
def _patterns(firm: bool) -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """A count ("We made four recommendations") and a none ("KPMG did not make any"), made by
    the OIG or (``firm``) also by an auditing firm; compiled on the first sentence that needs
    them (most summaries need none).

    The firm alternative is the slow one: only sentences naming an LLP, LLC or P.C. try it."""
    maker = f"(?:{_OIG}|{_FIRM})" if firm else f"(?:{_OIG})"
    counted = re.compile(
        rf"{maker}\s+{_MAKES}\s+(?i:(?:a\s+total\s+of\s+)?(?P<n>{_COUNT})\s+"
        r"(?:(?:new|additional|formal|specific|total)\s+)?(?P<noun>recommendations?)\b)"
    )
    zero = (
        re.compile(
            rf"{maker}\s+(?i:(?:did|does|do|will)\s+not\s+(?:make|contain|include|issue|have"
            r"|offer|provide)\s+(?:any\s+)?(?:new\s+|formal\s+)?recommendations\b)"
        ),
        re.compile(rf"{maker}\s+{_MAKES}\s+(?i:no\s+(?:new\s+|formal\s+)?recommendations\b)"),
        re.compile(
            r"\bthere\s+(?:are|were)\s+no\s+recommendations\s+in\s+(?:this|the)\s+report"
            r"|\bno\s+(?:formal\s+)?recommendations\s+(?:are|were|have\s+been)\s+(?:made"
            r"|included|issued|offered)\b",
            re.IGNORECASE,
        ),
    )
    return counted, zero


_FIRMS = re.compile(r"\b(?:LLP|LLC|P\.?C\.?)")
# "... two recommendations to CBP and one to ICE": a count of part of them
_SPLIT_COUNT = re.compile(
    rf"\b(?:and|plus)\s+{NUM}\s+(?:(?:additional|more|other|new)\s+)?(?:recommendations?\b|to\b)",
    re.IGNORECASE,
)
_ABBREVIATION = re.compile(
    r"(?:\b(?:U\.S|U\.S\.C|No|Nos|Mr|Ms|Mrs|Dr|St|Jr|Sr|Inc|Co|Corp|Ltd|vs|v|e\.g|i\.e|etc|Jan"
    r"|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Gen|Sen|Rep|Dept|approx|al|[A-Z])\.)$"
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


@dataclass(frozen=True, slots=True)
class KeyFacts:
    """What a report says of its recommendations; None: not stated plainly."""

    recommendations: int | None = None  # how many the OIG made (0: "no recommendations")
    concurred: int | None = None  # how many the component concurred with
    response: str | None = None  # "DHS concurred with all", "ICE concurred with 1 of 2", ...

    def to_json(self) -> dict[str, Any]:
        return {
            "recommendations": self.recommendations,
            "concurred": self.concurred,
            "response": self.response,
        }

    @classmethod
    def from_json(cls, data: Any) -> KeyFacts:
        """Facts from their JSON; values of the wrong type or out of range read as not stated."""
        data = data if isinstance(data, dict) else {}

        def count(value: Any) -> int | None:
            ok = isinstance(value, int) and not isinstance(value, bool)
            return value if ok and 0 <= value <= MAX_COUNT else None

        recs, concurred = count(data.get("recommendations")), count(data.get("concurred"))
        if recs is not None and concurred is not None and concurred > recs:
            concurred = None
        response = data.get("response")
        text = " ".join(clean_text(response).split())[:200] if isinstance(response, str) else ""
        return cls(recs, concurred, text or None)

    @property
    def empty(self) -> bool:
        return self.recommendations is None and self.concurred is None and self.response is None


@dataclass(frozen=True, slots=True)
class FactChange:
    """One key fact that differs between two readings: its name and both values in words."""

    name: str  # "Recommendations", "Response"
    old: str
    new: str


def sentences(text: str) -> Iterator[str]:
    """The sentences of normalized text; "U.S. Customs" and "No. 5" do not end one."""
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        if _ABBREVIATION.search(text[start : boundary.start()]):
            continue
        yield text[start : boundary.start()]
        start = boundary.end()
    yield text[start:]


def key_facts(text: str | None, component: str | None = None) -> KeyFacts:
    """The recommendations count and the response a summary (or a report's text) states plainly;
    ``component`` names the responder when the text says only "management" or "it"."""
    if not isinstance(text, str) or not text.strip():
        return KeyFacts()
    text = text[:MAX_TEXT]
    lowered = text.lower()
    if "recommend" not in lowered and "concur" not in lowered:
        return KeyFacts()  # most summaries: no regular expression runs
    plain = repair_mojibake(html.unescape(clean_text(text)))
    if not plain.isascii():
        for char, folded in _FOLD:
            plain = plain.replace(char, folded)
    plain = " ".join(plain.split())
    reading = Reading()
    for sentence in sentences(plain):
        lowered = sentence.lower()
        if "recommendation" in lowered:
            _read_counts(sentence, reading)
        if "concur" in lowered or "declined" in lowered:
            read_response(sentence, reading)
    return _judge(reading, component)


def _read_counts(sentence: str, reading: Reading) -> None:
    counted, zeros = _patterns(bool(_FIRMS.search(sentence)))
    found = list(counted.finditer(sentence))
    lowered = sentence.lower()
    negated = "no " in lowered or "not " in lowered
    zero = negated and any(pattern.search(sentence) for pattern in zeros)
    if not found and not zero:
        return
    if ELSEWHERE.search(sentence):
        reading.count_unsure = True
        return
    for match in found:
        value = number_value(match["n"])
        plural = match["noun"].lower().endswith("s")
        if value is None or (match["n"].lower().startswith("a") and plural):
            continue
        if _SPLIT_COUNT.search(sentence, match.end()):
            reading.count_unsure = True
        reading.counts.add(value)
    if zero:
        reading.counts.add(0)


def _judge(reading: Reading, component: str | None) -> KeyFacts:
    """The facts the reading supports, or None where it is unsure or contradicts itself."""
    total = next(iter(reading.counts)) if len(reading.counts) == 1 else None
    if len(reading.counts) > 1:
        return KeyFacts()  # the text gives two different counts: trust none of it
    if reading.count_unsure:
        total = None
    names = {w for w in reading.whos if w != "generic"}
    fallback = " ".join(clean_text(component).split())[:40] if component else ""
    if "oig" in names or len(names) > 1:
        return KeyFacts(total)
    who = next(iter(names), None) or fallback
    if not reading.clauses:
        if reading.declined is not None and reading.declined not in ("oig", "generic"):
            who = reading.declined or who
        response = f"{who} declined to comment" if reading.declined is not None and who else None
        return KeyFacts(total, None, response)
    if reading.unsure or total == 0:
        return KeyFacts(total)
    concurred, phrase = answer(reading, total)
    if phrase is None:
        return KeyFacts(total)
    both = reading.pos_items and reading.neg_items and not reading.pos_items & reading.neg_items
    if total is None and reading.numbered_only and both:
        named = reading.pos_items | reading.neg_items
        if named == {str(n) for n in range(1, len(named) + 1)}:
            total = len(named)
            concurred, phrase = answer(reading, total)
    if total is not None and concurred is not None and concurred > total:
        return KeyFacts(total)
    text = f"{who} {phrase}" if who else phrase
    return KeyFacts(total, concurred, text if phrase else None)


def facts_line(facts: KeyFacts) -> str:
    """ "4 recommendations · DHS concurred with all" ("" when nothing is stated)."""
    parts = []
    if facts.recommendations is not None:
        n = facts.recommendations
        parts.append("no recommendations" if n == 0 else f"{n} recommendation{'' if n == 1 else 's'}")  # fmt: skip
    if facts.response:
        parts.append(facts.response)
    return " · ".join(parts)


def fact_changes(before: KeyFacts, after: KeyFacts) -> tuple[FactChange, ...]:
    """The key facts that differ between two readings (a revised summary), in words."""
    changes = []
    old, new = before.recommendations, after.recommendations
    if old != new:
        changes.append(FactChange("Recommendations", _said(old), _said(new)))
    if before.response != after.response:
        changes.append(FactChange("Response", _said(before.response), _said(after.response)))
    return tuple(changes)


def facts_changes(before: KeyFacts, after: KeyFacts) -> tuple[str, ...]:
    """ "Recommendations: 4 → 5", "Response: DHS concurred with all → DHS concurred with 4 of 5"."""
    return tuple(f"{c.name}: {c.old} → {c.new}" for c in fact_changes(before, after))


def _said(value: int | str | None) -> str:
    return "not stated" if value is None else str(value)

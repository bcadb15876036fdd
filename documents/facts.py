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

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from crawler.normalize import norm_text
from crawler.text import clean_text

MAX_TEXT = 200_000  # characters read: a summary, or the first pages of a report's text
MAX_COUNT = 999
_UNITS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
WORD_VALUES = {word: value for value, word in enumerate(_UNITS)} | {
    word: 20 + 10 * index for index, word in enumerate(_TENS)
}
_UNIT_WORDS = "|".join(sorted(_UNITS, key=len, reverse=True))
_NUMWORD = rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS[1:10])}))?|{_UNIT_WORDS})\b"
NUM = rf"(?:(?<![\d,.])\d{{1,3}}(?![\d]|[,.]\d)|{_NUMWORD})"
_COUNT = rf"(?:{NUM}|a\s+single|a)"
_ITEM = rf"(?:\d{{1,3}}[a-z]?\b|{_NUMWORD})"
_LIST = rf"{_ITEM}(?:\s*(?:,\s*(?:and\s+)?|and\s+|&\s*|through\s+|to\s+|-\s*){_ITEM})*"

# who makes recommendations: the OIG ("we", the report) or its contracted auditors
_MAKER = (
    r"(?:\b(?i:we|(?:the\s+)?OIG|(?:this|the|our)\s+(?:report|review|audit|evaluation|inspection"
    r"|memorandum|letter|alert)|(?:the\s+)?(?:independent\s+)?(?:public\s+)?(?:auditors?"
    r"|accountants?))|\bKPMG(?:\s+LLP)?|(?:\b[A-Z][\w&.'-]*\s+){1,4}(?:LLP|LLC|P\.?C\.?))"
)
_MAKES = (
    r"(?i:(?:also\s+)?(?:made|make|makes|are\s+making|is\s+making|ha(?:ve|s)\s+made|issued"
    r"|issues|offered|offers|provided|provides|included|includes?|contains?|contained|has))"
)
_COUNTED = re.compile(
    rf"{_MAKER}\s+{_MAKES}\s+(?i:(?:a\s+total\s+of\s+)?(?P<n>{_COUNT})\s+"
    r"(?:(?:new|additional|formal|specific|total)\s+)?(?P<noun>recommendations?)\b)"
)
_ZERO = (
    re.compile(
        rf"{_MAKER}\s+(?i:(?:did|does|do|will)\s+not\s+(?:make|contain|include|issue|have|offer"
        r"|provide)\s+(?:any\s+)?(?:new\s+|formal\s+)?recommendations\b)"
    ),
    re.compile(rf"{_MAKER}\s+{_MAKES}\s+(?i:no\s+(?:new\s+|formal\s+)?recommendations\b)"),
    re.compile(
        r"\bthere\s+(?:are|were)\s+no\s+recommendations\s+in\s+(?:this|the)\s+report"
        r"|\bno\s+(?:formal\s+)?recommendations\s+(?:are|were|have\s+been)\s+(?:made|included"
        r"|issued|offered)\b",
        re.IGNORECASE,
    ),
)
# "... two recommendations to CBP and one to ICE": a count of part of them
_SPLIT_COUNT = re.compile(
    rf"\b(?:and|plus)\s+{NUM}\s+(?:(?:additional|more|other|new)\s+)?(?:recommendations?\b|to\b)",
    re.IGNORECASE,
)
# a sentence about another report, or another year's
_ELSEWHERE = re.compile(
    r"\b(?:prior(?!\s+to\b)|previous|previously|earlier|past|original|initial|last\s+year'?s?)\b"
    r"|\bin\s+(?:our\s+|its\s+|the\s+)?(?:(?:fiscal\s+year|FY)\s*)?(?:19|20)\d\d\b",
    re.IGNORECASE,
)
_VERB = re.compile(
    r"(?P<partial>\bpartially\s+(?:concurred|concurs|concur|agreed)\b|\bconcurred\s+in\s+part\b)"
    r"|(?P<neg>\b(?:did|does|do|would)\s+not\s+(?:fully\s+)?concur\b|\bnon-?concur(?:red|s)?\b)"
    r"|(?P<pos>\b(?:concurred|concurs|concur)\b)",
    re.IGNORECASE,
)
_DECLINED = re.compile(r"\bdeclined\s+to\s+comment\b", re.IGNORECASE)
_SUBJECT = re.compile(r"((?:[A-Z][\w&.'-]*|&)(?:\s+(?:[A-Z][\w&.'-]*|and|of|&|the|for))*)\s*$")
_ADVERBS = re.compile(
    r"(?:\s+(?:also|fully|has|have|had|both|generally|formally|subsequently|then|later"
    r"|ultimately|officials|management|leadership))+\s*$"
)
_OF = r"(?:(?:of\s+)?(?:(?:our|the|its|these|those|OIG's|OIG)\s+))?"
_OBJECTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("all_but", rf"\s*with\s+all\s+{_OF}(?:recommendations\s+)?(?:,\s*)?(?:but|except(?:\s+for)?)\s+(?:(?P<k>{NUM})(?:\s+of\s+{_OF}recommendations\b)?|recommendations?\s+(?P<klist>{_LIST}))"),
        ("all", rf"\s*with\s+(?:all|each)\s+(?:(?P<n>{NUM})\s+)?{_OF}(?:(?P<n2>{NUM})\s+)?recommendations\b"),
        ("all", r"\s*with\s+all(?:\s+of\s+them)?(?=\s*(?:[,.;]|$|(?:but|and|while|whereas)\b))"),
        ("both", rf"\s*with\s+both\s+{_OF}recommendations\b"),
        ("findings", rf"\s*with\s+(?:all\s+)?{_OF}(?:findings|conclusions)\s+and\s+(?:all\s+)?{_OF}(?:(?P<n>{NUM})\s+)?recommendations\b"),
        ("list", rf"\s*with\s+(?:(?:our|the)\s+)?recommendations?\s+(?:number\s+|no\.\s*)?(?P<list>{_LIST})"),
        ("any", rf"\s*with\s+(?:any|none)\s+{_OF}recommendations\b"),
        ("count", rf"\s*with\s+(?P<c>{NUM})(?:\s+of\s+(?:(?:our|the|its)\s+)?(?:(?P<t>{NUM})\s+)?recommendations\b|\s+recommendations?\b|(?=\s*(?:[,.;]|$|(?:but|and|while|whereas)\b)))"),
        ("one", r"\s*with\s+(?:our|the|this|that|its|OIG's)\s+recommendation\b(?!s)"),
        ("plural", rf"\s*with\s+(?:(?:our|the|its|these|those|OIG's)\s+)?(?:(?P<n>{NUM})\s+)?recommendations\b"),
    )
)  # fmt: skip
_LOOSE = re.compile(
    rf"\s*with\s+(?:all(?:\s+but\s+{NUM})?|{NUM})(?:\s+of\s+them)?(?=\s*(?:[,.;]|$|(?:but|and|while|whereas)\b))",
    re.IGNORECASE,
)
_ALIASES = {
    "department": "DHS", "department of homeland security": "DHS", "homeland security": "DHS",
    "customs and border protection": "CBP", "immigration and customs enforcement": "ICE",
    "federal emergency management agency": "FEMA", "transportation security administration": "TSA",
    "citizenship and immigration services": "USCIS", "states secret service": "Secret Service",
    "cybersecurity and infrastructure security agency": "CISA", "coast guard": "Coast Guard",
    "states coast guard": "Coast Guard", "secret service": "Secret Service",
}  # fmt: skip
_GENERIC = {"management", "component", "agency", "officials", "it", "they", "leadership"}
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


@dataclass(slots=True)
class _Reading:
    """What the sentences said, before it is judged."""

    counts: set[int] = field(default_factory=set)
    count_unsure: bool = False
    whos: list[str] = field(default_factory=list)
    pos_all: bool = False
    pos: int = 0
    neg_all: bool = False
    neg: int = 0
    all_but: int | None = None
    pos_items: set[str] = field(default_factory=set)
    neg_items: set[str] = field(default_factory=set)
    numbered_only: bool = True
    unsure: bool = False
    declined: str | None = None
    clauses: int = 0


def number_value(text: str) -> int | None:
    """ "four" → 4, "twenty-one" → 21, "10" → 10, "a single" → 1 (None: not a number)."""
    words = text.lower().replace("-", " ").split()
    if not words:
        return None
    if words[0].isdigit():
        return int(words[0]) if len(words) == 1 else None
    if words in (["a"], ["a", "single"]):
        return 1
    if not all(word in WORD_VALUES for word in words):
        return None
    return sum(WORD_VALUES[word] for word in words)


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
    plain = norm_text(clean_text(text[:MAX_TEXT]))
    if not re.search(r"recommend|concur", plain, re.IGNORECASE):
        return KeyFacts()
    reading = _Reading()
    for sentence in sentences(plain):
        _read_counts(sentence, reading)
        _read_response(sentence, reading)
    return _judge(reading, component)


def _read_counts(sentence: str, reading: _Reading) -> None:
    found = list(_COUNTED.finditer(sentence))
    zero = any(pattern.search(sentence) for pattern in _ZERO)
    if not found and not zero:
        return
    if _ELSEWHERE.search(sentence):
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


def _read_response(sentence: str, reading: _Reading) -> None:
    verbs = list(_VERB.finditer(sentence))
    if (
        verbs
        and not re.search(r"recommend", sentence, re.IGNORECASE)
        and not _loose(sentence, verbs)
    ):
        return  # "concurred with our findings": not an answer to the recommendations
    if not verbs:
        declined = _DECLINED.search(sentence)
        if declined and re.search(r"response|recommend", sentence, re.IGNORECASE):
            reading.declined = _subject(sentence[: declined.start()], lead=True)
        return
    if _ELSEWHERE.search(sentence):
        reading.unsure = True
        return
    who: str | None = None
    previous_end = 0
    for index, verb in enumerate(verbs):
        named = _subject(sentence[max(previous_end, verb.start() - 160) : verb.start()])
        who = named or who
        if who:
            reading.whos.append(who)
        end = verbs[index + 1].start() if index + 1 < len(verbs) else len(sentence)
        _read_object(verb, sentence[verb.end() : end], reading)
        previous_end = verb.end()


def _loose(sentence: str, verbs: list[re.Match[str]]) -> bool:
    """A concurrence that names no recommendation but can only count them: "DHS concurred
    with all but one", "CBP concurred with six, but did not concur with two"."""
    ends = [v.start() for v in verbs[1:]] + [len(sentence)]
    return all(
        _LOOSE.match(sentence[verb.end() : end]) for verb, end in zip(verbs, ends, strict=True)
    )


def _read_object(verb: re.Match[str], obj: str, reading: _Reading) -> None:
    reading.clauses += 1
    if verb["partial"]:
        reading.unsure = True
        return
    negative = bool(verb["neg"])
    found = next(((n, m) for n, p in _OBJECTS if (m := p.match(obj))), None)
    if found is None:
        reading.unsure = True
        return
    name, match = found
    groups = match.groupdict()
    if name not in ("list", "all_but"):
        reading.numbered_only = False
    stated = next((number_value(groups[g]) for g in ("n", "n2", "t") if groups.get(g)), None)
    if stated is not None:
        reading.counts.add(stated)
    if name == "both":
        reading.counts.add(2)
    if name == "one":
        reading.counts.add(1)
    if name == "all_but" and not negative:
        items = _items(groups["klist"]) if groups["klist"] else None
        reading.all_but = len(items) if items is not None else number_value(groups["k"])
        if reading.all_but is None:
            reading.unsure = True
    elif name in ("all", "both", "findings", "one") or (name == "plural" and stated is None):
        if negative and name not in ("one", "plural"):
            reading.unsure = True  # "did not concur with all": some, but how many?
        elif negative:
            reading.neg_all = True
        else:
            reading.pos_all = True
    elif name == "any":
        if negative:
            reading.neg_all = True
        else:
            reading.unsure = True
    elif name == "list":
        items = _items(groups["list"])
        if items is None:
            reading.unsure = True
            return
        (reading.neg_items if negative else reading.pos_items).update(items)
        if negative:
            reading.neg += len(items)
        else:
            reading.pos += len(items)
    else:  # a count: "concurred with six", "with three of our four", "the two recommendations"
        value = number_value(groups.get("c") or groups.get("n") or "")
        if value is None:
            reading.unsure = True
        elif negative:
            reading.neg += value
        else:
            reading.pos += value


def _items(text: str) -> set[str] | None:
    """The recommendations a list names: "1 and 3" → {1, 3}; "1 through 3" → {1, 2, 3}."""
    parts = re.split(r"\s*(,\s*(?:and\s+)?|and\s+|&\s*|through\s+|to\s+|-\s*)", text.strip())
    items: set[str] = set()
    index = 0
    while index < len(parts):
        item = parts[index].strip().lower()
        value = number_value(item)
        ranged = index + 2 < len(parts) and parts[index + 1].strip() in ("through", "to", "-")
        if ranged:
            end = number_value(parts[index + 2].strip())
            if value is None or end is None or not value < end <= value + 50:
                return None
            items.update(str(n) for n in range(value, end + 1))
            index += 4
            continue
        items.add(str(value) if value is not None else item)
        index += 2
    return items or None


def _subject(before: str, lead: bool = False) -> str | None:
    """Who answered: the capitalized name just before the verb ("CBP", "The Department" → DHS,
    "CBP and TSA"); "generic" for "management", "it"; None when no name is there."""
    text = _ADVERBS.sub("", before.rstrip())
    acronym = re.search(r"\(([A-Z][A-Za-z&]{1,9})\)$", text)
    if acronym and not lead:  # "U.S. Customs and Border Protection (CBP) concurred"
        return _ALIASES.get(acronym.group(1).lower(), acronym.group(1))
    if lead:
        match = re.match(r"\s*((?:[A-Z][\w&.'-]*|&)(?:\s+(?:[A-Z][\w&.'-]*|and|of|&|the))*)", text)
    else:
        match = _SUBJECT.search(text)
    if not match:
        return "generic" if re.search(r"\b(?:it|they|management)\s*$", text, re.I) else None
    words = match.group(1).split()
    while words and words[0].lower() in ("the", "both", "and", "however", "also", "in", "u.s."):
        words = words[1:]
    while words and words[-1].lower() in ("and", "of", "&", "the", "for"):
        words = words[:-1]
    if words and words[0].lower() == "united" and len(words) > 1:
        words = words[1:]
    name = " ".join(words).rstrip(".,")
    key = name.lower()
    if not name or key in _GENERIC:
        return "generic"
    if key in ("we", "our", "oig"):
        return "oig"
    if key in _ALIASES:
        return _ALIASES[key]
    if len(words) > 5 or len(name) > 40 or any(ch.isdigit() for ch in name):
        return None
    return name


def _judge(reading: _Reading, component: str | None) -> KeyFacts:
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
    concurred, phrase = _response(reading, total)
    if phrase is None:
        return KeyFacts(total)
    both = reading.pos_items and reading.neg_items and not reading.pos_items & reading.neg_items
    if total is None and reading.numbered_only and both:
        named = reading.pos_items | reading.neg_items
        if named == {str(n) for n in range(1, len(named) + 1)}:
            total = len(named)
            concurred, phrase = _response(reading, total)
    if total is not None and concurred is not None and concurred > total:
        return KeyFacts(total)
    text = f"{who} {phrase}" if who else phrase
    return KeyFacts(total, concurred, text if phrase else None)


def _response(reading: _Reading, total: int | None) -> tuple[int | None, str | None]:
    """How many were concurred with, and the phrase: "concurred with all", "... 1 of 2"."""
    pos, neg = reading.pos, reading.neg
    if reading.pos_items & reading.neg_items:
        return None, None
    if reading.all_but is not None:
        if pos or neg or reading.pos_all or reading.neg_all or reading.all_but < 1:
            return None, None
        if total is None:
            return None, f"concurred with all but {reading.all_but}"
        if reading.all_but >= total:
            return None, None
        return total - reading.all_but, f"concurred with {total - reading.all_but} of {total}"
    if reading.pos_all:
        if pos or neg or reading.neg_all:
            return None, None
        return total, "concurred" if total == 1 else "concurred with all"
    if reading.neg_all:
        if pos or neg:
            return None, None
        return 0, "did not concur"
    if pos and neg:
        if total is None:
            return pos, f"concurred with {pos} and did not concur with {neg}"
        if pos + neg > total:
            return None, None
        return pos, f"concurred with {pos} of {total}"
    if pos:
        if total is None:
            return pos, f"concurred with {pos}"
        if pos > total:
            return None, None
        return pos, "concurred" if pos == total == 1 else "concurred with all" if pos == total else f"concurred with {pos} of {total}"  # fmt: skip
    if neg:
        if total is None:
            return None, f"did not concur with {neg}"
        if neg > total:
            return None, None
        return (0, "did not concur") if neg == total else (None, f"did not concur with {neg} of {total}")  # fmt: skip
    return None, None


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

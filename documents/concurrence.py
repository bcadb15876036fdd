"""How a component answered the OIG's recommendations, read sentence by sentence (pure).

``read_response`` collects what each "concur" clause says into a ``Reading``: who answered
(the capitalized name before the verb), and what it concurred or did not concur with ("all
four recommendations", "recommendation 2", "recommendations 1 and 3", "six", "three of our
four recommendations", "all but one"). A clause it cannot read makes the reading unsure, and
an unsure reading states no response. ``documents.facts`` judges the reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

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
_ITEM = rf"(?:\d{{1,3}}[a-z]?\b|{_NUMWORD})"
_LIST = rf"{_ITEM}(?:\s*(?:,\s*(?:and\s+)?|and\s+|&\s*|through\s+|to\s+|-\s*){_ITEM})*"

ELSEWHERE = re.compile(
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
_END = r"(?=\s*(?:[,.;]|$|(?:but|and|while|whereas)\b))"  # a bare "with all", "with six"
_OF = r"(?:(?:of\s+)?(?:(?:our|the|its|these|those|OIG's|OIG)\s+))?"
_OBJECT_PATTERNS = (
    ("all_but", rf"\s*with\s+all\s+{_OF}(?:recommendations\s+)?(?:,\s*)?(?:but|except(?:\s+for)?)\s+(?:(?P<k>{NUM})(?:\s+of\s+{_OF}recommendations\b)?|recommendations?\s+(?P<klist>{_LIST}))"),
    ("all", rf"\s*with\s+(?:all|each)\s+(?:(?P<n>{NUM})\s+)?{_OF}(?:(?P<n2>{NUM})\s+)?recommendations\b"),
    ("all", rf"\s*with\s+all(?:\s+(?P<n>{NUM}))?(?:\s+of\s+them)?{_END}"),
    ("both", rf"\s*with\s+both(?:\s+{_OF}recommendations\b|(?:\s+of\s+them)?{_END})"),
    ("findings", rf"\s*with\s+(?:all\s+)?{_OF}(?:findings|conclusions)\s+and\s+(?:all\s+)?{_OF}(?:(?P<n>{NUM})\s+)?recommendations\b"),
    ("list", rf"\s*with\s+(?:(?:our|the)\s+)?recommendations?\s+(?:number\s+|no\.\s*)?(?P<list>{_LIST})"),
    ("any", rf"\s*with\s+(?:any|none)\s+{_OF}recommendations\b"),
    ("count", rf"\s*with\s+(?P<c>{NUM})(?:\s+of\s+(?:(?:our|the|its)\s+)?(?:(?P<t>{NUM})\s+)?recommendations\b|\s+recommendations?\b|(?=\s*(?:[,.;]|$|(?:but|and|while|whereas)\b)))"),
    ("one", r"\s*with\s+(?:our|the|this|that|its|OIG's)\s+recommendation\b(?!s)"),
    ("plural", rf"\s*with\s+(?:(?:our|the|its|these|those|OIG's)\s+)?(?:(?P<n>{NUM})\s+)?recommendations\b"),
)  # fmt: skip
_LOOSE = rf"\s*with\s+(?:all(?:\s+but)?\s+{NUM}|all|both|{NUM})(?:\s+of\s+them)?{_END}"


@cache
def _objects() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The objects a "concur" clause can have, compiled on the first clause read (most summaries
    have none: printing them compiles none)."""
    return tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in _OBJECT_PATTERNS)


@cache
def _loose_object() -> re.Pattern[str]:
    return re.compile(_LOOSE, re.IGNORECASE)


_ALIASES = {
    "department": "DHS", "department of homeland security": "DHS", "homeland security": "DHS",
    "customs and border protection": "CBP", "immigration and customs enforcement": "ICE",
    "federal emergency management agency": "FEMA", "transportation security administration": "TSA",
    "citizenship and immigration services": "USCIS", "states secret service": "Secret Service",
    "cybersecurity and infrastructure security agency": "CISA", "coast guard": "Coast Guard",
    "states coast guard": "Coast Guard", "secret service": "Secret Service",
}  # fmt: skip
_GENERIC = {"management", "component", "agency", "officials", "it", "they", "leadership"}


@dataclass(slots=True)
class Reading:
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


def read_response(sentence: str, reading: Reading) -> None:
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
    if ELSEWHERE.search(sentence):
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
        _loose_object().match(sentence[verb.end() : end])
        for verb, end in zip(verbs, ends, strict=True)
    )


def _read_object(verb: re.Match[str], obj: str, reading: Reading) -> None:
    reading.clauses += 1
    if verb["partial"]:
        reading.unsure = True
        return
    negative = bool(verb["neg"])
    found = next(((n, m) for n, p in _objects() if (m := p.match(obj))), None)
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


def answer(reading: Reading, total: int | None) -> tuple[int | None, str | None]:
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

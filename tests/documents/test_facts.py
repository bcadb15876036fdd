"""Key facts: the phrasings read, the ones refused, and properties over any text (Hypothesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from documents.facts import KeyFacts, fact_changes, facts_changes, facts_line, key_facts

ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spelled(n: int) -> str:
    """A number as a report writes it in words (1..99), written here independently of the code."""
    if n < 10:
        return ONES[n - 1]
    if n < 20:
        return TEENS[n - 10]
    tens, ones = divmod(n, 10)
    return TENS[tens - 2] + (f"-{ONES[ones - 1]}" if ones else "")


def facts(text: str, component: str | None = None) -> tuple[Any, ...]:
    found = key_facts(text, component)
    return (found.recommendations, found.concurred, found.response)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We made four recommendations.", (4, None, None)),
        (
            "We made 10 recommendations. ICE concurred with all 10.",
            (10, 10, "ICE concurred with all"),
        ),
        ("We made eleven recommendations.", (11, None, None)),
        ("We made twenty-one recommendations.", (21, None, None)),
        ("We made one recommendation. CBP concurred.", (1, None, None)),
        (
            "We made a single recommendation. FEMA concurred with the recommendation.",
            (1, 1, "FEMA concurred"),
        ),
        ("This report contains no recommendations.", (0, None, None)),
        ("This report does not contain recommendations.", (0, None, None)),
        ("KPMG LLP did not make any recommendations.", (0, None, None)),
        (
            "We made four recommendations. ICE concurred with recommendations 1 through 3 and did"
            " not concur with recommendation 4.",
            (4, 3, "ICE concurred with 3 of 4"),
        ),
        (
            "DHS concurred with recommendation two but did not concur with recommendation one.",
            (2, 1, "DHS concurred with 1 of 2"),
        ),
        (
            "We made five recommendations. DHS concurred with all but one.",
            (5, 4, "DHS concurred with 4 of 5"),
        ),
        (
            "TSA concurred with all but one of our recommendations.",
            (None, None, "TSA concurred with all but 1"),
        ),
        ("We made three recommendations. FEMA did not concur with any of them.", (3, None, None)),
        (
            "We made three recommendations. FEMA did not concur with the recommendations.",
            (3, 0, "FEMA did not concur"),
        ),
        (
            "We made two recommendations. U.S. Customs and Border Protection (CBP) concurred with"
            " both recommendations.",
            (2, 2, "CBP concurred with all"),
        ),
        (
            "We made two recommendations. The Department of Homeland Security concurred with both.",
            (2, 2, "DHS concurred with all"),
        ),
        (
            "We made 3 recommendations. Management concurred with all three recommendations.",
            (3, 3, "ICE concurred with all"),
        ),
    ],
)
def test_phrasings_that_state_the_facts(text: str, expected: tuple[Any, ...]) -> None:
    assert facts(text, "ICE") == expected


@pytest.mark.parametrize(
    "text",
    [
        # two counts that disagree: one of them is about something else
        "We made four recommendations. FEMA concurred with all five recommendations.",
        # another report's numbers
        "In our prior report, we made six recommendations; CBP concurred with all six.",
        "In 2019, we made six recommendations.",
        # two components answering
        "We made 4 recommendations. DHS concurred with recommendations 1 and 2. ICE concurred with recommendation 3.",
        # partial concurrence
        "We made two recommendations. DHS partially concurred with recommendation 1 and concurred with recommendation 2.",
        # "did not concur with all": some, not how many
        "We made two recommendations. DHS did not concur with all recommendations.",
        # not the OIG making recommendations
        "Covert testing groups do not make recommendations.",
        "FEMA only recommends that vendors include these capabilities.",
        "DHS concurred with our findings.",
    ],
)
def test_ambiguous_text_states_no_response(text: str) -> None:
    found = key_facts(text)
    assert found.concurred is None and found.response is None
    if "prior" in text or "2019" in text or "four recommendations. FEMA" in text:
        assert found.empty  # the count is not trusted either


def test_a_count_split_between_components_is_not_the_total() -> None:
    text = "We made two recommendations to CBP and one to ICE. CBP and ICE concurred with all recommendations."  # fmt: skip
    assert facts(text) == (None, None, "CBP and ICE concurred with all")


def test_nothing_in_nothing_out() -> None:
    for text in (None, "", "   ", "A report about boats."):
        assert key_facts(text).empty
    assert facts_line(KeyFacts()) == ""


def test_the_line_and_its_changes() -> None:
    before = KeyFacts(4, 4, "DHS concurred with all")
    after = KeyFacts(5, 4, "DHS concurred with 4 of 5")
    assert facts_line(before) == "4 recommendations · DHS concurred with all"
    assert facts_line(KeyFacts(0)) == "no recommendations"
    assert facts_line(KeyFacts(1, None, None)) == "1 recommendation"
    assert facts_line(KeyFacts(None, None, "CBP did not concur")) == "CBP did not concur"
    assert facts_changes(before, after) == (
        "Recommendations: 4 → 5",
        "Response: DHS concurred with all → DHS concurred with 4 of 5",
    )
    assert facts_changes(before, before) == ()
    assert facts_changes(KeyFacts(), KeyFacts(2)) == ("Recommendations: not stated → 2",)
    assert [c.name for c in fact_changes(before, KeyFacts(4, 4, "DHS did not concur"))] == ["Response"]  # fmt: skip


def test_json_that_is_not_facts_reads_as_not_stated() -> None:
    assert KeyFacts.from_json(None) == KeyFacts()
    assert KeyFacts.from_json({"recommendations": True, "concurred": -1, "response": 5}) == KeyFacts()  # fmt: skip
    assert KeyFacts.from_json({"recommendations": 2, "concurred": 3}) == KeyFacts(2, None, None)
    assert KeyFacts.from_json({"response": "a\x1b[31m\u202eb"}).response == "a[31mb"


def test_scraped_markup_is_read_as_text_and_kept_out_of_the_response() -> None:
    text = "We made 2 recommendations. <!channel> concurred with both recommendations <script>."
    found = key_facts(text, "<b>CBP</b>")
    # plain text: each output escapes it (tests/notifier, tests/web)
    assert found == KeyFacts(2, 2, "<b>CBP</b> concurred with all")


WHO = st.sampled_from(["DHS", "ICE", "CBP", "FEMA", "TSA", "USCIS", "Coast Guard"])
FILLER = st.lists(
    st.sampled_from(
        [
            "CBP did not always protect MPC apps from cybersecurity threats.",
            "This occurred because the program lacked oversight.",
            "U.S. Customs and Border Protection inspected 1,300 pieces of mail in FY 2019.",
            "As a result, FEMA may have paid $751 million.",
        ]
    ),
    max_size=3,
)


def said(n: int, digits: bool) -> str:
    return str(n) if digits else spelled(n)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 99), digits=st.booleans(), before=FILLER, after=FILLER)
def test_a_stated_count_round_trips(n: int, digits: bool, before: list[str], after: list[str]) -> None:  # fmt: skip
    noun = "recommendation" if n == 1 else "recommendations"
    text = " ".join([*before, f"We made {said(n, digits)} {noun} to improve it.", *after])
    assert facts(text) == (n, None, None)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(2, 99), digits=st.booleans(), who=WHO, filler=FILLER)
def test_all_concurred_round_trips(n: int, digits: bool, who: str, filler: list[str]) -> None:
    text = " ".join(
        [
            f"We made {said(n, digits)} recommendations.",
            *filler,
            f"{who} concurred with all {said(n, digits)} recommendations.",
        ]
    )
    assert facts(text) == (n, n, f"{who} concurred with all")


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n=st.integers(2, 60), digits=st.booleans(), who=WHO)
def test_some_concurred_round_trips(data: st.DataObject, n: int, digits: bool, who: str) -> None:
    c = data.draw(st.integers(1, n - 1))
    text = (
        f"We made {said(n, digits)} recommendations. {who} concurred with {said(c, digits)} of the"
        f" recommendations and did not concur with {said(n - c, digits)}."
    )
    assert facts(text) == (n, c, f"{who} concurred with {c} of {n}")


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n=st.integers(2, 40), who=WHO, stated=st.booleans())
def test_numbered_concurrence_round_trips(
    data: st.DataObject, n: int, who: str, stated: bool
) -> None:
    c = data.draw(st.integers(1, n - 1))
    yes = "recommendation 1" if c == 1 else f"recommendations 1 through {c}"
    no = f"recommendation {n}" if c == n - 1 else f"recommendations {c + 1} through {n}"
    head = f"We made {spelled(n)} recommendations. " if stated else ""
    text = f"{head}{who} concurred with {yes} but did not concur with {no}."
    assert facts(text) == (n, c, f"{who} concurred with {c} of {n}")


KEYWORDS = st.sampled_from(
    [
        "We made", "recommendations", "recommendation", "concurred with", "did not concur",
        "all", "but", "one", "two", "twenty-one", "10", "of the", "non-concurred", "through",
        "DHS", "The Department", "no recommendations", ".", ",", " ", "prior", "(CBP)",
        "partially concurred", "declined to comment", "management response", "\u00a0", "–",
    ]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(st.one_of(KEYWORDS, st.text(max_size=12)), max_size=40), who=st.none() | st.text(max_size=20))  # fmt: skip
def test_any_text_reads_without_raising_and_within_bounds(parts: list[str], who: str | None) -> None:  # fmt: skip
    found = key_facts(" ".join(parts), who)
    for count in (found.recommendations, found.concurred):
        assert count is None or 0 <= count <= 999
    if found.recommendations is not None and found.concurred is not None:
        assert found.concurred <= found.recommendations
    assert KeyFacts.from_json(found.to_json()) == found
    assert isinstance(facts_line(found), str)


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.text(max_size=20), st.none() | st.integers() | st.text() | st.booleans()))  # fmt: skip
def test_any_json_reads_as_facts(data: dict[str, Any]) -> None:
    found = KeyFacts.from_json(data)
    if found.recommendations is not None and found.concurred is not None:
        assert found.concurred <= found.recommendations

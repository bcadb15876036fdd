"""Key facts read from the real summaries of ``fixture_site/data/dhs_oig_records.jsonl``.

The table below was written by reading each summary, not by running the code: every record whose
summary mentions recommendations or concurrence, and some that mention neither. Where a summary
does not say a fact plainly, the expected value is None (the newsroom must never see a wrong one).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from documents.facts import KeyFacts, facts_line, key_facts

DATA = Path(__file__).resolve().parents[2] / "fixture_site" / "data" / "dhs_oig_records.jsonl"
RECORDS: dict[str, dict[str, Any]] = {
    record["report_number"]: record
    for record in (json.loads(line) for line in DATA.read_text().splitlines() if line.strip())
}

# report number → (recommendations, concurred, response), read by hand
EXPECTED: dict[str, tuple[int | None, int | None, str | None]] = {
    # "KPMG made 19 recommendations"; "two areas", "four areas", "two laws" are not counts of them
    "OIG-22-08": (19, None, None),
    "OIG-15-24": (0, None, None),  # "KPMG LLP did not make any recommendations"
    "OIG-20-18": (0, None, None),  # "We made no recommendations."
    # "We recommended the DHS CIO strengthen oversight ... DHS concurred with our recommendation."
    "OIG-25-28": (1, 1, "DHS concurred"),
    "OIG-20-20": (4, 4, "FEMA concurred with all"),
    # "We made one recommendation ... The Department concurred with the recommendation"
    "OIG-22-02": (1, 1, "DHS concurred"),
    "OIG-21-56": (10, 10, "USCIS concurred with all"),  # "concurred with all 10 recommendations"
    "OIG-21-37": (0, None, None),  # "We made no recommendations in the summary report."
    # "DHS concurred with recommendation two ... but did not concur with recommendation one"
    "OIG-20-66": (2, 1, "DHS concurred with 1 of 2"),
    "OIG-21-31": (2, 2, "DHS concurred with all"),  # "concurred with both recommendations"
    "OIG-16-29": (0, None, None),
    "OIG-21-33": (2, 2, "DHS concurred with all"),
    # "We made seven recommendations ... DHS provided a management response, but declined to
    # comment"
    "OIG-20-80": (7, None, "DHS declined to comment"),
    # "We made two recommendations and CBP concurred with our recommendations"
    "OIG-17-60": (2, 2, "CBP concurred with all"),
    # "DHS concurred with recommendation 1 but did not concur with recommendation 2."
    "OIG-20-16": (2, 1, "DHS concurred with 1 of 2"),
    # "direct FEMA to recommend best practices", "FEMA only recommends ...": no count, no response
    "OIG-19-08": (None, None, None),
    "OIG-21-69": (3, 3, "DHS concurred with all"),
    "OIG-18-04": (5, None, None),  # "We are making five recommendations" (summary cut short)
    "OIG-20-34": (4, 4, "CBP and TSA concurred with all"),
    # "progress in implementing audit recommendations": not this report's
    "OIG-14-29": (None, None, None),
    "OIG-20-31": (1, None, None),  # one recommendation, no response stated
    "OIG-17-110": (4, 4, "FEMA concurred with all"),
    # "CBP concurred with six, but non-concurred with two of the recommendations."
    "OIG-21-27": (8, 6, "CBP concurred with 6 of 8"),
    "OIG-21-21": (3, 3, "CBP concurred with all"),
    # "DHS concurred with recommendation 2 but did not concur with recommendations 1 and 3."
    "OIG-20-52": (3, 1, "DHS concurred with 1 of 3"),
    "OIG-21-47": (8, 8, "CBP concurred with all"),
    # "CBP concurred with two of the recommendations and did not concur with one."
    "OIG-21-02": (3, 2, "CBP concurred with 2 of 3"),
    # "Covert testing groups do not make recommendations" is not the OIG making none
    "OIG-20-55": (7, 7, "CBP concurred with all"),
    "OIG-21-19": (4, 4, "CBP concurred with all"),  # "concurred with all our recommendations"
    # no "We made ..." sentence: "CBP concurred with all three of our recommendations"
    "OIG-21-48": (3, 3, "CBP concurred with all"),
    "OIG-21-34": (2, 2, "CBP concurred with all"),  # "concurred with all recommendations"
    "OIG-20-35": (1, 1, "CBP concurred"),  # "CBP concurred with our recommendation."
    "OIG-21-62": (6, 6, "CBP concurred with all"),
    # "CBP concurred with three of our four recommendations."
    "OIG-20-79": (4, 3, "CBP concurred with 3 of 4"),
    "OIG-17-114": (7, 7, "CBP concurred with all"),  # "concurred with all seven of our ..."
    # summaries that mention neither: nothing to read
    "OIG-13-80": (None, None, None),
    "OIG-15-71": (None, None, None),
    "OIG-18-60": (None, None, None),
    "OIG-15-144": (None, None, None),
    "OIG-16-64": (None, None, None),
    "OIG-19-60": (None, None, None),
    "OIG-14-131": (None, None, None),
    "OIG-18-83": (None, None, None),
    # no summary on the listing at all
    "OIG-22-21": (None, None, None),
    "OIG-22-06": (None, None, None),
}


def test_the_table_covers_every_summary_that_speaks_of_recommendations() -> None:
    speaking = {
        number
        for number, record in RECORDS.items()
        if re.search(r"recommend|concur", record["summary"] or "", re.IGNORECASE)
    }
    assert speaking == {n for n, (r, c, s) in EXPECTED.items() if n in speaking}
    assert speaking <= set(EXPECTED)
    assert len(speaking) == 35


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_key_facts_of_a_real_summary(number: str) -> None:
    record = RECORDS[number]
    facts = key_facts(record["summary"], record["component"])
    assert (facts.recommendations, facts.concurred, facts.response) == EXPECTED[number]


def test_summaries_without_either_word_state_no_facts() -> None:
    for record in RECORDS.values():
        if not re.search(r"recommend|concur", record["summary"] or "", re.IGNORECASE):
            assert key_facts(record["summary"], record["component"]).empty, record["report_number"]


@pytest.mark.parametrize(
    ("number", "component", "line"),
    [
        ("OIG-21-56", "USCIS", "10 recommendations · USCIS concurred with all"),
        ("OIG-20-66", "USSS", "2 recommendations · DHS concurred with 1 of 2"),
        ("OIG-20-18", None, "no recommendations"),
        ("OIG-20-35", "CBP", "1 recommendation · CBP concurred"),
        ("OIG-18-04", "TSA", "5 recommendations"),
        ("OIG-20-80", "CBP", "7 recommendations · DHS declined to comment"),
        ("OIG-19-08", None, ""),
    ],
)
def test_the_line_a_reader_sees(number: str, component: str | None, line: str) -> None:
    assert facts_line(key_facts(RECORDS[number]["summary"], component)) == line


def test_the_facts_round_trip_through_json() -> None:
    for number in EXPECTED:
        facts = key_facts(RECORDS[number]["summary"])
        assert KeyFacts.from_json(json.loads(json.dumps(facts.to_json()))) == facts

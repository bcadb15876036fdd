"""Key facts on alerts: a new report's facts line in Slack, email, the console and the feeds, and
a revision's changed facts called out; scraped text in them escaped for each channel."""

from __future__ import annotations

import json
from typing import Any

from lxml import etree
from support.slack_payload import check_message

from notifier.console import render_text
from notifier.render.common import load_templates
from notifier.render.email import email_digest, email_message
from notifier.render.key_facts import change_lines, headline_facts, key_facts_json
from notifier.render.slack import slack_digest, slack_message
from web.feeds import atom_feed, json_feed, rss_feed

TEMPLATES = load_templates(names={"dhs-oig": "DHS OIG"})
# OIG-20-20's real summary, shortened
SUMMARY = (
    "Following Hurricane Maria, FEMA did not maximize the use of advance contracts. We made four"
    " recommendations to help FEMA improve its strategy for advance contracts. FEMA concurred with"
    " all four recommendations and described corrective actions it plans to take."
)
REVISED_SUMMARY = SUMMARY.replace("We made four", "We made five").replace(
    "FEMA concurred with all four recommendations", "FEMA concurred with four of our five recommendations"
)  # fmt: skip
LINE = "FEMA · 4 recommendations · FEMA concurred with all"
ATOM = "{http://www.w3.org/2005/Atom}"


def new_event(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": 11,
        "kind": "new",
        "source": "dhs-oig",
        "status": "published",
        "report_number": "OIG-20-20",
        "title": "FEMA Did Not Properly Use Advance Contracts",
        "url": "https://www.oig.dhs.gov/sites/default/files/assets/2020-03/OIG-20-20-Mar20.pdf",
        "listing_url": None,
        "issue_date": "2020-03-05",
        "fiscal_year": "2020",
        "components": ["FEMA"],
        "summary": SUMMARY,
        "labels": [],
        "changes": [],
        "detected_at": "2026-11-23T01:30:00+00:00",
        "report_key": "OIG-20-20",
        "detail_url": None,
        "labels_gained": [],
        "labels_lost": [],
    }
    event.update(fields)
    return event


def revised_event(**fields: Any) -> dict[str, Any]:
    change = {"field": "summary", "old": SUMMARY, "new": REVISED_SUMMARY}
    return new_event(
        **{
            "event_id": 12,
            "kind": "revised",
            "summary": REVISED_SUMMARY,
            "changes": [change],
            **fields,
        }
    )


def slack_texts(event: dict[str, Any]) -> list[str]:
    message = slack_message(event, TEMPLATES)
    check_message(message.text, message.blocks)
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section"]


def test_the_facts_line_reads_component_first() -> None:
    assert headline_facts(new_event()) == "4 recommendations · FEMA concurred with all"
    assert headline_facts(revised_event()) == ""  # a revision calls out changes instead
    assert headline_facts(new_event(summary="A report about boats.")) == ""


def test_slack_shows_the_facts_under_the_title_of_a_new_report() -> None:
    first = slack_texts(new_event())[0]
    assert f"*OIG-20-20* · {LINE} · issued 2020-03-05 · FY 2020" in first


def test_email_text_and_html_show_the_facts() -> None:
    mail = email_message(new_event(), TEMPLATES)
    assert f"OIG-20-20 · {LINE} · issued 2020-03-05" in mail.text
    assert f"OIG-20-20 · {LINE} · issued 2020-03-05" in mail.html
    digest = email_digest([new_event(), revised_event()], TEMPLATES, "DHS OIG")
    assert LINE in digest.text and "Recommendations: 4 → 5" in digest.text


def test_console_and_feeds_show_the_facts() -> None:
    assert render_text(new_event()).splitlines()[1] == f"  {LINE} · issued 2020-03-05 · FY 2020"
    events = [new_event(), revised_event()]
    atom = etree.fromstring(atom_feed(events, "http://127.0.0.1/feeds/changes.atom"))
    contents = [c.text for c in atom.iter(ATOM + "content")]
    assert contents[1].startswith("4 recommendations · FEMA concurred with all\n")
    assert contents[0].startswith(
        "Recommendations: 4 → 5\nResponse: FEMA concurred with all → FEMA concurred with 4 of 5\n"
    )
    rss = etree.fromstring(rss_feed(events, "http://127.0.0.1/feeds/changes.rss"))
    assert "Recommendations: 4 → 5<br>" in rss.findall(".//item/description")[0].text
    items = json.loads(json_feed(events, "http://127.0.0.1/feeds/changes.json"))["items"]
    assert items[1]["content_text"].startswith("4 recommendations · FEMA concurred with all")


def test_a_revision_that_changes_the_facts_calls_them_out_first() -> None:
    event = revised_event()
    assert change_lines(event) == [
        "Recommendations: 4 → 5",
        "Response: FEMA concurred with all → FEMA concurred with 4 of 5",
    ]
    sections = slack_texts(event)
    assert sections[1:3] == [
        "*Recommendations:* 4 → 5",
        "*Response:* FEMA concurred with all → FEMA concurred with 4 of 5",
    ]
    assert sections[3].startswith("*Summary* (~removed~ *added*)")
    mail = email_message(event, TEMPLATES)
    assert "* Recommendations: 4 → 5\n" in mail.text
    assert '<strong>Recommendations:</strong> <span dir="auto">4 → 5</span>' in mail.html
    assert "  Recommendations: 4 → 5" in render_text(event).splitlines()
    digest = slack_digest([event], TEMPLATES, "DHS OIG")
    assert "Recommendations: 4 → 5" in digest.blocks[1]["text"]["text"]


def test_a_revision_that_leaves_the_facts_says_nothing_of_them() -> None:
    reworded = SUMMARY.replace("Following Hurricane Maria", "After Hurricane Maria")
    event = revised_event(
        summary=reworded, changes=[{"field": "summary", "old": SUMMARY, "new": reworded}]
    )
    assert change_lines(event) == []
    assert not any("Recommendations" in s for s in slack_texts(event))
    title_only = revised_event(changes=[{"field": "title", "old": "A", "new": "B"}])
    assert change_lines(title_only) == []


def test_the_json_of_a_report_event_carries_its_facts() -> None:
    assert key_facts_json(new_event()) == {
        "key_facts": {"recommendations": 4, "concurred": 4, "response": "FEMA concurred with all"},
        "key_facts_changes": [],
    }
    assert key_facts_json(revised_event())["key_facts_changes"] == [
        {"fact": "recommendations", "old": 4, "new": 5},
        {"fact": "response", "old": "FEMA concurred with all", "new": "FEMA concurred with 4 of 5"},
    ]
    assert key_facts_json({"kind": "source_unhealthy", "summary": SUMMARY}) == {}


HOSTILE = "We made 2 recommendations. The component concurred with both recommendations."


def test_scraped_text_in_the_facts_is_escaped_for_each_channel() -> None:
    """The responder falls back to the event's component, scraped: it must not mention, link,
    format or run anything."""
    for component in ("<!channel>", "<script>alert(1)</script>", "*bold* _it_ ~x~ `c`"):
        event = new_event(components=[component], summary=HOSTILE)
        assert headline_facts(event) == f"2 recommendations · {component} concurred with all"
        first = slack_texts(event)[0]
        assert "<!channel>" not in first and "<script>" not in first
        assert "2 recommendations · " in first
        if component.startswith("*"):
            assert "∗bold∗ ˍitˍ ∼x∼ ˋcˋ concurred with all" in first
        mail = email_message(event, TEMPLATES)
        assert "<script>" not in mail.html and "<!channel>" not in mail.html
        if "<" in component:
            assert f"2 recommendations · {component.replace('<', '&lt;').replace('>', '&gt;')}" in mail.html  # fmt: skip
        atom = atom_feed([event], "http://127.0.0.1/feeds/changes.atom")
        assert b"<script>" not in atom and b"<!channel>" not in atom


def test_control_characters_in_the_summary_never_reach_the_line() -> None:
    event = new_event(summary="We made \x1b[31mfour\x1b[0m recommendations.\u202e CBP\x00 concurred with all four recommendations.")  # fmt: skip
    line = headline_facts(event)
    assert "\x1b" not in line and "\u202e" not in line and "\x00" not in line
    assert line == "4 recommendations · CBP concurred with all"
    mail = email_message(event, TEMPLATES)
    assert "\x1b" not in mail.text and "\u202e" not in mail.html


def test_a_new_report_without_stated_facts_in_its_summary_takes_its_pdfs() -> None:
    from_pdf = {"recommendations": 4, "concurred": 4, "response": "FEMA concurred with all"}
    event = new_event(summary="The program office did not track its grants.",
                      pdf_key_facts=from_pdf)  # fmt: skip
    assert headline_facts(event) == "4 recommendations · FEMA concurred with all"
    assert key_facts_json(event)["key_facts"] == from_pdf
    stated = new_event(pdf_key_facts=from_pdf)  # the summary states its own facts: they win
    assert headline_facts(stated) == headline_facts(new_event())
    hostile = new_event(summary=None, pdf_key_facts={"recommendations": "four", "concurred": -1,
                                                     "response": ["<!channel>"]})  # fmt: skip
    assert headline_facts(hostile) == "", "stored JSON of the wrong shape states nothing"


def test_a_replaced_pdf_whose_facts_moved_is_called_out_like_a_summary() -> None:
    four = {"recommendations": 4, "concurred": 4, "response": "FEMA concurred with all"}
    five = {"recommendations": 5, "concurred": 5, "response": "FEMA concurred with all"}
    event = new_event(kind="revised", summary=None, pdf_key_facts_before=four,
                      pdf_key_facts=five)  # fmt: skip
    assert change_lines(event) == ["Recommendations: 4 → 5"]
    assert key_facts_json(event)["key_facts_changes"] == [
        {"fact": "recommendations", "old": 4, "new": 5},
        {"fact": "concurred", "old": 4, "new": 5},
    ]
    assert change_lines({**event, "pdf_key_facts_before": "four"}) == []

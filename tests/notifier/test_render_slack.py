"""Slack Block Kit rendering: what a reporter reads, within Slack's limits."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from support.slack_payload import check_message

from notifier.render.common import load_templates
from notifier.render.slack import SlackMessage, escape_slack, slack_digest, slack_message

TEMPLATES = load_templates(names={"dhs-oig": "DHS OIG"})  # the shipped display name
OLD_TITLE = (
    "CBP Did Not Fully Implement the Requirements of the Synthetic Opioid Exposure "
    "Prevention and Training Act"
)
PDF = "https://www.oig.dhs.gov/sites/default/files/assets/2023-10/OIG-24-01-Oct23.pdf"
LISTING = "https://www.oig.dhs.gov/reports/audits-inspections-and-evaluations"


def event(**changes: Any) -> dict[str, Any]:
    """A documented `revised` event (docs/cli.md), with ``changes`` overriding its fields."""
    base: dict[str, Any] = {
        "event_id": 7,
        "kind": "revised",
        "source": "dhs-oig",
        "status": "published",
        "report_number": "OIG-24-01",
        "title": OLD_TITLE + " (Revised)",
        "url": PDF,
        "listing_url": LISTING,
        "issue_date": "2023-10-20",
        "fiscal_year": "2024",
        "components": ["CBP"],
        "summary": "CBP did not train all officers exposed to fentanyl.",
        "labels": ["revised"],
        "changes": [{"field": "title", "old": OLD_TITLE, "new": OLD_TITLE + " (Revised)"}],
        "detected_at": "2026-11-23T01:30:00+00:00",
        "report_key": "OIG-24-01",
        "detail_url": None,
        "labels_gained": ["revised"],
        "labels_lost": [],
    }
    base.update(changes)
    return base


def texts(message: SlackMessage) -> list[str]:
    """Every text Slack would show: the fallback, headers, sections and context elements."""
    found = [message.text]
    for block in message.blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [element["text"] for element in block.get("elements", [])]
    return found


def sections(message: SlackMessage) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section"]


def test_escape_slack() -> None:
    assert escape_slack("<!channel> & <@U123>") == "&lt;!channel&gt; &amp; &lt;@U123&gt;"
    assert escape_slack("a\x00b\x1b\x9f\u202ec\nd") == "abc\nd"
    assert escape_slack(None) == ""
    assert escape_slack("&amp;") == "&amp;amp;"


def test_revised_title_redline_inserts_revised_and_keeps_the_old_title() -> None:
    message = slack_message(event(), TEMPLATES)
    change = sections(message)[1]
    assert change == f"*Title* (~removed~ *added*)\n{OLD_TITLE} *(Revised)*"
    assert message.blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": f"Revised: OIG-24-01 {OLD_TITLE} (Revised)"},
    }
    assert 'Marked: gained "(Revised)"' in sections(message)[0]


def test_retitle_strikes_old_words_and_bolds_new_ones() -> None:
    old, new = (
        "ICE Did Not Adequately Oversee Detention",
        "ICE Did Not Effectively Oversee Detention",
    )
    message = slack_message(event(changes=[{"field": "title", "old": old, "new": new}]), TEMPLATES)
    assert sections(message)[1].endswith("ICE Did Not ~Adequately~ *Effectively* Oversee Detention")


def test_summary_edit_is_word_level_and_replaces_the_summary_section() -> None:
    old = "We made 3 recommendations to improve training; CBP concurred with 2."
    new = "We made 4 recommendations to improve training; CBP concurred with all."
    message = slack_message(
        event(summary=new, changes=[{"field": "summary", "old": old, "new": new}]), TEMPLATES
    )
    facts, body = sections(message)[1:3], sections(message)[3]
    assert facts == [  # the key facts the edit changed come first
        "*Recommendations:* 3 → 4",
        "*Response:* CBP concurred with 2 of 3 → CBP concurred with all",
    ]
    assert body.endswith(
        "We made ~3~ *4* recommendations to improve training; CBP concurred with ~2.~ *all.*"
    )
    assert not any(s.startswith("*Summary:*") for s in sections(message))


def test_long_summary_redline_shows_the_change_in_context_within_limits() -> None:
    words = " ".join(f"finding{i}" for i in range(1500))
    new = words.replace("finding700 ", "finding700 NOT ")
    message = slack_message(
        event(changes=[{"field": "summary", "old": words, "new": new}]), TEMPLATES
    )
    body = sections(message)[1]
    assert "finding700 *NOT* finding701" in body
    assert body.count("…") == 2
    assert len(body) < 3000


def test_other_fields_read_old_to_new() -> None:
    changes = [
        {"field": "issue_date", "old": "2023-10-20", "new": "2023-10-27"},
        {"field": "pdf_content", "old": "a" * 64, "new": "b" * 64},
        {"field": "components", "old": ["CBP"], "new": ["CBP", "ICE"]},
    ]
    found = sections(slack_message(event(changes=changes), TEMPLATES))
    assert "*Issue date:* 2023-10-20 → 2023-10-27" in found
    assert "*PDF file:* PDF file replaced (sha256 aaaaaaaaaaaa… → bbbbbbbbbbbb…)" in found
    assert "*Components:* added ICE" in found


def test_new_report_shows_facts_summary_and_links() -> None:
    message = slack_message(event(kind="new", changes=[], labels_gained=[], labels=[]), TEMPLATES)
    intro, summary = sections(message)
    assert (
        intro == f"*<{PDF}|{OLD_TITLE} (Revised)>*\n*OIG-24-01* · CBP · issued 2023-10-20 · FY 2024"
    )
    assert summary == "*Summary:* CBP did not train all officers exposed to fentanyl."
    context = message.blocks[-1]["elements"][0]["text"]
    assert (
        context
        == f"<{PDF}|PDF> · <{LISTING}|Listing> · detected Nov 22, 2026, 8:30 PM EST · DHS OIG"
    )
    assert message.text.startswith("New: OIG-24-01 CBP Did Not")


@pytest.mark.parametrize("url", [PDF, None])
@pytest.mark.parametrize("title", ["", None, "  "])
def test_a_report_without_a_title_says_so_instead_of_an_empty_bold(
    title: str | None, url: str | None
) -> None:
    message = slack_message(event(kind="new", title=title, url=url, changes=[]), TEMPLATES)
    intro = sections(message)[0]
    assert "**" not in intro and "|>" not in intro
    heading = intro.splitlines()[0]
    assert heading == (
        f"*<{url}|(no title on the listing)>*" if url else "*(no title on the listing)*"
    )


@pytest.mark.parametrize("listing", [None, "absent"])
def test_missing_listing_url_is_omitted(listing: str | None) -> None:
    ev = event(listing_url=listing)
    if listing == "absent":
        del ev["listing_url"]
    assert "Listing" not in json.dumps(slack_message(ev, TEMPLATES).blocks)


def test_summary_is_trimmed_near_700_characters() -> None:
    message = slack_message(event(kind="new", changes=[], summary="word " * 2000), TEMPLATES)
    summary = sections(message)[-1]
    assert summary.endswith("word…")
    assert 690 <= len(summary.removeprefix("*Summary:* ")) <= 700


@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        (
            "source_unhealthy",
            {"reason": "HTTP 503 on page 0"},
            "`dhs-oig` is unhealthy: `HTTP 503 on page 0`",
        ),
        ("source_recovered", {}, "`dhs-oig` is healthy again."),
        (
            "bulk_hold",
            {"held": 30, "limit": 25, "report_numbers": ["OIG-24-01", "OIG-24-02"], "event_id": 42},
            "30 new reports from `dhs-oig` are held (limit 25). "
            "Release them with `oigwatch release 42`.",
        ),
        (
            "delivery_failed",
            {"target": "slack:#oig_news", "error": "channel_not_found", "event_id": 9},
            "Event 9 could not be delivered to `slack:#oig_news`: `channel_not_found`",
        ),
    ],
)
def test_ops_events_are_short_and_plain(kind: str, extra: dict[str, Any], expected: str) -> None:
    ops = {
        "kind": kind,
        "source": "dhs-oig",
        "detected_at": "2026-11-23T01:30:00+00:00",
        "changes": [],
    }
    message = slack_message({**ops, **extra}, TEMPLATES)
    assert sections(message)[0].startswith(expected)
    assert len(message.blocks) == 3  # header, one section, context
    check_message(message.text, message.blocks)


def test_digest_of_a_few_events() -> None:
    events = [
        event(kind="new", changes=[], labels_gained=[]),
        event(),
        event(kind="removed", changes=[]),
    ]
    message = slack_digest(events, TEMPLATES, "DHS OIG")
    assert message.blocks[0]["text"]["text"] == "DHS OIG: 3 changes"
    assert message.text == "DHS OIG: 3 changes: 1 new, 1 revised, 1 pulled"
    items = sections(message)
    assert len(items) == 3
    assert items[0].startswith(f"*<{PDF}|New: OIG-24-01 ")
    assert "CBP · issued 2023-10-20 · FY 2024 · Revised" in items[0]
    assert items[0].endswith("CBP did not train all officers exposed to fentanyl.")
    assert items[1].endswith(
        'gained "(Revised)" · Title: … Prevention and Training Act *(Revised)*'
    )


@pytest.mark.parametrize("count", [1, 48, 49, 50, 60, 500])
def test_digest_never_exceeds_50_blocks(count: int) -> None:
    events = [event(report_number=f"OIG-24-{i:02d}") for i in range(count)]
    message = slack_digest(events, TEMPLATES, "DHS OIG")
    assert len(message.blocks) == min(count + 1, 50)
    check_message(message.text, message.blocks)
    if count > 49:
        assert sections(message)[-1] == (f"…and {count - 48} more changes (see `oigwatch changes`)")


def test_digest_of_60_huge_events_stays_within_every_limit() -> None:
    huge = event(
        title="Title " * 1000,
        summary="word " * 2000,
        changes=[
            {"field": "title", "old": "Old " * 1000, "new": "New " * 1000},
            {"field": "summary", "old": "a " * 5000, "new": "b " * 5000},
            {"field": "components", "old": ["X" * 3000], "new": ["Y" * 3000]},
        ],
    )
    message = slack_digest([huge] * 60, TEMPLATES, "DHS OIG")
    assert len(message.blocks) <= 50
    assert sum(len(t) for t in texts(message)) < 40_000
    assert re.fullmatch(r"…and \d+ more changes \(see `oigwatch changes`\)", sections(message)[-1])
    check_message(message.text, message.blocks)


def test_single_message_with_many_huge_changes_stays_within_limits() -> None:
    changes = [{"field": "summary", "old": "a " * 5000, "new": "b " * 5000}] * 80
    message = slack_message(event(title="T " * 3000, changes=changes), TEMPLATES)
    assert len(message.blocks) <= 50
    assert all(len(s) <= 3000 for s in sections(message))
    assert "…and 40 more changed fields" in sections(message)
    check_message(message.text, message.blocks)


def test_newsroom_can_reword_slack_sections(tmp_path: Path) -> None:
    (tmp_path / "slack").mkdir()
    (tmp_path / "slack" / "summary.md.j2").write_text(
        "{% if summary %}_Abstract:_ {{ summary }}{% endif %}"
    )
    message = slack_message(
        event(kind="new", changes=[], summary="Hi <!here>"), load_templates(str(tmp_path))
    )
    assert sections(message)[-1] == "_Abstract:_ Hi &lt;!here&gt;"

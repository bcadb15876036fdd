"""A bulk hold as every channel shows it: one site-wide sentence, or counts per kind and examples."""

from __future__ import annotations

from typing import Any

from support.slack_payload import check_message

from notifier.console import render_text
from notifier.render.bulk import bulk_counts
from notifier.render.common import headline, load_templates
from notifier.render.email import email_digest, email_message
from notifier.render.slack import slack_digest, slack_message

TEMPLATES = load_templates(names={"dhs-oig": "DHS OIG"})  # the shipped display name
OLD = "/sites/default/files/assets/2014/OIG_14-131_Jun14.pdf"
NEW = "/sites/default/files/assets/migrated/OIG_14-131_Jun14.pdf"
RELEASE = "Held: run `oigwatch release 123` to announce them one by one."


def example(kind: str, number: str | None, **fields: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "report_number": number,
        "report_key": number or "t:cbp-report",
        "title": f"CBP report {number}",
        "changes": [],
        "labels_gained": [],
        "labels_lost": [],
        **fields,
    }


def hold(**fields: Any) -> dict[str, Any]:
    """A `bulk_hold` event as crawler/bulk.py writes it, with ``fields`` overriding it."""
    event: dict[str, Any] = {
        "event_id": 123,
        "kind": "bulk_hold",
        "source": "dhs-oig",
        "status": "published",
        "detected_at": "2026-11-23T01:30:00+00:00",
        "changes": [],
        "held": 518,
        "limit": 25,
        "report_numbers": ["OIG-14-131", "OIG-14-132"],
        "counts": {"revised": 518},
        "fields": {"pdf_url": 518},
        "examples": [
            example("revised", "OIG-14-131", changes=[{"field": "pdf_url", "old": OLD, "new": NEW}])
        ],
        "site_wide": True,
        "site_wide_field": "pdf_url",
    }
    event.update(fields)
    return event


MIXED = hold(
    held=70,
    counts={"new": 30, "removed": 40},
    fields={},
    site_wide=False,
    site_wide_field=None,
    examples=[example("new", "OIG-26-01"), example("removed", None)],
)
REVISIONS = hold(
    held=40,
    counts={"revised": 40},
    fields={"title": 20, "labels_gained:revised": 20, "summary": 20},
    site_wide=False,
    site_wide_field=None,
    examples=[
        example(
            "revised",
            "OIG-24-01",
            changes=[
                {"field": "title", "old": "Old", "new": "New"},
                {"field": "summary", "old": "a", "new": "b"},
                {"field": "issue_date", "old": "2023-10-20", "new": "2023-10-21"},
                {"field": "fiscal_year", "old": "2023", "new": "2024"},
            ],
            labels_gained=["revised"],
        )
    ],
)


def slack_texts(event: dict[str, Any]) -> list[str]:
    message = slack_message(event, TEMPLATES)
    check_message(message.text, message.blocks)
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section"]


def test_site_wide_change_reads_as_one_sentence_everywhere() -> None:
    event = hold()
    sentence = f"the PDF link of 518 reports changed (e.g. OIG-14-131: {OLD} → {NEW})."
    assert render_text(event).splitlines() == [
        f"[Held for release] dhs-oig: Site-wide change: {sentence}",
        f"  {RELEASE}",
    ]
    assert headline(event, 200) == (
        "Held for release: site-wide change to the PDF link of 518 reports from dhs-oig"
    )
    [section] = slack_texts(event)
    slack_sentence = sentence.replace("_", "ˍ")  # mrkdwn markers in scraped text are look-alikes
    assert section == f"Site-wide change on `dhs-oig`: {slack_sentence}\n{RELEASE}"
    mail = email_message(event, TEMPLATES)
    assert (
        mail.subject
        == "[DHS OIG] Held for release: site-wide change to the PDF link of 518 reports from dhs-oig"
    )
    assert " ".join(mail.text.split()).count(f"Site-wide change on dhs-oig: {sentence}") == 1
    assert RELEASE in mail.text
    assert "<strong>Site-wide change</strong> on <strong>dhs-oig</strong>" in mail.html
    assert "OIG-14-131" not in mail.text.split(RELEASE)[1], "no list of numbers"


def test_site_wide_change_names_other_kinds_held_with_it() -> None:
    event = hold(held=548, counts={"revised": 518, "removed": 30})
    assert "  Also held: 30 pulled." in render_text(event).splitlines()
    assert "Also held (limit 25): 30 pulled." in slack_texts(event)[0]
    assert "Also held (limit 25): 30 pulled." in email_message(event, TEMPLATES).text


def test_a_site_wide_marker_and_a_site_wide_date() -> None:
    marker = hold(
        fields={"labels_gained:revised": 518},
        site_wide_field="labels_gained:revised",
        examples=[example("revised", "OIG-14-131", labels_gained=["revised"])],
    )
    assert 'the markers of 518 reports changed (gained "(Revised)") (e.g. OIG-14-131)' in (
        render_text(marker)
    )
    dates = hold(
        fields={"issue_date": 500, "title": 3},
        site_wide_field="issue_date",
        examples=[
            example(
                "revised",
                "OIG-14-131",
                changes=[{"field": "issue_date", "old": "2014-06-30", "new": "06/30/2014"}],
            )
        ],
    )
    assert "the issue date of 500 reports changed (e.g. OIG-14-131: 2014-06-30 → 06/30/2014)" in (
        render_text(dates)
    )
    assert headline(dates, 200).endswith(
        "site-wide change to the issue date of 500 reports from dhs-oig"
    )


def test_plain_hold_lists_counts_per_kind_and_examples() -> None:
    lines = render_text(MIXED).splitlines()
    assert lines[0] == (
        "[Held for release] dhs-oig: 70 reports (30 new, 40 pulled) held (limit 25); "
        "release with `oigwatch release 123`"
    )
    assert lines[1:] == [
        "  e.g. New OIG-26-01 CBP report OIG-26-01",
        "  e.g. Pulled t:cbp-report CBP report None",
    ]
    assert headline(MIXED) == "Held for release: 70 reports from dhs-oig: 30 new, 40 pulled"
    first, *examples = slack_texts(MIXED)
    assert first.startswith(
        "70 reports from `dhs-oig` are held (limit 25): 30 new, 40 pulled. "
        "Release them with `oigwatch release 123`."
    )
    assert examples == [
        "e.g. New: *OIG-26-01* CBP report OIG-26-01",
        "e.g. Pulled: *t:cbp-report* CBP report None",
    ]
    mail = email_message(MIXED, TEMPLATES)
    assert "70 reports from dhs-oig are held (limit 25): 30 new, 40 pulled." in mail.text
    assert "* New: OIG-26-01 CBP report OIG-26-01" in mail.text
    assert "<strong>Pulled:</strong> t:cbp-report CBP report None</li>" in mail.html


def test_plain_hold_of_revisions_counts_fields_and_shows_what_changed() -> None:
    text = render_text(REVISIONS)
    assert text.splitlines()[0].startswith("[Held for release] dhs-oig: 40 revised reports held")
    assert 'fields changed: Title (20), Summary (20), marker gained "(Revised)" (20)' in text
    assert "    Title: Old → New" in text and "    Fiscal year" not in text
    assert "    …and 1 more field" in text
    [_, section] = slack_texts(REVISIONS)
    assert section.splitlines() == [
        "e.g. Revised: *OIG-24-01* CBP report OIG-24-01",
        "*Title:* Old → New",
        "*Summary:* a → b",
        "*Issue date:* 2023-10-20 → 2023-10-21",
        "…and 1 more field",
        'Marked: gained "(Revised)"',
    ]
    mail = email_message(REVISIONS, TEMPLATES)
    assert "40 revised reports from dhs-oig are held (limit 25)." in mail.text
    assert "  Issue date: 2023-10-20 → 2023-10-21" in mail.text
    assert "Title: Old → New<br>" in mail.html


def test_a_hold_recorded_before_counts_still_reads_as_new_reports() -> None:
    legacy = {k: v for k, v in hold(held=30).items() if k not in ("counts", "fields", "examples")}
    legacy.pop("site_wide"), legacy.pop("site_wide_field")
    assert bulk_counts(legacy) == {"new": 30}
    assert headline(legacy) == "Held for release: 30 new reports from dhs-oig"
    assert render_text(legacy).startswith("[Held for release] dhs-oig: 30 new reports held")
    assert slack_texts(legacy)[0].startswith("30 new reports from `dhs-oig` are held (limit 25).")


def test_one_held_report_is_singular() -> None:
    one = hold(held=1, counts={"removed": 1}, site_wide=False, site_wide_field=None, examples=[])
    assert slack_texts(one)[0].startswith("1 pulled report from `dhs-oig` is held (limit 25).")


def test_digests_carry_the_summary_line() -> None:
    [_, section] = slack_digest([hold()], TEMPLATES, "DHS OIG").blocks
    assert "Site-wide change: the PDF link of 518 reports changed" in section["text"]["text"]
    assert "Release: `oigwatch release 123`" in section["text"]["text"]
    mail = email_digest([MIXED, hold()], TEMPLATES, "DHS OIG")
    assert "30 new, 40 pulled" in mail.text and "Site-wide change on dhs-oig" in mail.text


def test_console_text_has_no_terminal_escapes() -> None:
    nasty = "\x1b[2J\x1b]0;pwned\x07 OIG\x9b-1\u202e"
    event = hold(
        source=nasty,
        site_wide=False,
        examples=[
            example(
                "revised",
                nasty,
                title=nasty,
                changes=[{"field": nasty, "old": nasty, "new": nasty}],
            )
        ],
        fields={nasty: 3},
        counts={nasty: 2, "revised": 1},
    )
    for text in (
        render_text(event),
        render_text({**event, "site_wide": True, "site_wide_field": nasty}),
    ):
        assert not any(ch in text for ch in "\x1b\x07\x9b\u202e")
        assert "[2J" in text, "the text stays, without its escape"

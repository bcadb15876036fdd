"""Reader text is written for reporters: no None, no Python lists, no exception class names, a
first PDF fingerprint is not a replacement, a rewrite reads "was / now", times in the newsroom's
zone (issue #11, observation 6)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.settings import ConfigError, load_settings
from crawler.clock import local_minutes
from crawler.contract import PdfFingerprint
from crawler.diff import Stored, SweepFacts, diff_reports
from crawler.state import ReportState
from notifier.console import render_text
from notifier.render.common import load_templates
from notifier.render.email import email_digest, email_message
from notifier.render.slack import slack_digest, slack_message
from notifier.render.words import change_line, change_text, plain_error, plain_reason
from web.feeds import entry_text
from web.shape import event_card, field_change

TEMPLATES = load_templates(site="DHS OIG")
# What a reader must never see: Python's None, a list's repr, an exception class before its message.
LEAKS = re.compile(r"\bNone\b|\[\]|\['|\[\"|\b[A-Z]\w*(?:Error|Exception):|Traceback")

CONNECTION_REFUSED = (
    "DownloadConnectionRefusedError: Connection was refused by other side: 111: Connection "
    "refused. at 13 pages, e.g. http://127.0.0.1:8765/en/reports?page=2"
)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (
            CONNECTION_REFUSED,
            "connection refused by 127.0.0.1:8765 (13 pages, e.g. http://127.0.0.1:8765/en/reports?page=2)",
        ),
        (
            "TimeoutError: User timeout caused connection failure: Getting http://h/x took longer"
            " than 30.0 seconds.. at http://h/x",
            "timed out after 30 s waiting for h (http://h/x)",
        ),
        (
            "HTTP 503 at 2 pages, e.g. https://www.oig.dhs.gov/a",
            "HTTP 503 from www.oig.dhs.gov (2 pages, e.g. https://www.oig.dhs.gov/a)",
        ),
        (
            "DNSLookupError: DNS lookup failed: no results for hostname lookup: x.invalid. at "
            "http://x.invalid/; view reports shrank from 300 to 10 reports",
            "host name not found by x.invalid (http://x.invalid/); view reports shrank from 300 to 10 reports",
        ),
        ("maintenance page <b>", "maintenance page <b>"),
    ],
)
def test_crawl_reasons_read_as_plain_words(raw: str, words: str) -> None:
    assert plain_reason(raw) == words
    assert plain_reason(plain_reason(raw)) == words, "idempotent: old rows and new rows alike"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (
            "webhook pipe: URLError: <urlopen error [Errno 111] Connection refused>",
            "webhook pipe: connection refused",
        ),
        ("webhook pipe: TimeoutError: timed out", "webhook pipe: timed out"),
        (
            "email desk: SMTPServerDisconnected: Connection unexpectedly closed",
            "email desk: connection closed before an answer",
        ),
        ("email desk: 550 b'5.1.1 no such user'", "email desk: 550 5.1.1 no such user"),
        ("webhook pipe: HTTP 503", "webhook pipe: HTTP 503"),
        ("database cannot be read: OperationalError", "database cannot be read"),
        ("OperationalError: (sqlite3.OperationalError) database is locked", "database is locked"),
        ("slack news: channel_not_found", "slack news: channel_not_found"),
        ("crawl process timed out after 1800 s", "crawl process timed out after 1800 s"),
    ],
)
def test_delivery_errors_read_as_plain_words(raw: str, words: str) -> None:
    assert plain_error(raw) == words


def test_every_output_says_the_failure_in_words() -> None:
    unhealthy = {"kind": "source_unhealthy", "source": "dhs-oig", "reason": CONNECTION_REFUSED,
                 "detected_at": "2026-12-02T14:14:00+00:00", "event_id": 7}  # fmt: skip
    failing = {"kind": "delivery_failed", "target": "pipe", "target_status": "failing",
               "since": "2026-12-02T14:14:00+00:00", "pending": 3, "event_id": 8,
               "error": "webhook pipe: URLError: <urlopen error [Errno 111] Connection refused>"}  # fmt: skip
    for event in (unhealthy, failing):
        for text in rendered(event):
            assert "Error" not in text and "urlopen" not in text and "Errno" not in text, text
    assert "connection refused by 127.0.0.1:8765" in render_text(unhealthy)
    assert "failing since Dec 2, 2026, 9:14 AM EST" in render_text(failing)


def test_a_first_pdf_fingerprint_is_recorded_not_replaced() -> None:
    assert change_text({"field": "pdf_content", "old": None, "new": "9b68" * 16}) == (
        "PDF fingerprint recorded (sha256 9b689b689b68…)"
    )
    assert field_change("pdf_sha256", None, "9b68")["body"] == "PDF fingerprint recorded (sha256 9b68)"  # fmt: skip
    assert "replaced" in change_text({"field": "pdf_content", "old": "a1", "new": "b2"})


def test_a_first_fingerprint_alone_raises_no_revised_event() -> None:
    """The detection side: a report whose PDF is fingerprinted for the first time has a new
    version (its content hash holds the sha256) but no change a reader is told about."""
    state = ReportState(key="OIG-24-01", report_number="OIG-24-01", title="A Report",
                        pdf_url="https://www.oig.dhs.gov/x/a.pdf", settled=True)  # fmt: skip
    fingerprint = PdfFingerprint("https://www.oig.dhs.gov/x/a.pdf", "ok", sha256="9b68" * 16)
    facts = SweepFacts(complete=True, pdfs={"/x/a.pdf": fingerprint})
    diff = diff_reports({"OIG-24-01": Stored(1, state)}, {"OIG-24-01": state}, facts)
    assert diff.changes == []
    assert diff.updates["OIG-24-01"].pdf_sha256 == "9b68" * 16, "recorded all the same"


def test_labels_and_added_text_read_as_words() -> None:
    assert (
        change_line({"field": "labels", "old": [], "new": ["Revised"]}) == "Labels: added Revised"
    )
    assert change_line({"field": "summary", "old": None, "new": "CBP did not"}) == (
        "Summary added: CBP did not"
    )
    entry = entry_text({"kind": "revised", "changes": [{"field": "summary", "old": None, "new": "CBP did not"}]})  # fmt: skip
    assert entry == "Summary added: CBP did not"


def test_local_time_has_the_zone_abbreviation() -> None:
    moment = datetime(2026, 12, 2, 14, 14, tzinfo=UTC)
    assert local_minutes(moment) == "Dec 2, 2026, 9:14 AM EST"
    assert local_minutes(datetime(2026, 7, 4, 16, 0)) == "Jul 4, 2026, 12:00 PM EDT"  # naive: UTC
    assert local_minutes(moment, ZoneInfo("America/Los_Angeles")) == "Dec 2, 2026, 6:14 AM PST"
    assert local_minutes(moment, ZoneInfo("UTC")) == "Dec 2, 2026, 2:14 PM UTC"


def test_display_timezone_is_checked(tmp_path: Path) -> None:
    config = tmp_path / "oigwatch.toml"
    config.write_text('display_timezone = "Mars/Olympus_Mons"\n')
    with pytest.raises(ConfigError, match=r"display_timezone: .*unknown time zone"):
        load_settings(config, environ={})
    config.write_text("")
    assert load_settings(config, environ={}).display_timezone == "America/New_York"
    chosen = load_settings(config, environ={"OIGWATCH_DISPLAY_TIMEZONE": "America/Chicago"})
    assert chosen.display_zone == ZoneInfo("America/Chicago")


def rendered(event: dict[str, Any]) -> list[str]:
    """Every reader text of one event: console, Slack (blocks and fallback), email (subject,
    text, HTML; alone and in a digest), a web card, a feed entry."""
    slack, email = slack_message(event, TEMPLATES), email_message(event, TEMPLATES)
    digest = slack_digest([event, event], TEMPLATES, "DHS OIG")
    mail = email_digest([event, event], TEMPLATES, "DHS OIG")
    card = event_card(event)
    card_text = " ".join(str(v) for k, v in card.items() if isinstance(v, str) and k != "iso")
    card_text += " ".join(str(c["body"]) for c in card["changes"])
    return [
        render_text(event), *texts(slack.blocks), slack.text, *texts(digest.blocks), email.subject,
        email.text, email.html, mail.text, mail.html, card_text, entry_text(event),
    ]  # fmt: skip


def texts(value: Any) -> list[str]:
    """Every "text" string of Slack blocks (their structure is JSON, not reader text)."""
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in ([v] if k == "text" and isinstance(v, str) else texts(v))]  # fmt: skip
    return [t for item in value for t in texts(item)] if isinstance(value, list) else []


WORDS = st.sampled_from(
    [
        "CBP",
        "ICE",
        "FEMA",
        "TSA",
        "did",
        "not",
        "track",
        "train",
        "officers",
        "audit",
        "of",
        "the",
        "review",
        "report",
        "on",
        "detention",
        "fentanyl",
        "grants",
        "(Revised)",
        "(Redacted)",
        "$4.3",
        "billion",
        "2026",
        "—",
        "«»",
        "é",
        "中文",
    ]
)
TEXT = st.lists(WORDS, max_size=30).map(" ".join)
ODD = st.one_of(st.none(), st.just(""), st.just([]), TEXT, st.integers(0, 9999))
LABEL = st.one_of(st.sampled_from(["revised", "redacted", "management_alert"]), TEXT)
CHANGE = st.fixed_dictionaries(
    {
        "field": st.sampled_from(
            [
                "title",
                "summary",
                "issue_date",
                "fiscal_year",
                "pdf_url",
                "pdf_content",
                "components",
                "labels",
                "report_number",
                "key",
            ]
        ),
        "old": st.one_of(ODD, st.lists(TEXT, max_size=3)),
        "new": st.one_of(ODD, st.lists(TEXT, max_size=3)),
    }
)
EVENT = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(
            [
                "new",
                "revised",
                "removed",
                "restored",
                "source_unhealthy",
                "source_recovered",
                "delivery_failed",
                "delivery_recovered",
            ]
        ),
        "source": st.one_of(st.none(), st.just("dhs-oig")),
        "event_id": st.integers(1, 10**6),
        "detected_at": st.one_of(st.none(), st.just("2026-12-02T14:14:00+00:00")),
    },
    optional={
        "report_number": ODD,
        "title": ODD,
        "summary": ODD,
        "issue_date": ODD,
        "fiscal_year": ODD,
        "components": st.one_of(ODD, st.lists(TEXT, max_size=3)),
        "labels": st.one_of(st.none(), st.lists(LABEL, max_size=3)),
        "labels_gained": st.one_of(st.none(), st.lists(LABEL, max_size=2)),
        "labels_lost": st.one_of(st.none(), st.lists(LABEL, max_size=2)),
        "changes": st.one_of(st.none(), st.lists(CHANGE, max_size=4)),
        "reason": st.one_of(ODD, st.just(CONNECTION_REFUSED)),
        "error": st.one_of(ODD, st.just("webhook p: URLError: <urlopen error timed out>")),
        "target": ODD,
        "target_status": st.one_of(st.none(), st.just("failing")),
        "since": st.one_of(st.none(), st.just("2026-12-02T14:14:00+00:00")),
        "pending": ODD,
        "url": st.one_of(st.none(), st.just("https://www.oig.dhs.gov/a.pdf")),
    },
)


@settings(max_examples=150, deadline=None)
@given(EVENT)
def test_no_reader_text_shows_python_internals(event: dict[str, Any]) -> None:
    for text in rendered(event):
        leak = LEAKS.search(text)
        assert leak is None, (leak.group(0), text)


@settings(max_examples=200, deadline=None)
@given(TEXT.filter(str.strip), TEXT.filter(str.strip))
def test_a_title_always_shows_its_whole_new_text(old: str, new: str) -> None:
    event = {"kind": "revised", "source": "dhs-oig", "report_number": "OIG-24-01", "title": new,
             "changes": [{"field": "title", "old": old, "new": new}]}  # fmt: skip
    flat = " ".join(new.split())
    line = change_line(event["changes"][0])
    assert flat in line or flat in re.sub(r"\[-.*?-\]|\{\+|\+\}", "", line).replace("  ", " ")
    shown = field_change("title", old, new)["body"]
    inserted = re.sub(r"<del[^>]*>.*?</del>|<[^>]+>", "", str(shown))
    assert flat in " ".join(inserted.replace("/ now:", "").split()), (shown, new)

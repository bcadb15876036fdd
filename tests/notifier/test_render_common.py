"""Shared rendering helpers: trimming, headlines, label and field wording, templates."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from notifier.render.common import (
    change_text,
    clean,
    count_phrase,
    detected,
    headline,
    label_changes,
    load_templates,
    redline,
    safe_url,
    trim,
)

TITLE = (
    "CBP Did Not Fully Implement the Requirements of the Synthetic Opioid Exposure "
    "Prevention and Training Act"
)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("  many   spaces\n\tand\r\nlines ", 40, "many spaces and lines"),
        ("one two three four", 12, "one two…"),
        ("one two three four", 8, "one two…"),
        ("abcdefghijklmnop", 6, "abcde…"),
        ("a, b, c, d", 6, "a, b…"),
        (None, 5, ""),
        ("", 5, ""),
        ("anything", 0, ""),
        ("x\x00y\u202ez", 10, "xyz"),
    ],
)
def test_trim(text: str | None, limit: int, expected: str) -> None:
    assert trim(text, limit) == expected
    assert len(trim(text, limit)) <= max(limit, 0)


def test_headline_matches_the_documented_example() -> None:
    event = {"kind": "new", "report_number": "OIG-24-01", "title": TITLE}
    assert headline(event) == (
        "New: OIG-24-01 CBP Did Not Fully Implement the Requirements of the Synthetic…"
    )


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            {"kind": "revised", "report_number": "OIG-14-131", "title": "Ajo"},
            "Revised: OIG-14-131 Ajo",
        ),
        ({"kind": "removed", "report_number": "OIG-1", "title": "T"}, "Pulled: OIG-1 T"),
        ({"kind": "restored", "report_number": None, "title": "ROI"}, "Restored: ROI"),
        (
            {"kind": "new", "report_number": None, "title": "", "report_key": "pdf:/a.pdf"},
            "New: pdf:/a.pdf",
        ),
        (
            {"kind": "source_unhealthy", "source": "dhs-oig", "reason": "HTTP 503"},
            "Source unhealthy: dhs-oig — HTTP 503",
        ),
        ({"kind": "source_recovered", "source": "dhs-oig"}, "Source recovered: dhs-oig"),
        (
            {"kind": "bulk_hold", "source": "dhs-oig", "held": 30},
            "Held for release: 30 new reports from dhs-oig",
        ),
        (
            {"kind": "bulk_hold", "source": "dhs-oig", "held": 1},
            "Held for release: 1 new report from dhs-oig",
        ),
        (
            {"kind": "delivery_failed", "event_id": 42, "target": "slack:#news"},
            "Delivery failed: event 42 to slack:#news",
        ),
    ],
)
def test_headline_kind_words(event: dict[str, object], expected: str) -> None:
    assert headline(event) == expected


def test_headline_is_one_clean_line() -> None:
    event = {"kind": "new", "report_number": "OIG-1", "title": "A\r\nBcc: x@example.org\x00\u202e"}
    assert headline(event) == "New: OIG-1 A Bcc: x@example.org"


def test_label_changes_in_words() -> None:
    event = {
        "labels_gained": ["revised", "management_alert", "unclassified_summary"],
        "labels_lost": ["redacted", "oddity"],
    }
    assert label_changes(event) == [
        'gained "(Revised)"',
        "became a Management Alert",
        'gained "(Unclassified Summary)"',
        "redaction label lifted",
        'lost "oddity"',
    ]
    assert label_changes({"labels_gained": ["redacted"]}) == ["redaction label added"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"field": "pdf_content", "old": "abc123abc123ffff", "new": "def456def456eeee"},
            "PDF file replaced (sha256 abc123abc123… → def456def456…)",
        ),
        (
            {"field": "pdf_content", "old": None, "new": "def456"},
            "PDF fingerprint recorded (sha256 def456)",
        ),
        ({"field": "components", "old": ["CBP"], "new": ["ICE"]}, "added ICE; removed CBP"),
        ({"field": "components", "old": ["CBP"], "new": ["CBP", "TSA"]}, "added TSA"),
        (
            {"field": "issue_date", "old": "2023-10-20", "new": "2023-10-27"},
            "2023-10-20 → 2023-10-27",
        ),
        ({"field": "fiscal_year", "old": "20187", "new": "2018"}, "20187 → 2018"),
        ({"field": "pdf_url", "old": None, "new": "https://x/a.pdf"}, "added: https://x/a.pdf"),
    ],
)
def test_change_text(change: dict[str, object], expected: str) -> None:
    assert change_text(change) == expected


def _raw(spans: list) -> int:
    return sum(len(s.text) for s in spans)


def test_redline_keeps_the_words_around_a_change_and_drops_the_rest() -> None:
    words = [f"w{i}" for i in range(2000)]
    old, new = " ".join(words), " ".join(words).replace("w1000", "CHANGED")
    spans = redline(old, new, 400, _raw, context=5)
    assert [s.op for s in spans] == [" ", "-", "+", " "]
    assert spans[0].text == "… w995 w996 w997 w998 w999 "
    assert (spans[1].text, spans[2].text) == ("w1000", "CHANGED")
    assert spans[3].text == " w1001 w1002 w1003 w1004 w1005 …"


def test_redline_is_cut_to_its_budget() -> None:
    spans = redline(None, "word " * 5000, 300, _raw, context=5)
    assert _raw(spans) <= 300
    assert spans[-1].text.endswith("…")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.oig.dhs.gov/a b.pdf", "https://www.oig.dhs.gov/a%20b.pdf"),
        ("http://example.org/x?y=1&z=2", "http://example.org/x?y=1&z=2"),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ('https://x.org/"><img src=x>', None),
        ("/relative/path.pdf", None),
        (None, None),
        ("https://x.org/" + "a" * 2000, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_count_phrase_and_detected() -> None:
    kinds = ["new"] * 3 + ["revised"] * 8 + ["removed"]
    assert count_phrase([{"kind": k} for k in kinds]) == "12 changes: 3 new, 8 revised, 1 pulled"
    assert count_phrase([{"kind": "restored"}]) == "1 change: 1 restored"
    assert count_phrase([]) == "0 changes"
    # in the newsroom's zone (display_timezone, default America/New_York), with its abbreviation
    assert detected({"detected_at": "2026-11-23T01:30:00+00:00"}) == "Nov 22, 2026, 8:30 PM EST"
    assert detected({"detected_at": "2026-07-01T13:05:00+00:00"}) == "Jul 1, 2026, 9:05 AM EDT"
    utc = ZoneInfo("UTC")
    assert (
        detected({"detected_at": "2026-11-23T01:30:00+00:00"}, utc) == "Nov 23, 2026, 1:30 AM UTC"
    )
    assert detected({"detected_at": "not a date\x00"}) == "not a date"


def test_clean_removes_controls_and_bidi_overrides_but_keeps_newlines_and_rtl() -> None:
    assert clean("a\x00\x1b[31m\x7f\x85\u202e\u2066b\tc\nd") == "a[31mb c\nd"
    assert clean("تقرير עברית 🚨") == "تقرير עברית 🚨"


def test_user_templates_override_package_templates_by_name(tmp_path: Path) -> None:
    (tmp_path / "slack").mkdir()
    (tmp_path / "slack" / "digest_more.md.j2").write_text("plus {{ more }} others")
    templates = load_templates(str(tmp_path))
    assert templates.render("slack/digest_more.md.j2", more=3) == "plus 3 others"
    assert "oigwatch changes" in load_templates().render("slack/digest_more.md.j2", more=3)
    assert templates.render("email/subject.txt.j2", prefix="P", headline="H") == "[P] H"


def test_html_templates_are_autoescaped_and_text_templates_are_not(tmp_path: Path) -> None:
    (tmp_path / "x.html.j2").write_text("{{ v }}")
    (tmp_path / "x.txt.j2").write_text("{{ v }}")
    templates = load_templates(str(tmp_path))
    assert templates.render("x.html.j2", v="<b>&") == "&lt;b&gt;&amp;"
    assert templates.render("x.txt.j2", v="<b>&") == "<b>&"

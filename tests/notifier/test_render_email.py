"""Email rendering: a scannable subject, a text body and an HTML body for each event or digest."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from notifier.render.common import load_templates
from notifier.render.email import DEL, INS, email_digest, email_message

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


class Page(HTMLParser):
    """Tags, attributes and text of an HTML document."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_subject_reads_like_the_documented_example() -> None:
    message = email_message(event(kind="new", title=OLD_TITLE, changes=[]), TEMPLATES)
    assert message.subject == (
        "[DHS OIG] New: OIG-24-01 CBP Did Not Fully Implement the Requirements of the Synthetic "
        "Opioid Exposure Prevention and…"
    )
    assert len(message.subject) <= 120


def test_revised_title_redline_in_text_and_html() -> None:
    message = email_message(event(), TEMPLATES)
    assert "What changed ([-removed-] {+added+}):" in message.text
    flat = " ".join(message.text.split())
    assert f"* Title: {OLD_TITLE} {{+(Revised)+}}" in flat
    assert f"{OLD_TITLE} {INS}(Revised)</ins>" in message.html
    assert "Marked: <strong>gained &#34;(Revised)&#34;</strong>" in message.html


def test_summary_edit_is_word_level_in_text_and_html() -> None:
    old = "We made 3 recommendations to improve training; CBP concurred with 2."
    new = "We made 4 recommendations to improve training; CBP concurred with all."
    message = email_message(
        event(summary=new, changes=[{"field": "summary", "old": old, "new": new}]), TEMPLATES
    )
    flat = " ".join(message.text.split())
    assert (
        "Summary: We made [-3-]{+4+} recommendations to improve training; "
        "CBP concurred with [-2.-]{+all.+}" in flat
    )
    assert (
        f"We made {DEL}3</del> {INS}4</ins> recommendations to improve training; "
        f"CBP concurred with {DEL}2.</del> {INS}all.</ins>"
    ) in message.html
    assert "text-decoration:line-through" in DEL and "#b31d28" in DEL and "#116329" in INS


def test_new_report_has_every_fact_a_reporter_needs() -> None:
    ev = event(
        kind="new", changes=[], labels_gained=[], labels=["redacted"], components=["CBP", "ICE"]
    )
    message = email_message(ev, TEMPLATES)
    for part in (message.text, message.html):
        for fact in (
            "OIG-24-01",
            "CBP, ICE",
            "issued 2023-10-20",
            "FY 2024",
            "Labels: Redacted",
            "CBP did not train all officers exposed to fentanyl.",
            PDF,
            LISTING,
        ):
            assert fact in part
    page = Page(message.html)
    hrefs = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert hrefs == [PDF, PDF, LISTING]


@pytest.mark.parametrize("listing", [None, "absent", "javascript:alert(1)"])
def test_missing_or_unsafe_listing_url_is_omitted(listing: str | None) -> None:
    ev = event(listing_url=listing)
    if listing == "absent":
        del ev["listing_url"]
    message = email_message(ev, TEMPLATES)
    assert "Listing" not in message.text and "Listing" not in message.html
    assert "javascript" not in message.html


def test_summary_is_trimmed_near_1500_characters() -> None:
    message = email_message(event(kind="new", changes=[], summary="word " * 2000), TEMPLATES)
    summary = next(p for p in Page(message.html).text if p.startswith("word"))
    assert 1490 <= len(summary) <= 1500 and summary.endswith("…")


@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        (
            "source_unhealthy",
            {"reason": "HTTP 503 at page 0"},
            "dhs-oig is unhealthy: HTTP 503 at page 0",
        ),
        ("source_recovered", {}, "dhs-oig is healthy again."),
        (
            "bulk_hold",
            {"held": 30, "limit": 25, "event_id": 42, "report_numbers": ["OIG-24-01"]},
            "Release them with: oigwatch release 42",
        ),
        (
            "delivery_failed",
            {"target": "smtp:desk@example.org", "error": "550 no such user", "event_id": 9},
            "Event 9 could not be delivered to smtp:desk@example.org: 550 no such user",
        ),
    ],
)
def test_ops_events_are_short_and_plain(kind: str, extra: dict[str, Any], expected: str) -> None:
    ops = {"kind": kind, "source": "dhs-oig", "detected_at": "2026-11-23T01:30:00+00:00", **extra}
    message = email_message({**ops, "changes": []}, TEMPLATES)
    assert expected in message.text
    assert len(message.text.splitlines()) <= 10
    assert message.subject.startswith("[DHS OIG] ")


def test_digest_subject_counts_kinds() -> None:
    kinds = ["new"] * 3 + ["revised"] * 8 + ["removed"]
    events = [event(kind=k, report_number=f"OIG-24-{i:02d}") for i, k in enumerate(kinds)]
    events = [e if e["kind"] == "revised" else {**e, "changes": []} for e in events]
    message = email_digest(events, TEMPLATES, "DHS OIG")
    assert message.subject == "[DHS OIG] 12 changes: 3 new, 8 revised, 1 pulled"
    assert message.text.startswith("DHS OIG: 12 changes: 3 new, 8 revised, 1 pulled\n")
    assert all(
        f"OIG-24-{i:02d}" in message.text and f"OIG-24-{i:02d}" in message.html for i in range(12)
    )
    assert message.html.count(INS) == 8


def test_long_digest_counts_what_it_leaves_out() -> None:
    message = email_digest([event()] * 205, TEMPLATES, "DHS OIG")
    assert "…and 5 more changes (see: oigwatch changes)" in message.text
    assert "…and 5 more changes" in message.html


def test_newsroom_can_reword_email_but_not_break_the_subject(tmp_path: Path) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "subject.txt.j2").write_text(
        "[Desk]\r\nBcc: x@example.org\n{{ headline }}"
    )
    (tmp_path / "email" / "event.html.j2").write_text("<p>{{ title }}</p>")
    message = email_message(event(title="<b>T</b>"), load_templates(str(tmp_path)))
    assert message.subject.startswith("[Desk] Bcc: x@example.org Revised: OIG-24-01")
    assert message.html == "<p>&lt;b&gt;T&lt;/b&gt;</p>\n"

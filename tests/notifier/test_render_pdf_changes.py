"""What changed inside a replaced PDF (a revised event's ``pdf_changes``), as every reader sees it:
Slack's thread reply, email (text and HTML), the console and the feeds; the object read and
validated once; hostile passage text escaped for each channel; Slack's limits kept."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from support.slack_payload import check_message

from crawler.redline import Span
from documents.changes import Passage
from notifier.console import render_text
from notifier.render.common import load_templates
from notifier.render.email import email_digest, email_message
from notifier.render.pdf_changes import (
    LAYOUT_ONLY,
    PdfRedline,
    archive_href,
    event_pdf_changes,
    passage_spans,
    pdf_changes_json,
    read_pdf_changes,
)
from notifier.render.slack import SECTION_LIMIT, slack_digest, slack_message
from web.feeds import atom_feed, entry_text, json_feed, rss_feed
from web.shape import safe_event

TEMPLATES = load_templates(names={"dhs-oig": "DHS OIG"})
OLD, NEW = "ab" * 32, "cd" * 32
ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = "<script>alert(1)</script> <!channel> <@U123> AT&T *bold* ~gone~ _it_ `code`"
NUMBER = Passage(
    page=12,
    before="CBP did not collect $4.3 billion in delinquent debt owed",
    after="CBP did not collect $5.1 billion in delinquent debt owed",
    redline="CBP did not collect [-$4.3-]{+$5.1+} billion in delinquent debt owed",
    size=2,
)
PARAGRAPH = Passage(
    page=3,
    before="recommendations. Appendix A",
    after="recommendations. We also found that ICE did not track transfers. Appendix A",
    redline="recommendations. {+We also found that ICE did not track transfers.+} Appendix A",
    size=8,
)
TINY = Passage(7, "the the", "the a", "the [-the-]{+a+}", 1)


def compared(*passages: Passage, omitted: int = 0, **fields: Any) -> dict[str, Any]:
    """A ``pdf_changes`` object of the contract, status ``compared``."""
    pages = sorted({p.page for p in passages})
    data: dict[str, Any] = {
        "status": "compared",
        "reason": None,
        "before": {"sha256": OLD, "pages": 40},
        "after": {"sha256": NEW, "pages": 41},
        "pages_line": "",
        "changed_pages": pages,
        "added_pages": [41],
        "removed_pages": [],
        "passages": [p.to_json() for p in passages],
        "omitted": omitted,
    }
    data.update(fields)
    return data


def other(status: str, reason: str | None = None) -> dict[str, Any]:
    return {
        "status": status,
        "reason": reason,
        "before": {"sha256": OLD, "pages": 40},
        "after": {"sha256": NEW, "pages": None},
        "pages_line": "",
    }


def event(pdf_changes: Any = None, **fields: Any) -> dict[str, Any]:
    """A revision whose PDF was replaced (``pdf_changes`` left out when None)."""
    base: dict[str, Any] = {
        "event_id": 21,
        "kind": "revised",
        "source": "dhs-oig",
        "status": "published",
        "report_number": "OIG-21-56",
        "title": "CBP Debt Collection (Revised)",
        "url": "https://www.oig.dhs.gov/sites/default/files/assets/2021-08/OIG-21-56.pdf",
        "components": ["CBP"],
        "summary": "CBP did not collect delinquent debt.",
        "labels": [],
        "changes": [{"field": "pdf_content", "old": OLD, "new": NEW}],
        "detected_at": "2026-12-02T14:00:00+00:00",
        "report_key": "OIG-21-56",
        "labels_gained": [],
        "labels_lost": [],
    }
    if pdf_changes is not None:
        base["pdf_changes"] = pdf_changes
    base.update(fields)
    return base


def sections(e: dict[str, Any]) -> list[str]:
    message = slack_message(e, TEMPLATES)
    check_message(message.text, message.blocks)
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section"]


def pdf_section(e: dict[str, Any]) -> str:
    found = [s for s in sections(e) if "PDF was replaced" in s or "Inside the PDF" in s]
    assert len(found) == 1, found
    return found[0]


# reading the object


def test_a_valid_object_is_read_and_rebuilt() -> None:
    found = read_pdf_changes(compared(NUMBER, PARAGRAPH, omitted=2))
    assert isinstance(found, PdfRedline)
    assert found.line == "Changed on pages 3 and 12; page 41 added"
    assert [p.page for p in found.passages] == [3, 12], "largest first"
    data = found.to_json()
    assert data["pages_line"] == found.line, "recomputed, never the stored text"
    assert data["before"] == {"sha256": OLD, "pages": 40} and data["omitted"] == 2
    assert read_pdf_changes(data) == found, "what the API gives can be read again"


def test_the_other_statuses_read_as_one_sentence() -> None:
    assert read_pdf_changes(other("no_text_change")).line == LAYOUT_ONLY  # type: ignore[union-attr]
    scan = read_pdf_changes(other("not_compared", "the new version has no text layer (a scan)"))
    assert scan is not None and scan.changes is None
    assert scan.line == (
        "The PDF was replaced; its text could not be compared: the new version has no text layer"
        " (a scan)"
    )
    silent = read_pdf_changes(other("not_compared"))
    assert silent is not None and silent.line.endswith(": no reason recorded")
    assert silent.to_json()["pages_line"] == "" and "passages" not in silent.to_json()


def test_a_malformed_object_is_dropped_whole() -> None:
    bad = [
        None,
        "compared",
        [],
        {**compared(NUMBER), "status": "changed"},
        {**compared(NUMBER), "reason": 3},
        {**compared(NUMBER), "before": {"sha256": "../../etc/passwd", "pages": 1}},
        {**compared(NUMBER), "after": {"sha256": NEW.upper(), "pages": 1}},
        {**compared(NUMBER), "after": {"sha256": NEW, "pages": -1}},
        {**compared(NUMBER), "after": {"sha256": NEW, "pages": True}},
        {**compared(NUMBER), "before": None},
        {**compared(NUMBER), "changed_pages": [0]},
        {**compared(NUMBER), "changed_pages": [10**30]},
        {**compared(NUMBER), "passages": [{**NUMBER.to_json(), "page": 10**6}]},
        {**compared(NUMBER), "changed_pages": "3"},
        {**compared(NUMBER), "passages": [{"page": 3}]},
        {**compared(NUMBER), "passages": [{**NUMBER.to_json(), "page": "12"}]},
        {**compared(NUMBER), "passages": {"page": 3}},
        {**compared(NUMBER), "omitted": -1},
        {**compared(NUMBER), "omitted": 1.5},
    ]
    for value in bad:
        assert read_pdf_changes(value) is None, value
        assert event_pdf_changes(event(value)) is None
    assert pdf_changes_json(event({**compared(NUMBER), "status": 1})) == {"pdf_changes": None}


def test_passage_text_is_cleaned_of_controls_and_bidi_overrides() -> None:
    dirty = Passage(2, "a\x1b[31m b", "a\u202ec b", "a\x1b[31m [-b-]{+\u202ec b+}", 1)
    found = read_pdf_changes(compared(dirty))
    assert found is not None
    text = json.dumps(found.to_json(), ensure_ascii=False)
    assert "\x1b" not in text and "\u202e" not in text


def test_a_passage_redline_is_read_back_from_its_marks() -> None:
    assert passage_spans(NUMBER) == [
        Span(" ", "CBP did not collect "),
        Span("-", "$4.3"),
        Span("+", "$5.1"),
        Span(" ", " billion in delinquent debt owed"),
    ]
    assert passage_spans(PARAGRAPH)[1] == Span(
        "+", "We also found that ICE did not track transfers."
    )


def test_forged_marks_fall_back_to_a_diff_of_before_and_after() -> None:
    forged = Passage(5, "pay [-us-] now", "pay [-us-] later", "pay [-us-] [-now-]{+later+}", 1)
    spans = passage_spans(forged)
    assert "".join(s.text for s in spans if s.op != "+").split() == ["pay", "[-us-]", "now"]
    assert [s.text for s in spans if s.op == "+"] == ["later"]
    unclosed = Passage(5, "a b", "a c", "a [-b {+c", 1)
    assert [s.op for s in passage_spans(unclosed)] == [" ", "-", "+"]


def test_archive_links_only_for_a_digest() -> None:
    assert archive_href(OLD) == f"/archive/{OLD}.pdf"
    assert archive_href(None) is None and archive_href("../x") is None


# Slack: the revision's thread reply


def test_the_thread_reply_names_the_pages_and_the_top_three_passages() -> None:
    text = pdf_section(event(compared(NUMBER, PARAGRAPH, TINY, TINY, omitted=3)))
    lines = text.split("\n")
    assert lines[0] == "*Inside the PDF:* Changed on pages 3, 7 and 12; page 41 added"
    assert lines[1] == "*Page 3:* recommendations. *We also found that ICE did not track transfers.* Appendix A"  # fmt: skip
    assert lines[2] == "*Page 12:* CBP did not collect ~$4.3~ *$5.1* billion in delinquent debt owed"  # fmt: skip
    assert lines[3] == "*Page 7:* the ~the~ *a*"
    assert lines[4] == "… and 4 more passages", "the fourth one and the three left out"
    assert len(lines) == 5


def test_the_pdf_section_follows_the_field_changes_and_precedes_the_summary() -> None:
    found = sections(event(compared(NUMBER)))
    assert found[1].startswith("*PDF file:* PDF file replaced")
    assert found[2].startswith("*Inside the PDF:*")
    assert found[3].startswith("*Summary:*")


def test_without_pdf_changes_the_message_is_as_before() -> None:
    plain = slack_message(event(), TEMPLATES)
    assert not any("Inside the PDF" in s or "PDF was replaced" in s for s in sections(event()))
    malformed = slack_message(event({"status": "compared", "passages": 7}), TEMPLATES)
    assert malformed == plain
    assert email_message(event({"status": "bogus"}), TEMPLATES) == email_message(event(), TEMPLATES)
    assert render_text(event({"status": "bogus"})) == render_text(event())


def test_layout_only_and_not_compared_are_one_plain_sentence() -> None:
    assert pdf_section(event(other("no_text_change"))) == LAYOUT_ONLY
    text = pdf_section(event(other("not_compared", "took longer than 20 s <!here> & *x*")))
    assert text == (
        "The PDF was replaced; its text could not be compared: took longer than 20 s"
        " &lt;!here&gt; &amp; ∗x∗"
    )


def test_hostile_passage_text_is_escaped_in_slack() -> None:
    hostile = Passage(9, HOSTILE, HOSTILE + " more", HOSTILE + " {+more+}", 1)
    text = pdf_section(event(compared(hostile)))
    assert "<" not in text and "<!channel>" not in text
    assert "&lt;!channel&gt;" in text and "AT&amp;T" in text
    assert "∗bold∗ ∼gone∼ ˍitˍ ˋcodeˋ *more*" in text, "only our own marks format"


def test_two_hundred_long_passages_stay_within_block_kit_limits() -> None:
    words = " ".join(f"word{i}&<x>" for i in range(120))
    many = [
        Passage(page, words, words.replace("word5&", "WORD5&"), "", 120 - page % 7)
        for page in range(1, 201)
    ]
    e = event(compared(*many))
    message = slack_message(e, TEMPLATES)
    check_message(message.text, message.blocks)
    assert len(message.blocks) <= 50
    text = pdf_section(e)
    assert len(text) <= SECTION_LIMIT
    assert text.count("*Page ") == 3 and text.endswith("… and 197 more passages")
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in message.blocks if "text" in b)
    mail = email_message(e, TEMPLATES)
    assert mail.html.count("<li") == 200 + 1, "every passage (and the PDF file change)"
    assert "&lt;x&gt;" in mail.html and "<x>" not in mail.html


def test_a_digest_names_the_pages_only() -> None:
    e = event(compared(NUMBER, PARAGRAPH))
    digest = slack_digest([e, event()], TEMPLATES, "DHS OIG")
    check_message(digest.text, digest.blocks)
    assert "Changed on pages 3 and 12; page 41 added" in digest.blocks[1]["text"]["text"]
    assert "~$4.3~" not in json.dumps(digest.blocks)
    mail = email_digest([e], TEMPLATES, "DHS OIG")
    assert "Inside the PDF: Changed on pages 3 and 12" in mail.text and "[-$4.3-]" not in mail.text


# email


def test_email_lists_every_passage_grouped_by_page() -> None:
    e = event(compared(NUMBER, PARAGRAPH, TINY, Passage(3, "x y", "x z", "x [-y-]{+z+}", 1)))
    mail = email_message(e, TEMPLATES)
    text = mail.text
    assert "Inside the PDF: Changed on pages 3, 7 and 12; page 41 added\nPage 3:\n* " in text
    assert text.index("Page 3:") < text.index("Page 7:") < text.index("Page 12:")
    assert "* CBP did not collect [-$4.3-]{+$5.1+} billion in delinquent debt owed" in text
    assert text.count("Page 3:") == 1 and "* x [-y-]{+z+}" in text
    assert "more passages" not in text
    assert "<strong>Inside the PDF:</strong> Changed on pages 3, 7 and 12" in mail.html
    assert ">$4.3</del> <ins" in mail.html
    assert mail.html.index("<strong>Page 3</strong>") < mail.html.index("<strong>Page 12</strong>")


def test_email_says_the_other_statuses_and_escapes_html() -> None:
    mail = email_message(event(other("not_compared", "<b>scan</b> & co")), TEMPLATES)
    assert "its text could not be compared: <b>scan</b> & co" in mail.text
    assert "its text could not be compared: &lt;b&gt;scan&lt;/b&gt; &amp; co" in mail.html
    hostile = Passage(4, "a", "a " + HOSTILE, "a {+" + HOSTILE + "+}", 9)
    html = email_message(event(compared(hostile)), TEMPLATES).html
    assert "<script>" not in html and "&lt;script&gt;" in html
    layout = email_message(event(other("no_text_change")), TEMPLATES)
    assert LAYOUT_ONLY in layout.text and LAYOUT_ONLY in layout.html


# console and feeds


def test_the_console_has_one_line_with_the_pages() -> None:
    lines = render_text(event(compared(NUMBER, PARAGRAPH))).splitlines()
    assert "  Inside the PDF: Changed on pages 3 and 12; page 41 added" in lines
    assert not any("$4.3" in line for line in lines)
    assert f"  {LAYOUT_ONLY}" in render_text(event(other("no_text_change"))).splitlines()


def test_feed_entries_carry_the_pages_line_and_passages_escaped() -> None:
    hostile = Passage(4, "a", "a " + HOSTILE, "a {+" + HOSTILE + "+}", 9)
    e = safe_event(event(compared(NUMBER, hostile)))
    text = entry_text(e)
    assert "Inside the PDF: Changed on pages 4 and 12; page 41 added\n" in text
    assert "Page 12: CBP did not collect [-$4.3-]{+$5.1+} billion" in text
    atom = atom_feed([e], "http://127.0.0.1/feeds/changes.atom")
    assert b"<script>" not in atom
    content = etree.fromstring(atom).find(f".//{ATOM}content")
    assert content is not None and "{+" + HOSTILE + "+}" in (content.text or "")
    rss = rss_feed([e], "http://127.0.0.1/feeds/changes.rss")
    description = etree.fromstring(rss).find(".//item/description")
    assert description is not None and "&lt;script&gt;" in (description.text or "")
    item = json.loads(json_feed([e], "http://127.0.0.1/feeds/changes.json"))["items"][0]
    assert "Page 4: a {+<script>" in item["content_text"]
    assert item["_oigwatch"]["pdf_changes"]["pages_line"] == "Changed on pages 4 and 12; page 41 added"  # fmt: skip


def test_the_json_of_an_event_carries_the_validated_object() -> None:
    assert pdf_changes_json(event()) == {"pdf_changes": None}
    shaped = safe_event(event(compared(NUMBER)))
    assert shaped["pdf_changes"]["passages"] == [NUMBER.to_json()]
    assert "pdf_changes" not in safe_event(event()), "old events stay as they were"
    assert safe_event(event({"status": "compared", "before": 1}))["pdf_changes"] is None


# properties


KEYS = ["status", "reason", "before", "after", "changed_pages", "passages", "omitted", "page"]
TEXT = st.lists(
    st.sampled_from([*"ab <>&!@*~_`|[]{}+-\u202e\x1b\n", "<!channel>", "<script>", "[-", "+}"]),
    max_size=30,
).map("".join)
PASSAGES = st.builds(
    lambda page, before, after, marks, size: {
        "page": page, "before": before, "after": after, "redline": marks, "size": size,
    },
    st.integers(1, 500), TEXT, TEXT, TEXT, st.integers(0, 500),
)  # fmt: skip
VALID = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["compared", "no_text_change", "not_compared"]),
        "reason": st.none() | TEXT,
        "before": st.fixed_dictionaries({"sha256": st.just(OLD), "pages": st.integers(0, 9)}),
        "after": st.fixed_dictionaries({"sha256": st.none() | st.just(NEW), "pages": st.none()}),
        "changed_pages": st.lists(st.integers(1, 3000), max_size=30),
        "added_pages": st.lists(st.integers(1, 3000), max_size=5),
        "removed_pages": st.lists(st.integers(1, 3000), max_size=5),
        "passages": st.lists(PASSAGES, max_size=8),
        "omitted": st.integers(0, 10),
    }
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(TEXT | st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=20,
)
HTML_TAGS = {"!doctype", "html", "head", "meta", "title", "body", "p", "h2", "strong", "ul", "li", "del", "ins", "span", "a", "br"}  # fmt: skip


def check_everywhere(value: Any) -> None:
    e = event(value)
    message = slack_message(e, TEMPLATES)
    check_message(message.text, message.blocks)
    for block in message.blocks:
        for text in [block.get("text", {}).get("text", "")] + [
            el["text"] for el in block.get("elements", [])
        ]:
            links = re.sub(r"<https://[^|>\s]+\|[^<>]*>", "", text)  # our links
            assert "<" not in links and ">" not in links, text
    mail = email_message(e, TEMPLATES)
    tags = {t.lower() for t in re.findall(r"</?([!a-zA-Z0-9]+)", mail.html)}
    assert tags <= HTML_TAGS, tags - HTML_TAGS
    assert "\x1b" not in mail.text and "\u202e" not in mail.text
    assert "\x1b" not in render_text(e) and "\u202e" not in render_text(e)
    entry_text(safe_event(e))
    json_feed([safe_event(e)], "http://127.0.0.1/feeds/changes.json")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALID)
def test_any_valid_object_renders_escaped_everywhere(value: dict[str, Any]) -> None:
    assert read_pdf_changes(value) is not None
    check_everywhere(value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON | st.tuples(VALID, st.sampled_from(KEYS), JSON).map(lambda t: {**t[0], t[1]: t[2]}))
def test_any_json_never_raises_and_never_leaks(value: Any) -> None:
    check_everywhere(value)
    shaped = safe_event(event(value)).get("pdf_changes")
    assert shaped is None or read_pdf_changes(shaped) is not None

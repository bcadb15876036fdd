"""archive/compare.py: the ``pdf_changes`` object of a replaced PDF (pure parts, Hypothesis where
the input comes from outside: stored payloads, extraction reasons, page texts), and the I/O part
against a real ledger, spool and archive folder."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from archive.compare import (
    HELD,
    KEY,
    REASON_CHARS,
    Side,
    describe_replaced_pdfs,
    pdf_changes,
    replaced_pdf,
    why_not,
)
from archive.spool import keep
from archive.store import open_archive
from config.settings import load_settings
from crawler.events import EventDraft
from documents.changes import PdfChanges
from documents.extract import PdfText
from fixture_site.document_ops import document_bytes
from ledger.db import make_engine, upgrade

A, B = "a" * 64, "b" * 64
PAGES = ("We made four recommendations to FEMA.", "The total was $4.7 million.", "Appendix A.")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=70),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
digests = st.sampled_from([A, B, "c" * 64, "A" * 64, "a" * 63, ""]) | st.text(max_size=70)


def ok(*pages: str) -> PdfText:
    return PdfText("ok", pages)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@given(st.dictionaries(st.text(max_size=10), json_values))
def test_replaced_pdf_reads_any_stored_payload(payload: dict[str, Any]) -> None:
    assert replaced_pdf(payload) is None or len(replaced_pdf(payload) or ()) == 2


@given(digests, digests, json_values)
def test_replaced_pdf_takes_only_two_distinct_digests(old: Any, new: Any, other: Any) -> None:
    payload = {"changes": [other, {"field": "pdf_content", "old": old, "new": new}]}
    found = replaced_pdf(payload)
    valid = all(isinstance(d, str) and len(d) == 64 and set(d) <= set("0123456789abcdef")
                for d in (old, new))  # fmt: skip
    if isinstance(other, dict) and other.get("field") == "pdf_content":
        return  # the first pdf_content change decides
    assert found == ((old, new) if valid and old != new else None)


def test_a_changed_number_is_compared() -> None:
    changed = ok(PAGES[0], "The total was $6.2 million.", PAGES[2])
    found = pdf_changes(Side(A, ok(*PAGES)), Side(B, changed))
    assert found["status"] == "compared" and found["reason"] is None
    assert found["before"] == {"sha256": A, "pages": 3}
    assert found["after"] == {"sha256": B, "pages": 3}
    assert found["pages_line"] == "Changed on page 2"
    assert found["changed_pages"] == [2] and found["passages"][0]["page"] == 2
    assert list(found)[:5] == ["status", "reason", "before", "after", "pages_line"]
    assert PdfChanges.from_json(found).changed_pages == (2,)


def test_layout_only_is_no_text_change_without_passages() -> None:
    found = pdf_changes(Side(A, ok(*PAGES)), Side(B, ok(*PAGES)))
    assert found == {
        "status": "no_text_change",
        "reason": None,
        "before": {"sha256": A, "pages": 3},
        "after": {"sha256": B, "pages": 3},
        "pages_line": "",
    }


def test_why_not_in_plain_words() -> None:
    scan = PdfText("scanned", ("", ""), "has no text layer (a scan?): 0 of 2 pages carry text")
    assert (
        why_not(Side(A, ok(*PAGES)), Side(B, scan)) == "the new version has no text layer (a scan)"
    )
    slow = PdfText.failed("took longer than 20 s")
    assert why_not(Side(A, ok(*PAGES)), Side(B, slow)) == (
        "the new version could not be read: took longer than 20 s"
    )
    many = PdfText.failed("has 2,000 pages, more than 1,500")
    assert why_not(Side(A, many), Side(B, ok())) == (
        "the earlier version has 2,000 pages, more than 1,500"
    )
    assert why_not(Side(A), Side(B, ok())) == "the earlier version was not archived"
    assert why_not(Side(A, slow), Side(B)) == "the new version was not archived", "new one first"
    held = pdf_changes(Side(A, ok(*PAGES)), Side(B, ok("other")), held=True)
    assert held["status"] == "not_compared" and held["reason"] == HELD


texts = st.text(st.characters(codec="utf-8"), max_size=400)
page_lists = st.lists(st.text(" abcxyz0123$.\n-", max_size=60), max_size=6)
sides = st.one_of(
    st.builds(lambda p: ok(*p), page_lists),
    st.builds(lambda p, r: PdfText("scanned", tuple(p), r), page_lists, texts),
    st.builds(PdfText.failed, texts),
    st.none(),
)


@given(sides, sides, texts)
def test_the_object_always_keeps_the_contract(
    before: PdfText | None, after: PdfText | None, missing: str
) -> None:
    found = pdf_changes(Side(A, before, missing), Side(B, after, missing))
    json.dumps(found)  # plain JSON
    assert found["status"] in ("compared", "no_text_change", "not_compared")
    assert found["before"]["sha256"] == A and found["after"]["sha256"] == B
    for side, text in (("before", before), ("after", after)):
        counted = text is not None and text.status != "failed"
        assert found[side]["pages"] == (len(text.pages) if counted and text else None)
    if found["status"] == "not_compared":
        reason = found["reason"]
        assert isinstance(reason, str) and len(reason) <= REASON_CHARS
        assert reason.startswith(("the new version ", "the earlier version "))
        assert found["pages_line"] == "" and "passages" not in found
    else:
        assert before and after and before.status == after.status == "ok"
        assert found["reason"] is None
    if found["status"] == "compared":
        changes = PdfChanges.from_json(found)
        assert not changes.empty and found["pages_line"] == changes.pages_line()
    if found["status"] == "no_text_change":
        assert "changed_pages" not in found and found["pages_line"] == ""


def test_describe_reads_the_spool_and_the_archive_once_each(tmp_path: Path) -> None:
    """Only revised events with a replaced PDF gain the key; each digest is read once; the texts
    read are handed back; a run without such an event reads nothing."""
    settings = load_settings(None, environ={"OIGWATCH_DATA_DIR": str(tmp_path)})
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    upgrade(engine)

    original, number = document_bytes("original"), document_bytes("number")
    open_archive(settings).put(sha(original), original)
    spool = tmp_path / "spool"
    keep(spool, sha(number), number)

    def revised(key: str, old: str, new: str, status: str = "published") -> EventDraft:
        changes = [{"field": "pdf_content", "old": old, "new": new}]
        return EventDraft("revised", key, {"changes": changes}, key, status)

    events = [
        revised("one", sha(original), sha(number)),
        revised("two", sha(original), sha(number)),
        revised("held", sha(original), sha(number), status="held"),
        EventDraft("new", "three", {"changes": []}, "three"),
    ]
    read = describe_replaced_pdfs(engine, settings, str(spool), events)
    assert set(read) == {sha(original), sha(number)}
    assert all(text.status == "ok" and len(text.pages) == 12 for text in read.values())
    for event in events[:2]:
        assert event.payload[KEY]["status"] == "compared"
        assert event.payload[KEY]["changed_pages"] == [3]
    assert events[2].payload[KEY]["reason"] == HELD
    assert KEY not in events[3].payload
    assert describe_replaced_pdfs(engine, settings, str(spool), events[3:]) == {}
    engine.dispose()


def test_with_the_archive_off_nothing_is_read(tmp_path: Path) -> None:
    environ = {"OIGWATCH_DATA_DIR": str(tmp_path), "OIGWATCH_ARCHIVE__ENABLED": "false"}
    settings = load_settings(None, environ=environ)
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    upgrade(engine)
    changes = [{"field": "pdf_content", "old": A, "new": B}]
    event = EventDraft("revised", "one", {"changes": changes}, "one")
    assert describe_replaced_pdfs(engine, settings, "", [event]) == {}
    found = event.payload[KEY]
    assert found["status"] == "not_compared"
    assert found["reason"] == (
        "the new version was not kept (the PDF archive is off: [archive] enabled = false)"
    )
    engine.dispose()


def test_the_first_page_that_states_facts_gives_them() -> None:
    from archive.compare import first_facts

    cover = "Department of Homeland Security. Office of Inspector General. March 2026."
    highlights = "We made three recommendations. FEMA concurred with all three recommendations."
    body = "We recommend that the Administrator act. Management did not concur with it."
    text = PdfText("ok", (cover, highlights, body))
    facts = first_facts(text, ["FEMA"])
    assert facts is not None and (facts.recommendations, facts.concurred) == (3, 3)
    assert first_facts(PdfText("ok", (cover, cover, cover, highlights)), ["FEMA"]) is None
    assert first_facts(PdfText("scanned", ("",)), ["FEMA"]) is None
    assert first_facts(None, None) is None

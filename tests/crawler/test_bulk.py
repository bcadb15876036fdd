"""The bulk gate: each kind judged on its own, one summary event, nothing lost."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from config.vocabulary import CONTENT_KINDS
from crawler.bulk import bulk_detail, bulk_limit, field_counts, held_kinds, site_wide_field
from crawler.diff import Change, FieldChange
from crawler.events import EventDraft, GateFacts, gate_events
from crawler.state import ReportState

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OLD = "/sites/default/files/assets/2014/OIG_14-{:03d}_Jun14.pdf"
NEW = "/sites/default/files/assets/migrated/OIG_14-{:03d}_Jun14.pdf"
FACTS = GateFacts(baseline=False, known_reports=2500)  # limit 25


def state(i: int, number: bool = True) -> ReportState:
    key = f"OIG-14-{i:03d}"
    return ReportState(
        key=key if number else f"t:{i}",
        title=f"Report {i}",
        report_number=key if number else None,
        pdf_url=OLD.format(i),
    )


def moved(i: int) -> Change:
    """A report whose PDF link moved to the new folder (a site migration)."""
    before = state(i)
    after = replace(before, pdf_url=NEW.format(i))
    return Change(
        "revised",
        before.key,
        after,
        before,
        (FieldChange("pdf_url", OLD.format(i), NEW.format(i)),),
    )


def of(kind: str, i: int) -> Change:
    s = state(i)
    return Change(kind, s.key, s, s if kind != "new" else None)


def gate(changes: list[Change], facts: GateFacts = FACTS) -> list[EventDraft]:
    return gate_events(changes, "dhs-oig", "run-1", NOW, facts)


def test_a_site_migration_is_one_site_wide_summary_and_a_real_new_report_still_passes() -> None:
    changes = [moved(i) for i in range(518)] + [of("new", 900)]
    drafts = gate(changes)
    [hold] = [d for d in drafts if d.kind == "bulk_hold"]
    assert hold.status == "published" and hold.dedupe_key == "dhs-oig:bulk_hold:run-1"
    assert {d.status for d in drafts if d.kind == "revised"} == {"held"}
    [new] = [d for d in drafts if d.kind == "new"]
    assert new.status == "published", "only the kinds over the limit are held"
    payload = hold.payload
    assert payload["held"] == 518 and payload["limit"] == 25
    assert payload["counts"] == {"revised": 518} and payload["fields"] == {"pdf_url": 518}
    assert payload["site_wide"] is True and payload["site_wide_field"] == "pdf_url"
    assert len(payload["report_numbers"]) == 50 and payload["report_numbers"][0] == "OIG-14-000"
    first = payload["examples"][0]
    assert len(payload["examples"]) == 5
    assert first == {
        "kind": "revised",
        "report_number": "OIG-14-000",
        "report_key": "OIG-14-000",
        "title": "Report 0",
        "changes": [{"field": "pdf_url", "old": OLD.format(0), "new": NEW.format(0)}],
        "labels_gained": [],
        "labels_lost": [],
    }


def test_mixed_revisions_are_a_plain_bulk_hold_with_fields_and_labels_counted() -> None:
    changes = []
    for i in range(30):
        c = moved(i)
        if i % 2:
            c = replace(c, fields=(*c.fields, FieldChange("title", "a", "b")))
        else:
            c = replace(c, fields=(FieldChange("summary", "a", "b"),), labels_gained=("revised",))
        changes.append(c)
    [hold] = [d for d in gate(changes) if d.kind == "bulk_hold"]
    assert hold.payload["site_wide"] is False and hold.payload["site_wide_field"] is None
    assert hold.payload["fields"] == {
        "pdf_url": 15,
        "summary": 15,
        "title": 15,
        "labels_gained:revised": 15,
    }


def test_many_removals_are_held_and_the_few_revisions_beside_them_are_not() -> None:
    changes = [of("removed", i) for i in range(40)] + [moved(100), moved(101)]
    drafts = gate(changes)
    held = [d for d in drafts if d.status == "held"]
    assert {d.kind for d in held} == {"removed"} and len(held) == 40
    [hold] = [d for d in drafts if d.kind == "bulk_hold"]
    assert hold.payload["counts"] == {"removed": 40} and hold.payload["fields"] == {}
    assert hold.payload["site_wide"] is False
    assert [e["kind"] for e in hold.payload["examples"]] == ["removed"] * 5


def test_two_kinds_over_the_limit_share_one_summary_and_examples_from_each() -> None:
    changes = [of("new", i) for i in range(30)] + [of("removed", 100 + i) for i in range(30)]
    drafts = gate(changes)
    assert [d.kind for d in drafts].count("bulk_hold") == 1
    [hold] = [d for d in drafts if d.kind == "bulk_hold"]
    assert hold.payload["counts"] == {"new": 30, "removed": 30} and hold.payload["held"] == 60
    assert [e["kind"] for e in hold.payload["examples"]] == ["new", "removed"] * 2 + ["new"]


def test_a_report_without_a_number_is_named_by_its_key() -> None:
    changes = [of("new", i) for i in range(25)] + [Change("new", "t:99", state(99, number=False))]
    [hold] = [d for d in gate(changes) if d.kind == "bulk_hold"]
    assert hold.payload["report_numbers"][-1] == "t:99"


def test_exactly_the_limit_is_announced_and_one_more_is_held() -> None:
    assert {d.status for d in gate([moved(i) for i in range(25)])} == {"published"}
    assert len(gate([moved(i) for i in range(26)])) == 27


def test_baseline_stays_silent_and_announce_bypasses_the_bulk_gate() -> None:
    changes = [moved(i) for i in range(100)]
    assert gate(changes, replace(FACTS, baseline=True)) == []
    announced = gate(changes, replace(FACTS, announce=True))
    assert {d.status for d in announced} == {"published"} and len(announced) == 100
    assert gate(changes, replace(FACTS, baseline=True, announce=True)) == announced


def test_site_wide_needs_the_share_of_revisions() -> None:
    fields = {"pdf_url": 89, "title": 11}
    assert site_wide_field(100, fields, 0.9) is None
    assert site_wide_field(100, {"pdf_url": 90}, 0.9) == "pdf_url"
    assert site_wide_field(0, {}, 0.9) is None


def test_ties_prefer_the_link_over_the_file() -> None:
    c = replace(moved(1), fields=(FieldChange("pdf_content", "a", "b"), *moved(1).fields))
    assert list(field_counts([c])) == ["pdf_url", "pdf_content"]


def test_bulk_limit_uses_the_share_of_large_sources() -> None:
    assert bulk_limit(10, 25, 0.3) == 25
    assert bulk_limit(60, 25, 0.3) == 18
    assert bulk_limit(2500, 25, 0.3) == 25


LABELS = st.lists(st.sampled_from(["revised", "redacted", "management_alert"]), unique=True)
FIELDS = st.lists(
    st.sampled_from(["title", "summary", "issue_date", "pdf_url", "pdf_content", "components"]),
    unique=True,
)


@st.composite
def runs(draw: st.DrawFn) -> list[Change]:
    """Changes of one run: unique keys, any kinds, revisions with any fields and markers."""
    size = draw(st.integers(0, 120))
    kinds = draw(st.lists(st.sampled_from(CONTENT_KINDS), min_size=size, max_size=size))
    changes = []
    for i, kind in enumerate(kinds):
        s = state(i, number=draw(st.booleans()))
        if kind == "revised":
            fields = tuple(FieldChange(f, "a", "b") for f in draw(FIELDS))
            changes.append(Change(kind, s.key, s, s, fields, tuple(draw(LABELS)), ()))
        else:
            changes.append(Change(kind, s.key, s, None if kind == "new" else s))
    return changes


@settings(max_examples=150, deadline=None)
@given(
    runs(),
    st.integers(0, 3000),
    st.integers(1, 40),
    st.floats(0.01, 1.0),
    st.floats(0.5, 1.0),
)
def test_no_change_is_lost_and_the_summary_adds_up(
    changes: list[Change], known: int, threshold: int, fraction: float, share: float
) -> None:
    facts = GateFacts(False, False, known, threshold, fraction, share)
    drafts = gate(changes, facts)
    limit = bulk_limit(known, threshold, fraction)
    over = {kind for kind, n in Counter(c.kind for c in changes).items() if n > limit}
    content = [d for d in drafts if d.kind in CONTENT_KINDS]
    holds = [d for d in drafts if d.kind == "bulk_hold"]
    assert [d.report_key for d in content] == [c.key for c in changes], "every change, once"
    assert all(d.status == ("held" if d.kind in over else "published") for d in content)
    assert len(holds) == (1 if over else 0) and len(drafts) == len(changes) + len(holds)
    if not holds:
        return
    payload, held = holds[0].payload, [d for d in content if d.status == "held"]
    assert holds[0].status == "published" and payload["limit"] == limit
    assert payload["held"] == len(held) == sum(payload["counts"].values())
    assert payload["counts"] == dict(Counter(d.kind for d in held))
    assert set(payload["counts"]) == over == held_kinds(changes, limit)
    assert (
        payload["report_numbers"] == [d.payload["report_number"] or d.report_key for d in held][:50]
    )
    assert len(payload["examples"]) == min(5, len(held))
    held_keys = {d.report_key for d in held}
    assert {e["report_key"] for e in payload["examples"]} <= held_keys
    revisions = [c for c in changes if c.kind == "revised" and c.kind in over]
    for name, count in payload["fields"].items():
        kind, _, label = name.partition(":")
        if kind == "labels_gained":
            assert count == sum(label in c.labels_gained for c in revisions)
        else:
            assert count == sum(any(f.field == name for f in c.fields) for c in revisions)
    field = payload["site_wide_field"]
    assert payload["site_wide"] is (field is not None)
    if field:
        assert "revised" in over and payload["fields"][field] >= share * len(revisions)
        first = next(c for c in revisions if c.key == payload["examples"][0]["report_key"])
        assert field in [f.field for f in first.fields] or field.partition(":")[2] in (
            first.labels_gained + first.labels_lost
        )
    assert payload == bulk_detail(changes, frozenset(over), limit, share) | {
        "kind": "bulk_hold",
        "source": "dhs-oig",
        "detected_at": NOW.isoformat(),
        "changes": [],
    }

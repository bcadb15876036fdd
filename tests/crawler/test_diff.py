"""The pure diff: typed changes, partial sweeps, removal after K complete sweeps."""

from __future__ import annotations

from dataclasses import replace

from crawler.contract import PdfFingerprint
from crawler.diff import Stored, SweepFacts, diff_reports
from crawler.entry import ReportEntry
from crawler.state import ReportState, ViewInfo, merge_entries

BASE = ReportState(
    key="OIG-24-01",
    report_number="OIG-24-01",
    title="CBP Did Not Fully Implement the Requirements of the Synthetic Opioid Act",
    summary="CBP did not fully implement.",
    issue_date="2023-10-20",
    fiscal_year="2024",
    pdf_url="https://www.oig.dhs.gov/sites/default/files/assets/2023-10/OIG-24-01-Oct23.pdf",
    pdf_family="audits",
    components=("CBP",),
    settled=True,
    pdf_sha256="a" * 64,
)
QUICK = SweepFacts(complete=False)
DEEP = SweepFacts(complete=True, removal_sweeps=2)


def stored(*states: ReportState, status: str = "active", missing: int = 0) -> dict[str, Stored]:
    return {s.key: Stored(i, s, status, missing) for i, s in enumerate(states, 1)}


def test_unchanged_report_yields_nothing() -> None:
    diff = diff_reports(stored(BASE), {BASE.key: replace(BASE, settled=False)}, QUICK)
    assert diff.changes == [] and diff.updates == {}


def test_cosmetic_noise_is_not_a_change() -> None:
    noisy = replace(
        BASE,
        title="  CBP Did Not Fully Implement the  Requirements of the Synthetic Opioid Act (",
        summary="CBP did not fully\u00a0implement.",
    )
    diff = diff_reports(stored(BASE), {BASE.key: noisy}, QUICK)
    assert diff.changes == []


def test_revised_marker_names_title_change_and_gained_label() -> None:
    seen = replace(BASE, title=BASE.title + " (Revised)")
    [change] = diff_reports(stored(BASE), {BASE.key: seen}, QUICK).changes
    assert change.kind == "revised"
    assert [(f.field, f.old, f.new) for f in change.fields] == [("title", BASE.title, seen.title)]
    assert change.labels_gained == ("revised",) and change.labels_lost == ()


def test_redaction_label_lifted_is_a_lost_label() -> None:
    before = replace(BASE, title=BASE.title + " - (REDACTED)")
    [change] = diff_reports(stored(before), {BASE.key: BASE}, QUICK).changes
    assert change.labels_lost == ("redacted",)


def test_redaction_marker_spelling_alone_is_not_a_change() -> None:
    before = replace(BASE, title=BASE.title + " (Redacted)")
    after = replace(BASE, title=BASE.title + " - Law Enforcement Sensitive (REDACTED)")
    assert diff_reports(stored(before), {BASE.key: after}, QUICK).changes == []


def test_new_pdf_bytes_are_a_pdf_content_revision() -> None:
    path = "/sites/default/files/assets/2023-10/OIG-24-01-Oct23.pdf"
    facts = SweepFacts(complete=False, pdfs={path: PdfFingerprint(path, "ok", sha256="b" * 64)})
    [change] = diff_reports(stored(BASE), {BASE.key: replace(BASE, pdf_sha256=None)}, facts).changes
    assert [(f.field, f.old, f.new) for f in change.fields] == [("pdf_content", "a" * 64, "b" * 64)]


def test_query_string_or_host_on_the_pdf_link_is_not_a_change() -> None:
    moved = replace(BASE, pdf_url=BASE.pdf_url.replace("www.", "") + "?source=govdelivery")  # type: ignore[union-attr]
    assert diff_reports(stored(BASE), {BASE.key: moved}, QUICK).changes == []


def test_quick_sweep_never_takes_components_away() -> None:
    partial = replace(BASE, components=())
    diff = diff_reports(stored(BASE), {BASE.key: partial}, QUICK)
    assert diff.changes == []
    deep = diff_reports(stored(BASE), {BASE.key: partial}, DEEP)
    assert deep.changes == []  # a loss is held for one more complete sweep (see below)


def test_a_lost_component_is_announced_only_when_a_second_complete_sweep_confirms_it() -> None:
    partial = replace(BASE, components=())
    first = diff_reports(stored(BASE), {BASE.key: partial}, DEEP)
    assert first.changes == []
    held = first.updates[BASE.key]
    assert held.components == ("CBP",) and held.unconfirmed_losses == ("component:CBP",)
    assert held.content_hash == BASE.content_hash  # nothing a reader sees has changed
    [change] = diff_reports(stored(held), {BASE.key: partial}, DEEP).changes
    assert [(f.field, f.old, f.new) for f in change.fields] == [("components", ["CBP"], [])]
    assert change.state.unconfirmed_losses == ()


def test_a_loss_seen_once_then_back_is_never_announced() -> None:
    """A row missed by one view while the site shifted under the sweep (drift)."""
    partial = replace(BASE, components=(), view_labels=())
    before = replace(BASE, view_labels=("unresolved",))
    first = diff_reports(stored(before), {BASE.key: partial}, DEEP)
    assert first.changes == []
    held = first.updates[BASE.key]
    assert held.unconfirmed_losses == ("component:CBP", "view:unresolved")
    back = diff_reports(stored(held), {BASE.key: before}, DEEP)
    assert back.changes == [] and back.updates[BASE.key].unconfirmed_losses == ()
    assert back.updates[BASE.key].content_hash == before.content_hash


def test_one_complete_sweep_confirms_a_loss_when_removals_need_one() -> None:
    partial = replace(BASE, components=())
    once = SweepFacts(complete=True, removal_sweeps=1)
    [change] = diff_reports(stored(BASE), {BASE.key: partial}, once).changes
    assert [f.field for f in change.fields] == ["components"]


def test_components_of_an_unsettled_report_fill_in_silently() -> None:
    unsettled = replace(BASE, components=(), settled=False)
    diff = diff_reports(stored(unsettled), {BASE.key: BASE}, DEEP)
    assert diff.changes == []
    assert diff.updates[BASE.key].components == ("CBP",) and diff.updates[BASE.key].settled


def test_removed_only_after_k_complete_sweeps_then_restored() -> None:
    other = replace(BASE, key="OIG-24-02", report_number="OIG-24-02")
    assert diff_reports(stored(BASE, other), {other.key: other}, QUICK).missing == {}
    first = diff_reports(stored(BASE, other), {other.key: other}, DEEP)
    assert first.changes == [] and first.missing == {BASE.key: 1}
    second = diff_reports(stored(BASE, other, missing=1), {other.key: other}, DEEP)
    assert [c.kind for c in second.changes if c.key == BASE.key] == ["removed"]
    back = diff_reports(stored(BASE, status="removed", missing=2), {BASE.key: BASE}, QUICK)
    assert [c.kind for c in back.changes] == ["restored"] and back.missing == {BASE.key: 0}


def test_merge_unions_views_and_first_ranked_view_wins() -> None:
    views = {
        "audits": ViewInfo("audits", 0),
        "audits:ICE": ViewInfo("audits", 1),
        "management-alerts": ViewInfo("management-alerts", 2, ("management_alert",)),
    }
    rows = [
        ReportEntry("management-alerts", "T", "oig-19-46", pdf_url="https://x/Mga/oig-19-46.pdf"),
        ReportEntry(
            "audits:ICE",
            "T",
            "OIG-19-46",
            pdf_url="https://x/OIG-19-46-May19.pdf",
            components=("ICE",),
        ),
        ReportEntry("audits", "T", "OIG-19-46 ", pdf_url="https://x/OIG-19-46-May19.pdf"),
    ]
    [state] = merge_entries(rows, views, {}).values()
    assert state.key == "OIG-19-46" and state.components == ("ICE",)
    assert state.pdf_family == "audits" and state.pdf_url == "https://x/OIG-19-46-May19.pdf"
    assert state.labels == ("management_alert",)


def test_reused_number_with_distant_fiscal_year_is_another_report() -> None:
    views = {"audits": ViewInfo("audits", 0)}
    row = ReportEntry("audits", "Old report", "OIG-05-12", fiscal_year="2015")
    assert list(merge_entries([row], views, {"OIG-05-12": "2005"})) == ["OIG-05-12@2015"]
    typo = ReportEntry("audits", "Typo", "OIG-18-16", fiscal_year="2018")
    assert list(merge_entries([typo], views, {"OIG-18-16": "20187"})) == ["OIG-18-16"]


def renamed(**changes: object) -> ReportState:
    return replace(BASE, **changes)  # type: ignore[arg-type]


def test_a_corrected_number_is_one_revision_of_the_known_report() -> None:
    seen = renamed(key="OIG-24-10", report_number="OIG-24-10", pdf_sha256=None)
    diff = diff_reports({}, {seen.key: seen}, DEEP, unseen=stored(BASE))
    [change] = diff.changes
    assert (change.kind, change.key, change.renamed_from) == ("revised", "OIG-24-10", BASE.key)
    assert [(f.field, f.old, f.new) for f in change.fields] == [
        ("report_number", "OIG-24-01", "OIG-24-10")
    ]
    assert diff.missing == {}, "the old identity is not missing: it was renamed"


def test_rename_evidence_is_bytes_then_path_then_title_and_date() -> None:
    moved = "https://www.oig.dhs.gov/sites/default/files/assets/2023-11/other.pdf"
    same_bytes = renamed(key="OIG-24-11", report_number="OIG-24-11", pdf_url=moved, title="T")
    assert diff_reports({}, {"OIG-24-11": same_bytes}, QUICK, stored(BASE)).changes[0].renamed_from
    same_title = renamed(key="X-1", report_number="X-1", pdf_url=moved, pdf_sha256=None)
    assert diff_reports({}, {"X-1": same_title}, QUICK, stored(BASE)).changes[0].renamed_from
    nothing = renamed(key="X-2", report_number="X-2", pdf_url=moved, pdf_sha256=None, title="T")
    [change] = diff_reports({}, {"X-2": nothing}, QUICK, stored(BASE)).changes
    assert change.kind == "new"


def test_ambiguous_evidence_is_no_rename() -> None:
    twin = replace(BASE, key="OIG-24-02", report_number="OIG-24-02", pdf_sha256="b" * 64)
    seen = renamed(key="OIG-24-99", report_number="OIG-24-99", pdf_sha256=None, pdf_url=None)
    [change] = diff_reports({}, {seen.key: seen}, QUICK, stored(BASE, twin)).changes
    assert change.kind == "new", "two known reports share the title and date: no guess"

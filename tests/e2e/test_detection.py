"""What must be shown: each real change is one typed event, and noise is none (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from support.harness import Oigwatch

EVENT_FIELDS = {
    "event_id",
    "kind",
    "source",
    "report_number",
    "title",
    "url",
    "issue_date",
    "fiscal_year",
    "components",
    "summary",
    "labels",
    "changes",
    "detected_at",
}


def kinds(events: list[dict]) -> list[str]:
    return [event["kind"] for event in events]


def fields(event: dict) -> dict[str, tuple]:
    return {c["field"]: (c["old"], c["new"]) for c in event["changes"]}


def test_new_report_on_page_zero_is_one_new_event(baselined: Oigwatch) -> None:
    added = baselined.site.mutate(
        {
            "op": "add_report",
            "components": ["ICE"],
            "title": "ICE Did Not Track Detainee Transfers",
            "summary": "We found that ICE did not track transfers.",
        }
    )
    [event] = baselined.crawl("--quick")
    assert set(event) >= EVENT_FIELDS and event["detected_at"].endswith("+00:00")
    assert event["kind"] == "new" and event["report_number"] == added["report_number"]
    assert event["title"] == "ICE Did Not Track Detainee Transfers"
    assert event["summary"] == "We found that ICE did not track transfers."
    assert "ICE" in event["components"] and event["url"].endswith(".pdf")
    assert event["issue_date"] == baselined.site.state.today.isoformat()
    assert baselined.crawl("--quick") == [], "a re-crawl must not re-alert"
    assert baselined.crawl("--deep") == [], "nor a deep sweep seeing it on another page"


def test_backdated_report_on_page_two_is_found_by_the_deep_sweep(baselined: Oigwatch) -> None:
    added = baselined.site.mutate(
        {"op": "insert_backdated", "position": 120, "components": ["FEMA"]}
    )
    [event] = baselined.crawl("--deep")
    assert (event["kind"], event["report_number"]) == ("new", added["report_number"])
    assert event["components"] == ["FEMA"]
    assert baselined.crawl("--deep") == []


def test_revised_marker_is_a_title_change_with_a_gained_label(baselined: Oigwatch) -> None:
    baselined.site.mutate(
        {"op": "retitle", "report_number": "OIG-24-01", "suffix_op": "append_revised"}
    )
    [event] = baselined.crawl("--deep")
    assert event["kind"] == "revised" and event["report_number"] == "OIG-24-01"
    old, new = fields(event)["title"]
    assert new == old + " (Revised)" and list(fields(event)) == ["title"]
    assert event["labels_gained"] == ["revised"] and "revised" in event["labels"]


def test_redaction_label_lifted_is_reported(baselined: Oigwatch) -> None:
    number = "OIG-21-27"  # "... JFK International Mail Facility (Redacted)"
    baselined.site.mutate(
        {"op": "retitle", "report_number": number, "suffix_op": "remove_redacted"}
    )
    [lifted] = baselined.crawl("--deep")
    assert lifted["labels_lost"] == ["redacted"] and lifted["report_number"] == number
    assert fields(lifted)["title"][0].endswith("(Redacted)")
    baselined.site.mutate(
        {"op": "retitle", "report_number": number, "suffix_op": "to_les_redacted"}
    )
    [added] = baselined.crawl("--deep")
    assert added["labels_gained"] == ["redacted"]
    baselined.site.mutate(
        {"op": "retitle", "report_number": number, "suffix_op": "to_paren_redacted"}
    )
    assert baselined.crawl("--deep") == [], "the spelling of a redaction marker is not news"


def test_summary_edit_is_one_revision(baselined: Oigwatch) -> None:
    baselined.site.mutate(
        {
            "op": "edit_summary",
            "report_number": "OIG-19-11",
            "summary": "CBP did not collect $4.3 billion in delinquent debt.",
        }
    )
    [event] = baselined.crawl("--deep")
    assert list(fields(event)) == ["summary"]
    assert fields(event)["summary"][1] == "CBP did not collect $4.3 billion in delinquent debt."


def test_replaced_pdf_bytes_are_one_revision(baselined: Oigwatch) -> None:
    baselined.site.mutate({"op": "replace_pdf", "report_number": "OIG-20-75", "mode": "bytes"})
    [event] = baselined.crawl("--deep", "--pdf-checks", "all")
    assert event["report_number"] == "OIG-20-75" and list(fields(event)) == ["pdf_content"]
    assert baselined.crawl("--deep", "--pdf-checks", "all") == []


def test_changed_pdf_link_is_one_revision_and_a_query_string_is_none(baselined: Oigwatch) -> None:
    baselined.site.mutate({"op": "replace_pdf", "report_number": "OIG-20-75", "mode": "query"})
    assert baselined.crawl("--deep") == []
    baselined.site.mutate(
        {"op": "replace_pdf", "report_number": "OIG-20-75", "mode": "href", "suffix": "-Revised"}
    )
    [event] = baselined.crawl("--deep")
    assert "pdf_url" in fields(event) and fields(event)["pdf_url"][1].endswith("-Revised.pdf")


def test_noise_is_never_a_change(baselined: Oigwatch) -> None:
    site = baselined.site
    site.mutate({"op": "tie_shuffle", "mode": "shuffle"})
    for suffix_op in ("curly_quotes", "nbsp", "double_escape", "trim_leading_space"):
        for number in ("OIG-22-08", "OIG-18-16", "OIG-24-63"):
            site.mutate({"op": "retitle", "report_number": number, "suffix_op": suffix_op})
    site.mutate({"op": "encoding", "encoding": "bom"})
    site.mutate({"op": "layout", "summary_mode": "hidden_span", "date_mode": "text_only"})
    assert baselined.crawl("--quick") == []
    assert baselined.crawl("--deep") == []
    assert baselined.crawl("--deep") == []


def test_page_shifts_from_many_new_reports_are_only_the_new_reports(baselined: Oigwatch) -> None:
    numbers = {baselined.site.mutate({"op": "add_report"})["report_number"] for _ in range(3)}
    events = baselined.crawl("--deep")
    assert kinds(events) == ["new"] * 3 and {e["report_number"] for e in events} == numbers


def test_pulled_report_is_removed_after_two_deep_sweeps_then_restored(baselined: Oigwatch) -> None:
    baselined.site.mutate({"op": "remove_report", "report_number": "OIG-19-11"})
    assert baselined.crawl("--quick") == []
    assert baselined.crawl("--deep") == [], "one sweep without it is not enough"
    [removed] = baselined.crawl("--deep")
    assert (removed["kind"], removed["report_number"]) == ("removed", "OIG-19-11")
    assert baselined.crawl("--deep") == [], "removed once, announced once"
    baselined.site.mutate({"op": "restore_report", "report_number": "OIG-19-11"})
    [restored] = baselined.crawl("--deep")
    assert (restored["kind"], restored["report_number"]) == ("restored", "OIG-19-11")


def test_insertion_between_page_fetches_is_not_missed_nor_doubled(baselined: Oigwatch) -> None:
    baselined.site.mutate(
        {
            "op": "drift_during_crawl",
            "trigger": "page=1",
            "then": {"op": "add_report", "components": ["TSA"]},
        }
    )
    events = baselined.crawl("--deep")
    assert kinds(events) == ["new"]
    assert baselined.crawl("--deep") == []


def test_deletion_between_page_fetches_is_not_a_removal(baselined: Oigwatch) -> None:
    baselined.site.mutate(
        {
            "op": "drift_during_crawl",
            "trigger": "page=2",
            "then": {"op": "remove_report", "report_number": "OIG-22-08"},
        }
    )
    assert baselined.crawl("--deep") == []
    baselined.site.mutate({"op": "restore_report", "report_number": "OIG-22-08"})
    assert baselined.crawl("--deep") == []
    assert baselined.crawl("--deep") == []


def test_a_component_missed_by_one_sweep_is_not_a_revision(baselined: Oigwatch) -> None:
    """What a row shifted out of one component view mid-sweep looks like, made deterministic."""
    report = next(r for r in baselined.site.state.reports if len(r.components) == 2)
    number, components = report.report_number, list(report.components)
    baselined.site.mutate(
        {"op": "retag_component", "report_number": number, "components": components[:1]}
    )
    assert baselined.crawl("--deep") == []
    baselined.site.mutate(
        {"op": "retag_component", "report_number": number, "components": components}
    )
    assert baselined.crawl("--deep") == []
    assert baselined.crawl("--deep") == []


def test_a_component_taken_away_is_announced_once_two_sweeps_agree(baselined: Oigwatch) -> None:
    report = next(r for r in baselined.site.state.reports if r.components == ["CBP"])
    number = report.report_number
    baselined.site.mutate({"op": "retag_component", "report_number": number, "components": ["ICE"]})
    [gained] = baselined.crawl("--deep")  # ICE is gained at once; losing CBP waits a sweep
    assert gained["kind"] == "revised" and gained["report_number"] == number
    [lost] = baselined.crawl("--deep")
    assert lost["kind"] == "revised" and lost["report_number"] == number
    assert baselined.crawl("--deep") == []


def test_changes_command_filters_what_was_recorded(baselined: Oigwatch) -> None:
    baselined.site.mutate({"op": "add_report"})
    baselined.site.mutate(
        {"op": "retitle", "report_number": "OIG-24-01", "suffix_op": "append_revised"}
    )
    assert sorted(kinds(baselined.crawl("--quick"))) == ["new", "revised"]
    assert kinds(baselined.changes("--kind", "revised")) == ["revised"]
    assert len(baselined.changes("--since", "2000-01-01")) == 2
    assert baselined.changes("--since", "2999-01-01") == []
    history = baselined.run("report", "OIG-24-01")
    assert history.exit_code == 0 and "version 2" in history.stdout
    assert "Training Act{+ (Revised)+}" in history.stdout


def test_bulk_of_new_reports_is_held_until_released(baselined: Oigwatch) -> None:
    numbers = {baselined.site.mutate({"op": "add_report"})["report_number"] for _ in range(30)}
    events = baselined.crawl("--deep")
    held = [e for e in events if e["kind"] == "new"]
    [hold] = [e for e in events if e["kind"] == "bulk_hold"]
    assert {e["report_number"] for e in held} == numbers and {e["status"] for e in held} == {"held"}
    assert hold["held"] == 30
    released = baselined.run("release", str(hold["event_id"]))
    assert released.exit_code == 0 and "released 30 held events" in released.stdout
    assert {e["status"] for e in baselined.changes("--kind", "new")} == {"published"}
    assert baselined.run("release", str(held[0]["event_id"])).exit_code == 2


def test_capped_deep_sweeps_never_conclude_removal(baselined: Oigwatch) -> None:
    capped = {"OIGWATCH_CRAWL__PAGE_CAP": "2"}
    last = baselined.site.state.reports[0].report_number
    baselined.site.mutate({"op": "remove_report", "report_number": last})
    for _ in range(3):
        assert baselined.crawl("--deep", env=capped) == []
    runs = baselined.run("sources", "--json")
    [source] = json.loads(runs.stdout)
    assert {run["complete"] for run in source["runs"][:3]} == {False}
    assert {run["outcome"] for run in source["runs"][:3]} == {"healthy"}


def test_announce_overrides_the_silent_baseline(oigwatch: Oigwatch) -> None:
    events = oigwatch.crawl("--deep", "--announce")
    assert len(events) == len(oigwatch.site.state.reports) and set(kinds(events)) == {"new"}
    assert oigwatch.crawl("--deep") == []

"""Bulk gates for every kind: a site-wide change or a mass removal is one held summary."""

from __future__ import annotations

import json
from typing import Any

from support.harness import Oigwatch

from fixture_site.mutations import OPS

MIGRATED = "/sites/default/files/assets/migrated"


def deliveries(oigwatch: Oigwatch) -> list[dict[str, Any]]:
    result = oigwatch.run("deliveries", "--json", "--limit", "10000")
    assert result.exit_code == 0, result.stdout + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def move_every_pdf(oigwatch: Oigwatch) -> None:
    """Every report's PDF moves to one new folder, same file name (a site migration)."""
    if "move_all_pdfs" in OPS:  # same bytes, every report
        oigwatch.site.mutate({"op": "move_all_pdfs", "folder": MIGRATED})
        return
    for report in oigwatch.site.state.reports:  # a new version of each file, numbered reports
        if report.report_number:
            name = report.pdf_path.split("?", 1)[0].rsplit("/", 1)[-1]
            oigwatch.site.mutate(
                {
                    "op": "replace_pdf",
                    "report_number": report.report_number,
                    "mode": "href",
                    "pdf_path": f"{MIGRATED}/{name}",
                }
            )


def test_a_site_migration_is_one_site_wide_hold_released_one_by_one(baselined: Oigwatch) -> None:
    move_every_pdf(baselined)
    events = baselined.crawl("--deep")
    [hold] = [e for e in events if e["kind"] == "bulk_hold"]
    revised = [e for e in events if e["kind"] == "revised"]
    assert {e["status"] for e in revised} == {"held"}, "no revision is announced on its own"
    assert hold["status"] == "published" and hold["site_wide"] is True
    assert hold["site_wide_field"] == "pdf_url"
    assert hold["counts"]["revised"] == len(revised) == hold["fields"]["pdf_url"]
    assert len(revised) > 250 and hold["report_numbers"][0] in {
        e["report_number"] or e["report_key"] for e in revised
    }
    example = hold["examples"][0]
    [link] = [c for c in example["changes"] if c["field"] == "pdf_url"]
    assert link["new"].split("?", 1)[0].endswith(link["old"].split("?", 1)[0].rsplit("/", 1)[-1])
    assert f"{MIGRATED}/" in link["new"]
    assert not [d for d in deliveries(baselined) if d["kind"] == "revised"], "nothing sent yet"
    shown = baselined.run("changes", "--kind", "bulk_hold")
    assert "Site-wide change: the PDF link of" in shown.stdout
    assert f"oigwatch release {hold['event_id']}" in shown.stdout

    released = baselined.run("release", str(hold["event_id"]))
    assert released.exit_code == 0, released.stdout + released.stderr
    assert f"released {hold['held']} held events" in released.stdout
    published = baselined.changes("--kind", "revised", "--limit", "10000")
    assert len(published) == len(revised) and {e["status"] for e in published} == {"published"}
    sent = {d["event_id"] for d in deliveries(baselined) if d["kind"] == "revised"}
    assert sent == {e["event_id"] for e in revised}, "each released revision goes to its routes"
    assert baselined.crawl("--deep") == [], "the migration is told once"


def test_many_removals_are_one_held_summary(baselined: Oigwatch) -> None:
    pulled = [r.report_number for r in baselined.site.state.reports if r.report_number][:40]
    for number in pulled:
        baselined.site.mutate({"op": "remove_report", "report_number": number})
    assert baselined.crawl("--deep") == [], "one sweep without them is not enough"
    events = baselined.crawl("--deep")
    [hold] = [e for e in events if e["kind"] == "bulk_hold"]
    removed = [e for e in events if e["kind"] == "removed"]
    assert sorted(e["report_number"] for e in removed) == sorted(pulled)
    assert {e["status"] for e in removed} == {"held"} and len(events) == 41
    assert hold["counts"] == {"removed": 40} and hold["held"] == 40
    assert hold["site_wide"] is False and hold["fields"] == {}
    assert [e["kind"] for e in hold["examples"]] == ["removed"] * 5
    assert baselined.run("release", str(hold["event_id"])).exit_code == 0
    published = baselined.changes("--kind", "removed", "--limit", "10000")
    assert len(published) == 40 and {e["status"] for e in published} == {"published"}
    assert {d["event_id"] for d in deliveries(baselined) if d["kind"] == "removed"} == {
        e["event_id"] for e in removed
    }

"""The generated state: real records first and untouched, synthetic values labelled, shape."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter

from fixture_site import SiteState, build_state
from fixture_site.seed import load_records
from fixture_site.state import fiscal_year_of
from fixture_site.views import VIEWS, parse_query, select_rows


def test_real_records_come_first_byte_exact() -> None:
    records = load_records()
    state = build_state(300)
    assert len(records) == 219
    for record, report in zip(records, state.reports, strict=False):
        assert report.title == record["title"]
        assert report.report_number == record["report_number"]
        assert report.summary == record["summary"]
        assert report.fiscal_year == record["fiscal_year"]
        assert not report.synthetic
        assert {"issue_date", "pdf_path", "nid"} <= set(report.synthetic_fields)
        if record["component"]:
            assert report.components[0] == record["component"]
    assert all(r.synthetic for r in state.reports[219:])
    assert all("Synthetic" in r.title for r in state.reports[219:])


def test_quirky_titles_survive() -> None:
    titles = {r.title for r in build_state(219).reports}
    assert " Funding Plan for the United States Coast Guard Museum" in titles
    assert any(t.endswith(" (") for t in titles)
    assert any(t.endswith("(Redacted) ") for t in titles)


def test_small_state_is_a_subset_without_holes() -> None:
    state = build_state(50)
    assert len(state.reports) == 50
    assert [r.title for r in state.reports] == [rec["title"] for rec in load_records()[:50]]
    assert not any(r.hide_from_unfiltered for r in build_state(999).reports)


def test_dates_follow_the_federal_fiscal_year() -> None:
    state = build_state(600)
    for report in state.reports:
        assert report.date < state.today
        if report.fiscal_year and report.fiscal_year < 3000:
            assert fiscal_year_of(report.date) == report.fiscal_year, report


def test_enough_rows_share_a_date() -> None:
    for n in (219, 300, 2500):
        reports = build_state(n).reports
        per_date = Counter(r.issue_date for r in reports)
        shared = sum(1 for r in reports if per_date[r.issue_date] > 1)
        assert shared >= 0.10 * n, (n, shared)


def test_kinds_and_memberships() -> None:
    state = build_state(2500)
    kinds = Counter(r.kind for r in state.reports)
    alerts = [r for r in state.reports if r.management_alert]
    assert 20 <= kinds["whistleblower"] <= 30
    assert 90 <= len(alerts) <= 110
    assert all("/Mga/" in (r.mga_pdf_path or "") for r in alerts)
    assert all(r.report_number is None for r in state.reports if r.kind == "whistleblower")
    assert all(1 <= len(r.components) <= 2 for r in state.reports)
    assert sum(r.hide_from_unfiltered for r in state.reports) == 2
    assert any(307 in r.keyword_tids for r in state.reports)
    assert {1, 2, 3, 4, 5, 6, 7, 8, 9, 2632, 307, 1568} <= set(state.terms)
    numbers = [r.report_number for r in state.reports if r.report_number]
    assert len(numbers) == len(set(numbers))


def test_state_json_round_trip_is_exact() -> None:
    state = build_state(300)
    state.settings.tie_mode = "stable"
    data = json.loads(json.dumps(state.to_json()))
    again = SiteState.from_json(data)
    assert again.to_json() == state.to_json()
    assert again == state


def test_build_is_deterministic() -> None:
    one = build_state(500, seed=3).to_json()
    assert one == build_state(500, seed=3).to_json()
    assert one != build_state(500, seed=4).to_json()
    assert build_state(10, today=dt.date(2030, 1, 1)).today == dt.date(2030, 1, 1)


def test_2500_reports_make_50_unfiltered_and_about_110_pages_in_all_views() -> None:
    state = build_state(2500)
    pages = {}
    for path, view in VIEWS.items():
        agency_ids = ["All"] if view.key != "audits" else ["All", *map(str, range(1, 10)), "2632"]
        for agency in agency_ids:
            query = f"field_dhs_agency_target_id={agency}" if view.key == "audits" else ""
            rows = select_rows(view, state, parse_query(view, state, query))
            pages[(path, agency)] = math.ceil(len(rows) / 50)
    assert pages[("/reports/audits-inspections-and-evaluations", "All")] == 50
    assert 105 <= sum(pages.values()) <= 115, pages

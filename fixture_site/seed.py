"""Seeding: the real records first (text untouched), then labelled synthetic reports (spec §10)."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fixture_site import paths
from fixture_site.state import (
    AGENCY_TIDS,
    Report,
    Settings,
    SiteState,
    Term,
    fiscal_year_of,
    iso_z,
)
from fixture_site.synthetic import (
    COMPONENT_RULES,
    pick_component,
    synthetic_summary,
    synthetic_title,
)

DATA_FILE = Path(__file__).parent / "data" / "dhs_oig_records.jsonl"
DEFAULT_TODAY = dt.date(2026, 11, 20)
FIRST_SYNTHETIC_FY = 2003
MA_SHARE = 0.04
WB_SHARE = 0.01
SECOND_COMPONENT_SHARE = 0.06

AGENCY_NAMES: dict[str, str] = {
    "CBP": "U.S. Customs and Border Protection",
    "FEMA": "Federal Emergency Management Agency",
    "ICE": "U.S. Immigration and Customs Enforcement",
    "MGMT": "Management Directorate",
    "TSA": "Transportation Security Administration",
    "USCIS": "United States Citizenship and Immigration Services",
    "USCG": "United States Coast Guard",
    "USSS": "United States Secret Service",
    "Others": "Other DHS Components",
    "CISA": "Cybersecurity and Infrastructure Security Agency",
}
# Labels are made up except that id 13 exists on the real site (spec §2).
OVERSIGHT_AREAS: dict[str, str] = {
    "11": "Border Security",
    "12": "Counterterrorism",
    "13": "Disaster Preparedness, Response, Recovery",
    "14": "Cybersecurity",
    "15": "Immigration",
    "16": "Management",
    "17": "Transportation Security",
}
AREA_OF: dict[str, int] = {
    "CBP": 11,
    "USCG": 11,
    "USSS": 12,
    "FEMA": 13,
    "CISA": 14,
    "ICE": 15,
    "USCIS": 15,
    "MGMT": 16,
    "Others": 16,
    "TSA": 17,
}
KEYWORD_TERMS = {307: "DHS", 1568: "trafficking"}


@dataclass
class _Draft:
    title: str
    number: str | None
    fiscal_year: int | None
    summary: str | None
    components: list[str]
    kind: str = "report"
    management_alert: bool = False
    synthetic: bool = False
    made_up: list[str] = field(default_factory=list)
    source_url: str | None = None
    date_fy: int = 0
    date: dt.date = dt.date(2000, 1, 1)


def load_records(path: Path = DATA_FILE) -> list[dict[str, Any]]:
    """The real seed records, in file order."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def build_state(n_reports: int = 300, seed: int = 7, today: dt.date = DEFAULT_TODAY) -> SiteState:
    """A deterministic site: real records first, synthetic ones up to `n_reports`."""
    rng = random.Random(seed)
    drafts = [_draft_from_record(rec, rng) for rec in load_records()[:n_reports]]
    drafts += _synthetic_drafts(n_reports - len(drafts), drafts, rng, today)
    _assign_dates(drafts, rng, today)
    reports = _finish(drafts, rng, today)
    for report in reports:
        report.snapshot_pdf_caption()
    if n_reports >= 1000:
        _add_coverage_holes(reports, rng)
    modified = max(max(r.changed, r.pdf_modified) for r in reports) if reports else ""
    return SiteState(
        today=today,
        seed=seed,
        reports=reports,
        settings=Settings(),
        terms=_terms(),
        fy_options=_fy_options(fiscal_year_of(today)),
        oversight_areas=dict(OVERSIGHT_AREAS),
        modified=modified or iso_z(dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)),
    )


def infer_components(title: str) -> list[str]:
    """Agency codes guessed from a title (synthetic assignment for records without one)."""
    for code, pattern in COMPONENT_RULES:
        if re.search(pattern, title):
            return [code]
    return ["Others"]


def _draft_from_record(rec: dict[str, Any], rng: random.Random) -> _Draft:
    made_up = ["nid", "issue_date", "pdf_path", "detail_path", "changed", "pdf_modified"]
    made_up += ["oversight_area", "keyword_tids"]
    if rec.get("component"):
        components = [rec["component"]]
    else:
        components = infer_components(rec["title"])
        made_up.append("components")
    if rng.random() < SECOND_COMPONENT_SHARE:
        components.append(pick_component(rng, exclude=components[0]))
        if "components" not in made_up:
            made_up.append("components")
    title = rec["title"]
    return _Draft(
        title=title,
        number=rec.get("report_number"),
        fiscal_year=rec.get("fiscal_year"),
        summary=rec.get("summary"),
        components=components,
        management_alert=title.startswith("Management Alert"),
        made_up=made_up,
        source_url=rec.get("source_url"),
    )


def _fy_weights(today: dt.date) -> dict[int, float]:
    """Relative number of reports per fiscal year (the current FY only partly elapsed)."""
    current = fiscal_year_of(today)
    elapsed = (today - dt.date(current - 1, 10, 1)).days / 365.0
    weights = {fy: 1.0 for fy in range(FIRST_SYNTHETIC_FY, current)}
    weights[current] = max(elapsed, 0.02)
    return weights


def _apportion(total: int, weights: dict[int, float]) -> dict[int, int]:
    """Split `total` across keys proportionally (largest remainder, deterministic)."""
    scale = sum(weights.values())
    exact = {k: total * w / scale for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    rest = sorted(weights, key=lambda k: (counts[k] - exact[k], k))
    for key in rest[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def _synthetic_drafts(
    count: int, real: list[_Draft], rng: random.Random, today: dt.date
) -> list[_Draft]:
    if count <= 0:
        return []
    used = {paths.parse_oig_number(d.number) for d in real}
    n_total = count + len(real)
    n_wb = min(count, max(1, round(WB_SHARE * n_total)))
    n_ma = max(0, round(MA_SHARE * n_total) - sum(d.management_alert for d in real))
    drafts: list[_Draft] = []
    for fy, n in sorted(_apportion(count, _fy_weights(today)).items()):
        nn = 0
        for _ in range(n):
            nn += 1
            while (fy % 100, nn) in used:
                nn += 1
            drafts.append(_synthetic_draft(len(drafts) + 1, fy, nn, rng))
    _mark_kinds(drafts, n_ma, n_wb, rng)
    return drafts


def _synthetic_draft(serial: int, fy: int, nn: int, rng: random.Random) -> _Draft:
    component = pick_component(rng, fy=fy)
    components = [component]
    if rng.random() < SECOND_COMPONENT_SHARE:
        components.append(pick_component(rng, exclude=component, fy=fy))
    suffix = "-D" if component == "FEMA" and 2013 <= fy <= 2017 and rng.random() < 0.3 else ""
    return _Draft(
        title=synthetic_title("report", component, serial, rng),
        number=f"OIG-{fy % 100:02d}-{nn:02d}{suffix}",
        fiscal_year=fy,
        summary=synthetic_summary(component, serial, rng),
        components=components,
        synthetic=True,
        date_fy=fy,
    )


def _mark_kinds(drafts: list[_Draft], n_ma: int, n_wb: int, rng: random.Random) -> None:
    """Turn some synthetic drafts into whistleblower ROIs and management alerts."""
    wb_pool = [d for d in drafts if d.fiscal_year and d.fiscal_year >= 2016]
    for draft in rng.sample(wb_pool, min(n_wb, len(wb_pool))):
        draft.kind = "whistleblower"
        draft.number = None
        draft.summary = None
        draft.title = synthetic_title("whistleblower", draft.components[0], _serial(draft), rng)
    ma_pool = [d for d in drafts if d.kind == "report" and (d.fiscal_year or 0) >= 2013]
    for draft in rng.sample(ma_pool, min(n_ma, len(ma_pool))):
        draft.management_alert = True
        draft.title = synthetic_title("management_alert", draft.components[0], _serial(draft), rng)


def _serial(draft: _Draft) -> int:
    return int(draft.title.rsplit(" ", 1)[-1])


def _date_fy(draft: _Draft, rng: random.Random, today: dt.date) -> int:
    """The fiscal year the made-up issue date must fall in."""
    fy = draft.fiscal_year
    if fy is not None and 1990 <= fy <= 2100:
        return fy
    parsed = paths.parse_oig_number(draft.number)
    if parsed:
        return 2000 + parsed[0]
    return rng.randint(FIRST_SYNTHETIC_FY, fiscal_year_of(today) - 1)


def _assign_dates(drafts: list[_Draft], rng: random.Random, today: dt.date) -> None:
    """Issue dates spread over each FY in number order, with jitter and forced ties."""
    by_fy: dict[int, list[_Draft]] = {}
    for draft in drafts:
        draft.date_fy = _date_fy(draft, rng, today)
        by_fy.setdefault(draft.date_fy, []).append(draft)
    for fy, group in by_fy.items():
        group.sort(key=lambda d: (paths.parse_oig_number(d.number) or (0, rng.randint(1, 130)))[1])
        start = dt.date(fy - 1, 10, 1)
        end = max(start, min(dt.date(fy, 9, 30), today - dt.timedelta(days=1)))
        span = (end - start).days
        for i, draft in enumerate(group):
            offset = int((i + 0.5) / len(group) * span) + rng.randint(-6, 6)
            draft.date = _weekday(start + dt.timedelta(days=min(max(offset, 0), span)), start, end)
            if i % 8 == 7:
                draft.date = group[i - 1].date


def _weekday(day: dt.date, start: dt.date, end: dt.date) -> dt.date:
    """Move a weekend date to the nearest weekday inside [start, end]."""
    forward = day + dt.timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day
    if forward <= end:
        return forward
    backward = day - dt.timedelta(days=day.weekday() - 4)
    return backward if backward >= start else day


def _finish(drafts: list[_Draft], rng: random.Random, today: dt.date) -> list[Report]:
    """Reports with nids (in issue-date order), PDF paths, aliases and timestamps."""
    order = sorted(range(len(drafts)), key=lambda i: (drafts[i].date, i))
    nids: dict[int, int] = {}
    nid = 1000
    for i in order:
        nid += rng.randint(1, 6)
        nids[i] = nid
    return [_report(d, nids[i], rng, today) for i, d in enumerate(drafts)]


def _report(draft: _Draft, nid: int, rng: random.Random, today: dt.date) -> Report:
    pdf = _pdf_path(draft, nid, rng)
    noon = dt.datetime(draft.date.year, draft.date.month, draft.date.day, 14, tzinfo=dt.UTC)
    changed = noon + dt.timedelta(minutes=rng.randint(0, 240))
    if rng.random() < 0.12:
        latest = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
        changed = min(changed + dt.timedelta(days=rng.randint(1, 400)), latest)
    uploaded = noon - dt.timedelta(hours=5, minutes=rng.randint(0, 180))
    mga = None
    if draft.management_alert and draft.number:
        mga = paths.mga_pdf_path(draft.number, draft.date, draft.date.year == 2019)
        draft.made_up.append("mga_pdf_path")
    return Report(
        nid=nid,
        title=draft.title,
        report_number=draft.number,
        fiscal_year=draft.fiscal_year,
        summary=draft.summary,
        issue_date=draft.date.isoformat(),
        components=draft.components,
        pdf_path=pdf,
        detail_path=paths.detail_path(draft.title, draft.date, pdf),
        changed=iso_z(changed),
        pdf_modified=iso_z(uploaded),
        kind=draft.kind,
        management_alert=draft.management_alert,
        mga_pdf_path=mga,
        keyword_tids=_keywords(draft, rng),
        oversight_area=AREA_OF[draft.components[0]] if rng.random() < 0.9 else None,
        synthetic=draft.synthetic,
        synthetic_fields=[] if draft.synthetic else draft.made_up,
        source_url=draft.source_url,
    )


def _pdf_path(draft: _Draft, nid: int, rng: random.Random) -> str:
    """A PDF path following the real naming patterns (spec §7)."""
    day = draft.date
    folder = paths.upload_folder(day)
    if draft.kind == "whistleblower":
        case = f"W{day.year % 100:02d}-{draft.components[0]}-WPU-{rng.randint(10000, 99999)}"
        return f"{paths.FILES}/{folder}/{case}.pdf"
    if not draft.number:
        return f"{paths.FILES}/{folder}/OSC-Referral-{nid}-{paths.mon_yy(day)}.pdf"
    if day < dt.date(2016, 1, 1):
        return paths.legacy_pdf_path(draft.number, day, with_year=rng.random() >= 0.05)
    roll = rng.random()
    tail = ""
    if roll < 0.05:
        folder = paths.next_month(folder)
    elif roll < 0.07:
        tail = "_"
    elif roll < 0.10 and draft.date_fy in (2016, 2017):
        folder = str(draft.date_fy)
    return paths.standard_pdf_path(draft.number, day, folder, tail)


def _keywords(draft: _Draft, rng: random.Random) -> list[int]:
    tids = []
    if re.search(r"\bDHS\b", draft.title) or (draft.synthetic and rng.random() < 0.05):
        tids.append(307)
    if "traffick" in draft.title.lower():
        tids.append(1568)
    return tids


def _add_coverage_holes(reports: list[Report], rng: random.Random) -> None:
    """Two synthetic reports listed in their agency views but not in the unfiltered view."""
    pool = [r for r in reports if r.synthetic and r.kind == "report" and not r.management_alert]
    for report in rng.sample(pool, min(2, len(pool))):
        report.hide_from_unfiltered = True


def _terms() -> dict[int, Term]:
    terms = {tid: Term(code, AGENCY_NAMES[code], "agency") for code, tid in AGENCY_TIDS.items()}
    for tid, name in KEYWORD_TERMS.items():
        terms[tid] = Term(name, "", "keywords")
    return terms


def _fy_options(current_fy: int) -> dict[str, int]:
    """Option id -> year for `field_fy_value`; only 3 -> 2022 is real, the rest made up."""
    options = {str(year - 2019): year for year in range(2020, current_fy + 1)}
    options.update({str(100 + year - 2000): year for year in range(2002, 2020)})
    return options

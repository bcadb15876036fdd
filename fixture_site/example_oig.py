"""A second, invented Inspector General: the Department of Examples OIG, whose Drupal 7 site lists
reports as ``views-row`` blocks (no table), the report number inside a line of text ("Report
OIG-26-01 — Office of Audits"), dates written "November 3, 2026", and a Drupal 7 pager.

The agency, its reports and their numbers are made up (every record is synthetic); the markup
follows Drupal 7 Views defaults. It lives in the same ``SiteState`` as the DHS imitation
(``SiteState.example_oig``) and is served under ``/example-oig/`` (``render_example.py``); its ops
(``example_*``) change it like the DHS ops change the DHS listings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

PREFIX = "/example-oig"
LISTING = PREFIX + "/reports"
AGENCY = "Department of Examples"
DATE_STYLES = ("long", "short", "iso")
OFFICES = (
    "Office of Audits",
    "Office of Inspections and Evaluations",
    "Office of Investigations",
)
_NUMBER = re.compile(r"OIG-(\d{2})-(\d{2,3})")

# (number, issued, offices, title, summary or None): invented, plausible IG work
SEED: tuple[tuple[str, str, tuple[int, ...], str, str | None], ...] = (
    ("OIG-26-01", "2025-10-09", (0,), "Independent Auditors’ Report on the Department of Examples’ Fiscal Year 2025 Financial Statements", "An independent public accounting firm, under contract with the OIG, issued an unmodified opinion on the Department’s consolidated balance sheets and reported two significant deficiencies in internal control."),
    ("OIG-26-02", "2025-10-23", (1,), "Evaluation of the Office of Sample Programs’ Oversight of Pandemic-Era Grant Closeouts", "The Office of Sample Programs closed 312 grants without reconciling final expenditure reports. We made four recommendations."),
    ("OIG-26-03", "2025-11-06", (0,), "The Department of Examples Did Not Effectively Manage Its Fleet Charge Card Program", "Cardholders made $1.2 million in purchases that lacked required receipts. We made five recommendations to improve oversight."),
    ("OIG-26-04", "2025-11-20", (1,), "Inspection of the Springfield Regional Records Center", None),
    ("OIG-26-05", "2025-12-04", (0,), "Audit of the Department of Examples’ Compliance with the Payment Integrity Information Act for Fiscal Year 2025", "The Department complied with four of the ten requirements and reported an improper payment rate of 6.1 percent for the Benefit Demonstration Program."),
    ("OIG-26-06", "2025-12-18", (2,), "Investigative Summary: Contracting Officer Accepted Gratuities from a Facilities Vendor", "An investigation substantiated that a contracting officer accepted meals and event tickets from a vendor; the employee resigned."),
    ("OIG-26-07", "2026-01-15", (0,), "Evaluation of the Department of Examples’ Information Security Program for Fiscal Year 2026 (FISMA)", "The Department’s information security program was rated not effective; we made nine recommendations."),
    ("OIG-26-08", "2026-01-29", (1,), "Review of Hiring Timelines at the Bureau of Illustrations", "Median time to hire grew from 97 to 131 days; we made two recommendations."),
    ("OIG-26-09", "2026-02-12", (0,), "Audit of Sole-Source Contract Awards for Laboratory Modernization", "Three of twelve sole-source justifications did not support the award. We made three recommendations."),
    ("OIG-26-10", "2026-02-26", (1, 0), "The Office of Sample Programs Needs to Strengthen Monitoring of Subrecipients", "We found that monitoring plans were missing for 41 percent of subrecipients reviewed."),
    ("OIG-26-11", "2026-03-12", (0,), "Audit of the Department of Examples’ Purchase Card Data Analytics", None),
    ("OIG-26-12", "2026-03-26", (1,), "Inspection of Emergency Preparedness at the Lakeside Field Office", "The field office had not tested its continuity plan since 2022. We made one recommendation."),
    ("OIG-26-13", "2026-04-09", (2,), "Investigative Summary: Grantee Official Diverted Federal Funds to Personal Accounts", "A grantee official pleaded guilty to theft of government funds and was ordered to repay $418,000."),
    ("OIG-26-14", "2026-04-23", (0,), "Audit of the Department of Examples’ Oversight of Cloud Service Contracts", "The Department could not show that 6 of 15 cloud contracts met federal security authorization requirements."),
    ("OIG-26-15", "2026-05-07", (1,), "Evaluation of Data Quality in the Example Benefits Dashboard", "Public dashboard figures differed from source systems for 3 of 8 measures."),
    ("OIG-26-16", "2026-05-21", (0,), "Audit of Travel Card Use by Senior Officials", "We made two recommendations."),
    ("OIG-26-17", "2026-06-04", (1,), "Review of the Department of Examples’ Implementation of the Evidence Act", None),
    ("OIG-26-18", "2026-06-18", (0,), "Audit of Inventory Controls over Information Technology Equipment", "The Department could not locate 214 laptops recorded as in use."),
    ("OIG-26-19", "2026-07-09", (1,), "Inspection of the Bureau of Illustrations’ Archival Storage Facility", "Temperature and humidity controls failed for 19 days in 2025."),
    ("OIG-26-20", "2026-08-13", (0,), "Audit of Grant Award Procedures at the Office of Sample Programs", "Review panels did not document conflict-of-interest certifications for 22 awards."),
    ("OIG-26-21", "2026-09-24", (0,), "Management Letter for the Fiscal Year 2025 Financial Statement Audit", None),
    ("OIG-27-01", "2026-10-08", (1,), "Top Management and Performance Challenges Facing the Department of Examples in Fiscal Year 2027", "We identified six challenges, including grant oversight and cybersecurity."),
    ("OIG-27-02", "2026-10-22", (0,), "Audit of the Department of Examples’ Controls over Contractor Access Badges", "Badges for 87 departed contractors remained active. We made three recommendations."),
    ("OIG-27-03", "2026-11-03", (1,), "Evaluation of the Office of Sample Programs’ Disaster Grant Eligibility Reviews", "Eligibility reviews did not follow the written procedure in 14 of 40 cases."),
)  # fmt: skip


def slug(title: str) -> str:
    """A Drupal path alias of a title."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower().replace("’", "")).strip("-")[:80]


@dataclass
class ExampleReport:
    """One report of the Department of Examples OIG (every value made up)."""

    number: str
    title: str
    issued: str  # ISO date
    offices: list[str]
    summary: str | None = None
    pdf_version: int = 1
    removed: bool = False
    alias: str = ""

    @property
    def date(self) -> dt.date:
        return dt.date.fromisoformat(self.issued)

    @property
    def pdf_path(self) -> str:
        return f"{PREFIX}/sites/default/files/reports/{self.date:%Y-%m}/{self.number}.pdf"

    @property
    def detail_path(self) -> str:
        return f"{LISTING}/{self.date.year}/{self.alias}"


@dataclass
class ExampleListing:
    """The Department of Examples OIG's listing: reports, page size and its clock."""

    reports: list[ExampleReport] = field(default_factory=lambda: seed_reports())
    page_size: int = 10
    date_style: str = "long"  # "long": November 3, 2026; "short": Nov. 3, 2026; "iso": 2026-11-03
    modified: str = "2026-11-03T14:00:00Z"
    synthetic: bool = True  # every record is invented

    def visible(self) -> list[ExampleReport]:
        """Listed reports, newest first (ties by number, descending)."""
        shown = [report for report in self.reports if not report.removed]
        return sorted(shown, key=lambda r: (r.issued, r.number), reverse=True)

    def find(self, number: str) -> ExampleReport:
        for report in self.reports:
            if report.number == number.strip():
                return report
        raise KeyError(f"no Department of Examples report numbered {number!r}")

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExampleListing:
        reports = [ExampleReport(**report) for report in data.get("reports", [])]
        fields = {k: v for k, v in data.items() if k != "reports"}
        return cls(reports=reports, **fields)


def seed_reports() -> list[ExampleReport]:
    """The invented records above."""
    return [
        ExampleReport(number, title, issued, [OFFICES[i] for i in offices], summary,
                      alias=slug(title))
        for number, issued, offices, title, summary in SEED
    ]  # fmt: skip


def next_number(listing: ExampleListing, issued: dt.date) -> str:
    """The next ``OIG-YY-NN`` of the fiscal year of ``issued``."""
    year = (issued.year + (1 if issued.month >= 10 else 0)) % 100
    used = [
        int(match.group(2))
        for report in listing.reports
        if (match := _NUMBER.fullmatch(report.number)) and int(match.group(1)) == year
    ]
    return f"OIG-{year:02d}-{max(used, default=0) + 1:02d}"

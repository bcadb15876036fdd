"""Normalization, identity and labels, on quirks seen in the real listings."""

from __future__ import annotations

import pytest

from crawler.normalize import bare_title, identity, labels, norm_number, norm_summary, norm_text

COSMETIC_TWINS = [
    (
        "Independent Auditors&#039; Report on DHS&#039; FY 2021",
        "Independent Auditors' Report on DHS' FY 2021",
    ),
    ("Independent Auditors&amp;#039; Report", "Independent Auditors' Report"),
    ("CBP’s  Use of\u00a0Force", "CBP's Use of Force"),
    (
        " Funding Plan for the United States Coast Guard Museum",
        "Funding Plan for the United States Coast Guard Museum",
    ),
    ("Border Patrol Headquarters (", "Border Patrol Headquarters"),
    ("Audit of Something, Report No.", "Audit of Something"),
    ("M‐13‐21 – Summary", "M-13-21 - Summary"),
    ("CBPâ€™s Searches", "CBP's Searches"),
]


@pytest.mark.parametrize(("raw", "clean"), COSMETIC_TWINS)
def test_cosmetic_variants_compare_equal(raw: str, clean: str) -> None:
    assert norm_text(raw) == norm_text(clean)


def test_real_wording_changes_still_differ() -> None:
    assert norm_text("Office o Inspector") != norm_text("Office of Inspector")
    assert norm_text("CBP Did Not Effectively Plan") != norm_text("CBP Did Not Plan")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("OIG-26-18          ", "OIG-26-18"),
        ("oig-19-46", "OIG-19-46"),
        ("OIG--24-40", "OIG-24-40"),
        ("\u00a0OIG-18-16\u00a0", "OIG-18-16"),
        ("", None),
        (None, None),
        ("   ", None),
    ],
)
def test_report_numbers_fold_to_one_key(raw: str | None, expected: str | None) -> None:
    assert norm_number(raw) == expected


def test_identity_falls_back_to_pdf_path_then_title_and_date() -> None:
    by_number = identity("OIG-22-08 ", "https://www.oig.dhs.gov/a.pdf?x=1", "T", "2021-11-01")
    by_path_www = identity(
        None, "https://www.oig.dhs.gov/sites/x/A.pdf?source=govdelivery", "T", None
    )
    by_path_apex = identity("", "https://oig.dhs.gov/sites/x/A.pdf", "Other", None)
    assert by_number == "OIG-22-08"
    assert by_path_www == by_path_apex == "pdf:/sites/x/a.pdf"
    same_title = [
        identity(None, None, "Assessment of FEMA", d) for d in ("2010-11-01", "2010-11-02")
    ]
    assert same_title[0] != same_title[1], "two reports sharing a title must not collide"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "CBP Did Not Effectively Plan and Manage Employee Housing in Ajo, Arizona (Revised) (",
            {"revised"},
        ),
        (
            "CBP Continues to Experience Challenges - Law Enforcement Sensitive (REDACTED)",
            {"redacted"},
        ),
        (
            "Review of the USCIS Benefit Fraud Referral Process (Redacted Revised)",
            {"redacted", "revised"},
        ),
        ("DHS Cybersecurity Report (Unclassified Summary)", {"unclassified_summary"}),
        ("Management Alert - FPS Did Not Properly Designate", {"management_alert"}),
        ("Revised Guidance Needed for Redacted Records", set()),
    ],
)
def test_labels_come_from_title_markers(title: str, expected: set[str]) -> None:
    assert labels(title) == expected


def test_bare_title_drops_markers_only() -> None:
    assert bare_title("Housing in Ajo, Arizona (Revised) (") == "Housing in Ajo, Arizona"
    assert bare_title("(U) Review of X - (REDACTED)") == "Review of X"


def test_summary_prefix_is_cosmetic() -> None:
    assert norm_summary("Summary: OFO continues to experience") == norm_summary(
        "OFO continues to experience"
    )

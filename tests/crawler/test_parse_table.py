"""parse_table_page on saved table listings: exact entries, pager, layout problems."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import partial

import pytest

from crawler.entry import ParsedPage, ReportEntry
from crawler.normalize import norm_summary, norm_text
from crawler.parse_table import parse_table_page

WWW = "https://www.oig.dhs.gov"
LISTING = WWW + "/reports/audits-inspections-and-evaluations"
FILES = WWW + "/sites/default/files/assets"

OIG_14_131_SUMMARY = (  # the real summary, as seed 004 shows it
    "U.S. Customs and Border Protection (CBP) secures our Nation’s borders and facilitates "
    "lawful international trade and travel while enforcing Federal laws and regulations. To "
    "accomplish its mission, CBP often stations officers and agents in remote areas of the "
    "country without adequate housing options. In 2008, CBP identified a need for employee "
    "housing along the southwest border, particularly in Arizona and Texas, given the "
    "remoteness and limited housing market. CBP began planning the construction of employee "
    "housing in Ajo, Arizona, in 2008 and completed construction in late 2012. We conducted "
    "this audit to determine whether CBP followed good business practices in planning and "
    "managing employee housing in Ajo, Arizona."
)

audits = partial(ReportEntry, view="audits")

AUDITS_PAGE_3 = ParsedPage(
    entries=(
        audits(
            title="Results of an Unannounced Inspection of Baker County Sheriff's Office in "
            "Macclenny, Florida",
            report_number="OIG-24-63",
            summary=None,
            issue_date=date(2024, 9, 20),
            fiscal_year="2024",
            pdf_url=FILES + "/2024-09/OIG-24-63-Sep24.pdf",
        ),
        audits(
            title="Independent Auditors' Report on DHS' FY 2021 Financial Statements and Internal "
            "Control over Financial Reporting",
            report_number="OIG-22-08",
            summary="KPMG LLP (KPMG), under contract with the Department of Homeland Security "
            "Office of Inspector General, conducted an integrated audit of DHS’ fiscal year 2021 "
            "consolidated financial statements and internal control over financial reporting.  "
            "KPMG issued an unmodified (clean) opinion on the financial statements."
            "\n\nHowever, KPMG identified material weaknesses in internal control in two areas",
            issue_date=date(2021, 11, 15),
            fiscal_year="2022",
            pdf_url=FILES + "/2021-11/OIG-22-08-Nov21.pdf",
        ),
        audits(
            title="U.S. Immigration and Customs Enforcement’s Management Letter for FY 2011 DHS "
            "Consolidated Financial Statements Audit",
            report_number="OIG-12-51",
            summary="",
            issue_date=date(2012, 3, 9),
            fiscal_year="2012",
            pdf_url=FILES + "/Mgmt/2012/OIG_12-51_Mar12.pdf",
        ),
        audits(
            title="Investigation of Alleged Violations of Immigration Laws at the Tecate, "
            "California, Port of Entry by U.S. Customs and Border Protection Personnel (OSC File "
            "No. DI-18-5034); OSC Final Letter to President; OSC Referral to DHS",
            report_number=None,
            summary=None,
            issue_date=date(2020, 1, 24),
            fiscal_year="2020",
            pdf_url=FILES + "/2020-01/OSC-DI-18-5034-Jan20.pdf",
        ),
        audits(
            title="Independent Auditors' Report on DHS' FY 2017 Financial Statements and Internal "
            "Control over Financial Reporting",
            report_number="OIG-18-16",
            summary=None,
            issue_date=date(2017, 11, 15),
            fiscal_year="20187",
            pdf_url=FILES + "/2017-11/OIG-18-16-Nov17.pdf",
        ),
        audits(
            title="Department-wide Management of the HSPD-12 Program Needs Improvement",
            report_number="OIG-18-51",
            summary="Homeland Security Presidential Directive (HSPD) 12 requires that Federal "
            "agencies implement a government-wide standard for secure, reliable identification for "
            "their employees and contractors to access facilities and systems.\n\nOur objective "
            "was to assess DHS’ progress in implementing and managing the HSPD-12 program since "
            "our prior audits in 2007 and 2010.",
            issue_date=date(2018, 2, 21),
            fiscal_year=None,
            pdf_url=FILES + "/2018-02/OIG-18-51-Feb18.pdf",
        ),
        audits(
            title=" Funding Plan for the United States Coast Guard Museum",
            report_number="OIG-10-105",
            summary="",
            issue_date=date(2010, 9, 10),
            fiscal_year="2010",
            pdf_url=FILES + "/Mgmt/OIG_10-105_Sep10.pdf",
        ),
        audits(
            title="Evaluation of Alleged AUO Misuse at U.S. Border Patrol Headquarters (",
            report_number="OIG-14-144",
            summary="An anonymous whistleblower alleged that USBP agents assigned to headquarters "
            "“illegally claim” AUO daily but do not perform duties justifying their AUO claims.",
            issue_date=date(2014, 9, 30),
            fiscal_year="2014",
            pdf_url=FILES + "/Mgmt/2014/OIG_14-144_Sep14.pdf",
        ),
        audits(
            title="CBP Did Not Effectively Plan and Manage Employee Housing in Ajo, Arizona "
            "(Revised) (",
            report_number="OIG-14-131",
            summary=OIG_14_131_SUMMARY,
            issue_date=date(2014, 9, 19),
            fiscal_year="2014",
            pdf_url=FILES + "/Mgmt/2014/OIG_14-131_Sep14.pdf",
        ),
        audits(
            title="DHS Has Made Progress in Fulfilling Geospatial Data Act Responsibilities",
            report_number="OIG-20-43",
            summary=None,
            issue_date=date(2020, 6, 26),
            fiscal_year="2020",
            pdf_url="https://oig.dhs.gov/sites/default/files/assets/2020-06/OIG-20-43-Jun20.pdf"
            "?source=govdelivery",
        ),
        audits(
            title="CBP Continues to Experience Challenges Managing Searches of Electronic Devices "
            "at Ports of Entry - Law Enforcement Sensitive (REDACTED)",
            report_number="OIG-21-63",
            summary="Summary: OFO continues to experience challenges managing searches of "
            "electronic devices, similar to those identified in our first audit report, CBP’s "
            "Searches of Electronic Devices at Ports of Entry, issued in December 2018.  CBP "
            "concurred with all five recommendations.",
            issue_date=date(2021, 9, 23),
            fiscal_year="2021",
            pdf_url=FILES + "/2021-09/OIG-21-63-Sep21.pdf",
        ),
    ),
    rows_seen=12,
    has_next=True,
    last_page=48,
)

cbp = partial(ReportEntry, view="audits-cbp", components=("CBP",))

CBP_USWDS = ParsedPage(
    entries=(
        cbp(
            title="CBP Did Not Fully Implement the Requirements of the Synthetic Opioid Exposure "
            "Prevention and Training Act",
            report_number="OIG-24-01",
            issue_date=date(2023, 10, 11),
            fiscal_year="2024",
            pdf_url=FILES + "/2023-10/OIG-24-01-Oct23.pdf",
        ),
        cbp(
            title="CBP Faces Challenges in Achieving Its Goals for Small Business Participation in "
            "Secure Border Initiative Network",
            report_number="OIG-10-54",
            summary="",
            issue_date=date(2010, 2, 26),
            fiscal_year="2010",
            pdf_url=FILES + "/Mgmt/OIG_10-54_Feb10.pdf",
        ),
    ),
    rows_seen=2,
    has_next=True,
    last_page=6,
)

MINI_PAGER = ParsedPage(
    entries=(
        ReportEntry(
            view="management-alerts",
            title="Management Alert - FEMA Should Recover $6.2 Million in Public Assistance Funds",
            report_number="OIG-19-46",
            issue_date=date(2019, 5, 30),
            fiscal_year="2019",
            pdf_url=FILES + "/Mga/2019/oig-19-46-may19-mgmtalert.pdf",
        ),
    ),
    rows_seen=1,
    has_next=True,
    last_page=None,  # a mini pager names no last page
)

LAST_PAGE = ParsedPage(
    entries=(
        audits(
            title="Audit of Hurricane Katrina Activities for Jefferson Parish, Louisiana",
            report_number="DA-08-03",
            issue_date=date(2008, 1, 7),
            fiscal_year="2008",
            pdf_url=FILES + "/Mgmt/DA-08-03.pdf",
        ),
    ),
    rows_seen=1,
    has_next=False,
    last_page=48,
)

wb = partial(ReportEntry, view="whistleblower", report_number=None)

WHISTLEBLOWER = ParsedPage(
    entries=(
        wb(
            title="Whistleblower Retaliation Report of Investigation Regarding Alleged Reprisal "
            "Against a U.S. Coast Guard Employee",
            issue_date=date(2019, 10, 4),
            fiscal_year="2020",
            pdf_url=FILES + "/2019-10/W17-USCG-WPU-08828.pdf",
        ),
        wb(
            title="Whistleblower Retaliation Report of Investigation Regarding Alleged Reprisal "
            "Against a Secret Service Special Agent",
            issue_date=date(2018, 6, 12),
            fiscal_year="2018",
            pdf_url=FILES + "/2018-06/W18-USSS-WPU-11372.pdf",
        ),
        wb(  # a title linking to a node page, not a PDF
            title="Whistleblower Retaliation Report of Investigation Regarding Alleged Reprisal "
            "Against an ICE Employee",
            issue_date=date(2017, 8, 30),
            fiscal_year="2017",
            detail_url=WWW + "/reports/2017/whistleblower-retaliation-report-investigation-"
            "regarding-alleged-reprisal-against-ice",
        ),
    ),
    rows_seen=3,
    has_next=False,
    last_page=None,
)

REORDERED = ParsedPage(
    entries=(
        audits(
            title="CBP Facilities in Vermont and New York Generally Met TEDS Standards, but "
            "Details to the Southwest Border Affected Morale, Recruitment, and Operations",
            report_number="OIG-23-27",
            issue_date=date(2023, 3, 1),
            fiscal_year="2023",
            pdf_url=FILES + "/2023-03/OIG-23-27-Mar23.pdf",
        ),
        audits(  # this row lacks its Fiscal Year td: cells are matched by their headers
            title="CBP Did Not Adequately Manage the Entry Data It Shares",
            report_number="OIG-23-12",
            issue_date=date(2023, 1, 10),
            fiscal_year=None,
            pdf_url=FILES + "/2023-01/OIG-23-12-Jan23.pdf",
        ),
    ),
    rows_seen=3,  # the second row's Title cell has no link: counted, no entry
    has_next=False,
)

RENAMED_TITLE_CLASS = ParsedPage(
    entries=(
        audits(
            title="CBP Implemented Effective Technical Controls to Secure a Selected Tier 1 High "
            "Value Asset System",
            report_number="OIG-23-43",
            issue_date=date(2023, 8, 2),
            fiscal_year="2023",
            pdf_url=FILES + "/2023-08/OIG-23-43-Aug23.pdf",
        ),
    ),
    rows_seen=1,
    has_next=False,
)

TEXT_DATES = ParsedPage(
    entries=(
        audits(
            title="CBP Does Not Have a Comprehensive Strategy for Meeting Its LS-NII Needs",
            report_number="OIG-20-75",
            issue_date=date(2020, 9, 30),  # text only, no <time>
            fiscal_year="2020",
            pdf_url=FILES + "/2020-09/OIG-20-75-Sep20.pdf",
        ),
        audits(
            title="CBP Generally Provided Accurate Notices to Appear to Migrant Protection "
            "Protocols Enrollees, but Could Improve Procedures to Reduce Future Errors",
            report_number="OIG-21-45",
            issue_date=date(2021, 7, 6),  # <time> without datetime
            fiscal_year="2021",
            pdf_url=FILES + "/2021-07/OIG-21-45-Jul21.pdf",
        ),
        audits(
            title="DHS Needs to Update Its Strategy to Better Manage Its Biometric Capability "
            "Needs",
            report_number="OIG-22-13",
            issue_date=date(2022, 1, 5),  # from datetime; the text is not MM/DD/YYYY
            fiscal_year="2022",
            pdf_url=FILES + "/2022-01/OIG-22-13-Jan22.pdf",
        ),
        audits(
            title="FEMA Should Improve Its Oversight of Public Assistance Grants",
            report_number="OIG-22-14",
            issue_date=None,  # empty cell
            fiscal_year="2022",
            pdf_url=FILES + "/2022-01/OIG-22-14-Jan22.pdf",
        ),
    ),
    rows_seen=4,
    has_next=False,
)

MOJIBAKE = ParsedPage(
    entries=(
        audits(
            title="Cancellation of OIG Audit – FEMA’s Initial Response to the 2016 Catastrophic "
            "Flooding in Louisiana",
            report_number="OIG-17-80-D",
            summary="We cancelled this audit of FEMA’s initial response – see the letter.",
            issue_date=date(2017, 6, 16),
            fiscal_year="2017",
            pdf_url=FILES + "/2017-06/OIG-17-80-D-Jun17.pdf",
        ),
        audits(
            title="Independent Auditors' Report on DHS' FY 2017 Financial Statements and Internal "
            "Control over Financial Reporting",
            report_number="OIG-18-16",
            issue_date=date(2017, 11, 15),
            fiscal_year="20187",
            pdf_url=FILES + "/2017-11/OIG-18-16-Nov17.pdf",
        ),
    ),
    rows_seen=2,
    has_next=False,
)

BOM_ENTITIES = ParsedPage(
    entries=(
        audits(
            title="CBP&#039;s Global Entry Program Is\u00a0Vulnerable to Exploitation",
            report_number="OIG-19-49",
            summary="CBP&#039;s controls over the Global Entry Program do not always prevent "
            "ineligible members.",
            issue_date=date(2019, 6, 4),
            fiscal_year="2019",
            pdf_url=FILES + "/2019-06/OIG-19-49-Jun19.pdf",
        ),
        audits(
            title="Science and Technology Directorate's Management Letter for DHS' FY 2014 "
            "Financial Statements Audit (",
            report_number="OIG-15-73",
            summary="KPMG LLP reviewed the Science and Technology Directorate’s (S&T) internal "
            "control over financial reporting.",
            issue_date=date(2015, 4, 10),
            fiscal_year="2015",
            pdf_url=FILES + "/Mgmt/2015/OIG_15-73_Apr15.pdf",
        ),
    ),
    rows_seen=2,
    has_next=False,
)

ILLEGAL_CHOICE = ParsedPage(
    entries=(AUDITS_PAGE_3.entries[0],),
    rows_seen=1,
    has_next=False,
    problems=("filter rejected by site",),
)

CASES = [
    ("table_audits_page3.html", LISTING + "?page=3", "audits", (), AUDITS_PAGE_3),
    ("table_cbp_uswds_pager.html", LISTING + "?field_dhs_agency_target_id=1&page=1",
     "audits-cbp", ("CBP",), CBP_USWDS),
    ("table_mini_pager.html", WWW + "/reports/management-alerts?page=1", "management-alerts",
     (), MINI_PAGER),
    ("table_last_page.html", LISTING + "?page=48", "audits", (), LAST_PAGE),
    ("table_whistleblower.html", WWW + "/reports/whistleblower-retaliation-reports-of-"
     "investigation", "whistleblower", (), WHISTLEBLOWER),
    ("table_reordered_columns.html", LISTING, "audits", (), REORDERED),
    ("table_renamed_title_class.html", LISTING, "audits", (), RENAMED_TITLE_CLASS),
    ("table_text_dates.html", LISTING, "audits", (), TEXT_DATES),
    ("table_mojibake.html", LISTING, "audits", (), MOJIBAKE),
    ("table_bom_entities.html", LISTING, "audits", (), BOM_ENTITIES),
    ("illegal_choice.html", LISTING + "?field_dhs_agency_target_id=99", "audits", (),
     ILLEGAL_CHOICE),
    ("table_no_results.html", LISTING + "?page=60", "audits", (), ParsedPage((), 0, False)),
    ("maintenance.html", LISTING, "audits", (), ParsedPage((), 0, False, None,
                                                          ("maintenance page",))),
    ("waf_access_denied.html", LISTING, "audits", (), ParsedPage((), 0, False, None,
                                                                ("access denied page",))),
    ("table_layout_broken.html", LISTING, "audits", (), ParsedPage((), 2, False, None, (
        "missing table header: Title",
        "missing table header: Issue Date",
        "none of 2 rows has a title link",
    ))),
    ("cards_label_above.html", WWW + "/taxonomy/term/6", "audits", (),
     ParsedPage((), 0, True, 2, ("no table found",))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("page", "url", "view", "components", "expected"),
    CASES,
    ids=[case[0].removesuffix(".html") for case in CASES],
)
def test_parses_saved_page_exactly(
    page_html: Callable[[str], str],
    page: str,
    url: str,
    view: str,
    components: tuple[str, ...],
    expected: ParsedPage,
) -> None:
    parsed = parse_table_page(page_html(page), page_url=url, view=view, components=components)
    assert parsed.problems == expected.problems
    assert (parsed.rows_seen, parsed.has_next, parsed.last_page) == (
        expected.rows_seen,
        expected.has_next,
        expected.last_page,
    )
    assert len(parsed.entries) == len(expected.entries)
    for got, want in zip(parsed.entries, expected.entries, strict=True):
        assert got == want
    assert parsed == expected


def test_revised_title_keeps_the_site_text_and_its_summary(page_html: Callable[[str], str]) -> None:
    parsed = parse_table_page(page_html("table_audits_page3.html"), page_url=LISTING, view="audits")
    (entry,) = [e for e in parsed.entries if e.report_number == "OIG-14-131"]
    assert entry.title.endswith("(Revised) (")
    assert norm_text(entry.title).endswith("(Revised)")
    assert norm_summary(entry.summary) == norm_summary(OIG_14_131_SUMMARY)


def test_relative_hrefs_resolve_against_the_page_host(page_html: Callable[[str], str]) -> None:
    parsed = parse_table_page(
        page_html("table_last_page.html"), page_url="https://oig.dhs.gov/x/y?page=48", view="a"
    )
    assert parsed.entries[0].pdf_url == (
        "https://oig.dhs.gov/sites/default/files/assets/Mgmt/DA-08-03.pdf"
    )


def test_utf8_read_as_latin1_is_repaired_too(page_html: Callable[[str], str]) -> None:
    as_latin1 = page_html("table_mojibake.html").encode("cp1252").decode("latin-1")
    assert "\u00e2\u0080\u0099" in as_latin1
    parsed = parse_table_page(as_latin1, page_url=LISTING, view="audits")
    assert parsed == MOJIBAKE


def test_empty_document_is_a_problem() -> None:
    parsed = parse_table_page("\ufeff  \n", page_url=LISTING, view="audits")
    assert parsed == ParsedPage((), 0, False, None, ("empty page",))


def test_title_in_a_link_text_does_not_fake_a_next_page(page_html: Callable[[str], str]) -> None:
    html = page_html("table_whistleblower.html").replace(
        "Against a U.S. Coast Guard Employee", "Next Generation Review"
    )
    parsed = parse_table_page(html, page_url=LISTING, view="whistleblower")
    assert parsed.entries[0].title.endswith("Next Generation Review")
    assert parsed.has_next is False


def _fifty_row_page(template: str) -> str:
    """The audits page with its first row repeated to fill 50 rows."""
    rows = re.findall(r"<tr>\s*<td headers=.*?</tr>", template, flags=re.DOTALL)
    body = "\n".join([rows[0]] * 50)
    return re.sub(r"<tbody>.*</tbody>", f"<tbody>{body}</tbody>", template, flags=re.DOTALL)


def test_fifty_rows_all_parse(page_html: Callable[[str], str]) -> None:
    """Fifty rows in, fifty entries out (its speed is a benchmark: figure 4, parse one page)."""
    parsed = parse_table_page(
        _fifty_row_page(page_html("table_audits_page3.html")), page_url=LISTING, view="audits"
    )
    assert parsed.rows_seen == 50
    assert parsed.parse_rate == 1.0
    assert len(parsed.entries) == 50


TINY_TABLE = """<html><body><div class="view-content"><table>
<thead><tr><th>Report Number</th><th>Title</th><th>Issue Date</th><th>Fiscal Year</th></tr></thead>
<tbody>{rows}</tbody></table></div>{pager}</body></html>"""
ROW = '<tr><td>OIG-25-01</td><td><a href="/a.pdf">A</a></td><td>10/01/2024</td><td>2025</td></tr>'


@pytest.mark.parametrize(
    ("pager", "has_next", "last_page"),
    [
        ("", False, None),
        ('<nav class="pager"><a href="?page=1">Next</a></nav>', True, None),
        ('<ul class="pager"><li><a href="?page=3">››</a></li></ul>', True, None),
        ('<p><a href="?x=1&amp;page=3" rel="next">more</a></p>', True, None),
        ('<p><a href="?page=3" class="usa-pagination__next-page">more</a></p>', True, None),
        ('<nav class="pager"><a href="?page=0">‹ Previous</a></nav>', False, None),
        ('<nav class="pager"><a href="?page=0">1</a><a href="?page=5">6</a></nav>', False, 5),
        ('<nav class="pager"><a href="?page=7">Last »</a><a href="?page=2">3</a></nav>', False, 7),
        ('<nav class="pager"><a href="?page=¹">¹</a><a href="?page=2">3</a></nav>', False, 2),
        ('<nav class="pager"><a href="?page=２">3</a><a href="?page=-1">0</a></nav>', False, None),
        ('<nav class="pager"><a href="?page=99999999999">Last</a></nav>', False, None),
        ('<nav class="pager"><a href="http://[bad/?page=3">Last</a></nav>', False, None),
    ],
    ids=["none", "next-text", "mini-arrows", "rel-next", "uswds-class", "prev-only", "numbered",
         "last-link", "superscript", "full-width-and-sign", "absurd", "malformed-href"],
)  # fmt: skip
def test_pager_variants(pager: str, has_next: bool, last_page: int | None) -> None:
    parsed = parse_table_page(TINY_TABLE.format(rows=ROW, pager=pager), page_url=LISTING, view="a")
    assert (parsed.has_next, parsed.last_page, parsed.rows_seen) == (has_next, last_page, 1)


def test_spanning_no_results_row_is_not_a_listing_row() -> None:
    rows = '<tr><td colspan="4" class="views-empty">No results found</td></tr>'
    parsed = parse_table_page(TINY_TABLE.format(rows=rows, pager=""), page_url=LISTING, view="a")
    assert parsed == ParsedPage((), 0, False)


def test_headerless_first_row_of_th_is_read_as_the_header() -> None:
    html = TINY_TABLE.replace("<thead>", "").replace("</thead>", "")
    parsed = parse_table_page(html.format(rows=ROW, pager=""), page_url=LISTING, view="a")
    assert parsed.entries == (
        ReportEntry(
            view="a",
            title="A",
            report_number="OIG-25-01",
            issue_date=date(2024, 10, 1),
            fiscal_year="2025",
            pdf_url=WWW + "/a.pdf",
        ),
    )
    assert parsed.rows_seen == 1


def test_mojibake_with_lost_bytes_is_repaired_run_by_run() -> None:
    row = ROW.replace(">A<", ">FEMA’s “Lessons” – Part 2<")
    garbled = TINY_TABLE.format(rows=row, pager="").encode().decode("cp1252", errors="replace")
    parsed = parse_table_page(garbled, page_url=LISTING, view="a")
    assert parsed.entries[0].title == "FEMA’s “Lessons\u00e2\u20ac\ufffd – Part 2"

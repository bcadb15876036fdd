"""parse_card_page on saved card (teaser) lists: exact entries, pager, layout problems."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

import pytest

from crawler.entry import ParsedPage, ReportEntry
from crawler.parse_cards import parse_card_page

APEX = "https://oig.dhs.gov"
WWW = "https://www.oig.dhs.gov"
FPS_ALERT = (
    "Management Alert - FPS Did Not Properly Designate DHS Employees Deployed to Protect Federal "
    "Properties under 40 U.S.C. § 1315(b)(1)"
)

uscis = partial(ReportEntry, view="term-uscis")

LABEL_ABOVE = ParsedPage(
    entries=(
        uscis(
            title="USCIS Needs to Improve Its Electronic Employment Eligibility Verification "
            "Process",
            report_number="OIG-21-56",
            summary="We identified deficiencies in the E-Verify program’s ability to confirm "
            "employment eligibility.\n\nWe made two recommendations to USCIS.",
            issue_date=date(2021, 7, 21),
            fiscal_year="2021",
            pdf_url=APEX + "/sites/default/files/assets/2021-07/OIG-21-56-Jul21.pdf",
            components=("USCIS",),
            detail_url=APEX + "/reports/2021/uscis-needs-improve-its-electronic-employment-"
            "eligibility-verification-process/oig-21-56-jul21",
        ),
        uscis(
            title="DHS Uses Inconsistent Practices When Processing Asylum Claims",
            report_number="OIG-22-40",
            summary=None,
            issue_date=date(2022, 4, 27),
            fiscal_year="2022",
            pdf_url=WWW + "/sites/default/files/assets/2022-04/OIG-22-40-Apr22.pdf"
            "?source=govdelivery",
            components=("USCIS", "CBP"),
            detail_url=APEX + "/reports/2022/dhs-uses-inconsistent-practices-processing-asylum-"
            "claims/oig-22-40-apr22",
        ),
        uscis(title=FPS_ALERT, components=("USCIS",), detail_url=APEX + "/node/4016"),
        uscis(title=FPS_ALERT, components=("USCIS",), detail_url=APEX + "/node/4017"),
        uscis(
            title="U.S. Citizenship and Immigration Services' Management Letter for FY 2011 DHS "
            "Consolidated Financial Statements Audit",
            report_number="OIG-12-52",
            summary="",
            issue_date=date(2012, 3, 9),
            fiscal_year=None,
            pdf_url=None,
            components=("USCIS",),
            detail_url=APEX + "/reports/2012/uscis-management-letter/oig-12-51-mar12",
        ),
    ),
    rows_seen=6,  # the last card has no title link: counted, no entry
    has_next=True,
    last_page=2,
)

usss = partial(ReportEntry, view="term-usss", components=())

INLINE = ParsedPage(
    entries=(
        usss(
            title="The Secret Service Did Not Always Comply with Federal Requirements",
            report_number="OIG-23-55",
            issue_date=date(2023, 9, 18),
            fiscal_year="2023",
            pdf_url=WWW + "/sites/default/files/assets/2023-09/OIG-23-55-Sep23.pdf",
            detail_url=WWW + "/reports/2023/usss-did-not-always-comply/oig-23-55-sep23",
        ),
        usss(
            title="The Secret Service Faces Challenges in Protecting Its Information",
            report_number="OIG-21-31",
            summary="The Secret Service did not always protect sensitive information.\n\n"
            "We made six recommendations.",
            issue_date=date(2021, 4, 5),
            fiscal_year="2021",
            components=("USSS",),
            detail_url=WWW + "/reports/2021/usss-faces-challenges/oig-21-31-apr21",
        ),
        usss(
            title="Whistleblower Retaliation Report of Investigation Regarding Alleged Reprisal "
            "Against a Secret Service Special Agent",
            pdf_url=WWW + "/sites/default/files/assets/2018-06/W18-USSS-WPU-11372.pdf",
        ),
    ),
    rows_seen=3,
    has_next=False,
)

CARDS_WITHOUT_LINKS = """<html><body><div class="view-content"><ul class="usa-list">
<li><article class="node node--view-mode-teaser"><h2 class="node__title">A</h2></article></li>
<li><article class="node node--view-mode-teaser"><h2 class="node__title"> </h2></article></li>
</ul></div></body></html>"""

NO_RESULTS = """<html><body><h1 class="page-title">trafficking</h1>
<div class="view view-taxonomy-term"><div class="view-empty">No results found</div></div>
</body></html>"""

CASES = [
    ("cards_label_above.html", APEX + "/taxonomy/term/6", "term-uscis", ("USCIS",), LABEL_ABOVE),
    ("cards_inline.html", WWW + "/taxonomy/term/8", "term-usss", (), INLINE),
    ("table_audits_page3.html", WWW + "/taxonomy/term/6", "term-uscis", ("USCIS",),
     ParsedPage((), 0, True, 48, ("no card list found",))),
    ("maintenance.html", WWW + "/taxonomy/term/6", "term-uscis", (),
     ParsedPage((), 0, False, None, ("maintenance page",))),
    ("waf_access_denied.html", WWW + "/taxonomy/term/6", "term-uscis", (),
     ParsedPage((), 0, False, None, ("access denied page",))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("page", "url", "view", "components", "expected"),
    CASES,
    ids=[case[0].removesuffix(".html") for case in CASES],
)
def test_parses_saved_card_page_exactly(
    page_html: Callable[[str], str],
    page: str,
    url: str,
    view: str,
    components: tuple[str, ...],
    expected: ParsedPage,
) -> None:
    parsed = parse_card_page(page_html(page), page_url=url, view=view, components=components)
    assert parsed.problems == expected.problems
    assert (parsed.rows_seen, parsed.has_next, parsed.last_page) == (
        expected.rows_seen,
        expected.has_next,
        expected.last_page,
    )
    for got, want in zip(parsed.entries, expected.entries, strict=True):
        assert got == want
    assert parsed == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            CARDS_WITHOUT_LINKS,
            ParsedPage((), 2, False, None, ("none of 2 cards has a title link",)),
        ),
        (NO_RESULTS, ParsedPage((), 0, False)),
        ("", ParsedPage((), 0, False, None, ("empty page",))),
    ],
    ids=["cards-without-links", "no-results", "empty"],
)
def test_unhealthy_or_empty_card_pages(html: str, expected: ParsedPage) -> None:
    assert parse_card_page(html, page_url=WWW + "/taxonomy/term/1568", view="t") == expected


def test_duplicate_consecutive_cards_are_both_emitted(page_html: Callable[[str], str]) -> None:
    parsed = parse_card_page(
        page_html("cards_label_above.html"), page_url=APEX + "/taxonomy/term/6", view="t"
    )
    assert [e.title for e in parsed.entries].count(FPS_ALERT) == 2


def test_card_agencies_extend_the_view_components_in_order(
    page_html: Callable[[str], str],
) -> None:
    parsed = parse_card_page(
        page_html("cards_label_above.html"),
        page_url=APEX + "/taxonomy/term/1568",
        view="t",
        components=("ICE", "CBP"),
    )
    assert parsed.entries[1].components == ("ICE", "CBP", "USCIS")
    assert parsed.entries[2].components == ("ICE", "CBP")

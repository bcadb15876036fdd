"""Hostile scraped text (superscript and full-width digits, bidi controls, NUL, combining marks,
very long values) never makes a normaliser or a page parser raise (Hypothesis)."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.admit import admit
from crawler.contract import PageRecord
from crawler.normalize import (
    bare_title,
    identity,
    labels,
    norm_fiscal_year,
    norm_number,
    norm_summary,
    norm_text,
    pdf_path,
)
from crawler.parse_cards import parse_card_page
from crawler.parse_common import load_document, parse_pager
from crawler.parse_table import parse_table_page

ODD = "²¹³０１２３٣\u202e\u2066\u200f\x00\x07\u0301\u0336\ufeff\u200b\u00a0&;<>\"'#%[]?=/\\-–—…"
HOSTILE = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=ODD + "OIG-2026 abc", max_size=60),
    st.text(min_size=500, max_size=3000),
)
LISTING = "https://www.oig.dhs.gov/reports/audits-inspections-and-evaluations"
TABLE = """<html><body><div class="view-content"><table>
<thead><tr><th id="n">Report Number</th><th id="t">Title</th><th id="d">Issue Date</th>
<th id="f">Fiscal Year</th></tr></thead><tbody>{rows}</tbody></table></div>
<nav class="pager"><ul class="pager__items">{pager}</ul></nav></body></html>"""
ROW = ('<tr><td headers="n">{number}</td><td headers="t"><a href="{href}" title="{summary}">'
       '{title}</a></td><td headers="d"><time datetime="{when}">{date}</time></td>'
       '<td headers="f">{fy}</td></tr>')  # fmt: skip
CARDS = """<html><body><div class="view-content"><article class="node">
<h2><a href="{href}" rel="bookmark">{title}</a></h2>
<div class="field field--name-field-report-number"><div class="field__item">{number}</div></div>
<div class="field field--name-field-fy"><div class="field__item">{fy}</div></div>
<div class="field field--name-field-issue-date"><div class="field__item">{date}</div></div>
</article></div></body></html>"""


def esc(text: str) -> str:
    return html.escape(text, quote=True)


@settings(max_examples=300, deadline=None)
@given(text=HOSTILE, other=HOSTILE)
def test_normalisers_never_raise_and_keys_stay_bounded(text: str, other: str) -> None:
    norm_text(text), norm_summary(text), bare_title(text), labels(text)
    number = norm_number(text)
    assert number is None or (number.strip() == number and "\x00" not in number)
    year = norm_fiscal_year(text)
    assert year is None or (text.strip().isascii() and text.strip().isdigit())
    pdf_path("https://www.oig.dhs.gov/" + text), pdf_path(text)
    for key in (identity(text, other, other, None), identity(None, other, text, "2026-01-02"),
                identity(None, text, other, None), identity(None, None, text, None)):  # fmt: skip
        assert 0 < len(key) <= 200


@settings(max_examples=150, deadline=None)
@given(
    number=HOSTILE, title=HOSTILE, summary=HOSTILE, href=HOSTILE, when=HOSTILE, date=HOSTILE,
    fy=HOSTILE, page=HOSTILE,
)  # fmt: skip
def test_table_pages_never_raise_and_every_row_is_an_entry_or_counted(
    number: str, title: str, summary: str, href: str, when: str, date: str, fy: str, page: str
) -> None:
    odd = ROW.format(number=esc(number), href=esc(href), summary=esc(summary), title=esc(title),
                     when=esc(when), date=esc(date), fy=esc(fy))  # fmt: skip
    plain = ROW.format(number="OIG-26-01", href="/a.pdf", summary="S", title="A real report",
                       when="2026-01-02", date="01/02/2026", fy="2026")  # fmt: skip
    pager = f'<li><a href="?page={esc(page)}">{esc(page)}</a></li>'
    parsed = parse_table_page(TABLE.format(rows=odd + plain, pager=pager), page_url=LISTING,
                              view="audits")  # fmt: skip
    assert parsed.rows_seen == 2
    assert len(parsed.entries) + len(parsed.quarantined) <= 2
    assert any(entry.report_number == "OIG-26-01" for entry in parsed.entries)
    admitted = admit([PageRecord("audits", LISTING, parsed)])
    assert any(entry.report_number == "OIG-26-01" for entry in admitted.entries)
    for entry in admitted.entries:
        assert "\x00" not in entry.title and "\u202e" not in entry.title


@settings(max_examples=100, deadline=None)
@given(number=HOSTILE, title=HOSTILE, href=HOSTILE, date=HOSTILE, fy=HOSTILE)
def test_card_pages_never_raise(number: str, title: str, href: str, date: str, fy: str) -> None:
    page = CARDS.format(number=esc(number), title=esc(title), href=esc(href), date=esc(date),
                        fy=esc(fy))  # fmt: skip
    parsed = parse_card_page(page, page_url=LISTING, view="cards")
    assert parsed.rows_seen == 1 and len(parsed.entries) + len(parsed.quarantined) <= 1


@given(value=HOSTILE)
def test_pager_takes_only_plain_page_numbers(value: str) -> None:
    root = load_document(f'<nav class="pager"><a href="?page={esc(value)}">Last</a></nav>')
    assert root is not None
    _, last = parse_pager(root)
    assert last is None or 0 <= last < 10**6
    if value.isascii() and value.isdigit() and len(value) <= 6:
        assert last == int(value)

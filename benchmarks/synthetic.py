"""Synthetic reports and crawl results for the ledger-scale benchmark (figure 3).

Report ``i`` is listed twice, as the real audits listing does: in the unfiltered ``audits`` view and
in its component's split view (``audits:CBP`` ...), so ``n`` reports make ``2 n`` entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from config.settings import SourceConfig
from crawler.check import expand_views
from crawler.contract import CachedPage, CrawlResult, CrawlStats, PageRecord, PdfFingerprint
from crawler.diff import SweepFacts, next_state
from crawler.entry import ParsedPage, ReportEntry
from crawler.state import ReportState, ViewInfo, merge_entries, with_pdf

COMPONENTS = ("CBP", "FEMA", "ICE", "MGMT", "TSA", "USCIS", "USCG", "USSS", "Others", "CISA")
SITE = "https://www.oig.dhs.gov"
PAGE_SIZE = 50
SUMMARY = (
    "We conducted this audit to determine to what extent the component manages its grant programs"
    " and contracts effectively. We found that the component did not always document its"
    " decisions; we made {n} recommendations which, when implemented, should improve oversight."
)


def entries_of(i: int, revised: bool = False) -> list[ReportEntry]:
    """The two listing entries of synthetic report ``i`` (its title marked revised on request)."""
    issued = date(2004, 1, 1) + timedelta(days=i // 8)
    fiscal_year = issued.year + (1 if issued.month >= 10 else 0)
    component = COMPONENTS[i % len(COMPONENTS)]
    number = f"OIG-{fiscal_year % 100:02d}-B{i:06d}"
    title = f"{component} Oversight of Program {i} Needs Improvement" + (
        " (Revised)" if revised else ""
    )
    fields: dict[str, Any] = {
        "title": title, "report_number": number, "summary": SUMMARY.format(n=i % 9 + 1),
        "issue_date": issued, "fiscal_year": str(fiscal_year),
        "pdf_url": f"{SITE}/sites/default/files/assets/{issued:%Y-%m}/{number}-{issued:%b%y}.pdf",
        "detail_url": f"{SITE}/reports/{issued.year}/program-{i}/{number.lower()}",
    }  # fmt: skip
    return [
        ReportEntry(view="audits", **fields),
        ReportEntry(view=f"audits:{component}", components=(component,), **fields),
    ]


def view_infos(source: SourceConfig) -> dict[str, ViewInfo]:
    """The ViewInfo of every concrete view of the source (as crawler.check.compare builds them)."""
    return {
        v.name: ViewInfo(family=v.family, rank=v.rank, labels=v.labels)
        for v in expand_views(source)
    }


def fingerprint(state: ReportState) -> PdfFingerprint:
    """A PDF fingerprint as the crawl child reports one."""
    digest = hashlib.sha256(state.key.encode()).hexdigest()
    return PdfFingerprint(state.pdf_url or "", "ok", etag=f'"{digest[:16]}"',
                          last_modified="Mon, 01 Jan 2024 00:00:00 GMT",
                          length=100_000 + len(state.key), sha256=digest)  # fmt: skip


def stored_state(i: int) -> ReportState:
    """Report ``i`` as a complete deep sweep with PDF checks would have recorded it (built
    directly, for speed; :func:`stored_states` checks it against the crawler's own merge)."""
    first = entries_of(i)[0]
    state = ReportState(
        key=first.report_number or "", title=first.title, report_number=first.report_number,
        summary=first.summary, issue_date=first.issue_date.isoformat() if first.issue_date else None,
        fiscal_year=first.fiscal_year, pdf_url=first.pdf_url, pdf_family="audits",
        detail_url=first.detail_url, components=(COMPONENTS[i % len(COMPONENTS)],), settled=True,
    )  # fmt: skip
    return with_pdf(state, fingerprint(state))


def stored_states(indices: Iterable[int], views: dict[str, ViewInfo]) -> list[ReportState]:
    """The same states through the crawler's merge and diff functions (slow; a cross-check)."""
    entries = [e for i in indices for e in entries_of(i)]
    seen = merge_entries(entries, views, {})
    facts = SweepFacts(complete=True)
    return [with_pdf(next_state(None, s, facts), fingerprint(s)) for s in seen.values()]


def crawl_result(known: Sequence[int], revised: set[int], new: Sequence[int],
                 pdf_rechecks: int = 50) -> CrawlResult:  # fmt: skip
    """A crawl child's result (crawler/child.py ``run``) listing these reports, in 50-row pages."""
    by_view: dict[str, list[ReportEntry]] = {}
    for i in [*known, *new]:
        for entry in entries_of(i, revised=i in revised):
            by_view.setdefault(entry.view, []).append(entry)
    pages: list[PageRecord] = []
    cache: dict[str, CachedPage] = {}
    for view, entries in by_view.items():
        last = (len(entries) - 1) // PAGE_SIZE
        for number in range(last + 1):
            url = f"{SITE}/reports/{view}?order=field_report_number&sort=asc&page={number}"
            rows = tuple(entries[number * PAGE_SIZE : (number + 1) * PAGE_SIZE])
            page = ParsedPage(rows, len(rows), has_next=number < last, last_page=last)
            pages.append(PageRecord(view, url, page, "", number, 200))
            cache[url] = CachedPage(f'"{view}-{number}"', None, page)
    pdfs = {}
    for entry in [e for i in known[:pdf_rechecks] for e in entries_of(i)[:1]]:
        path = entry.pdf_url.removeprefix(SITE) if entry.pdf_url else ""
        pdfs[path] = PdfFingerprint(entry.pdf_url or "", "not_modified")
    stats = CrawlStats(requests=len(pages) + len(pdfs))
    return CrawlResult("", pages=tuple(pages), pdfs=pdfs, page_cache=cache, stats=stats)

"""The health gate (pure): is this crawl trustworthy enough to change the ledger?"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from crawler.contract import CrawlResult, PageRecord
from crawler.state import entry_identity

MIN_ROWS_FOR_RATIO = 10


@dataclass(frozen=True, slots=True)
class Verdict:
    """Healthy or not, why, and what the crawl covered."""

    healthy: bool
    reasons: tuple[str, ...] = ()
    complete: bool = False
    view_counts: Mapping[str, int] = field(default_factory=dict)
    rows_seen: int = 0
    entries: int = 0

    @property
    def reason(self) -> str:
        """The reasons as one line."""
        return "; ".join(self.reasons)


def view_counts(pages: Iterable[PageRecord]) -> dict[str, int]:
    """Distinct reports per view over every page read."""
    keys: dict[str, set[str]] = {}
    for page in pages:
        keys.setdefault(page.view, set()).update(map(entry_identity, page.parsed.entries))
    return {view: len(found) for view, found in keys.items()}


def assess(
    result: CrawlResult,
    views: Iterable[str],
    previous_counts: Mapping[str, int] | None,
    *,
    deep: bool,
    min_parse_rate: float = 0.9,
    min_row_ratio: float = 0.5,
    quarantined: int = 0,
) -> Verdict:
    """Judge a crawl: HTTP failures, odd pages, no rows, low parse rate (rows quarantined by
    admission count as unread) or a halved view fail it. A quick sweep's first page that
    announces a next one is full, whatever its length: a smaller page size is no shrink."""
    pages = result.pages
    findings = [(e.reason, e.url) for e in result.errors]
    findings += [(problem, page.url) for page in pages for problem in page.parsed.problems]
    reasons = grouped(findings)
    counts = view_counts(pages)
    rows = sum(page.parsed.rows_seen for page in pages)
    entries = sum(len(page.parsed.entries) for page in pages)
    readable = entries - quarantined
    if not entries and not reasons:
        reasons.append("no report rows in any view")
    elif rows and readable / rows < min_parse_rate:
        odd = f", {quarantined} quarantined" if quarantined else ""
        reasons.append(f"only {readable} of {rows} rows could be read ({readable / rows:.0%}{odd})")
    failed_views = {e.view for e in result.errors}
    paged = {p.view for p in pages if p.parsed.has_next or (p.parsed.last_page or 0) > 0}
    for view, before in (previous_counts or {}).items():
        now = counts.get(view, 0)
        if view in failed_views or (now == 0 and findings) or (not deep and view in paged):
            continue
        if before and now == 0:
            reasons.append(f"view {view} lists no reports (it listed {before})")
        elif before >= MIN_ROWS_FOR_RATIO and now < before * min_row_ratio:
            reasons.append(f"view {view} shrank from {before} to {now} reports")
    missing = [view for view in views if view not in counts and view not in failed_views]
    reasons += [f"view {view} returned no page" for view in missing]
    capped = set(result.capped)
    complete = deep and not reasons and not capped
    return Verdict(not reasons, tuple(dict.fromkeys(reasons)), complete, counts, rows, entries)


def grouped(findings: Iterable[tuple[str, str]]) -> list[str]:
    """One line per kind of finding: "HTTP 503 at 13 pages, e.g. URL"."""
    urls: dict[str, list[str]] = {}
    for problem, url in findings:
        urls.setdefault(problem, []).append(url)
    lines = []
    for problem, where in urls.items():
        count = f"{len(where)} pages, e.g. " if len(where) > 1 else ""
        lines.append(f"{problem} at {count}{where[0]}")
    return lines

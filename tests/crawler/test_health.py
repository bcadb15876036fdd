"""The health gate, on crawl results shaped like the child's output."""

from __future__ import annotations

from crawler.contract import CrawlError, CrawlResult, PageRecord
from crawler.entry import ParsedPage, ReportEntry
from crawler.health import assess


def page(
    view: str, numbers: list[str], rows: int | None = None, problems: tuple[str, ...] = ()
) -> PageRecord:
    entries = tuple(ReportEntry(view, title=n, report_number=n) for n in numbers)
    rows_seen = len(numbers) if rows is None else rows
    return PageRecord(
        view, f"http://x/{view}", ParsedPage(entries, rows_seen, False, None, problems)
    )


def result(
    *pages: PageRecord, errors: tuple[CrawlError, ...] = (), capped: tuple[str, ...] = ()
) -> CrawlResult:
    return CrawlResult("", pages=pages, errors=errors, capped=capped)


NUMBERS = [f"OIG-24-{i:02d}" for i in range(40)]


def test_clean_deep_crawl_is_healthy_and_complete() -> None:
    verdict = assess(result(page("all", NUMBERS)), ["all"], {"all": 40}, deep=True)
    assert verdict.healthy and verdict.complete and verdict.view_counts == {"all": 40}


def test_capped_deep_crawl_is_healthy_but_not_complete() -> None:
    verdict = assess(result(page("all", NUMBERS), capped=("all",)), ["all"], None, deep=True)
    assert verdict.healthy and not verdict.complete


def test_errors_are_grouped_into_one_line_per_kind() -> None:
    errors = tuple(CrawlError(f"http://x/{i}", "all", "HTTP 503") for i in range(13))
    verdict = assess(result(errors=errors), ["all"], {"all": 40}, deep=False)
    assert not verdict.healthy
    assert verdict.reasons == ("HTTP 503 at 13 pages, e.g. http://x/0",)


def test_low_parse_rate_is_unhealthy() -> None:
    verdict = assess(result(page("all", NUMBERS[:30], rows=40)), ["all"], None, deep=False)
    assert not verdict.healthy and "30 of 40 rows" in verdict.reason


def test_halved_view_is_unhealthy_but_small_views_may_shrink() -> None:
    halved = assess(
        result(page("all", NUMBERS[:19]), page("tiny", ["A"])),
        ["all", "tiny"],
        {"all": 40, "tiny": 3},
        deep=True,
    )
    assert not halved.healthy and halved.reasons == ("view all shrank from 40 to 19 reports",)


def test_no_rows_anywhere_is_unhealthy() -> None:
    verdict = assess(result(page("all", [])), ["all"], None, deep=False)
    assert not verdict.healthy and verdict.reasons == ("no report rows in any view",)


def test_page_problems_are_reasons() -> None:
    verdict = assess(
        result(page("all", [], problems=("maintenance page",))), ["all"], None, deep=False
    )
    assert verdict.reasons == ("maintenance page at http://x/all",)

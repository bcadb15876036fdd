"""The health gate, on crawl results shaped like the child's output."""

from __future__ import annotations

from typing import Any

from crawler.health import assess


def page(
    view: str, numbers: list[str], rows: int | None = None, problems: tuple = ()
) -> dict[str, Any]:
    entries = [
        {"report_number": n, "pdf_url": None, "title": n, "issue_date": None} for n in numbers
    ]
    return {
        "view": view,
        "url": f"http://x/{view}",
        "entries": entries,
        "rows_seen": len(numbers) if rows is None else rows,
        "problems": list(problems),
    }


def result(*pages: dict[str, Any], errors: tuple = (), capped: tuple = ()) -> dict[str, Any]:
    return {"pages": list(pages), "errors": list(errors), "capped": list(capped)}


NUMBERS = [f"OIG-24-{i:02d}" for i in range(40)]


def test_clean_deep_crawl_is_healthy_and_complete() -> None:
    verdict = assess(result(page("all", NUMBERS)), ["all"], {"all": 40}, deep=True)
    assert verdict.healthy and verdict.complete and verdict.view_counts == {"all": 40}


def test_capped_deep_crawl_is_healthy_but_not_complete() -> None:
    verdict = assess(result(page("all", NUMBERS), capped=("all",)), ["all"], None, deep=True)
    assert verdict.healthy and not verdict.complete


def test_errors_are_grouped_into_one_line_per_kind() -> None:
    errors = tuple({"url": f"http://x/{i}", "view": "all", "reason": "HTTP 503"} for i in range(13))
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

"""The steps of one check of one source; crawler/spine.py calls them in order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from config.settings import SourceConfig
from crawler.diff import Diff, SweepFacts, diff_reports
from crawler.entry import ReportEntry
from crawler.events import EventDraft, GateFacts, gate_events, ops_event
from crawler.fetch import CrawlOutcome
from crawler.health import Verdict, assess
from crawler.ledger.store import Ledger, count_reports
from crawler.normalize import pdf_path
from crawler.state import ViewInfo, merge_entries

ALL_PDFS = -1


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """One run's choices: sweep kind, announce on baseline, PDF re-check budget."""

    sweep: str = "quick"
    announce: bool = False
    pdf_checks: int | None = None  # None: the configured budget; ALL_PDFS: every report


def expand_views(source: SourceConfig) -> list[dict[str, Any]]:
    """Concrete views: each configured view, followed by one view per split value."""
    views: list[dict[str, Any]] = []
    for view in source.views:
        base = {
            "kind": view.kind,
            "deep_order": view.deep_order,
            "family": view.name,
            "labels": list(view.labels),
        }
        url = source.base_url + view.path
        views.append({**base, "name": view.name, "url": url, "components": list(view.components)})
        for value, code in view.split.values.items() if view.split else ():
            query = urlencode({view.split.param: value})  # type: ignore[union-attr]
            views.append(
                {
                    **base,
                    "name": f"{view.name}:{code}",
                    "url": f"{url}?{query}",
                    "components": [code],
                }
            )
    return [{**view, "rank": rank} for rank, view in enumerate(views)]


def build_job(
    ledger: Ledger, settings: Any, source: SourceConfig, source_id: int, options: CheckOptions
) -> dict[str, Any]:
    """What the crawl child must fetch: views, validators, PDFs to fingerprint."""
    baseline_done = ledger.source_row(source_id).baseline_run_id is not None
    every_pdf = options.pdf_checks == ALL_PDFS
    checks = settings.crawl.pdf_checks if options.pdf_checks is None else options.pdf_checks
    known, recheck = ledger.pdf_plan(
        source_id, (10**9 if every_pdf else checks) if options.sweep == "deep" else 0
    )
    page_cache = ledger.page_cache(source_id)
    listed = {
        path
        for cached in page_cache.values()
        for entry in cached["page"]["entries"]
        if (path := pdf_path(entry["pdf_url"]))
    }
    return {
        "run_key": uuid.uuid4().hex,
        "sweep": options.sweep,
        "source": {"name": source.name, "base_url": source.base_url, "hosts": list(source.hosts)},
        "views": expand_views(source),
        "crawl": settings.crawl.model_dump(),
        "page_cache": page_cache,
        "pdf": {
            "fetch_new": baseline_done or options.announce or every_pdf,
            "new_cap": 10**9 if every_pdf else settings.crawl.new_pdf_cap,
            "known_paths": sorted(set(known) | listed),
            "recheck": recheck,
        },
    }


def judge(
    outcome: CrawlOutcome, job: dict[str, Any], previous: dict[str, int] | None, gates: Any
) -> Verdict:
    """The health verdict of a crawl (a crashed or killed crawl is unhealthy)."""
    if outcome.result is None:
        return Verdict(False, (outcome.failure or "crawl failed",))
    return assess(
        outcome.result,
        [view["name"] for view in job["views"]],
        previous,
        deep=job["sweep"] == "deep",
        min_parse_rate=gates.min_parse_rate,
        min_row_ratio=gates.min_row_ratio,
    )


def compare(
    ledger: Ledger,
    job: dict[str, Any],
    result: dict[str, Any],
    source_id: int,
    verdict: Verdict,
    gates: Any,
) -> Diff:
    """Union the crawl's entries by identity and diff them against the ledger."""
    views = {
        v["name"]: ViewInfo(family=v["family"], rank=v["rank"], labels=tuple(v["labels"]))
        for v in job["views"]
    }
    entries = (
        ReportEntry.from_json(entry) for page in result["pages"] for entry in page["entries"]
    )
    known_fy = ledger.known_fiscal_years(source_id)
    seen = merge_entries(entries, views, known_fy, gates.fiscal_year_gap)
    stored = ledger.stored(source_id, seen, verdict.complete)
    pdfs = {path: fp for path, fp in result["pdfs"].items()}
    facts = SweepFacts(verdict.complete, gates.removal_sweeps, pdfs)
    return diff_reports(stored, seen, facts)


def checked_pdfs(result: dict[str, Any] | None) -> list[str]:
    """PDF paths whose check answered (fingerprinted or not modified)."""
    if not result:
        return []
    pdfs = result["pdfs"].items()
    return [path for path, fp in pdfs if fp["status"] in ("ok", "not_modified") and pdf_path(path)]


def outcome_of(verdict: Verdict, outcome: CrawlOutcome, baseline_done: bool) -> str:
    """failed, unhealthy, baseline (until a complete deep sweep) or healthy."""
    if outcome.result is None:
        return "failed"
    if not verdict.healthy:
        return "unhealthy"
    return "healthy" if baseline_done else "baseline"


def decide_events(
    ledger: Ledger,
    source: SourceConfig,
    source_id: int,
    run_key: str,
    diff: Diff | None,
    kind: str,
    verdict: Verdict,
    options: CheckOptions,
    gates: Any,
    now: datetime,
) -> list[EventDraft]:
    """Content events through the gates, plus one ops event when the source's health flips."""
    was_healthy = ledger.source_row(source_id).healthy
    events: list[EventDraft] = []
    if diff is not None:
        facts = GateFacts(
            baseline=kind == "baseline",
            announce=options.announce,
            known_reports=count_reports(ledger.engine, source_id),
            bulk_threshold=gates.bulk_threshold,
            bulk_fraction=gates.bulk_fraction,
        )
        events = gate_events(diff.changes, source.name, run_key, now, facts)
    if kind in ("failed", "unhealthy") and was_healthy:
        events.append(
            ops_event("source_unhealthy", source.name, run_key, now, reason=verdict.reason)
        )
    elif kind in ("healthy", "baseline") and not was_healthy:
        events.append(ops_event("source_recovered", source.name, run_key, now))
    return events

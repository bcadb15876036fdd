"""Crawl jobs and process helpers for the tests of the in-process crawl and the crawl workers."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

from config.settings import load_settings
from crawler.check import crawl_rules, expand_views
from crawler.contract import CrawlJob, SourcePlan, ViewPlan


def job(base_url: str, *views: ViewPlan, run_key: str = "test") -> CrawlJob:
    """A quick sweep of ``views`` (none: a job that ends at once)."""
    settings = load_settings(environ={})
    rules = replace(crawl_rules(settings.crawl), delay=0.0, retries=0)
    return CrawlJob(run_key, "quick", SourcePlan("dhs-oig", base_url), views, rules)


def every_view(base_url: str, run_key: str = "test") -> CrawlJob:
    """A quick sweep of every configured view of the shipped source at ``base_url``."""
    source = load_settings(environ={}).sources[0].with_base_url(base_url)
    return job(base_url, *expand_views(source), run_key=run_key)


def silent_view(base_url: str) -> ViewPlan:
    return ViewPlan("v", base_url + "/x", "table", "v", 0)


def children(pid: int) -> list[int]:
    """The live child processes of ``pid``."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def gone(pid: int) -> bool:
    """Dead (or a zombie waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")

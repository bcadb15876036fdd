"""When a quick poll can skip the diff: it read exactly what the last run read and absorbed.

The diff of a quick sweep is a pure function of the entries it read, the ledger, and the code's
detection rules. If the latest run of the source was a healthy quick sweep that read the very same
pages (the same cached rows: same bytes, read by the same selectors) under the same rules, and
nothing else changed the ledger since (any crawl would be a later run), the diff is empty: every
entry was folded into the ledger by that run, and folding is idempotent for a quick sweep (it
only ever adds components and views). So the poll records its run row and stops there, without
loading ~500 reports and comparing them.

:func:`reading` is that identity: a digest of the rules and of every page row read, or None
when the crawl did anything the diff must see for itself (an error, a PDF fingerprint).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crawler.contract import CrawlJob, CrawlResult

# the modules whose code decides what a reading means: a new version of any is a new reading
RULES = ("admit", "diff", "state", "normalize", "entry", "health", "events", "bulk", "replay")


@functools.cache
def rules() -> str:
    """A digest of the detection rules' source (read once per process)."""
    digest = hashlib.sha256()
    for name in RULES:
        digest.update((Path(__file__).parent / f"{name}.py").read_bytes())
    return digest.hexdigest()


def reading(job: CrawlJob, result: CrawlResult) -> str | None:
    """What this crawl read, as one digest: the rules, then each page's row as it stands after
    the crawl; None when the crawl saw an error or fingerprinted a PDF, or a page has no row."""
    if result.errors or result.pdfs or result.capped or not result.pages:
        return None
    digest = hashlib.sha256(rules().encode())
    for url in sorted(page.url for page in result.pages):
        row = result.page_cache.get(url) or job.page_cache.get(url)
        if row is None:
            return None
        read = row.body_sha256 or json.dumps(row.to_json()["page"], sort_keys=True, default=str)
        digest.update(f"\n{url}\n{row.read_by}\n{read}".encode())
    return digest.hexdigest()


def nothing_new(latest: Mapping[str, Any] | None, sweep: str, read: str | None) -> bool:
    """Whether a ``sweep`` that read ``read`` only repeats ``latest``, the source's latest run
    (its ``sweep``, ``outcome`` and ``stats``)."""
    if sweep != "quick" or read is None or latest is None:
        return False
    stats = latest.get("stats") or {}
    repeated = stats.get("reading") == read
    return latest.get("sweep") == "quick" and latest.get("outcome") == "healthy" and repeated

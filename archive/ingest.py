"""After a run is recorded: the PDFs its crawl spooled go into the archive, and each report's new
PDF becomes a ``pdf_versions`` row (``ledger/pdf_versions.py``).

The spool is the to-do list. A spooled PDF is put in the archive when a version wants it (a
report of this source now holds its digest and has no version of it, or its version is not
stored yet), and removed from the spool once the archive holds it; one nobody wants (already
stored, or fetched by a run whose findings were not recorded) is removed as well. An archive
that cannot be reached is tried once per run: the versions are recorded ``stored = false`` with
the reason, the spooled files stay, and the next run puts them. Nothing here fails the run.

A run that fetched no PDF and left nothing in the spool does nothing here: no query, no archive.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from archive.spool import discard, waiting
from crawler.contract import PdfFingerprint
from crawler.normalize import pdf_path
from documents.extract import PdfText
from ledger import pdf_versions
from ledger.pdf_versions import NewVersion

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from archive.store import Archive
    from config.settings import Settings

log = logging.getLogger("oigwatch.archive")


@dataclass(frozen=True, slots=True)
class Ingested:
    """What one ingest did: versions recorded, PDFs stored, spooled PDFs left for the next run,
    and the archive's failure if it had one."""

    versions: int = 0
    stored: int = 0
    waiting: int = 0
    problem: str | None = None


def ingest_pdfs(
    engine: Engine,
    settings: Settings,
    source_id: int,
    spool_dir: str | Path,
    pdfs: Mapping[str, PdfFingerprint],
    now: datetime,
    texts: Mapping[str, PdfText] | None = None,
) -> Ingested:
    """Move the spooled PDFs of one source into the archive and record each new version (the
    crawl's ``pdfs``: its fingerprints, for lengths, re-fetches and size refusals), with the
    text this run read from PDFs (``texts`` by digest, ``archive/compare.py``) on the versions
    of those digests that have none yet, so a later revision reads it from the ledger."""
    spooled = waiting(spool_dir)
    fetched = {fp.sha256: fp for fp in pdfs.values() if fp.status == "ok" and fp.sha256}
    refusals = {
        path.lower(): (fp.url, f"larger than max_pdf_bytes: {fp.reason}")
        for fp in pdfs.values()
        if fp.too_large and (path := pdf_path(fp.url))
    }
    if not (spooled or fetched or refusals or texts):
        return Ingested()
    refused = pdf_versions.refused(engine, source_id, refusals, now)
    plan = pdf_versions.plan(engine, source_id, set(spooled) | set(fetched))
    wanted = sorted({h.sha256 for h in plan.new} | set(plan.unstored))
    outcome = _store(settings, wanted, spooled, fetched)
    new = [NewVersion(h, _length(h.sha256, fetched, spooled), *outcome[h.sha256]) for h in plan.new]
    updates = {
        item.id: outcome[sha]
        for sha, items in plan.unstored.items()
        for item in items
        if outcome[sha] != (False, item.reason)  # unchanged: nothing to write
    }
    seen = [vid for sha in fetched for vid in plan.known.get(sha, ())]
    pdf_versions.record(engine, new, updates, seen, now, texts)
    kept = 0
    for sha, spooled_file in spooled.items():  # recorded: the spool may let go of what is kept
        stored, reason = outcome.get(sha, (True, None))
        if stored or (reason or "").startswith(DAMAGED):
            discard(spooled_file)
        else:
            kept += 1
    problems = sorted({reason for stored, reason in outcome.values() if not stored and reason})
    if problems:
        log.warning("PDF archive: %s", "; ".join(problems))
    stored_count = sum(1 for stored, _ in outcome.values() if stored)
    return Ingested(len(new) + refused, stored_count, kept, problems[0] if problems else None)


DAMAGED = "the crawl's copy was damaged"


def _store(
    settings: Settings,
    wanted: list[str],
    spooled: Mapping[str, Path],
    fetched: Mapping[str, PdfFingerprint],
) -> dict[str, tuple[bool, str | None]]:
    """Put each wanted digest's spooled PDF in the archive: (stored, why not) by digest. The
    archive is opened only when there is something to put, and given up on at its first
    failure to be reached (the rest wait for the next run)."""
    from archive.store import ArchiveError, open_archive

    outcome: dict[str, tuple[bool, str | None]] = {}
    archive: Archive | None = None
    down: str | None = None
    for sha in wanted:
        path = spooled.get(sha)
        if path is None:
            fingerprint = fetched.get(sha)
            why = fingerprint.spool_error if fingerprint and fingerprint.spool_error else None
            outcome[sha] = (
                False,
                f"not kept by the crawl: {why}" if why else "the crawl left no copy",
            )
            continue
        if down is not None:
            outcome[sha] = (False, down)
            continue
        try:
            archive = archive or open_archive(settings)
            archive.put(sha, path.read_bytes())
            outcome[sha] = (True, None)
        except ValueError as exc:  # its bytes do not have its digest: fetched again later
            outcome[sha] = (False, f"{DAMAGED} ({exc})")
        except ArchiveError as exc:
            down = str(exc) if str(exc).startswith("archive") else f"archive unreachable: {exc}"
            outcome[sha] = (False, down)
        except OSError as exc:  # the spool itself cannot be read
            outcome[sha] = (False, f"the spooled copy cannot be read: {exc}")
    return outcome


def _length(
    sha: str, fetched: Mapping[str, PdfFingerprint], spooled: Mapping[str, Path]
) -> int | None:
    fingerprint = fetched.get(sha)
    if fingerprint is not None and fingerprint.length is not None:
        return fingerprint.length
    path = spooled.get(sha)
    try:
        return path.stat().st_size if path is not None else None
    except OSError:
        return None


def spool_for(settings: Settings, source_name: str) -> str:
    """The spool folder of one source ("" when the archive is disabled: nothing is spooled)."""
    if not settings.archive.enabled:
        return ""
    return str(settings.spool_dir / folder_name(source_name))


def folder_name(name: str) -> str:
    """A source's name as one safe folder name (a digest added when characters were replaced)."""
    import hashlib
    import re

    safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:80]
    if safe != name:
        safe += "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return safe

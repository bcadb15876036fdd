"""Every distinct PDF a report has had: the ``pdf_versions`` rows, the PDF archive's index.

A report gains a version when the ledger's reports row holds a PDF digest the report has no
version of yet (versions are distinct PDFs: a report going back to earlier bytes keeps their
version), or when its PDF is refused for its size (``sha256`` None, recorded once per URL in a
row). Numbered 1, 2, ... per report. ``archive/ingest.py`` writes them after a run is recorded;
``oigwatch archive`` reads them. Reads and writes are separate: nothing is held open while the
archive is written to.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

from crawler.clock import aware
from documents.extract import PdfText
from ledger.models import PdfVersion, Report
from ledger.sql import chunks


@dataclass(frozen=True, slots=True)
class Holding:
    """A report whose current PDF has a digest it has no version of yet."""

    report_id: int
    sha256: str
    url: str


@dataclass(frozen=True, slots=True)
class Unstored:
    """A version the archive does not hold yet, and why."""

    id: int
    reason: str | None


@dataclass(frozen=True, slots=True)
class Plan:
    """What the ledger knows of some PDF digests, for one source: the versions to add, the
    versions not stored yet, and every version of them by digest."""

    new: list[Holding] = field(default_factory=list)
    unstored: dict[str, list[Unstored]] = field(default_factory=dict)
    known: dict[str, list[int]] = field(default_factory=dict)  # version ids by digest


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A version to record: whose, which bytes, and whether the archive took them."""

    holding: Holding
    length: int | None
    stored: bool
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One ``pdf_versions`` row, as the command line and the web side show it."""

    id: int
    report_id: int
    version: int
    sha256: str | None
    length: int | None
    url: str
    first_seen_at: datetime
    last_seen_at: datetime
    stored: bool
    store_reason: str | None
    text_status: str | None = None


def plan(engine: Engine, source_id: int, digests: Collection[str]) -> Plan:
    """The versions these digests call for in one source's reports (see :class:`Plan`)."""
    wanted = sorted(set(digests))
    result = Plan()
    holders: list[tuple[int, str | None, str | None]] = []
    have: set[tuple[int, str]] = set()
    versions = (
        select(PdfVersion.id, PdfVersion.report_id, PdfVersion.sha256, PdfVersion.stored,
               PdfVersion.store_reason)
        .join(Report, Report.id == PdfVersion.report_id)
        .where(Report.source_id == source_id)
    )  # fmt: skip
    reports = select(Report.id, Report.pdf_sha256, Report.pdf_url).where(
        Report.source_id == source_id
    )
    with engine.connect() as conn:
        for part in chunks(wanted):
            holders.extend(conn.execute(reports.where(Report.pdf_sha256.in_(part))).tuples())
            for row in conn.execute(versions.where(PdfVersion.sha256.in_(part))):
                have.add((row.report_id, row.sha256))
                result.known.setdefault(row.sha256, []).append(row.id)
                if not row.stored:
                    unstored = Unstored(row.id, row.store_reason)
                    result.unstored.setdefault(row.sha256, []).append(unstored)
    for report_id, sha256, url in sorted(holders, key=lambda row: (row[0], row[1] or "")):
        if sha256 and (report_id, sha256) not in have:
            result.new.append(Holding(report_id, sha256, url or ""))
    return result


def record(
    engine: Engine,
    new: Sequence[NewVersion],
    updates: Mapping[int, tuple[bool, str | None]],
    seen: Iterable[int],
    now: datetime,
    texts: Mapping[str, PdfText] | None = None,
) -> None:
    """One transaction: the ``new`` versions (numbered after each report's last), the stored
    flag and reason of versions tried again (``updates`` by id), ``last_seen_at`` of the
    versions whose bytes were fetched again (``seen``), and the text read from PDFs (``texts``
    by digest) on the versions of those digests that have none yet."""
    seen_ids = sorted(set(seen))
    if not (new or updates or seen_ids or texts):
        return
    with engine.begin() as conn:
        rows = _numbered(conn, new, now)
        if rows:
            conn.execute(insert(PdfVersion), rows)
        if updates:
            statement = update(PdfVersion).where(PdfVersion.id == bindparam("b_id"))
            batch = [
                {"b_id": vid, "stored": stored, "store_reason": None if stored else reason}
                for vid, (stored, reason) in sorted(updates.items())
            ]
            conn.execute(statement, batch)
        for part in chunks(seen_ids):
            statement = update(PdfVersion).where(PdfVersion.id.in_(part))
            conn.execute(statement.values(last_seen_at=now))
        for sha256, text in sorted((texts or {}).items()):
            statement = update(PdfVersion).where(
                PdfVersion.sha256 == sha256, PdfVersion.text_status.is_(None)
            )
            conn.execute(statement.values(**text_columns(text)))


def text_columns(text: PdfText) -> dict[str, Any]:
    """A PDF's text as the ``pdf_versions`` columns keep it (pages: a JSON list, or None)."""
    pages = list(text.pages) if text.status != "failed" else None
    return {"text_status": text.status, "text_reason": text.reason, "pages": pages}


def known_texts(engine: Engine, digests: Collection[str]) -> dict[str, PdfText]:
    """The text already read from PDFs of these digests, by digest (any report's version)."""
    query = select(PdfVersion.sha256, PdfVersion.text_status, PdfVersion.text_reason,
                   PdfVersion.pages).where(PdfVersion.text_status.is_not(None))  # fmt: skip
    found: dict[str, PdfText] = {}
    with engine.connect() as conn:
        for part in chunks(sorted(set(digests))):
            for sha256, status, reason, pages in conn.execute(
                query.where(PdfVersion.sha256.in_(part))
            ).tuples():
                if sha256 in found:
                    continue
                try:
                    found[sha256] = PdfText.from_json(
                        {"status": status, "reason": reason, "pages": pages or []}
                    )
                except ValueError:  # a row not written by text_columns: read it again
                    continue
    return found


def _numbered(conn: Connection, new: Sequence[NewVersion], now: datetime) -> list[dict[str, Any]]:
    """The rows of ``new``, each numbered after its report's last version."""
    last = _last_versions(conn, {item.holding.report_id for item in new})
    rows = []
    for item in new:
        report_id = item.holding.report_id
        last[report_id] = last.get(report_id, 0) + 1
        rows.append({
            "report_id": report_id,
            "version": last[report_id],
            "sha256": item.holding.sha256 or None,
            "length": item.length,
            "url": item.holding.url,
            "first_seen_at": now,
            "last_seen_at": now,
            "stored": item.stored,
            "store_reason": None if item.stored else item.reason,
        })  # fmt: skip
    return rows


def _last_versions(conn: Connection, report_ids: Collection[int]) -> dict[int, int]:
    query = select(PdfVersion.report_id, func.max(PdfVersion.version)).group_by(
        PdfVersion.report_id
    )
    last: dict[int, int] = {}
    for part in chunks(sorted(report_ids)):
        for report_id, version in conn.execute(query.where(PdfVersion.report_id.in_(part))):
            last[report_id] = version
    return last


def refused(
    engine: Engine, source_id: int, refusals: Mapping[str, tuple[str, str]], now: datetime
) -> int:
    """Record PDFs refused for their size (``refusals``: URL and reason by lower-cased PDF path)
    as versions without a digest, of the reports linking them: once per URL in a row (a report
    whose last version is already that refusal gains nothing). Returns how many were added."""
    if not refusals:
        return 0
    with engine.begin() as conn:
        linking: list[tuple[int, str | None]] = []
        query = select(Report.id, Report.pdf_path).where(Report.source_id == source_id)
        for part in chunks(sorted(refusals)):
            linking.extend(conn.execute(query.where(Report.pdf_path.in_(part))).tuples())
        latest = _latest(conn, {report_id for report_id, _ in linking})
        new = []
        for report_id, path in sorted(linking, key=lambda row: row[0]):
            url, reason = refusals[path or ""]
            if latest.get(report_id) == (None, url):
                continue  # refused already, and nothing else seen since
            new.append(NewVersion(Holding(report_id, "", url), None, False, reason))
        rows = _numbered(conn, new, now)
        if rows:
            conn.execute(insert(PdfVersion), rows)
        return len(rows)


def _latest(conn: Connection, report_ids: Collection[int]) -> dict[int, tuple[str | None, str]]:
    """Each report's last version: its digest and URL."""
    found: dict[int, tuple[int, str | None, str]] = {}
    query = select(PdfVersion.report_id, PdfVersion.version, PdfVersion.sha256, PdfVersion.url)
    for part in chunks(sorted(report_ids)):
        for report_id, version, sha256, url in conn.execute(
            query.where(PdfVersion.report_id.in_(part))
        ).tuples():
            if report_id not in found or version > found[report_id][0]:
                found[report_id] = (version, sha256, url)
    return {report_id: (sha, url) for report_id, (_, sha, url) in found.items()}


_COLUMNS = (
    PdfVersion.id, PdfVersion.report_id, PdfVersion.version, PdfVersion.sha256, PdfVersion.length,
    PdfVersion.url, PdfVersion.first_seen_at, PdfVersion.last_seen_at, PdfVersion.stored,
    PdfVersion.store_reason, PdfVersion.text_status,
)  # fmt: skip


def versions(engine: Engine, report_id: int) -> list[VersionInfo]:
    """A report's PDF versions, oldest first (times aware, in UTC)."""
    query = select(*_COLUMNS).where(PdfVersion.report_id == report_id)
    with engine.connect() as conn:
        found = [VersionInfo(*row) for row in conn.execute(query.order_by(PdfVersion.version))]
    return [
        replace(v, first_seen_at=aware(v.first_seen_at), last_seen_at=aware(v.last_seen_at))
        for v in found
    ]


def stored_digests(engine: Engine) -> set[str]:
    """The digests the ledger says the archive holds."""
    query = select(PdfVersion.sha256).distinct().where(PdfVersion.stored.is_(True))
    with engine.connect() as conn:
        return {sha for (sha,) in conn.execute(query) if sha}

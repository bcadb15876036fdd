"""The JSON API: ``/api/changes`` and ``/api/reports/{number}``, described by response models.

Every string from the ledger is cleaned by ``crawler.text`` (``safe_event`` for events,
``clean_data`` for report rows and versions); JSON escaping is pydantic's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from crawler.clock import iso
from crawler.text import clean_data
from ledger import queries
from web.context import WebContext
from web.feeds_http import FILTER_DOC
from web.params import FILTERS, MAX_EVENT_ID
from web.shape import fingerprint, report_facts, report_href, safe_event, version_changes

MAX_LIMIT = 1000


def _listed(value: Any) -> Any:
    return [] if value is None else value


Names = Annotated[list[str], BeforeValidator(_listed)]  # ops events may carry no list at all


class FieldChange(BaseModel):
    """One field of a report that changed: its name, the old and the new value."""

    field: str
    old: Any = None
    new: Any = None


class KeyFacts(BaseModel):
    """What the summary states plainly of the recommendations (null: not stated)."""

    recommendations: int | None = Field(None, description="how many the OIG made (0: none)")
    concurred: int | None = Field(None, description="how many the component concurred with")
    response: str | None = Field(None, description='in words: "DHS concurred with all"')


class KeyFactChange(BaseModel):
    """A key fact a revised summary changed."""

    fact: str = Field(description="recommendations, concurred or response")
    old: int | str | None = None
    new: int | str | None = None


class PdfSide(BaseModel):
    """One version of a replaced PDF: its sha256 (its archived copy is ``/archive/<sha256>.pdf``)
    and its page count (null: not extracted)."""

    sha256: str | None
    pages: int | None


class PdfPassage(BaseModel):
    """One changed passage: its page (of the new version; a removal's, of the old), the words
    before and after with a little context, the ``[-old-]{+new+}`` redline, changed words."""

    page: int
    before: str
    after: str
    redline: str
    size: int


class PdfChanges(BaseModel):
    """What changed inside a replaced PDF (revised events; see docs/web.md)."""

    status: str = Field(description="compared, no_text_change or not_compared")
    reason: str | None = Field(None, description="not_compared: why, in plain words")
    before: PdfSide
    after: PdfSide
    pages_line: str = Field(description='"Changed on pages 3 and 7" ("" unless compared)')
    changed_pages: list[int] = Field(default_factory=list)
    added_pages: list[int] = Field(default_factory=list)
    removed_pages: list[int] = Field(default_factory=list, description="old version's numbers")
    passages: list[PdfPassage] = Field(default_factory=list, description="largest first")
    omitted: int = Field(0, description="smaller passages the comparison left out")


class ChangeEvent(BaseModel):
    """A change event in the documented JSON shape (``oigwatch changes --json``); ops events carry
    their own fields (reason, held, target...). Links are http(s) or null."""

    model_config = ConfigDict(extra="allow")

    event_id: int
    kind: str
    source: str
    status: str
    report_number: str | None = None
    title: str | None = None
    url: str | None = None
    issue_date: str | None = None
    fiscal_year: str | None = None
    components: Names = Field(default_factory=list)
    summary: str | None = None
    labels: Names = Field(default_factory=list)
    changes: Annotated[list[FieldChange], BeforeValidator(_listed)] = Field(default_factory=list)
    detected_at: str | None = None
    report_page: str | None = Field(None, description="This site's page of the report")
    key_facts: KeyFacts | None = Field(
        None, description="Read from the summary (report events only; see docs/web.md)"
    )
    key_facts_changes: list[KeyFactChange] = Field(
        default_factory=list, description="revised: the key facts its summary change changed"
    )
    pdf_changes: PdfChanges | None = Field(
        None, description="revised with a replaced PDF: what changed inside it (else null)"
    )


class ChangeList(BaseModel):
    """Change events newest first; ``next_before`` pages on to older ones (null: no more)."""

    changes: list[ChangeEvent]
    next_before: int | None


class PdfFingerprint(BaseModel):
    """What is known of the PDF file (null where it was never fetched)."""

    sha256: str | None
    length: int | None
    etag: str | None
    last_modified: str | None
    checked_at: str | None = None


class Version(BaseModel):
    """A distinct state of the report, with the fields that changed from the previous one."""

    version: int
    seen_at: str | None
    content_hash: str
    title: str | None
    summary: str | None
    issue_date: str | None
    fiscal_year: str | None
    pdf_url: str | None
    components: list[str]
    labels: list[str]
    pdf: PdfFingerprint
    changes: list[FieldChange]


class Report(BaseModel):
    """A report's current state (as last listed) and every version, oldest first."""

    source: str
    key: str
    report_number: str | None
    status: str = Field(description="active, or removed (pulled from every listing)")
    title: str
    summary: str | None
    issue_date: str | None
    fiscal_year: str | None
    components: list[str]
    key_facts: KeyFacts = Field(description="Read from the current summary")
    pdf_url: str | None
    detail_url: str | None
    first_seen_at: str | None
    changed_at: str | None
    pdf: PdfFingerprint
    versions: list[Version]


class ReportLookup(BaseModel):
    """Every report with this number (a reused number is several reports)."""

    number: str
    reports: list[Report]


class Problem(BaseModel):
    detail: str


def _url(value: Any) -> str | None:
    return safe_event({"url": value})["url"]


def report_json(history: queries.ReportHistory) -> Report:
    """One report and its versions in the API's shape, every string cleaned."""
    row = history.report
    versions = []
    previous: dict[str, Any] | None = None
    for number, version in enumerate(history.versions, 1):
        data: dict[str, Any] = clean_data(dict(version.data or {}))
        versions.append(
            Version(
                version=number,
                seen_at=iso(version.seen_at),
                content_hash=clean_data(version.content_hash),
                title=data.get("title"),
                summary=data.get("summary"),
                issue_date=data.get("issue_date"),
                fiscal_year=data.get("fiscal_year"),
                pdf_url=_url(data.get("pdf_url")),
                components=list(data.get("components") or []),
                labels=list(data.get("labels") or []),
                pdf=PdfFingerprint(**fingerprint(data)),
                changes=[
                    FieldChange(**c)
                    for c in ([] if previous is None else version_changes(previous, data))
                ],
            )
        )
        previous = data
    current = {
        "pdf_sha256": row.pdf_sha256,
        "pdf_length": row.pdf_length,
        "pdf_etag": row.pdf_etag,
        "pdf_last_modified": row.pdf_last_modified,
    }
    return Report(
        source=clean_data(history.source),
        key=clean_data(row.key),
        report_number=clean_data(row.report_number),
        status=row.status,
        title=clean_data(row.title),
        summary=clean_data(row.summary),
        issue_date=row.issue_date.isoformat() if row.issue_date else None,
        fiscal_year=clean_data(row.fiscal_year),
        components=clean_data(list(row.components or [])),
        key_facts=KeyFacts(**report_facts(row.summary, row.components)),
        pdf_url=_url(row.pdf_url),
        detail_url=_url(row.detail_url),
        first_seen_at=iso(row.first_seen_at),
        changed_at=iso(row.changed_at),
        pdf=PdfFingerprint(**fingerprint(current, row.pdf_checked_at)),
        versions=versions,
    )


def router(ctx: WebContext) -> APIRouter:
    """The JSON API routes."""
    api = APIRouter(prefix="/api", tags=["api"])

    @api.get(
        "/changes",
        response_model=ChangeList,
        responses={
            400: {"model": Problem, "description": "An unknown parameter or a value out of range"}
        },
    )
    def changes(
        request: Request,
        component: Annotated[list[str] | None, Query(description=FILTER_DOC["component"])] = None,
        kind: Annotated[list[str] | None, Query(description=FILTER_DOC["kind"])] = None,
        label: Annotated[list[str] | None, Query(description=FILTER_DOC["label"])] = None,
        source: Annotated[list[str] | None, Query(description=FILTER_DOC["source"])] = None,
        q: Annotated[list[str] | None, Query(description=FILTER_DOC["q"])] = None,
        since: Annotated[
            str | None, Query(description="ISO 8601 date or date-time (UTC if no offset)")
        ] = None,
        before: Annotated[
            int | None,
            Query(ge=1, le=MAX_EVENT_ID, description="Only events older than this event id"),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Events per page")] = 100,
    ) -> ChangeList:
        """Change events newest first, filtered like the feeds."""
        query = ctx.query(request, (*FILTERS, "since", "before", "limit"))
        found = queries.recent_events(
            ctx.engine,
            kinds=query.sql_kinds,
            sources=query.sources,
            since=query.since,
            before=query.before,
            keep=query.payload_filter(),
            limit=query.limit + 1,
        )
        page = found[: query.limit]
        events = [
            ChangeEvent(
                **safe_event(event),
                report_page=report_href(event.get("report_key") or event.get("report_number")),
            )
            for event in page
        ]
        more = len(found) > query.limit
        return ChangeList(changes=events, next_before=page[-1]["event_id"] if more else None)

    @api.get(
        "/reports/{number:path}",
        response_model=ReportLookup,
        responses={404: {"model": Problem, "description": "No report with this number"}},
    )
    def report(number: str) -> ReportLookup:
        """A report's current state and every version (by number, or by key for unnumbered ones)."""
        found = queries.report_history(ctx.engine, number)
        if not found:
            raise HTTPException(404, f"no report {number[:100]!r} in the ledger")
        return ReportLookup(number=number, reports=[report_json(item) for item in found])

    return api

"""The HTML pages: recent changes, a report's versions, the sources' health; and the stylesheet."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse

from config.vocabulary import LABELS, kind_word
from crawler.clock import local_text, utcnow
from ledger import queries
from notifier.render.words import plain_error
from web.context import STYLESHEET, WebContext
from web.health import Scheduler, scheduler_state
from web.params import DEFAULT_KINDS, FILTERS
from web.shape import event_card, report_view, source_view

PAGE_SIZE = 50


def router(ctx: WebContext) -> APIRouter:
    """The pages (left out of the OpenAPI schema: they are for people)."""
    pages = APIRouter(include_in_schema=False)

    @pages.get("/", response_class=HTMLResponse)
    def changes(request: Request) -> HTMLResponse:
        query = ctx.query(request, (*FILTERS, "before"), default_limit=PAGE_SIZE)
        found = queries.recent_events(
            ctx.engine,
            kinds=query.sql_kinds,
            sources=query.sources,
            before=query.before,
            keep=query.payload_filter(),
            limit=PAGE_SIZE + 1,
        )
        shown = found[:PAGE_SIZE]
        older = query.with_before(shown[-1]["event_id"]) if len(found) > PAGE_SIZE else None
        filters = query.filter_query()
        return ctx.page(
            "changes.html",
            cards=[event_card(event, ctx.settings.display_zone) for event in shown],
            older=older,
            filters=filters,
            filtered=bool(filters),
            paged=query.before is not None,
            feed_query=f"?{filters}" if filters else "",
            components=ctx.components,
            chosen={
                "component": query.components,
                "kind": query.kinds,
                "label": query.labels,
                "source": query.sources,
                "q": query.keywords,
            },
            kinds=[(kind, kind_word(kind)) for kind in DEFAULT_KINDS],
            labels=[(label, label.replace("_", " ")) for label in LABELS],
        )

    @pages.get("/reports/{number:path}", response_class=HTMLResponse)
    def report(number: str) -> HTMLResponse:
        found = queries.report_history(ctx.engine, number)
        if not found:
            raise HTTPException(404, f"No report {number[:100]!r} is in the ledger.")
        zone = ctx.settings.display_zone
        views = [report_view(item, zone) for item in found]
        ids = [item.report.id for item in found]
        events = [event_card(e, zone, full=True) for e in queries.report_events(ctx.engine, ids)]
        muted = queries.current_mutes(ctx.engine, ids)
        mutes = [
            {**m, "since": local_text(m["muted_at"], zone)} if (m := muted.get(i)) else None
            for i in ids
        ]
        return ctx.page(
            "report.html",
            number=number,
            reports=views,
            events=events,
            mutes=mutes,
            archive_links=ctx.settings.archive.enabled,  # /archive/<sha256>.pdf answers
        )

    @pages.get("/sources", response_class=HTMLResponse)
    def sources() -> HTMLResponse:
        zone = ctx.settings.display_zone
        summary = [source_view(item, zone) for item in queries.sources_summary(ctx.engine)]
        scheduler: Scheduler | None = None
        problems: list[str] = []
        if ctx.status is not None:
            stale = ctx.settings.service.heartbeat_stale
            scheduler, problems = scheduler_state(ctx.status(), utcnow(), stale)
        return ctx.page(
            "sources.html",
            sources=summary,
            scheduler=None if scheduler is None else scheduler.model_dump(),
            problems=[plain_error(problem) for problem in problems],
        )

    @pages.get("/static/style.css")
    def stylesheet() -> Response:
        return Response(
            STYLESHEET,
            media_type="text/css; charset=utf-8",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return pages

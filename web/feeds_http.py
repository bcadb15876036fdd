"""The feeds over HTTP: Atom, RSS 2.0 and JSON Feed 1.1 of change events, with conditional GETs.

The ETag is strong: a hash of the format, the canonical filter, the limit, the feed's address, the
app version and the ids of the entries listed (the newest one first), so any entry added or
released changes it. Last-Modified is the newest listed event's detection time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from config.vocabulary import LABELS
from crawler.clock import aware, in_utc, parse_iso
from ledger import queries
from web.context import WebContext
from web.feeds import FeedFilter, FeedHead, atom_feed, json_feed, rss_feed
from web.opml import feed_outlines, opml
from web.params import FILTERS, ChangeQuery
from web.shape import safe_event

Renderer = Callable[[Iterable[Mapping[str, Any]], str, FeedFilter, FeedHead], bytes]
FORMATS: dict[str, tuple[Renderer, str]] = {
    "atom": (atom_feed, "application/atom+xml; charset=utf-8"),
    "rss": (rss_feed, "application/rss+xml; charset=utf-8"),
    "json": (json_feed, "application/feed+json; charset=utf-8"),
}
CACHE_CONTROL = "public, max-age=60"
FILTER_DOC = {
    "component": "DHS component code (CBP, ICE, FEMA...); repeat for any of several",
    "kind": "new, revised, removed (or pulled), restored (default: these and source_unhealthy, "
    "source_recovered); bulk_hold and delivery_failed only when named; repeatable",
    "label": f"{', '.join(LABELS)}; repeatable",
    "source": "a configured source's name (dhs-oig...); repeatable",
    "q": "a keyword or phrase in the title or summary, matched as routes match their keywords "
    "(whole words, any case); repeat for any of several",
}


def feed_etag(fmt: str, filters: str, limit: int, self_url: str, version: str, ids: Sequence[Any]) -> str:  # fmt: skip
    """A strong validator of one feed document."""
    text = "|".join((fmt, filters, str(limit), self_url, version, ",".join(map(str, ids))))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:40] + '"'


def last_modified(events: Sequence[Mapping[str, Any]]) -> datetime | None:
    """The newest detection time among the events (whole seconds, UTC)."""
    moments = []
    for event in events:
        try:
            moment = in_utc(parse_iso(str(event.get("detected_at"))))
        except ValueError:
            continue
        moments.append(moment.replace(microsecond=0))
    return max(moments, default=None)


def not_modified(headers: Mapping[str, str], etag: str, modified: datetime | None) -> bool:
    """Whether the client's copy is current (If-None-Match wins over If-Modified-Since)."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since is None or modified is None:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    return modified <= aware(moment)


def feed_head(ctx: WebContext, query: ChangeQuery) -> FeedHead:
    """Whose changes a feed lists and which: the chosen sources' display names (or the site
    title), the other filters in words, the one watched site's address as its author's (or
    this site's pages when it lists several), and the page with the same filters."""
    names = ctx.settings.display_names
    sources = [s for s in ctx.settings.sources if not query.sources or s.name in query.sources]
    site = " · ".join(dict.fromkeys(names.get(name, name) for name in query.sources))
    filters = query.filter_query()
    home = f"{ctx.settings.service.base_url}/" + (f"?{filters}" if filters else "")
    return FeedHead(
        site=site or ctx.settings.site_title,
        scope=query.scope(),
        author_url=sources[0].base_url + "/" if len(sources) == 1 else "",
        home=home,
    )


def feed_response(
    ctx: WebContext, request: Request, fmt: str, events: Sequence[Mapping[str, Any]], query: ChangeQuery
) -> Response:  # fmt: skip
    """The feed document, or 304 when the client's validators match."""
    render, media_type = FORMATS[fmt]
    filters = query.filter_query()
    self_url = f"{ctx.settings.service.base_url}/feeds/changes.{fmt}"
    self_url += f"?{filters}" if filters else ""
    limit = ctx.settings.service.feed_limit
    ids = [event.get("event_id") for event in events]
    etag = feed_etag(fmt, filters, limit, self_url, ctx.version, ids)
    modified = last_modified(events)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if modified is not None:
        headers["Last-Modified"] = format_datetime(modified, usegmt=True)
    if not_modified(request.headers, etag, modified):
        return Response(status_code=304, headers=headers)
    head = feed_head(ctx, query)
    body = render([safe_event(e) for e in events], self_url, FeedFilter(), head)
    return Response(body, media_type=media_type, headers=headers)


def router(ctx: WebContext) -> APIRouter:
    """``/feeds/changes.atom``, ``.rss`` and ``.json``."""
    api = APIRouter(tags=["feeds"])

    def serve(fmt: str) -> Callable[..., Response]:
        def feed(
            request: Request,
            component: Annotated[
                list[str] | None, Query(description=FILTER_DOC["component"])
            ] = None,
            kind: Annotated[list[str] | None, Query(description=FILTER_DOC["kind"])] = None,
            label: Annotated[list[str] | None, Query(description=FILTER_DOC["label"])] = None,
            source: Annotated[list[str] | None, Query(description=FILTER_DOC["source"])] = None,
            q: Annotated[list[str] | None, Query(description=FILTER_DOC["q"])] = None,
        ) -> Response:
            query = ctx.query(request, FILTERS)
            events = queries.recent_events(
                ctx.engine,
                kinds=query.sql_kinds,
                sources=query.sources,
                keep=query.payload_filter(),
                limit=ctx.settings.service.feed_limit,
            )
            return feed_response(ctx, request, fmt, events, query)

        return feed

    for fmt, (_, media_type) in FORMATS.items():
        api.add_api_route(
            f"/feeds/changes.{fmt}",
            serve(fmt),
            methods=["GET"],
            response_class=Response,
            summary=f"Change events as {'JSON Feed 1.1' if fmt == 'json' else fmt.upper()}",
            responses={
                200: {"content": {media_type.split(";")[0]: {}}},
                304: {"description": "Not modified (If-None-Match / If-Modified-Since)"},
                400: {"description": "An unknown parameter or value"},
            },
            name=f"feed_{fmt}",
        )

    @api.get(
        "/feeds.opml",
        response_class=Response,
        summary="Every useful feed (all changes, by kind, component and source) as OPML 2.0",
        responses={200: {"content": {"text/x-opml": {}}}},
    )
    def outline() -> Response:
        components = ctx.components or queries.components_seen(ctx.engine)
        outlines = feed_outlines(ctx.settings, components)
        title = f"{ctx.settings.site_title} report changes: every feed"
        body = opml(title, ctx.settings.service.base_url, outlines)
        return Response(
            body,
            media_type="text/x-opml; charset=utf-8",
            headers={"Cache-Control": CACHE_CONTROL},
        )

    return api

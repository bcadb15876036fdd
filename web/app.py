"""The read-only web side: pages, feeds, JSON API and /healthz in one FastAPI app.

``create_app`` wires the parts; the service mounts the app (uvicorn), ``oigwatch serve``-like use and
tests may run it without a scheduler (``status=None``). Every endpoint is a plain ``def``: FastAPI
runs it in its thread pool, so the synchronous SQLAlchemy sessions never block the event loop.
"""

from __future__ import annotations

import logging

import sqlalchemy
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from config.settings import Settings
from web import api, archived, feeds_http, health, views
from web.banner import Banner
from web.context import StatusFn, WebContext
from web.middleware import HeadAsGet, SecurityHeaders

log = logging.getLogger(__name__)
MACHINE_PREFIXES = ("/api/", "/healthz", "/openapi.json")
TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 503: "Unavailable"}
PLAIN_PREFIXES = ("/feeds/", archived.PREFIX)  # errors as plain text: feed readers, PDF links


def create_app(
    settings: Settings, engine: sqlalchemy.Engine, status: StatusFn | None = None
) -> FastAPI:
    """The web app over one ledger engine (read only); ``status`` is the scheduler's, if any."""
    banner = Banner(settings, engine, status)
    ctx = WebContext(settings=settings, engine=engine, status=status, banner=banner)
    ctx.templates.globals["site"] = settings.site_title  # what the pages say is watched
    app = FastAPI(
        title="oigwatch",
        version=ctx.version,
        description=f"Changes to {settings.site_title} reports: feeds, pages, a JSON API and /healthz.",
        docs_url=None,  # Swagger UI and ReDoc need scripts the Content-Security-Policy forbids
        redoc_url=None,
    )
    app.state.web = ctx
    for part in (views, feeds_http, api, health, archived):
        app.include_router(part.router(ctx))
    _errors(app, ctx)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)
    return app


def _errors(app: FastAPI, ctx: WebContext) -> None:
    """Errors answered in the caller's language: JSON for the API, text for feeds, HTML for pages."""

    def answer(request: Request, code: int, message: str) -> Response:
        path = request.url.path
        if path.startswith(MACHINE_PREFIXES):
            return JSONResponse({"detail": message}, status_code=code)
        if path.startswith(PLAIN_PREFIXES):
            return PlainTextResponse(message + "\n", status_code=code)
        title = TITLES.get(code, "Error")
        return ctx.page("error.html", status_code=code, title=title, message=message)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        response = answer(request, exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        """A bad query value is 400 with a message everywhere, the API included (as a value
        ``web/params.py`` refuses); any other invalid input keeps FastAPI's 422 under /api/."""
        in_query = all(error["loc"][:1] == ("query",) for error in exc.errors())
        if request.url.path.startswith("/api/") and not in_query:
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        problems = "; ".join(
            f"parameter {'.'.join(str(p) for p in error['loc'][1:]) or 'request'!r}: {error['msg']}"
            for error in exc.errors()
        )
        return answer(request, 400, problems)

    @app.exception_handler(SQLAlchemyError)
    def database_down(request: Request, exc: SQLAlchemyError) -> Response:
        log.warning("%s: the ledger cannot be read: %s", request.url.path, exc)
        return answer(request, 503, "The ledger cannot be read right now; try again shortly.")

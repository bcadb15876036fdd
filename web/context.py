"""What every part of the web side is handed: settings, the ledger engine, the scheduler's status,
the page templates, and the answers shared by pages, feeds and the API (errors, parameters)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import jinja2
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy import Engine

from config.settings import Settings
from crawler.text import clean_text
from web.params import ChangeQuery, ParamError, known_components, parse_changes
from web.shape import when

HERE = Path(__file__).resolve().parent
STYLESHEET = (HERE / "static" / "style.css").read_bytes()
STYLESHEET_PATH = "/static/style.css?v=" + hashlib.sha256(STYLESHEET).hexdigest()[:12]
StatusFn = Callable[[], dict[str, Any]]
# The notices atop every page (web/banner.py); none by default.
BannerFn = Callable[[], list[dict[str, str]]]


def no_banner() -> list[dict[str, str]]:
    return []


def app_version() -> str:
    """The installed oigwatch version."""
    try:
        return package_version("oigwatch")
    except PackageNotFoundError:
        return "0+unknown"


def printable(value: Any) -> Any:
    """What a page prints of a value: text cleaned by ``crawler.text.clean_text`` (a redline's
    markup stays markup: it is made of escaped, cleaned spans), anything else as it is."""
    if isinstance(value, Markup):
        return Markup(clean_text(str(value)))
    return clean_text(value) if isinstance(value, str) else value


def page_templates() -> jinja2.Environment:
    """The page templates, autoescaped (``.html``), strict about undefined names; every printed
    value is cleaned (``printable``), whatever row it came from, before it is escaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=True),
        finalize=printable,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["when"] = when
    return env


@dataclass(frozen=True)
class WebContext:
    """The app's dependencies, built once by ``create_app``."""

    settings: Settings
    engine: Engine
    status: StatusFn | None
    banner: BannerFn = no_banner
    templates: jinja2.Environment = field(default_factory=page_templates)
    version: str = field(default_factory=app_version)

    def __post_init__(self) -> None:
        # every time a page prints is in the readers' zone (``display_timezone``)
        self.templates.globals["when"] = partial(when, where=self.settings.display_zone)

    @property
    def components(self) -> tuple[str, ...]:
        return known_components(self.settings)

    def query(
        self, request: Request, allowed: Sequence[str], default_limit: int = 100
    ) -> ChangeQuery:
        """The request's change filters; a 400 naming the bad parameter otherwise."""
        try:
            return parse_changes(
                request.query_params.multi_items(),
                allowed=allowed,
                components=self.components,
                sources=tuple(source.name for source in self.settings.sources),
                default_limit=default_limit,
            )
        except ParamError as exc:
            raise HTTPException(400, str(exc)) from None

    def page(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A rendered page, with the banner of unhealthy sources and a failing oigwatch atop it."""
        body = self.templates.get_template(name).render(
            version=self.version, stylesheet=STYLESHEET_PATH, banner=self.banner(), **context
        )
        return HTMLResponse(body, status_code=status_code)

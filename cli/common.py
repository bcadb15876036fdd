"""Helpers every oigwatch command shares: options, settings, the ledger, output."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from config.settings import ConfigError, Settings, load_settings
from crawler.text import clean_json
from ledger.db import DatabaseError, ensure_schema, make_engine
from ledger.store import Ledger
from notifier.console import render_text

F = TypeVar("F", bound=Callable[..., Any])
EXIT_UNHEALTHY, EXIT_USAGE = 1, 2


def common(func: F) -> F:
    """--config and --db, accepted by every command."""
    func = click.option(
        "--db",
        "db_url",
        metavar="URL",
        help="Database URL (default: $OIGWATCH_DATABASE_URL or SQLite in data/).",
    )(func)
    return click.option(
        "--config",
        "config_path",
        metavar="FILE",
        type=click.Path(dir_okay=False),
        help="Config file (default: $OIGWATCH_CONFIG or the shipped one).",
    )(func)


def settings_from(
    config_path: str | None,
    db_url: str | None,
    service: dict[str, Any] | None = None,
    **crawl: Any,
) -> Settings:
    """Settings with command-line overrides; a bad config exits 2 with what to fix."""
    overrides: dict[str, Any] = {"crawl": {k: v for k, v in crawl.items() if v is not None}}
    if service:
        overrides["service"] = {k: v for k, v in service.items() if v is not None}
    if db_url:
        overrides["database_url"] = db_url
    try:
        return load_settings(config_path, overrides=overrides)
    except ConfigError as exc:
        raise UsageFailure(str(exc)) from exc


class UsageFailure(click.ClickException):
    """A usage, config or database problem: exit 2 with what to do."""

    exit_code = EXIT_USAGE


@contextmanager
def open_ledger(settings: Settings) -> Iterator[Ledger]:
    """The ledger, its schema created on first use; database problems exit 2."""
    try:
        engine = make_engine(settings.db_url)
    except DatabaseError as exc:
        raise UsageFailure(str(exc)) from exc
    try:
        ensure_schema(engine, auto=engine.dialect.name == "sqlite")
    except DatabaseError as exc:
        raise UsageFailure(str(exc)) from exc
    except SQLAlchemyError as exc:  # unreachable server, bad credentials, unwritable file
        where = engine.url.render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise UsageFailure(
            f"cannot open the database {where}: {reason}\n"
            "Check --db / OIGWATCH_DATABASE_URL, and that the server is running."
        ) from exc
    try:
        yield Ledger(engine)
    finally:
        engine.dispose()


def echo_json(value: Any, indent: int | None = None) -> None:
    """``value`` as JSON on stdout, every string in it cleaned (``crawler.text.clean_json``): a
    ``--json`` line piped to a terminal or a log viewer carries no escape sequence nor bidi
    override from scraped text."""
    click.echo(clean_json(value, indent=indent))


def emit(event: dict[str, Any], as_json: bool) -> None:
    """One event: a JSON line, or the console rendering (both cleaned)."""
    if as_json:
        echo_json(event)
    else:
        click.echo(render_text(event) + "\n")

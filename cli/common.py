"""Helpers every oigwatch command shares: options, settings, the ledger, output, and the one
mapping of known errors to exit codes (:class:`Commands`).

Exit codes: 0 done; 1 a source unhealthy, a crawl failed, an alert not delivered, or an
unexpected error (with its traceback); 2 the input cannot be used (a flag, the config, the
database URL, a missing ledger or secret), said in one line with what to do and nothing done;
130 interrupted (Ctrl-C), 143 terminated (SIGTERM), with nothing recorded of the interrupted work.
"""

from __future__ import annotations

import gc
import importlib
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import tzinfo
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

import click

from config.urls import check_database_url, check_http_url
from crawler.text import clean_json

if TYPE_CHECKING:  # pydantic, SQLAlchemy: imported by the commands that use them, when they run
    from sqlalchemy import Engine
    from sqlalchemy.exc import SQLAlchemyError

    from config.settings import Settings
    from ledger.store import Ledger

F = TypeVar("F", bound=Callable[..., Any])
EXIT_UNHEALTHY, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 1, 2, 130, 143


class UsageFailure(click.ClickException):
    """A usage, config or database problem: exit 2 with what to do."""

    exit_code = EXIT_USAGE


class Interrupted(click.ClickException):
    """Ctrl-C: exit 130, the message alone on stderr, no traceback."""

    exit_code = EXIT_INTERRUPTED

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


class TerminatedExit(Interrupted):
    """SIGTERM: exit 143."""

    exit_code = EXIT_TERMINATED


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is (as Ctrl-C is), so its clean-up runs."""


def interrupted(exc: KeyboardInterrupt, what: str = "interrupted") -> Interrupted:
    """The exception a command ends with when ``exc`` (Ctrl-C or SIGTERM) stops it."""
    return TerminatedExit(what) if isinstance(exc, Terminated) else Interrupted(what)


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` in the main thread for the duration, so a command's
    ``finally`` blocks run (the crawl child is killed, the transaction rolled back)."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# Our known error types, by module: an error of one can only have been raised once its module
# was imported, so the mapping itself imports none of them (``--help`` stays light).
KNOWN_ERRORS = (
    ("config.settings", "ConfigError"),
    ("ledger.db", "DatabaseError"),
    ("notifier.transports", "MissingSecret"),
)


def _known_errors() -> tuple[type[Exception], ...]:
    found = (getattr(sys.modules.get(module), name, None) for module, name in KNOWN_ERRORS)
    return tuple(kind for kind in found if isinstance(kind, type))


def one_line(text: str) -> str:
    """An error message on one line (a config error listing several problems keeps its lines)."""
    return text.strip() if "\n  " in text else " ".join(text.split())


class Commands(click.Group):
    """The ``oigwatch`` group: the one place that maps errors to exit codes. Our known error
    types (config, database, a missing secret) exit 2 with one line, no traceback; Ctrl-C exits
    130 and SIGTERM 143 with "interrupted"; anything else is a bug and keeps its traceback and
    exit 1.

    Its commands load lazily: ``lazy`` maps a command's name to where it lives
    (``"cli.changes:changes"``) and its summary (the first paragraph of its help), so ``--help``
    lists every command without importing one, and a command's module (with what it imports)
    is imported only when that command is run or asked for its own help.

    ``brief`` names the commands that answer and exit (``changes``): the garbage collector is
    paused while one runs, since its sweeps of the heap the imports build (SQLAlchemy,
    pydantic) cost more than the rest of the start-up; what the command built is then frozen
    (``gc.freeze``: exit does not sweep it again) and the collector resumed. ``warming`` names
    the commands that may run long (``crawl``): the collector is paused only until the command
    has imported what it runs and calls :func:`warmed_up`."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None,
                 brief: frozenset[str] = frozenset(), warming: frozenset[str] = frozenset(),
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})
        self.brief, self.warming = brief, warming

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, _, attr = self.lazy[cmd_name][0].partition(":")
            command = getattr(importlib.import_module(module), attr)
            if not isinstance(command, click.Command) or command.name != cmd_name:
                raise TypeError(f"{self.lazy[cmd_name][0]} is not the command {cmd_name!r}")
            self.add_command(command)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their summaries, as click lists them, without loading one."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            # a command not loaded is shortened as click shortens a loaded one's help
            command = self.commands.get(name) or click.Command(name, help=self.lazy[name][1])
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name in self.brief | self.warming and gc.isenabled():  # before its options import
            gc.disable()
            ctx.meta[_PAUSED] = True
        return name, command, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            raise interrupted(exc) from None
        except Exception as exc:
            if isinstance(exc, click.ClickException) or not isinstance(exc, _known_errors()):
                raise
            raise UsageFailure(one_line(str(exc))) from exc
        finally:
            if ctx.meta.pop(_PAUSED, False):
                gc.freeze()
                gc.enable()


_PAUSED = "oigwatch.gc_paused"  # ctx.meta: a brief command paused the collector


def warmed_up() -> None:
    """A ``warming`` command has imported what it runs: what its start-up built is frozen
    (later collections do not sweep it) and the collector resumed for the rest of the run."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.pop(_PAUSED, False):
        gc.freeze()
        gc.enable()


def _checked(param: click.Parameter, value: str | None, check: Callable[[str], str]) -> str | None:
    """A click callback's body: ``value`` passes ``check``, or the command exits 2 naming the
    flag and the fix (the value itself is never echoed: it may hold a password)."""
    if value:
        try:
            check(value)
        except ValueError as exc:
            flag = param.opts[0] if param.opts else f"--{param.name}"  # as typed: "--db"
            raise UsageFailure(f"{flag}: {exc}") from None
    return value


def _check_db(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return _checked(param, value, check_database_url)


def check_base_url(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A click callback: ``value`` is an http(s) URL with a host, or the command exits 2."""
    return _checked(param, value, check_http_url)


def common(func: F) -> F:
    """--config and --db, accepted by every command."""
    func = click.option(
        "--db",
        "db_url",
        metavar="URL",
        callback=_check_db,
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
    from config.settings import ConfigError, load_settings

    overrides: dict[str, Any] = {"crawl": {k: v for k, v in crawl.items() if v is not None}}
    if service:
        overrides["service"] = {k: v for k, v in service.items() if v is not None}
    if db_url:
        overrides["database_url"] = db_url
    try:
        return load_settings(config_path, overrides=overrides)
    except ConfigError as exc:
        raise UsageFailure(one_line(str(exc))) from exc


def require_sources(settings: Settings, config_path: str | None, *, enabled: bool = False) -> None:
    """Exit 2 unless the config has sources (with ``enabled``: an enabled one)."""
    from config.settings import config_file

    path, chosen_by = config_file(config_path)
    if not settings.sources:
        raise UsageFailure(
            f"no [[sources]] in the config file {path} (from {chosen_by}): add one (see "
            "docs/configuration.md), or copy the shipped config/default.toml and edit it"
        )
    if enabled and not any(source.enabled for source in settings.sources):
        names = ", ".join(source.name for source in settings.sources)
        raise UsageFailure(
            f"every source in {path} is disabled ({names}): set enabled = true on one, "
            "or name one with --source"
        )


@contextmanager
def open_engine(settings: Settings, *, create: bool = False) -> Iterator[Engine]:
    """The ledger's engine; database problems exit 2. Read-only commands (the default) create
    nothing: no ledger there is an error naming it (``ledger.db.open_existing``). With ``create``
    (crawl, run) the schema is created on first use."""
    from sqlalchemy.exc import SQLAlchemyError

    from ledger.db import DatabaseError, ensure_schema, make_engine, open_existing

    try:
        if create:
            engine = make_engine(settings.db_url)
            ensure_schema(engine, auto=engine.dialect.name == "sqlite")
        else:
            engine = open_existing(settings.db_url)
    except DatabaseError as exc:
        raise UsageFailure(one_line(str(exc))) from exc
    except SQLAlchemyError as exc:  # unreachable server, bad credentials, unwritable file
        raise UsageFailure(_unopenable(settings.db_url, exc)) from exc
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def open_ledger(settings: Settings, *, create: bool = False) -> Iterator[Ledger]:
    """The ledger (:func:`open_engine`, with what a crawl reads and records: ``ledger.store``)."""
    from ledger.store import Ledger

    with open_engine(settings, create=create) as engine:
        yield Ledger(engine)


def _unopenable(url: str, exc: SQLAlchemyError) -> str:
    """Why the database cannot be opened, in one line, its password masked in URL and reason."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if parsed.password:
        reason = reason.replace(str(parsed.password), "***")
    where = parsed.render_as_string(hide_password=True)
    return (
        f"cannot open the database {where}: {reason}; check --db / OIGWATCH_DATABASE_URL "
        "and that the server is running"
    )


def echo_json(value: Any, indent: int | None = None) -> None:
    """``value`` as JSON on stdout, every string in it cleaned (``crawler.text.clean_json``): a
    ``--json`` line piped to a terminal or a log viewer carries no escape sequence nor bidi
    override from scraped text."""
    click.echo(clean_json(value, indent=indent))


def emit(event: dict[str, Any], as_json: bool, where: tzinfo | None = None) -> None:
    """One event: a JSON line (UTC), or the console rendering in the readers' zone ``where``
    (both cleaned)."""
    if as_json:
        echo_json(event)
    else:
        from notifier.console import render_text

        click.echo(render_text(event, where) + "\n")

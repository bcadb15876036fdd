"""Engines and migrations: SQLite by default (WAL, busy timeout, BEGIN IMMEDIATE), PostgreSQL by URL."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from config.urls import check_database_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SCHEMA_HEAD = "0009"  # the newest migration; a test checks it against Alembic's head


class DatabaseError(Exception):
    """The database cannot be used as configured; the message says what to do."""


class NoLedger(DatabaseError):
    """A read-only command found no ledger where it was told to look (nothing was created)."""


def normalize_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _parsed(url: str) -> URL:
    """The URL, checked (SQLite or PostgreSQL) and with the psycopg 3 driver; DatabaseError
    naming the fix, never the URL (it may hold a password), otherwise."""
    try:
        check_database_url(url)
        return make_url(normalize_url(url))
    except (ValueError, ArgumentError) as exc:
        raise DatabaseError(f"database URL: {exc}") from None


def make_engine(url: str, *, reader: bool = False) -> Engine:
    """An engine for the ledger; SQLite files get WAL, a busy timeout and BEGIN IMMEDIATE (a
    ``reader`` engine, for the web side, plain deferred BEGIN: WAL readers never wait for a
    writer). Bound parameters (scraped text) are left out of error messages."""
    parsed = _parsed(url)
    if parsed.get_backend_name() != "sqlite":
        # a dead server or a half-open connection (failover) must fail, not hang a crawl thread
        alive = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30,
                 "keepalives_interval": 10, "keepalives_count": 3,
                 "application_name": f"oigwatch pid {os.getpid()}"}  # fmt: skip
        return create_engine(parsed, pool_pre_ping=True, hide_parameters=True, connect_args=alive)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": 30}, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        _never_recreate(engine, Path(parsed.database))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")

    return engine


def open_existing(url: str, *, reader: bool = False) -> Engine:
    """An engine on a ledger that exists, creating nothing (no folder, no file, no table): what
    every read-only command opens. NoLedger when there is none: a missing SQLite file, a file or
    a PostgreSQL database without oigwatch's tables (left as it was). A ledger at an older schema
    is migrated as :func:`ensure_schema` does."""
    parsed = _parsed(url)
    if parsed.get_backend_name() == "sqlite":  # before make_engine, which makes the folder
        _sqlite_ledger_exists(parsed.database)
    engine = make_engine(url, reader=reader)
    try:
        if current_revision(engine) is None:
            where = engine.url.render_as_string(hide_password=True)
            raise NoLedger(f"{where} holds no oigwatch ledger; {NO_LEDGER_FIX}")
        ensure_schema(engine, auto=engine.dialect.name == "sqlite")
    except BaseException:
        engine.dispose()
        raise
    return engine


NO_LEDGER_FIX = "run `oigwatch crawl` first or check --db"


def _sqlite_ledger_exists(database: str | None) -> None:
    """NoLedger unless ``database`` is a SQLite file with oigwatch's tables; read without
    writing a byte (a read-only connection: no WAL switch, no journal, no new file)."""
    path = Path(database) if database and database != ":memory:" else None
    if path is not None and path.is_dir():
        raise NoLedger(f"{path} is a folder, not a ledger file; check --db")
    if path is None or not path.is_file():
        raise NoLedger(f"no ledger at {path or 'an in-memory database'}; {NO_LEDGER_FIX}")
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        ) as db:
            found = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise NoLedger(f"{path} is not a ledger ({exc}); {NO_LEDGER_FIX}") from None
    if found is None:
        raise NoLedger(f"{path} holds no oigwatch ledger; {NO_LEDGER_FIX}")


def _never_recreate(engine: Engine, path: Path) -> None:
    """Once the ledger file exists, connections open it read-write but never create it: a ledger
    deleted under a running process is an error, not a silent new empty ledger."""
    exists = [path.exists()]

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> Any:
        if not exists[0]:
            exists[0] = True
            return None  # the first connection creates the file
        return sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, **cparams)


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # Alembic loads only when the schema must change

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: empty database)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.scalar(text("SELECT version_num FROM alembic_version"))


def head_revision(engine: Engine) -> str | None:
    """The newest schema revision this version of oigwatch knows (from the migration scripts)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()


def upgrade(engine: Engine) -> None:
    """Migrate the database to the newest schema."""
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")


def ensure_schema(engine: Engine, auto: bool = True) -> None:
    """Create the schema in an empty database; refuse an outdated one unless told to upgrade."""
    current = current_revision(engine)
    if current == SCHEMA_HEAD:
        return
    if current is None or auto:
        upgrade(engine)
        return
    raise DatabaseError(
        f"the database schema is at revision {current}, not {SCHEMA_HEAD}: run `oigwatch db upgrade`"
    )

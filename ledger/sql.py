"""SQL helpers both backends need: bounded IN lists, INSERT … ON CONFLICT in the connection's dialect."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # the dialects load when an upsert is built (PostgreSQL's is heavy to import)
    from sqlalchemy import Connection
    from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")
CHUNK = 500


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Slices of at most ``size`` items (bounded IN lists)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert(conn: Connection, model: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can take ON CONFLICT, in the connection's dialect."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(model)

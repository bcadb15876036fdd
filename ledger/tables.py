"""The columns the command line's read path reads, as lightweight Core clauses (``table()`` and
``column()``): ``oigwatch changes`` queries through them without importing the ORM and the mapped
models of ``ledger/models.py`` (a fifth of its start-up). The schema stays in ``models.py``;
``tests/ledger/test_tables.py`` checks every column here against it (name, type, time zone)."""

from __future__ import annotations

from sqlalchemy import JSON, DateTime, Integer, String, Text, column, table

change_events = table(
    "change_events",
    column("id", Integer),
    column("source_id", Integer),
    column("report_id", Integer),
    column("kind", String),
    column("status", String),
    column("detected_at", DateTime(timezone=True)),
    column("payload", JSON),
)

sources = table("sources", column("id", Integer), column("name", String))

report_mutes = table(
    "report_mutes",
    column("id", Integer),
    column("report_id", Integer),
    column("muted_at", DateTime(timezone=True)),
    column("muted_by", String),
    column("reason", Text),
    column("unmuted_at", DateTime(timezone=True)),
    column("unmuted_by", String),
)

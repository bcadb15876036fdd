"""scraped texts in columns that fit them; reports without a number keyed by title and date

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 03:10:00

Report numbers, fiscal years and Last-Modified values come from the site: on PostgreSQL a value
longer than its VARCHAR made every run roll back. They become TEXT (SQLite never enforced the
lengths, so only PostgreSQL is altered). Reports without a number were keyed by their PDF path, so a
moved link made them "new" (and their old selves "removed"): they are re-keyed with the identity of
``crawler.normalize.identity`` (title without markers + issue date), the one the crawler now uses.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WIDENED = {
    "reports": ("report_number", "fiscal_year", "pdf_family", "pdf_last_modified"),
    "page_cache": ("url", "last_modified"),
    "change_events": ("dedupe_key",),
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table, columns in WIDENED.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.Text(), existing_nullable=True)
    _rekey(bind)


def _rekey(bind: sa.Connection) -> None:
    from crawler.normalize import identity, path_identity  # the identity of this version

    reports = sa.table(
        "reports",
        sa.column("id", sa.Integer),
        sa.column("source_id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("report_number", sa.String),
        sa.column("title", sa.Text),
        sa.column("issue_date", sa.Date),
        sa.column("pdf_url", sa.Text),
    )
    rows = bind.execute(sa.select(reports)).all()
    taken = {(row.source_id, row.key) for row in rows}
    for row in rows:
        if row.report_number or not row.key.startswith(("pdf:", "title:")):
            continue
        issued = row.issue_date.isoformat() if row.issue_date else None
        key = identity(None, row.pdf_url, row.title, issued)
        if key == row.key:
            continue
        if (row.source_id, key) in taken:  # two reports sharing a title and a date
            key = path_identity(row.pdf_url) or row.key
        if (row.source_id, key) in taken:
            continue
        taken.discard((row.source_id, row.key))
        taken.add((row.source_id, key))
        bind.execute(sa.update(reports).where(reports.c.id == row.id).values(key=key))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        lengths = {"report_number": 100, "fiscal_year": 20, "pdf_family": 100, "url": 1000,
                   "pdf_last_modified": 64, "last_modified": 64, "dedupe_key": 300}  # fmt: skip
        for table, columns in WIDENED.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.String(lengths[column]))

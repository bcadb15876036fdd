"""what a renamed report is found by: its PDF path, issue date and PDF digest, indexed

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 03:35:00

A report unknown to the ledger may be a known one renamed (a corrected number): the candidates
are the reports sharing its PDF path, issue date or PDF digest. ``reports.pdf_path`` holds the
lower-cased path of the PDF link (host and query left out) so that question is an index lookup.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from crawler.normalize import pdf_path  # the path of this version

    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("pdf_path", sa.Text(), nullable=True))
    bind = op.get_bind()
    reports = sa.table(
        "reports", sa.column("id", sa.Integer), sa.column("pdf_url", sa.Text),
        sa.column("pdf_path", sa.Text),
    )  # fmt: skip
    rows = bind.execute(sa.select(reports.c.id, reports.c.pdf_url).where(reports.c.pdf_url.is_not(None)))
    updates = [{"b_id": id_, "b_path": (pdf_path(url) or "").lower() or None} for id_, url in rows]
    if updates:
        bind.execute(
            sa.update(reports).where(reports.c.id == sa.bindparam("b_id"))
            .values(pdf_path=sa.bindparam("b_path")),
            updates,
        )  # fmt: skip
    op.create_index("ix_reports_pdf_path", "reports", ["source_id", "pdf_path"])
    op.create_index("ix_reports_issue_date", "reports", ["source_id", "issue_date"])
    op.create_index("ix_reports_pdf_sha256", "reports", ["source_id", "pdf_sha256"])


def downgrade() -> None:
    for name in ("ix_reports_pdf_sha256", "ix_reports_issue_date", "ix_reports_pdf_path"):
        op.drop_index(name, table_name="reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("pdf_path")

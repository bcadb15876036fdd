"""every distinct PDF of a report: ``pdf_versions``, the archive's index

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00

One row per (report, sha256): the version number within the report, its length and URL, when it
was first and last fetched, whether the PDF archive holds it (``stored``) and why not
(``store_reason``: larger than ``crawl.max_pdf_bytes``, the archive unreachable, ...), and the
per-page text a later step extracts (``text_status``, ``text_reason``, ``pages``). A PDF refused
for its size has no digest (``sha256`` NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pdf_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("length", sa.BigInteger(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored", sa.Boolean(), nullable=False),
        sa.Column("store_reason", sa.Text(), nullable=True),
        sa.Column("text_status", sa.String(20), nullable=True),
        sa.Column("text_reason", sa.Text(), nullable=True),
        sa.Column("pages", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id", "version", name="uq_pdf_versions_report_version"),
        sa.UniqueConstraint("report_id", "sha256", name="uq_pdf_versions_report_sha256"),
    )
    op.create_index("ix_pdf_versions_sha256", "pdf_versions", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_pdf_versions_sha256", table_name="pdf_versions")
    op.drop_table("pdf_versions")

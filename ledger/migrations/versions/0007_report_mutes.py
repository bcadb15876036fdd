"""muted reports: ``report_mutes``, one row per mute, open until the report is unmuted

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 09:00:00

``oigwatch mute REPORT`` opens a row (when, by whom, why); ``oigwatch unmute REPORT`` closes it.
Events of a report muted when they are detected (or when their deliveries are enqueued) are
recorded as usual, but the outbox owes them no delivery. Kept rows are the history of mutes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_mutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("muted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("muted_by", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("unmuted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unmuted_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_mutes_report", "report_mutes", ["report_id", "muted_at"])


def downgrade() -> None:
    op.drop_index("ix_report_mutes_report", table_name="report_mutes")
    op.drop_table("report_mutes")

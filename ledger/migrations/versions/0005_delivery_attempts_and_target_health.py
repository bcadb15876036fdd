"""delivery attempts whose outcome is unknown; a failing target's episode

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:40:00

``deliveries.attempt_started_at`` is written (committed) when an attempt is claimed, before it is
sent, and cleared when the attempt's outcome is known (sent, or refused for sure). Still set at
the next claim, the last attempt's outcome is unknown (a timeout, a reset after the message was
received, a killed worker): the transport looks for it before sending again.

``target_state.failing_since`` / ``last_error`` / ``alerted_at``: a target whose deliveries keep
failing, and whether its one ``delivery_failed`` ops event of the episode was raised.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("attempt_started_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("target_state") as batch:
        batch.add_column(sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("target_state") as batch:
        for column in ("alerted_at", "last_error", "failing_since"):
            batch.drop_column(column)
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("attempt_started_at")

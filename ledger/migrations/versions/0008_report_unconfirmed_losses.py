"""held losses: ``reports.unconfirmed_losses``, components and views one complete sweep missed

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:40:00

A view can miss a row while the site shifts under a deep sweep (a report pulled mid-crawl moves
the rows after it up a page). A component or view a report left is therefore held for one more
complete sweep, like a removal, and only announced when that sweep misses it too. The column
lists what is held (``component:ICE``, ``view:unresolved``); empty for almost every report.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column("unconfirmed_losses", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("unconfirmed_losses")

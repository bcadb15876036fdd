"""one name for a run's outcome: ``crawl_runs.verdict`` becomes ``crawl_runs.outcome``

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00

The column holds baseline, healthy, unhealthy or failed, which the code, the CLI and the JSON
call the run's outcome (``config.vocabulary.OUTCOMES``); the values are kept as they are.

Batch mode without recreating the table: SQLite (3.25 and later) renames a column in place, and a
recreated ``crawl_runs`` could not be dropped under the change events and versions that refer to it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs", recreate="never") as batch:
        batch.alter_column(
            "verdict",
            new_column_name="outcome",
            existing_type=sa.String(20),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs", recreate="never") as batch:
        batch.alter_column(
            "outcome",
            new_column_name="verdict",
            existing_type=sa.String(20),
            existing_nullable=False,
        )

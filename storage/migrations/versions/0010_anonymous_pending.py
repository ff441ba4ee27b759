"""anonymous results wait, encrypted, until enough can be stored together in random order

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Written in the erasure's transaction, an anonymous result could be matched to the erasure
receipt (PostgreSQL transaction ids, SQLite row order), and the receipt's id is given to the
person. Rows already stored stay where they are: nothing can be done about how they were written.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "anonymous_pending",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("result_enc", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_pending")),
    )


def downgrade() -> None:
    # Waiting results are encrypted copies of what anonymous_results holds; without this table
    # they would have nowhere to go, and they are not worth linking to a receipt: they go.
    op.drop_table("anonymous_pending")

"""links say why they stopped working: a newer e-mail replaced them, or nothing is open any more

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Revoked links used to be deleted, so a parent opening an older e-mail read "this link doesn't
work, check you copied it". They are now kept, marked, until the usual purge after they expire.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked", sa.String(length=8), nullable=True))


def downgrade() -> None:
    # Revoked links must not start working again: they go, as they did before.
    op.execute(sa.text("DELETE FROM links WHERE revoked IS NOT NULL"))
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_column("revoked")

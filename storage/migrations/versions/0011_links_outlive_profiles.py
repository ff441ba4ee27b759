"""links outlive a deleted profile, without it, so an old mail's link says "no longer open"

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

A parent opening the mail after the child used /forget read "this link doesn't work, check you
copied it". The link row (a token hash, a language, dates: nothing about anyone) now loses its
profile instead of going with it, and goes with the usual purge a day after it expired.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_links_person_id_people"


def upgrade() -> None:
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.drop_constraint(_FK, type_="foreignkey")
        batch_op.create_foreign_key(_FK, "people", ["person_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM links WHERE person_id IS NULL"))
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_constraint(_FK, type_="foreignkey")
        batch_op.create_foreign_key(_FK, "people", ["person_id"], ["id"], ondelete="CASCADE")
        batch_op.alter_column("person_id", existing_type=sa.Uuid(), nullable=False)

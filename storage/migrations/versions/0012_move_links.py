"""move links: a profile moves to another Telegram account with its password

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

A link of purpose "move" names the (empty) account of the Telegram user who asked in the chat,
and counts wrong passwords typed on its page: after a few it stops working ("locked").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target_account_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("attempts", sa.SmallInteger(), nullable=False, server_default="0")
        )
        batch_op.create_foreign_key(
            "fk_links_target_account_id_accounts",
            "accounts",
            ["target_account_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM links WHERE purpose = 'move'"))
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_constraint("fk_links_target_account_id_accounts", type_="foreignkey")
        batch_op.drop_column("attempts")
        batch_op.drop_column("target_account_id")

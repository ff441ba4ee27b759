"""request threads shown to admins in their own chats are remembered, so /forget blanks them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_copies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("viewer_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_request_copies_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["viewer_id"],
            ["accounts.id"],
            name=op.f("fk_request_copies_viewer_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_copies")),
    )
    with op.batch_alter_table("request_copies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_copies_request_id"), ["request_id"])
        batch_op.create_index(batch_op.f("ix_request_copies_viewer_id"), ["viewer_id"])


def downgrade() -> None:
    with op.batch_alter_table("request_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_copies_viewer_id"))
        batch_op.drop_index(batch_op.f("ix_request_copies_request_id"))
    op.drop_table("request_copies")

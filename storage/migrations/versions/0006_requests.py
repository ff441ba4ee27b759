"""requests

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models  # noqa: F401 - custom column types


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=True),
    sa.Column('contact_enc', sa.LargeBinary(), nullable=True),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('received_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('admin_post_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_requests_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['assignee_id'], ['accounts.id'], name=op.f('fk_requests_assignee_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requests')),
    sa.UniqueConstraint('number', name=op.f('uq_requests_number'))
    )
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requests_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_requests_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_requests_status'), ['status'], unique=False)

    op.create_table('request_messages',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=False),
    sa.Column('direction', sa.String(length=4), nullable=False),
    sa.Column('text_enc', sa.LargeBinary(), nullable=False),
    sa.Column('at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('admin_message_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_request_messages_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_messages'))
    )
    with op.batch_alter_table('request_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_messages_admin_message_id'), ['admin_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_request_messages_request_id'), ['request_id'], unique=False)

    op.create_table('request_reminders',
    sa.Column('request_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_request_reminders_request_id_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'day', name=op.f('pk_request_reminders'))
    )


def downgrade() -> None:
    op.drop_table('request_reminders')
    with op.batch_alter_table('request_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_messages_request_id'))
        batch_op.drop_index(batch_op.f('ix_request_messages_admin_message_id'))

    op.drop_table('request_messages')
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requests_status'))
        batch_op.drop_index(batch_op.f('ix_requests_due_at'))
        batch_op.drop_index(batch_op.f('ix_requests_account_id'))

    op.drop_table('requests')

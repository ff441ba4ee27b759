"""privacy: anonymous results, erasure receipts, policy version

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models  # noqa: F401 - custom column types


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('anonymous_results',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('questionnaire', sa.String(length=12), nullable=False),
    sa.Column('questionnaire_version', sa.String(length=12), nullable=False),
    sa.Column('key_version', sa.String(length=12), nullable=False),
    sa.Column('age_band', sa.String(length=8), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('top_style', sa.String(length=16), nullable=True),
    sa.Column('looks_random', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymous_results'))
    )
    op.create_table('erasure_receipts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('categories', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_receipts'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_version', sa.String(length=20), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('policy_version')

    op.drop_table('erasure_receipts')
    op.drop_table('anonymous_results')

"""incomplete results are not results: repair sessions stored as complete with one

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Until now a quiz with too many "not sure" answers was stored as complete and became the person's
latest session, hiding their earlier real result from /result, exports and statistics. The quiz
no longer does that; this marks such sessions abandoned and gives ``latest`` back to the
person's newest real result. Data only: the schema is unchanged, and there is nothing to undo.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_assessments = sa.table(
    "assessments",
    sa.column("id", sa.Uuid()),
    sa.column("person_id", sa.Uuid()),
    sa.column("status", sa.String()),
    sa.column("result", sa.Text()),
    sa.column("latest", sa.Boolean()),
    sa.column("completed_at", sa.DateTime(timezone=True)),
)


def _incomplete(result: str | None) -> bool:
    try:
        return bool(json.loads(result or "{}").get("label") == "incomplete")
    except ValueError:
        return False


def upgrade() -> None:
    conn = op.get_bind()
    table = _assessments
    complete = conn.execute(
        sa.select(table.c.id, table.c.person_id, table.c.result).where(
            table.c.status == "complete"
        )
    ).all()
    bad = [row for row in complete if _incomplete(row.result)]
    if not bad:
        return
    conn.execute(
        sa.update(table)
        .where(table.c.id.in_([row.id for row in bad]))
        .values(status="abandoned", latest=False)
    )
    for person_id in {row.person_id for row in bad}:
        newest = conn.execute(
            sa.select(table.c.id)
            .where(table.c.person_id == person_id, table.c.status == "complete")
            .order_by(table.c.completed_at.desc())
            .limit(1)
        ).scalar()
        conn.execute(
            sa.update(table).where(table.c.person_id == person_id).values(latest=False)
        )
        if newest is not None:
            conn.execute(sa.update(table).where(table.c.id == newest).values(latest=True))


def downgrade() -> None:
    """Nothing to undo: the repaired rows were wrong."""

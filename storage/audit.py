"""The audit trail: append-only. This repository can add and read events, nothing else."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditRow


class Outcome(StrEnum):
    """How an audited action ended."""

    DONE = "done"
    """It happened."""
    REFUSED = "refused"
    """The actor was not allowed."""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One event; ``subject`` names a kind and a random id, never a person's data."""

    at: datetime
    actor_id: uuid.UUID | None
    action: str
    subject: str | None
    outcome: Outcome


class AuditRepository:
    """Appends and reads audit events; there is deliberately no update or delete."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        action: str,
        *,
        actor_id: uuid.UUID | None,
        now: datetime,
        subject: str | None = None,
        outcome: Outcome = Outcome.DONE,
    ) -> None:
        """Append one event."""
        self._session.add(
            AuditRow(
                id=uuid.uuid4(),
                at=now,
                actor_id=actor_id,
                action=action[:40],
                subject=subject[:80] if subject else None,
                outcome=outcome.value,
            )
        )
        await self._session.flush()

    async def events(
        self, *, subject: str | None = None, action: str | None = None, limit: int = 200
    ) -> list[AuditEvent]:
        """Events, oldest first, optionally for one subject or action."""
        query = select(AuditRow).order_by(AuditRow.at, AuditRow.id).limit(limit)
        if subject is not None:
            query = query.where(AuditRow.subject == subject)
        if action is not None:
            query = query.where(AuditRow.action == action)
        return [
            AuditEvent(row.at, row.actor_id, row.action, row.subject, Outcome(row.outcome))
            for row in await self._session.scalars(query)
        ]

"""Consent records: who agreed to what, when, how, and under which policy version."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConsentRow


class ConsentScope(StrEnum):
    """What a consent covers."""

    SERVICE = "service"
    """Registration with the assessment service itself."""
    ORGANISATION = "organisation"
    """Sharing the profile and results with one organisation."""


class GivenBy(StrEnum):
    """Who gave a consent."""

    SELF = "self"
    """The person themselves (16 or older)."""
    PARENT = "parent"
    """A parent or guardian."""


class Method(StrEnum):
    """How a consent was given."""

    CHAT = "chat"
    """A button in the chat."""
    EMAIL = "email"
    """A single-use link mailed to the parent."""


@dataclass(frozen=True, slots=True)
class Consent:
    """One consent record."""

    id: uuid.UUID
    person_id: uuid.UUID
    scope: ConsentScope
    organisation_id: uuid.UUID | None
    given_by: GivenBy
    method: Method
    policy_version: str
    given_at: datetime
    withdrawn_at: datetime | None


def _consent(row: ConsentRow) -> Consent:
    return Consent(
        id=row.id,
        person_id=row.person_id,
        scope=ConsentScope(row.scope),
        organisation_id=row.organisation_id,
        given_by=GivenBy(row.given_by),
        method=Method(row.method),
        policy_version=row.policy_version,
        given_at=row.given_at,
        withdrawn_at=row.withdrawn_at,
    )


class ConsentRepository:
    """Records and reads consents; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def give(
        self,
        *,
        person_id: uuid.UUID,
        scope: ConsentScope,
        given_by: GivenBy,
        method: Method,
        policy_version: str,
        now: datetime,
        organisation_id: uuid.UUID | None = None,
    ) -> Consent:
        """Record a consent."""
        row = ConsentRow(
            id=uuid.uuid4(),
            person_id=person_id,
            scope=scope.value,
            organisation_id=organisation_id,
            given_by=given_by.value,
            method=method.value,
            policy_version=policy_version,
            given_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _consent(row)

    async def for_person(self, person_id: uuid.UUID) -> list[Consent]:
        """Every consent of a person, oldest first."""
        rows = await self._session.scalars(
            select(ConsentRow)
            .where(ConsentRow.person_id == person_id)
            .order_by(ConsentRow.given_at, ConsentRow.id)
        )
        return [_consent(row) for row in rows]

    async def active_for(self, person_id: uuid.UUID, organisation_id: uuid.UUID) -> Consent | None:
        """The person's standing consent for an organisation, if any."""
        row = await self._session.scalar(
            select(ConsentRow).where(
                ConsentRow.person_id == person_id,
                ConsentRow.organisation_id == organisation_id,
                ConsentRow.scope == ConsentScope.ORGANISATION.value,
                ConsentRow.withdrawn_at.is_(None),
            )
        )
        return None if row is None else _consent(row)

    async def members(self, organisation_id: uuid.UUID) -> list[uuid.UUID]:
        """People with a standing consent for the organisation: the only ones it may see."""
        return list(
            await self._session.scalars(
                select(ConsentRow.person_id)
                .where(
                    ConsentRow.organisation_id == organisation_id,
                    ConsentRow.scope == ConsentScope.ORGANISATION.value,
                    ConsentRow.withdrawn_at.is_(None),
                )
                .order_by(ConsentRow.given_at, ConsentRow.person_id)
            )
        )

    async def withdraw(self, consent_id: uuid.UUID, *, now: datetime) -> None:
        """Mark a consent withdrawn (the record stays as proof until erasure)."""
        await self._session.execute(
            update(ConsentRow)
            .where(ConsentRow.id == consent_id, ConsentRow.withdrawn_at.is_(None))
            .values(withdrawn_at=now)
        )

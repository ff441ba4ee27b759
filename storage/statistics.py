"""Counts for an organisation's anonymous statistics, aggregated in the database.

Only people with a standing consent for the organisation count; per person only their latest
finished session (the ``latest`` flag, kept by ``AssessmentRepository.complete``); sessions that
look like random clicking are left out, and so are sessions without a result (too many "not
sure" answers: the stored ``top_style`` is NULL, whatever the session's status). The database
returns small grouped counts, never rows about people; banding and suppression happen in
``dialogs``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AssessmentRow, ConsentRow


@dataclass(frozen=True, slots=True)
class GroupCount:
    """How many latest results share these values."""

    questionnaire: str
    questionnaire_version: str
    top_style: str | None
    age: int
    outdoor_band: str | None
    count: int


@dataclass(frozen=True, slots=True)
class OrganisationCounts:
    """Everything the statistics are made from."""

    members: int
    started: int
    """Sessions started by members (all, including unfinished)."""
    completed: int
    """Members with a finished session that has a result and does not look like random clicking."""
    groups: list[GroupCount]


def _members(organisation_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return (
        select(ConsentRow.person_id)
        .where(
            ConsentRow.organisation_id == organisation_id,
            ConsentRow.scope == "organisation",
            ConsentRow.withdrawn_at.is_(None),
        )
        .distinct()
        .subquery()
    )


class StatisticsRepository:
    """Aggregate queries; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def organisation_counts(self, organisation_id: uuid.UUID) -> OrganisationCounts:
        """Grouped counts for one organisation."""
        return await organisation_counts(self._session, organisation_id)


async def organisation_counts(
    session: AsyncSession, organisation_id: uuid.UUID
) -> OrganisationCounts:
    """Grouped counts for one organisation, in three queries."""
    members = _members(organisation_id)
    member_count = await session.scalar(select(func.count()).select_from(members)) or 0
    started = (
        await session.scalar(
            select(func.count())
            .select_from(AssessmentRow)
            .join(members, members.c.person_id == AssessmentRow.person_id)
        )
        or 0
    )
    member = exists().where(
        ConsentRow.person_id == AssessmentRow.person_id,
        ConsentRow.organisation_id == organisation_id,
        ConsentRow.scope == "organisation",
        ConsentRow.withdrawn_at.is_(None),
    )
    grouped = await session.execute(
        select(
            AssessmentRow.questionnaire,
            AssessmentRow.questionnaire_version,
            AssessmentRow.top_style,
            AssessmentRow.age,
            AssessmentRow.outdoor_band,
            func.count(),
        )
        .where(
            AssessmentRow.latest.is_(True),
            AssessmentRow.looks_random.is_(False),
            # Incomplete results (label "incomplete") store no leading style: no finished quiz.
            AssessmentRow.top_style.is_not(None),
            member,
        )
        .group_by(
            AssessmentRow.questionnaire,
            AssessmentRow.questionnaire_version,
            AssessmentRow.top_style,
            AssessmentRow.age,
            AssessmentRow.outdoor_band,
        )
    )
    groups = [GroupCount(q, v, s, a, b, int(n)) for q, v, s, a, b, n in grouped]
    return OrganisationCounts(
        members=int(member_count),
        started=int(started),
        completed=sum(g.count for g in groups),
        groups=groups,
    )

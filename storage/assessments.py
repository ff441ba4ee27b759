"""Assessment sessions and their answers. Every answer is a row keyed by (session, question)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Insert, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as lite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import NotFound
from storage.models import AnswerRow, AssessmentRow, Base, SessionStatus


@dataclass(frozen=True, slots=True)
class Session:
    """An assessment session."""

    id: uuid.UUID
    person_id: uuid.UUID
    questionnaire: str
    questionnaire_version: str
    key_version: str
    locale: str
    seed: str
    status: SessionStatus
    age: int
    outdoor_band: str | None
    result: dict[str, Any] | None
    """The scored result; on a session that is not complete, an incomplete scoring (too many
    "not sure" answers) kept for the record."""
    suggestions: list[dict[str, Any]]
    """The ideas shown, as ``Suggestion.to_dict()``."""
    looks_random: bool
    latest: bool
    """The person's newest finished session."""
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    @property
    def asked_again(self) -> bool:
        """An open session whose "not sure" questions are being asked a second time."""
        return self.status is SessionStatus.OPEN and self.result is not None


@dataclass(frozen=True, slots=True)
class Answer:
    """One stored answer."""

    item_id: str
    option_id: str
    position: int
    seconds: float | None
    answered_at: datetime


# Run on every quiz press: built once (see the ``storage`` package notes).
_OPEN_FOR: Final = (
    select(AssessmentRow)
    .where(
        AssessmentRow.person_id.in_(bindparam("people", expanding=True)),
        AssessmentRow.status == SessionStatus.OPEN.value,
    )
    .order_by(AssessmentRow.updated_at.desc(), AssessmentRow.id)
    .limit(1)
)
_ANSWER_TABLE: Final = Base.metadata.tables[AnswerRow.__tablename__]
"""Answers are read and written as plain rows, never as ORM objects: cheaper, and no ORM copy is
ever held that an upsert would leave stale."""
_ANSWERS: Final = select(_ANSWER_TABLE).where(
    _ANSWER_TABLE.c.assessment_id == bindparam("session_id")
)
_TOUCH: Final = (
    update(AssessmentRow)
    .where(AssessmentRow.id == bindparam("session_id"))
    .values(updated_at=bindparam("now"))
)


def _upsert_answer(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT (session, question) DO UPDATE, in the dialect's spelling.

    On the table, not the mapped class: the ORM's bulk-insert machinery is not needed for one
    row, and costs as much again.
    """
    insert = pg_insert if dialect == "postgresql" else lite_insert
    statement = insert(_ANSWER_TABLE)
    replaced = ("option_id", "position", "seconds", "answered_at")
    return statement.on_conflict_do_update(
        index_elements=[AnswerRow.assessment_id, AnswerRow.item_id],
        set_={column: statement.excluded[column] for column in replaced},
    )


_UPSERT_ANSWER: Final = {dialect: _upsert_answer(dialect) for dialect in ("postgresql", "sqlite")}


def _session(row: AssessmentRow) -> Session:
    return Session(
        id=row.id,
        person_id=row.person_id,
        questionnaire=row.questionnaire,
        questionnaire_version=row.questionnaire_version,
        key_version=row.key_version,
        locale=row.locale,
        seed=row.seed,
        status=SessionStatus(row.status),
        age=row.age,
        outdoor_band=row.outdoor_band,
        result=json.loads(row.result) if row.result else None,
        suggestions=json.loads(row.suggestions) if row.suggestions else [],
        looks_random=row.looks_random,
        latest=row.latest,
        started_at=row.started_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
    )


class AssessmentRepository:
    """Reads and writes sessions and answers; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def start(
        self,
        *,
        person_id: uuid.UUID,
        questionnaire: str,
        questionnaire_version: str,
        key_version: str,
        locale: str,
        seed: str,
        age: int,
        outdoor_band: str | None,
        now: datetime,
    ) -> Session:
        """Open a new session; an open one of the same person is abandoned (kept as history)."""
        await self._session.execute(
            update(AssessmentRow)
            .where(
                AssessmentRow.person_id == person_id,
                AssessmentRow.status == SessionStatus.OPEN.value,
            )
            .values(status=SessionStatus.ABANDONED.value, updated_at=now)
        )
        row = AssessmentRow(
            id=uuid.uuid4(),
            person_id=person_id,
            questionnaire=questionnaire,
            questionnaire_version=questionnaire_version,
            key_version=key_version,
            locale=locale,
            seed=seed,
            status=SessionStatus.OPEN.value,
            age=age,
            outdoor_band=outdoor_band,
            started_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _session(row)

    async def get(self, session_id: uuid.UUID) -> Session:
        """A session by id; raises ``NotFound``."""
        row = await self._session.get(AssessmentRow, session_id)
        if row is None:
            raise NotFound("assessment", session_id)
        return _session(row)

    async def open_for(self, person_ids: Sequence[uuid.UUID]) -> Session | None:
        """The most recently used open session of any of these people."""
        if not person_ids:
            return None
        row = await self._session.scalar(_OPEN_FOR, {"people": list(person_ids)})
        return None if row is None else _session(row)

    async def latest_complete(self, person_id: uuid.UUID) -> Session | None:
        """The newest finished session of a person."""
        row = await self._session.scalar(
            select(AssessmentRow)
            .where(
                AssessmentRow.person_id == person_id,
                AssessmentRow.status == SessionStatus.COMPLETE.value,
            )
            .order_by(AssessmentRow.completed_at.desc(), AssessmentRow.id)
            .limit(1)
        )
        return None if row is None else _session(row)

    async def history(self, person_id: uuid.UUID) -> list[Session]:
        """Every session of a person, oldest first."""
        rows = await self._session.scalars(
            select(AssessmentRow)
            .where(AssessmentRow.person_id == person_id)
            .order_by(AssessmentRow.started_at, AssessmentRow.id)
        )
        return [_session(row) for row in rows]

    async def answers(self, session_id: uuid.UUID) -> dict[str, Answer]:
        """Item id -> answer, for one session."""
        rows = await self._session.execute(_ANSWERS, {"session_id": session_id})
        return {
            row.item_id: Answer(
                row.item_id, row.option_id, row.position, row.seconds, row.answered_at
            )
            for row in rows
        }

    async def answer(
        self,
        session_id: uuid.UUID,
        *,
        item_id: str,
        option_id: str,
        position: int,
        seconds: float | None,
        now: datetime,
    ) -> None:
        """Record an answer in one statement; answering again (after Back) replaces it.

        The (session, question) key makes a double-recorded answer impossible.
        """
        await self._session.execute(
            _UPSERT_ANSWER[self._session.get_bind().dialect.name],
            {
                "assessment_id": session_id,
                "item_id": item_id,
                "option_id": option_id,
                "position": position,
                "seconds": seconds,
                "answered_at": now,
            },
        )

    async def touch(self, session_id: uuid.UUID, *, now: datetime) -> None:
        """Mark a session as the one being answered now."""
        await self._session.execute(_TOUCH, {"session_id": session_id, "now": now})

    async def ask_again(
        self,
        session_id: uuid.UUID,
        *,
        item_ids: Sequence[str],
        result: dict[str, Any],
        now: datetime,
    ) -> None:
        """Keep an incomplete session open and make ``item_ids`` unanswered, to ask them again.

        ``result`` is the incomplete first scoring; stored on the still open session, it also
        marks that its questions were asked again (see ``Session.asked_again``).
        """
        await self._session.execute(
            delete(AnswerRow).where(
                AnswerRow.assessment_id == session_id, AnswerRow.item_id.in_(list(item_ids))
            )
        )
        await self._session.execute(
            update(AssessmentRow)
            .where(AssessmentRow.id == session_id)
            .values(result=json.dumps(result), updated_at=now)
        )

    async def end_incomplete(
        self, session_id: uuid.UUID, *, result: dict[str, Any], now: datetime
    ) -> None:
        """Close a session that still has too few answers, without a result to show.

        It becomes an unfinished (abandoned) session: never ``latest``, never in ``/result``,
        exports or statistics, and purged with the other unfinished ones.
        """
        await self._session.execute(
            update(AssessmentRow)
            .where(AssessmentRow.id == session_id)
            .values(status=SessionStatus.ABANDONED.value, result=json.dumps(result), updated_at=now)
        )

    async def complete(
        self,
        session_id: uuid.UUID,
        *,
        result: dict[str, Any],
        suggestions: Sequence[dict[str, Any]],
        looks_random: bool,
        top_style: str | None,
        now: datetime,
    ) -> None:
        """Store the scored result, its leading style (for statistics) and the ideas shown.

        The session becomes the person's ``latest``; their earlier finished sessions stop being.
        """
        person_id = await self._session.scalar(
            select(AssessmentRow.person_id).where(AssessmentRow.id == session_id)
        )
        await self._session.execute(
            update(AssessmentRow)
            .where(AssessmentRow.person_id == person_id, AssessmentRow.latest.is_(True))
            .values(latest=False)
        )
        await self._session.execute(
            update(AssessmentRow)
            .where(AssessmentRow.id == session_id)
            .values(
                status=SessionStatus.COMPLETE.value,
                result=json.dumps(result),
                suggestions=json.dumps(list(suggestions)),
                looks_random=looks_random,
                top_style=top_style,
                latest=True,
                completed_at=now,
                updated_at=now,
            )
        )

    async def set_result(
        self,
        session_id: uuid.UUID,
        *,
        result: dict[str, Any],
        key_version: str,
        top_style: str | None,
    ) -> None:
        """Replace a stored result after rescoring."""
        await self._session.execute(
            update(AssessmentRow)
            .where(AssessmentRow.id == session_id)
            .values(result=json.dumps(result), key_version=key_version, top_style=top_style)
        )

    async def complete_ids(self, *, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        """Ids of finished sessions in id order, for batch work (rescoring)."""
        query = select(AssessmentRow.id).where(AssessmentRow.status == SessionStatus.COMPLETE.value)
        if after is not None:
            query = query.where(AssessmentRow.id > after)
        return list(await self._session.scalars(query.order_by(AssessmentRow.id).limit(limit)))

    async def purge_unfinished(self, *, before: datetime, limit: int) -> int:
        """Delete unfinished sessions (open or replaced) untouched since ``before`` (retention)."""
        ids = list(
            await self._session.scalars(
                select(AssessmentRow.id)
                .where(
                    AssessmentRow.status.in_(
                        [SessionStatus.OPEN.value, SessionStatus.ABANDONED.value]
                    ),
                    AssessmentRow.updated_at < before,
                )
                .limit(limit)
            )
        )
        if ids:
            await self._session.execute(delete(AssessmentRow).where(AssessmentRow.id.in_(ids)))
        return len(ids)

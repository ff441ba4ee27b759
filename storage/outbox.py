"""The mail outbox: written in the transaction that causes a mail, emptied by a sender job.

A mail goes pending -> sending -> sent. The claim is committed before the mail is handed to SMTP,
so two senders never take the same mail, and a crash leaves the mail in ``sending``: its outcome is
unknown, and it is given up rather than risk sending it twice. Contents are encrypted while queued
and removed as soon as the mail is sent or given up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import FieldCipher
from storage.models import MailStatus, OutboxRow

_FIELDS = ("recipient", "subject", "text", "html")


@dataclass(frozen=True, slots=True)
class Mail:
    """An e-mail: plain text plus simple HTML."""

    recipient: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class QueuedMail:
    """A claimed mail, ready to hand to SMTP."""

    id: uuid.UUID
    purpose: str
    attempts: int
    mail: Mail


class OutboxRepository:
    """Queues, claims and settles mails; never commits."""

    def __init__(self, session: AsyncSession, cipher: FieldCipher) -> None:
        self._session = session
        self._cipher = cipher

    async def add(
        self, mail: Mail, *, purpose: str, person_id: uuid.UUID | None, now: datetime
    ) -> uuid.UUID:
        """Queue a mail (in the caller's transaction)."""
        row = OutboxRow(
            id=uuid.uuid4(),
            person_id=person_id,
            purpose=purpose,
            status=MailStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for name in _FIELDS:
            setattr(
                row,
                f"{name}_enc",
                self._cipher.encrypt(
                    getattr(mail, name), table="outbox", column=f"{name}_enc", row_id=row.id
                ),
            )
        self._session.add(row)
        await self._session.flush()
        return row.id

    def _mail(self, row: OutboxRow) -> Mail:
        values = {
            name: self._cipher.decrypt(
                getattr(row, f"{name}_enc"), table="outbox", column=f"{name}_enc", row_id=row.id
            )
            for name in _FIELDS
        }
        return Mail(**values)

    async def claim_due(self, *, now: datetime, limit: int, lease: timedelta) -> list[QueuedMail]:
        """Take up to ``limit`` due mails; a mail another sender took is never taken twice.

        One UPDATE ... RETURNING that re-checks ``pending`` is the claim, so it holds on SQLite,
        where a SELECT runs outside the write lock, as well as on PostgreSQL, where SKIP LOCKED
        also lets two senders take different mails instead of waiting for each other.
        """
        due = (
            select(OutboxRow.id)
            .where(OutboxRow.status == MailStatus.PENDING.value, OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.next_attempt_at)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        rows = await self._session.scalars(
            update(OutboxRow)
            .where(OutboxRow.id.in_(due.scalar_subquery()))
            .where(OutboxRow.status == MailStatus.PENDING.value)
            .values(
                status=MailStatus.SENDING.value,
                attempts=OutboxRow.attempts + 1,
                next_attempt_at=now + lease,
            )
            .returning(OutboxRow),
            execution_options={"synchronize_session": False, "populate_existing": True},
        )
        return [QueuedMail(row.id, row.purpose, row.attempts, self._mail(row)) for row in rows]

    async def _finish(self, mail_id: uuid.UUID, status: MailStatus, now: datetime) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == mail_id)
            .values(
                status=status.value,
                finished_at=now,
                recipient_enc=None,
                subject_enc=None,
                text_enc=None,
                html_enc=None,
            )
        )

    async def sent(self, mail_id: uuid.UUID, *, now: datetime) -> None:
        """The mail was delivered: forget its contents."""
        await self._finish(mail_id, MailStatus.SENT, now)

    async def failed(self, mail_id: uuid.UUID, *, now: datetime) -> None:
        """The mail was refused for good: forget its contents."""
        await self._finish(mail_id, MailStatus.FAILED, now)

    async def retry(self, mail_id: uuid.UUID, *, at: datetime) -> None:
        """The mail could not be delivered this time: try again at ``at``."""
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == mail_id, OutboxRow.status == MailStatus.SENDING.value)
            .values(status=MailStatus.PENDING.value, next_attempt_at=at)
        )

    async def give_up_stuck(self, *, now: datetime) -> int:
        """Mails whose sender vanished mid-send: outcome unknown, so never resent."""
        stuck = list(
            await self._session.scalars(
                select(OutboxRow.id).where(
                    OutboxRow.status == MailStatus.SENDING.value, OutboxRow.next_attempt_at < now
                )
            )
        )
        for mail_id in stuck:
            await self._finish(mail_id, MailStatus.FAILED, now)
        return len(stuck)

    async def purge_finished(self, *, before: datetime) -> int:
        """Delete settled mails (already without contents) older than ``before``."""
        result = await self._session.execute(
            delete(OutboxRow).where(
                OutboxRow.status.in_([MailStatus.SENT.value, MailStatus.FAILED.value]),
                OutboxRow.finished_at < before,
            )
        )
        return int(getattr(result, "rowcount", 0))

    async def count(self, *, purpose: str | None = None, status: MailStatus | None = None) -> int:
        """How many mails match (tests and statistics)."""
        query = select(func.count()).select_from(OutboxRow)
        if purpose is not None:
            query = query.where(OutboxRow.purpose == purpose)
        if status is not None:
            query = query.where(OutboxRow.status == status.value)
        return int(await self._session.scalar(query) or 0)

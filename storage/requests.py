"""Requests that need a person, their message threads and their daily reminders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import FieldCipher
from storage.models import RequestCopyRow, RequestMessageRow, RequestReminderRow, RequestRow

OPEN_STATUSES = ("new", "in_progress", "waiting_for_person", "on_hold")


@dataclass(frozen=True, slots=True)
class Request:
    """A request as admins see it."""

    id: uuid.UUID
    number: int
    type: str
    status: str
    extended: bool
    account_id: uuid.UUID | None
    contact: str | None
    assignee_id: uuid.UUID | None
    received_at: datetime
    due_at: datetime
    closed_at: datetime | None
    admin_post_id: int | None


@dataclass(frozen=True, slots=True)
class RequestMessage:
    """One message of a thread."""

    direction: str
    text: str
    at: datetime


class RequestRepository:
    """Reads and writes requests; never commits."""

    def __init__(self, session: AsyncSession, cipher: FieldCipher) -> None:
        self._session = session
        self._cipher = cipher

    def _request(self, row: RequestRow) -> Request:
        return Request(
            id=row.id,
            number=row.number,
            type=row.type,
            status=row.status,
            extended=row.extended,
            account_id=row.account_id,
            contact=self._cipher.decrypt_optional(
                row.contact_enc, table="requests", column="contact_enc", row_id=row.id
            ),
            assignee_id=row.assignee_id,
            received_at=row.received_at,
            due_at=row.due_at,
            closed_at=row.closed_at,
            admin_post_id=row.admin_post_id,
        )

    async def create(
        self,
        *,
        type: str,
        account_id: uuid.UUID | None,
        contact: str | None,
        received_at: datetime,
        due_at: datetime,
    ) -> Request:
        """A new request with the next number."""
        for _attempt in range(5):  # two workers may take the same number: try the next one
            number = int(await self._session.scalar(select(func.max(RequestRow.number))) or 0) + 1
            row = RequestRow(
                id=uuid.uuid4(),
                number=number,
                type=type,
                status="new",
                extended=False,
                account_id=account_id,
                received_at=received_at,
                due_at=due_at,
            )
            row.contact_enc = self._cipher.encrypt_optional(
                contact, table="requests", column="contact_enc", row_id=row.id
            )
            nested = await self._session.begin_nested()
            self._session.add(row)
            try:
                await self._session.flush()
            except IntegrityError:
                await nested.rollback()
                continue
            await nested.commit()
            return self._request(row)
        raise RuntimeError("could not number a new request")

    async def by_number(self, number: int) -> Request | None:
        """A request by its number."""
        row = await self._session.scalar(select(RequestRow).where(RequestRow.number == number))
        return None if row is None else self._request(row)

    async def by_admin_message(self, message_id: int) -> Request | None:
        """The request whose admin-chat post (or relayed message) has this message id."""
        row = await self._session.scalar(
            select(RequestRow).where(RequestRow.admin_post_id == message_id)
        )
        if row is None:
            request_id = await self._session.scalar(
                select(RequestMessageRow.request_id).where(
                    RequestMessageRow.admin_message_id == message_id
                )
            )
            row = None if request_id is None else await self._session.get(RequestRow, request_id)
        return None if row is None else self._request(row)

    async def open(self, *, limit: int = 50) -> list[Request]:
        """Open requests, the earliest deadline first."""
        rows = await self._session.scalars(
            select(RequestRow)
            .where(RequestRow.status.in_(OPEN_STATUSES))
            .order_by(RequestRow.due_at, RequestRow.number)
            .limit(limit)
        )
        return [self._request(row) for row in rows]

    async def open_for_account(self, account_id: uuid.UUID) -> list[Request]:
        """A person's open requests."""
        rows = await self._session.scalars(
            select(RequestRow)
            .where(RequestRow.account_id == account_id, RequestRow.status.in_(OPEN_STATUSES))
            .order_by(RequestRow.number)
        )
        return [self._request(row) for row in rows]

    async def due_before(self, moment: datetime) -> list[Request]:
        """Open requests due before ``moment`` (overdue ones included)."""
        rows = await self._session.scalars(
            select(RequestRow)
            .where(RequestRow.status.in_(OPEN_STATUSES), RequestRow.due_at < moment)
            .order_by(RequestRow.due_at)
        )
        return [self._request(row) for row in rows]

    async def update(
        self,
        request_id: uuid.UUID,
        *,
        if_unchanged: Request | None = None,
        status: str | None = None,
        extended: bool | None = None,
        assignee_id: uuid.UUID | None = None,
        due_at: datetime | None = None,
        closed_at: datetime | None = None,
        admin_post_id: int | None = None,
        type: str | None = None,
        reopen: bool = False,
    ) -> bool:
        """Change what is given; the rest stays (``reopen`` also clears ``closed_at``).

        With ``if_unchanged`` only while its status, extension and assignee are still as read
        (steps that keep the status, like a second /extend, must not pass either). False means
        someone else changed it between our read and this write (two admins pressing at once).
        """
        values: dict[str, object] = {
            name: value
            for name, value in (
                ("status", status),
                ("extended", extended),
                ("assignee_id", assignee_id),
                ("due_at", due_at),
                ("closed_at", closed_at),
                ("admin_post_id", admin_post_id),
                ("type", type),
            )
            if value is not None
        }
        if reopen:
            values["closed_at"] = None
        query = update(RequestRow).where(RequestRow.id == request_id).values(**values)
        if if_unchanged is not None:
            seen = if_unchanged
            query = query.where(
                RequestRow.status == seen.status,
                RequestRow.extended == seen.extended,
                RequestRow.assignee_id.is_(None)
                if seen.assignee_id is None
                else RequestRow.assignee_id == seen.assignee_id,
            )
        result = await self._session.execute(query)
        return bool(getattr(result, "rowcount", 0) == 1)

    async def add_message(
        self,
        request_id: uuid.UUID,
        *,
        direction: str,
        text: str,
        now: datetime,
        admin_message_id: int | None = None,
    ) -> uuid.UUID:
        """Append to the thread."""
        row = RequestMessageRow(
            id=uuid.uuid4(),
            request_id=request_id,
            direction=direction,
            at=now,
            admin_message_id=admin_message_id,
        )
        row.text_enc = self._cipher.encrypt(
            text, table="request_messages", column="text_enc", row_id=row.id
        )
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def set_admin_message(self, message_id: uuid.UUID, admin_message_id: int) -> None:
        """Remember the admin-chat copy of a thread message, so a reply to it finds the request."""
        await self._session.execute(
            update(RequestMessageRow)
            .where(RequestMessageRow.id == message_id)
            .values(admin_message_id=admin_message_id)
        )

    async def add_copy(
        self, request_id: uuid.UUID, *, viewer_id: uuid.UUID, message_id: int
    ) -> None:
        """Remember a copy of the thread in an admin's chat, for /forget to blank."""
        self._session.add(
            RequestCopyRow(
                id=uuid.uuid4(), request_id=request_id, viewer_id=viewer_id, message_id=message_id
            )
        )
        await self._session.flush()

    async def thread(self, request_id: uuid.UUID) -> list[RequestMessage]:
        """The messages of a request, oldest first."""
        rows = await self._session.scalars(
            select(RequestMessageRow)
            .where(RequestMessageRow.request_id == request_id)
            .order_by(RequestMessageRow.at, RequestMessageRow.id)
        )
        return [
            RequestMessage(
                row.direction,
                self._cipher.decrypt(
                    row.text_enc, table="request_messages", column="text_enc", row_id=row.id
                ),
                row.at,
            )
            for row in rows
        ]

    async def claim_reminder(self, request_id: uuid.UUID, day: str) -> bool:
        """Take the right to post today's reminder; False when another worker already did."""
        nested = await self._session.begin_nested()
        self._session.add(RequestReminderRow(request_id=request_id, day=day))
        try:
            await self._session.flush()
        except IntegrityError:
            await nested.rollback()
            return False
        await nested.commit()
        return True

    async def holds(self, account_id: uuid.UUID) -> list[int]:
        """Numbers of the account's requests on hold or open legal holds: they pause erasure."""
        rows = await self._session.scalars(
            select(RequestRow.number).where(
                RequestRow.account_id == account_id,
                RequestRow.status.in_(OPEN_STATUSES),
                RequestRow.type != "erasure",  # a paused erasure wish is not itself a hold
                (RequestRow.status == "on_hold") | (RequestRow.type == "legal_hold"),
            )
        )
        return list(rows)

    async def closed_before(
        self, before: datetime, *, limit: int, claim: bool = False
    ) -> list[uuid.UUID]:
        """Ids of requests closed before ``before`` that still hold something of the person who
        asked (their words, a contact address, a link to their account), for the retention job,
        which empties them. With ``claim`` other workers skip the rows until commit (PostgreSQL).
        """
        query = (
            select(RequestRow.id)
            .where(
                RequestRow.status.not_in(OPEN_STATUSES),
                func.coalesce(RequestRow.closed_at, RequestRow.received_at) < before,
                RequestRow.account_id.is_not(None)
                | RequestRow.contact_enc.is_not(None)
                | exists().where(RequestMessageRow.request_id == RequestRow.id),
            )
            .order_by(RequestRow.number)
            .limit(limit)
        )
        if claim and self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=RequestRow, skip_locked=True)
        return list(await self._session.scalars(query))

    async def close_open(
        self, account_id: uuid.UUID, type: str | None = None, *, now: datetime
    ) -> int:
        """Close the account's open requests (of one type, or all of them)."""
        query = update(RequestRow).where(
            RequestRow.account_id == account_id, RequestRow.status.in_(OPEN_STATUSES)
        )
        if type is not None:
            query = query.where(RequestRow.type == type)
        result = await self._session.execute(query.values(status="done", closed_at=now))
        return int(getattr(result, "rowcount", 0))

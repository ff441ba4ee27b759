"""Erasure: the rows of a subject, deleted in one transaction; what stays is anonymous.

Deleting a profile deletes, through foreign keys, its consents, links, queued mails, quiz
sessions and answers; deleting an account deletes its roles. Before that the quiz results are
copied without any id, and a receipt with no identifier is kept.

The copies wait, encrypted, in ``anonymous_pending``: written in the same transaction as the
receipt, they could be matched to it (PostgreSQL's transaction ids, SQLite's row order). Only
when ``ANONYMOUS_BATCH`` of them wait are they moved together, in random order, to
``anonymous_results``, where nothing ties one of them to one erasure.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import FieldCipher
from storage.models import (
    AccountRow,
    AnonymousPendingRow,
    AnonymousResultRow,
    AuditRow,
    ErasureReceiptRow,
    OutboxRow,
    PersonRow,
    RequestCopyRow,
    RequestMessageRow,
    RequestRow,
)

ANONYMOUS_BATCH: Final = 5
"""Anonymous results are stored for good only this many at a time, so none stands out."""

_SHUFFLE: Final = random.SystemRandom()


@dataclass(frozen=True, slots=True)
class AnonymousResult:
    """A quiz result with nothing that points at anyone."""

    questionnaire: str
    questionnaire_version: str
    key_version: str
    age_band: str
    month: str
    answers: Mapping[str, str]
    result: Mapping[str, Any]
    top_style: str | None
    looks_random: bool


class ErasureRepository:
    """Keeps the anonymous remainder, deletes the rest, writes the receipt; never commits."""

    def __init__(self, session: AsyncSession, cipher: FieldCipher) -> None:
        self._session = session
        self._cipher = cipher

    async def queued_mails(self, person_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        """Outbox mails about these people (their .eml copies are deleted too)."""
        if not person_ids:
            return []
        return list(
            await self._session.scalars(
                select(OutboxRow.id).where(OutboxRow.person_id.in_(list(person_ids)))
            )
        )

    async def keep_anonymous(self, results: Sequence[AnonymousResult]) -> None:
        """Keep anonymous copies of results (no id, age band, month), encrypted until enough
        wait to be stored together (:meth:`store_anonymous`)."""
        for item in results:
            row_id = uuid.uuid4()
            payload = json.dumps(asdict(item), sort_keys=True)
            self._session.add(
                AnonymousPendingRow(
                    id=row_id,
                    result_enc=self._cipher.encrypt(
                        payload, table="anonymous_pending", column="result_enc", row_id=row_id
                    ),
                )
            )
        await self._session.flush()

    async def store_anonymous(self, *, at_least: int = ANONYMOUS_BATCH) -> int:
        """Move the waiting anonymous results, in random order, to ``anonymous_results`` once at
        least ``at_least`` wait; returns how many moved.

        The rows are taken with one ``DELETE ... RETURNING``, so two workers never move one twice;
        a worker that takes fewer than ``at_least`` (another took the rest a moment ago) puts
        them back, so none is ever stored with fewer than ``at_least`` around it.
        """
        waiting = await self._session.scalar(select(func.count()).select_from(AnonymousPendingRow))
        if (waiting or 0) < at_least:
            return 0  # the usual case, without taking anything
        batch = await self._session.begin_nested()
        taken = (
            await self._session.execute(
                delete(AnonymousPendingRow).returning(
                    AnonymousPendingRow.id, AnonymousPendingRow.result_enc
                )
            )
        ).all()
        if len(taken) < at_least:
            await batch.rollback()
            return 0
        results = [
            json.loads(
                self._cipher.decrypt(
                    blob, table="anonymous_pending", column="result_enc", row_id=row_id
                )
            )
            for row_id, blob in taken
        ]
        _SHUFFLE.shuffle(results)
        for item in results:
            self._session.add(
                AnonymousResultRow(
                    id=uuid.uuid4(),
                    questionnaire=item["questionnaire"],
                    questionnaire_version=item["questionnaire_version"],
                    key_version=item["key_version"],
                    age_band=item["age_band"],
                    month=item["month"],
                    answers=json.dumps(item["answers"], sort_keys=True),
                    result=json.dumps(item["result"], sort_keys=True),
                    top_style=item["top_style"],
                    looks_random=item["looks_random"],
                )
            )
            await self._session.flush()  # one by one: the rows go in in the shuffled order
        await batch.commit()
        return len(results)

    async def delete(
        self, *, person_ids: Sequence[uuid.UUID], account_ids: Sequence[uuid.UUID]
    ) -> None:
        """Delete profiles (children first) and accounts, with everything hanging off them."""
        if person_ids:
            ids = list(person_ids)
            await self._session.execute(
                delete(PersonRow).where(PersonRow.id.in_(ids), PersonRow.parent_id.is_not(None))
            )
            await self._session.execute(delete(PersonRow).where(PersonRow.id.in_(ids)))
        if account_ids:
            accounts = list(account_ids)
            await self.empty_requests(await self.requests_of(accounts))
            # The audit trail keeps what was done and when, no longer by whom: with the account
            # gone its id would only serve to link the person's events to each other.
            await self._session.execute(
                update(AuditRow).where(AuditRow.actor_id.in_(accounts)).values(actor_id=None)
            )
            await self._session.execute(delete(AccountRow).where(AccountRow.id.in_(accounts)))

    async def requests_of(self, account_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        """Ids of the requests these accounts made."""
        return list(
            await self._session.scalars(
                select(RequestRow.id).where(RequestRow.account_id.in_(list(account_ids)))
            )
        )

    async def empty_requests(self, request_ids: Sequence[uuid.UUID]) -> None:
        """Requests stay as numbered records for the admins (type, status, dates), without a
        thread, a contact or the account that asked: on erasure, and when closed long enough."""
        if not request_ids:
            return
        ids = list(request_ids)
        for table in (RequestMessageRow, RequestCopyRow):
            await self._session.execute(delete(table).where(table.request_id.in_(ids)))
        await self._session.execute(
            update(RequestRow)
            .where(RequestRow.id.in_(ids))
            .values(contact_enc=None, account_id=None)
        )

    async def admin_chat_posts(self, request_ids: Sequence[uuid.UUID]) -> list[tuple[int, int]]:
        """``(request number, message id)`` of the bot's admin-chat posts of these requests'
        askers' words: the request itself and the replies it passed on. Emptying blanks them."""
        requests = (
            await self._session.execute(
                select(RequestRow.id, RequestRow.number, RequestRow.admin_post_id).where(
                    RequestRow.id.in_(list(request_ids))
                )
            )
        ).all()
        numbers = {request_id: number for request_id, number, _ in requests}
        posts = [(number, post) for _, number, post in requests if post is not None]
        if numbers:
            replies = await self._session.execute(
                select(RequestMessageRow.request_id, RequestMessageRow.admin_message_id).where(
                    RequestMessageRow.request_id.in_(list(numbers)),
                    RequestMessageRow.direction == "in",
                    RequestMessageRow.admin_message_id.is_not(None),
                )
            )
            posts += [
                (numbers[request_id], message_id)
                for request_id, message_id in replies
                if message_id is not None
            ]
        return posts

    async def thread_copies(
        self, request_ids: Sequence[uuid.UUID]
    ) -> list[tuple[int, uuid.UUID, int]]:
        """``(request number, admin account, message id)`` of these requests' threads shown to
        admins in their own chats (/request N). Emptying blanks them too."""
        rows = await self._session.execute(
            select(RequestRow.number, RequestCopyRow.viewer_id, RequestCopyRow.message_id)
            .join(RequestCopyRow, RequestCopyRow.request_id == RequestRow.id)
            .where(RequestRow.id.in_(list(request_ids)))
        )
        return [(number, viewer, message) for number, viewer, message in rows]

    async def receipt(self, categories: Mapping[str, int], *, now: datetime) -> uuid.UUID:
        """Keep proof of the erasure: its id, time and the kinds of data, never whose."""
        receipt_id = uuid.uuid4()
        self._session.add(
            ErasureReceiptRow(
                id=receipt_id, at=now, categories=json.dumps(dict(categories), sort_keys=True)
            )
        )
        await self._session.flush()
        return receipt_id

    async def receipt_exists(self, receipt_id: uuid.UUID) -> bool:
        """Whether a receipt with this id was written."""
        return await self._session.get(ErasureReceiptRow, receipt_id) is not None

"""Accounts: who is talking to the bot, found by a blind index of their Telegram id."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import ColumnElement, bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import FieldCipher
from storage.errors import NotFound
from storage.keys import KeyRing
from storage.models import AccountRow, PersonRow, RequestRow, RoleRow


@dataclass(frozen=True, slots=True)
class Account:
    """What the dialogs need to know about an account on every update."""

    id: uuid.UUID
    locale: str | None
    pending_invite_id: uuid.UUID | None = None
    """An invite opened before signing up: offered once registration is done."""
    policy_version: str | None = None
    """Privacy policy version the account holder last agreed to (None: not signed up)."""


def _account(row: AccountRow) -> Account:
    return Account(
        id=row.id,
        locale=row.locale,
        pending_invite_id=row.pending_invite_id,
        policy_version=row.policy_version,
    )


_BY_TELEGRAM: Final = select(AccountRow).where(AccountRow.tg_index == bindparam("tg_index"))
"""Every update starts here: built once (see the ``storage`` package notes)."""


def _unused(before: datetime) -> ColumnElement[bool]:
    """An account made before ``before`` that holds nothing: no profile, no role, no request
    (what :meth:`AccountRepository.in_use` looks for). A request, even a closed one, keeps it:
    the person may reply to it (which opens it again), and only /forget also blanks their words
    in the admin chat."""
    return (
        (AccountRow.created_at < before)
        & ~exists().where(PersonRow.account_id == AccountRow.id)
        & ~exists().where(RoleRow.account_id == AccountRow.id)
        & ~exists().where(RequestRow.account_id == AccountRow.id)
    )


def telegram_index(keys: KeyRing, telegram_id: int) -> bytes:
    """Blind index of a Telegram user id."""
    return keys.blind_index("telegram", str(telegram_id))


class AccountRepository:
    """Reads and writes accounts; never commits."""

    def __init__(self, session: AsyncSession, cipher: FieldCipher, keys: KeyRing) -> None:
        self._session = session
        self._cipher = cipher
        self._keys = keys

    async def by_telegram(self, telegram_id: int) -> Account | None:
        """The account of this Telegram user, if they have one."""
        row = await self._session.scalar(
            _BY_TELEGRAM, {"tg_index": telegram_index(self._keys, telegram_id)}
        )
        return None if row is None else _account(row)

    async def by_id(self, account_id: uuid.UUID) -> Account | None:
        """An account by its id."""
        row = await self._session.get(AccountRow, account_id)
        return None if row is None else _account(row)

    async def ensure(self, telegram_id: int, *, locale: str | None = None) -> Account:
        """The account of this Telegram user, created if needed.

        ``locale`` is the language the person chats in now: messages sent to them later (an
        answer, a parent's decision) use it until they pick one with /language.
        """
        found = await self.by_telegram(telegram_id)
        if found is not None:
            return found
        row = AccountRow(
            id=uuid.uuid4(), tg_index=telegram_index(self._keys, telegram_id), locale=locale
        )
        row.tg_id_enc = self._cipher.encrypt(
            str(telegram_id), table="accounts", column="tg_id_enc", row_id=row.id
        )
        self._session.add(row)
        await self._session.flush()
        return _account(row)

    async def set_locale(self, account_id: uuid.UUID, locale: str | None) -> None:
        """Remember the language the person chose."""
        row = await self._session.get(AccountRow, account_id)
        if row is None:
            raise NotFound("account", account_id)
        row.locale = locale

    async def set_pending_invite(self, account_id: uuid.UUID, invite_id: uuid.UUID | None) -> None:
        """Remember (or forget) an invite to offer after signing up."""
        row = await self._session.get(AccountRow, account_id)
        if row is None:
            raise NotFound("account", account_id)
        row.pending_invite_id = invite_id

    async def clear_pending_invite(self, account_id: uuid.UUID, invite_id: uuid.UUID) -> bool:
        """Forget the pending invite only if it is still ``invite_id``: False when it was answered
        or replaced meanwhile (one UPDATE, so two answers cannot both take it)."""
        result = await self._session.execute(
            update(AccountRow)
            .where(AccountRow.id == account_id, AccountRow.pending_invite_id == invite_id)
            .values(pending_invite_id=None)
            .execution_options(synchronize_session="fetch")
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def in_use(self, account_id: uuid.UUID, *, besides: Sequence[uuid.UUID] = ()) -> bool:
        """Whether the account holds anything beyond the profiles ``besides``: another profile
        (with its consents), a role, or a request (see ``_unused``). If not, it can go with
        them."""
        others = select(PersonRow.id).where(PersonRow.account_id == account_id)
        if besides:
            others = others.where(PersonRow.id.not_in(list(besides)))
        for query in (
            others,
            select(RoleRow.id).where(RoleRow.account_id == account_id),
            select(RequestRow.id).where(RequestRow.account_id == account_id),
        ):
            if await self._session.scalar(query.limit(1)) is not None:
                return True
        return False

    async def unused(self, *, before: datetime, limit: int, claim: bool = False) -> list[uuid.UUID]:
        """Ids of accounts made before ``before`` with no profile, role or open request (someone
        chose a language or opened an invite and never signed up), for the retention job.

        Accounts record only when they were made, so that is the time that counts. With
        ``claim`` other workers skip the rows until commit (PostgreSQL); act on them after
        :meth:`claim_unused`, whose condition is the claim that also holds on SQLite.
        """
        query = (
            select(AccountRow.id)
            .where(_unused(before))
            .order_by(AccountRow.created_at)
            .limit(limit)
        )
        if claim and self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(await self._session.scalars(query))

    async def claim_unused(self, account_id: uuid.UUID, *, before: datetime) -> bool:
        """Lock the account if it is still unused (see :meth:`unused`): False when another worker
        took it first or the person signed up (or asked something) in the meantime."""
        result = await self._session.execute(
            update(AccountRow)
            .where(AccountRow.id == account_id, _unused(before))
            .values(created_at=AccountRow.created_at)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def set_policy_version(self, account_id: uuid.UUID, version: str) -> None:
        """Remember which privacy policy version the account holder agreed to."""
        row = await self._session.get(AccountRow, account_id)
        if row is None:
            raise NotFound("account", account_id)
        row.policy_version = version

    async def set_telegram(self, account_id: uuid.UUID, telegram_id: int) -> None:
        """Move the account to another Telegram user (its profile moves with it). That user must
        have no account left: delete theirs first."""
        row = await self._session.get(AccountRow, account_id)
        if row is None:
            raise NotFound("account", account_id)
        row.tg_index = telegram_index(self._keys, telegram_id)
        row.tg_id_enc = self._cipher.encrypt(
            str(telegram_id), table="accounts", column="tg_id_enc", row_id=row.id
        )
        await self._session.flush()

    async def telegram_id(self, account_id: uuid.UUID) -> int:
        """Decrypt the Telegram user id of an account (to write to them)."""
        row = await self._session.get(AccountRow, account_id)
        if row is None:
            raise NotFound("account", account_id)
        return int(
            self._cipher.decrypt(row.tg_id_enc, table="accounts", column="tg_id_enc", row_id=row.id)
        )

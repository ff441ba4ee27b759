"""Single-use, expiring web links (consent, password). Only a hash of each token is stored."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LinkPurpose, LinkRow


def token_hash(token: str) -> bytes:
    """SHA-256 of a token: 256 random bits need no key to be unguessable."""
    return hashlib.sha256(token.encode()).digest()


class LinkProblem(StrEnum):
    """Why a link does not work."""

    UNKNOWN = "unknown"
    """No such link: mistyped, forged, or deleted with its profile."""
    EXPIRED = "expired"
    """Too old."""
    USED = "used"
    """Already used once."""
    CLOSED = "closed"
    """The link still works, but what it asks about is no longer open (answered or stopped in
    the chat, or nobody may decide it by this link any more)."""
    REPLACED = "replaced"
    """A newer e-mail with a new link for the same thing was sent: that one works instead."""
    LOCKED = "locked"
    """Too many wrong passwords were typed on its page."""


@dataclass(frozen=True, slots=True)
class Link:
    """A valid link."""

    id: uuid.UUID
    person_id: uuid.UUID
    purpose: LinkPurpose
    locale: str
    expires_at: datetime
    organisation_id: uuid.UUID | None = None
    target_account_id: uuid.UUID | None = None
    """For a move link: the account the profile moves to."""


class LinkRepository:
    """Makes and checks links; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self,
        *,
        person_id: uuid.UUID,
        purpose: LinkPurpose,
        locale: str,
        now: datetime,
        valid_for: timedelta,
        organisation_id: uuid.UUID | None = None,
        target_account_id: uuid.UUID | None = None,
        replace: bool = False,
    ) -> str:
        """A new link; returns the token (shown once, in the mail, never stored).

        With ``replace``, the person's unused links of this purpose stop working first and then
        say a newer e-mail replaced them (a mail sent again, a parent's address corrected)."""
        if replace:
            await self.revoke(person_id, purpose, because=LinkProblem.REPLACED)
        token = secrets.token_urlsafe(32)
        self._session.add(
            LinkRow(
                id=uuid.uuid4(),
                person_id=person_id,
                purpose=purpose.value,
                token_hash=token_hash(token),
                locale=locale,
                created_at=now,
                expires_at=now + valid_for,
                organisation_id=organisation_id,
                target_account_id=target_account_id,
            )
        )
        await self._session.flush()
        return token

    async def check(self, token: str, *purposes: LinkPurpose, now: datetime) -> Link | LinkProblem:
        """The link behind ``token`` if it has one of ``purposes`` and may be used now.

        Checking does not use the link up: see ``use``.
        """
        row = await self._session.scalar(
            select(LinkRow).where(
                LinkRow.token_hash == token_hash(token),
                LinkRow.purpose.in_([purpose.value for purpose in purposes]),
            )
        )
        if row is None:
            return LinkProblem.UNKNOWN
        if row.used_at is not None:
            return LinkProblem.USED
        if row.revoked is not None:
            return LinkProblem(row.revoked)
        if row.person_id is None:  # the profile was deleted (/forget, a parent's no, expiry)
            return LinkProblem.CLOSED
        if row.purpose == LinkPurpose.MOVE.value and row.target_account_id is None:
            return LinkProblem.CLOSED  # the account it would move to is gone
        if row.expires_at <= now:
            return LinkProblem.EXPIRED
        return Link(
            row.id,
            row.person_id,
            LinkPurpose(row.purpose),
            row.locale,
            row.expires_at,
            row.organisation_id,
            row.target_account_id,
        )

    async def locale_of(self, token: str) -> str | None:
        """The language of the mail a link came in, working or not (None: no such link)."""
        return await self._session.scalar(
            select(LinkRow.locale).where(LinkRow.token_hash == token_hash(token))
        )

    async def use(self, link: Link, *, now: datetime) -> bool:
        """Mark a checked link used; False if another request used it first (single use), or it
        was revoked since it was checked (an address changed meanwhile, say)."""
        result = await self._session.execute(
            update(LinkRow)
            .where(LinkRow.id == link.id, LinkRow.used_at.is_(None), LinkRow.revoked.is_(None))
            .values(used_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def wrong_password(self, link: Link, *, allowed: int) -> bool:
        """Count a wrong password typed on the link's page; after ``allowed`` of them the link
        stops working (``LOCKED``). True while it still works."""
        attempts = await self._session.scalar(
            update(LinkRow)
            .where(LinkRow.id == link.id)
            .values(attempts=LinkRow.attempts + 1)
            .returning(LinkRow.attempts)
        )
        if attempts is not None and attempts < allowed:
            return True
        await self._session.execute(
            update(LinkRow)
            .where(LinkRow.id == link.id, LinkRow.revoked.is_(None))
            .values(revoked=LinkProblem.LOCKED.value)
        )
        return False

    async def working(self, person_id: uuid.UUID, purpose: LinkPurpose, *, now: datetime) -> bool:
        """Whether the person has a link of this purpose that still works (someone may be on its
        page right now)."""
        found = await self._session.scalar(
            select(LinkRow.id)
            .where(
                LinkRow.person_id == person_id,
                LinkRow.purpose == purpose.value,
                LinkRow.used_at.is_(None),
                LinkRow.revoked.is_(None),
                LinkRow.expires_at > now,
            )
            .limit(1)
        )
        return found is not None

    async def made_since(self, person_id: uuid.UUID, purpose: LinkPurpose, since: datetime) -> int:
        """How many links of one purpose were made for the person since ``since``."""
        return int(
            await self._session.scalar(
                select(func.count()).where(
                    LinkRow.person_id == person_id,
                    LinkRow.purpose == purpose.value,
                    LinkRow.created_at >= since,
                )
            )
            or 0
        )

    async def newest(self, person_id: uuid.UUID, purpose: LinkPurpose) -> datetime | None:
        """When the person's newest link of one purpose was made (None: there is none)."""
        return await self._session.scalar(
            select(func.max(LinkRow.created_at)).where(
                LinkRow.person_id == person_id, LinkRow.purpose == purpose.value
            )
        )

    async def revoke(
        self,
        person_id: uuid.UUID,
        purpose: LinkPurpose,
        *,
        because: Literal[LinkProblem.REPLACED, LinkProblem.CLOSED],
        organisation_id: uuid.UUID | None = None,
        now: datetime | None = None,
    ) -> int:
        """Stop a person's unused links of one purpose from working; with ``organisation_id``
        only those about that organisation. Returns how many were stopped: with ``now``, only
        those that had not expired yet.

        ``because`` is what an old link says when opened: a newer e-mail replaced it, or what it
        asks about is no longer open. The rows go with the usual purge after they expire.
        """
        query = (
            update(LinkRow)
            .where(
                LinkRow.person_id == person_id,
                LinkRow.purpose == purpose.value,
                LinkRow.used_at.is_(None),
                LinkRow.revoked.is_(None),
            )
            .values(revoked=because.value)
        )
        if organisation_id is not None:
            query = query.where(LinkRow.organisation_id == organisation_id)
        expiries = list(await self._session.scalars(query.returning(LinkRow.expires_at)))
        return sum(1 for expires_at in expiries if now is None or expires_at > now)

    async def purge(self, *, before: datetime) -> int:
        """Delete links that expired or were used before ``before`` (retention)."""
        result = await self._session.execute(
            delete(LinkRow).where((LinkRow.expires_at < before) | (LinkRow.used_at < before))
        )
        return int(getattr(result, "rowcount", 0))

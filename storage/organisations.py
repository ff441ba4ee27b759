"""Organisations, their admins (roles) and their invite links."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import Conflict, NotFound
from storage.models import InviteRow, OrganisationRow, RoleKind, RoleRow


@dataclass(frozen=True, slots=True)
class Organisation:
    """An organisation."""

    id: uuid.UUID
    name: str
    code: str


@dataclass(frozen=True, slots=True)
class Invite:
    """An invite link's record."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    token: str
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    max_uses: int | None
    uses: int
    revoked_at: datetime | None

    def usable(self, now: datetime) -> bool:
        """Whether someone may still join with it."""
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and (self.max_uses is None or self.uses < self.max_uses)
        )


def _org(row: OrganisationRow) -> Organisation:
    return Organisation(row.id, row.name, row.code)


def _invite(row: InviteRow) -> Invite:
    return Invite(
        row.id,
        row.organisation_id,
        row.token,
        row.label,
        row.created_at,
        row.expires_at,
        row.max_uses,
        row.uses,
        row.revoked_at,
    )


class OrganisationRepository:
    """Organisations, roles and invites; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- organisations ------------------------------------------------------------------------

    async def create(self, *, name: str, code: str, now: datetime) -> Organisation:
        """A new organisation; ``Conflict`` when the code is taken."""
        if await self.by_code(code) is not None:
            raise Conflict(f"organisation code {code!r} is taken")
        row = OrganisationRow(id=uuid.uuid4(), name=name, code=code, created_at=now)
        self._session.add(row)
        await self._session.flush()
        return _org(row)

    async def get(self, organisation_id: uuid.UUID) -> Organisation:
        """One organisation; raises ``NotFound``."""
        row = await self._session.get(OrganisationRow, organisation_id)
        if row is None:
            raise NotFound("organisation", organisation_id)
        return _org(row)

    async def by_code(self, code: str) -> Organisation | None:
        """An organisation by its short code (case-insensitive)."""
        row = await self._session.scalar(
            select(OrganisationRow).where(func.lower(OrganisationRow.code) == code.lower())
        )
        return None if row is None else _org(row)

    async def all(self) -> list[Organisation]:
        """Every organisation, by name."""
        rows = await self._session.scalars(select(OrganisationRow).order_by(OrganisationRow.name))
        return [_org(row) for row in rows]

    # --- roles --------------------------------------------------------------------------------

    async def grant(
        self,
        account_id: uuid.UUID,
        role: RoleKind,
        *,
        organisation_id: uuid.UUID | None,
        now: datetime,
    ) -> None:
        """Give a role (no-op when it is already there)."""
        if await self.has_role(account_id, role, organisation_id=organisation_id):
            return
        self._session.add(
            RoleRow(
                id=uuid.uuid4(),
                account_id=account_id,
                role=role.value,
                organisation_id=organisation_id,
                created_at=now,
            )
        )
        await self._session.flush()

    async def has_role(
        self, account_id: uuid.UUID, role: RoleKind, *, organisation_id: uuid.UUID | None = None
    ) -> bool:
        """Whether the account holds ``role`` (for that organisation, for org admins)."""
        query = select(RoleRow.id).where(
            RoleRow.account_id == account_id, RoleRow.role == role.value
        )
        if organisation_id is not None:
            query = query.where(RoleRow.organisation_id == organisation_id)
        return await self._session.scalar(query.limit(1)) is not None

    async def administered_by(self, account_id: uuid.UUID) -> list[Organisation]:
        """The organisations this account is an admin of."""
        rows = await self._session.scalars(
            select(OrganisationRow)
            .join(RoleRow, RoleRow.organisation_id == OrganisationRow.id)
            .where(RoleRow.account_id == account_id, RoleRow.role == RoleKind.ORG_ADMIN.value)
            .order_by(OrganisationRow.name)
        )
        return [_org(row) for row in rows]

    async def admins_of(self, organisation_id: uuid.UUID) -> list[uuid.UUID]:
        """Account ids of an organisation's admins."""
        return list(
            await self._session.scalars(
                select(RoleRow.account_id).where(
                    RoleRow.organisation_id == organisation_id,
                    RoleRow.role == RoleKind.ORG_ADMIN.value,
                )
            )
        )

    # --- invites ------------------------------------------------------------------------------

    async def create_invite(
        self,
        *,
        organisation_id: uuid.UUID,
        token: str,
        now: datetime,
        expires_at: datetime | None = None,
        max_uses: int | None = None,
        label: str | None = None,
    ) -> Invite:
        """A new invite link."""
        row = InviteRow(
            id=uuid.uuid4(),
            organisation_id=organisation_id,
            token=token,
            label=label,
            created_at=now,
            expires_at=expires_at,
            max_uses=max_uses,
            uses=0,
        )
        self._session.add(row)
        await self._session.flush()
        return _invite(row)

    async def invite_by_token(self, token: str) -> Invite | None:
        """The invite behind a start payload."""
        row = await self._session.scalar(select(InviteRow).where(InviteRow.token == token))
        return None if row is None else _invite(row)

    async def invite(self, invite_id: uuid.UUID) -> Invite:
        """An invite by id; raises ``NotFound``."""
        row = await self._session.get(InviteRow, invite_id)
        if row is None:
            raise NotFound("invite", invite_id)
        return _invite(row)

    async def invites(self, organisation_id: uuid.UUID) -> list[Invite]:
        """An organisation's invites, newest first."""
        rows = await self._session.scalars(
            select(InviteRow)
            .where(InviteRow.organisation_id == organisation_id)
            .order_by(InviteRow.created_at.desc(), InviteRow.id)
        )
        return [_invite(row) for row in rows]

    async def count_use(self, invite_id: uuid.UUID, *, now: datetime) -> bool:
        """Count one more person joined; False when the invite is no longer usable at ``now``.

        One statement checks what :meth:`Invite.usable` checks (not switched off, not expired,
        use limit not reached), so an invite switched off or run out meanwhile links nobody.
        """
        result = await self._session.execute(
            update(InviteRow)
            .where(
                InviteRow.id == invite_id,
                InviteRow.revoked_at.is_(None),
                InviteRow.expires_at.is_(None) | (InviteRow.expires_at > now),
                InviteRow.max_uses.is_(None) | (InviteRow.uses < InviteRow.max_uses),
            )
            .values(uses=InviteRow.uses + 1)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def revoke(self, invite_id: uuid.UUID, *, now: datetime) -> None:
        """Switch an invite off for good."""
        await self._session.execute(
            update(InviteRow)
            .where(InviteRow.id == invite_id, InviteRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )

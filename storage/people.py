"""Profiles: young people, parents and their children, with personal fields encrypted per cell."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import FieldCipher
from storage.errors import NotFound
from storage.keys import KeyRing
from storage.models import AssessmentRow, PersonRow, ProfileStatus, Role

ENCRYPTED: Final = ("nickname", "last_name", "email", "address")
"""Text fields stored as ``<name>_enc`` ciphertexts."""

# Run on every quiz press: built once (see the ``storage`` package notes).
_OWN: Final = select(PersonRow).where(
    PersonRow.account_id == bindparam("account_id"), PersonRow.role != Role.CHILD.value
)
_CHILDREN: Final = (
    select(PersonRow)
    .where(PersonRow.parent_id == bindparam("parent_id"))
    .order_by(PersonRow.created_at, PersonRow.id)
)


@dataclass(frozen=True, slots=True)
class Profile:
    """A profile with its personal fields decrypted."""

    id: uuid.UUID
    account_id: uuid.UUID
    parent_id: uuid.UUID | None
    role: Role
    status: ProfileStatus
    step: str | None
    nickname: str | None
    last_name: str | None
    email: str | None
    address: str | None
    age: int | None
    outdoor_band: str | None
    has_password: bool
    created_at: datetime
    registered_at: datetime | None

    @property
    def active(self) -> bool:
        """Registered with consent."""
        return self.status is ProfileStatus.ACTIVE


def email_index(keys: KeyRing, email: str) -> bytes:
    """Blind index of an e-mail address (case-insensitive)."""
    return keys.blind_index("email", email.strip().lower())


class PeopleRepository:
    """Reads and writes profiles; never commits."""

    def __init__(self, session: AsyncSession, cipher: FieldCipher, keys: KeyRing) -> None:
        self._session = session
        self._cipher = cipher
        self._keys = keys
        self.shown: defaultdict[str, set[uuid.UUID]] = defaultdict(set)
        """Every name, e-mail and address read or written in this unit of work, and whose it
        is: a message that contains one shows that person's data (the engine marks it so
        /forget deletes it)."""

    def _profile(self, row: PersonRow) -> Profile:
        def text(name: str) -> str | None:
            blob: bytes | None = getattr(row, f"{name}_enc")
            return self._cipher.decrypt_optional(
                blob, table="people", column=f"{name}_enc", row_id=row.id
            )

        texts = {name: text(name) for name in ENCRYPTED}
        for value in texts.values():
            if value:
                self.shown[value].add(row.id)
        return Profile(
            id=row.id,
            account_id=row.account_id,
            parent_id=row.parent_id,
            role=Role(row.role),
            status=ProfileStatus(row.status),
            step=row.step,
            nickname=texts["nickname"],
            last_name=texts["last_name"],
            email=texts["email"],
            address=texts["address"],
            age=row.age,
            outdoor_band=row.outdoor_band,
            has_password=row.password_hash is not None,
            created_at=row.created_at,
            registered_at=row.registered_at,
        )

    async def _row(self, person_id: uuid.UUID) -> PersonRow:
        row = await self._session.get(PersonRow, person_id)
        if row is None:
            raise NotFound("person", person_id)
        return row

    async def get(self, person_id: uuid.UUID) -> Profile:
        """One profile; raises ``NotFound``."""
        return self._profile(await self._row(person_id))

    async def own(self, account_id: uuid.UUID) -> Profile | None:
        """The account's own profile (a young person or a parent), if there is one."""
        row = await self._session.scalar(_OWN, {"account_id": account_id})
        return None if row is None else self._profile(row)

    async def children(self, parent_id: uuid.UUID) -> list[Profile]:
        """A parent's children, oldest registration first."""
        rows = await self._session.scalars(_CHILDREN, {"parent_id": parent_id})
        return [self._profile(row) for row in rows]

    async def create(
        self, *, account_id: uuid.UUID, role: Role, parent_id: uuid.UUID | None = None, step: str
    ) -> Profile:
        """A new draft profile."""
        row = PersonRow(
            id=uuid.uuid4(),
            account_id=account_id,
            parent_id=parent_id,
            role=role.value,
            status=ProfileStatus.DRAFT.value,
            step=step,
        )
        self._session.add(row)
        await self._session.flush()
        return self._profile(row)

    async def set_text(self, person_id: uuid.UUID, name: str, value: str | None) -> None:
        """Store (or clear) one encrypted text field; the e-mail also updates its look-up hash."""
        if name not in ENCRYPTED:
            raise ValueError(f"{name} is not an encrypted profile field")
        row = await self._row(person_id)
        if value:
            self.shown[value].add(person_id)
        setattr(
            row,
            f"{name}_enc",
            self._cipher.encrypt_optional(
                value, table="people", column=f"{name}_enc", row_id=row.id
            ),
        )
        if name == "email":
            row.email_index = None if value is None else email_index(self._keys, value)

    async def set_age(self, person_id: uuid.UUID, age: int | None) -> None:
        """Store the age in whole years."""
        (await self._row(person_id)).age = age

    async def set_outdoor_band(self, person_id: uuid.UUID, band: str | None) -> None:
        """Store the outdoor-time band."""
        (await self._row(person_id)).outdoor_band = band

    async def set_step(self, person_id: uuid.UUID, step: str | None) -> None:
        """Remember where an unfinished registration is."""
        (await self._row(person_id)).step = step

    async def set_status(
        self, person_id: uuid.UUID, status: ProfileStatus, *, now: datetime | None = None
    ) -> None:
        """Move a profile on; becoming active records when."""
        row = await self._row(person_id)
        row.status = status.value
        if status is ProfileStatus.ACTIVE and row.registered_at is None:
            row.registered_at = now
            row.step = None

    async def change_status(
        self,
        person_id: uuid.UUID,
        *,
        expected: ProfileStatus,
        status: ProfileStatus,
        now: datetime | None = None,
    ) -> bool:
        """Move a profile from ``expected`` to ``status`` only if it is still in ``expected``.

        One UPDATE ... WHERE status = expected: False (and nothing written) when someone else
        moved or deleted the profile since it was read, e.g. the parent answered on the web while
        the child pressed a button. With ``status == expected`` it is a claim: the profile is
        still as read, and stays so until commit (row lock on PostgreSQL, write lock on SQLite).
        Becoming active records when, as :meth:`set_status` does.
        """
        values: dict[str, object] = {"status": status.value}
        if status is ProfileStatus.ACTIVE and expected is not ProfileStatus.ACTIVE:
            values["registered_at"] = func.coalesce(PersonRow.registered_at, now)
            values["step"] = None
        result = await self._session.execute(
            update(PersonRow)
            .where(PersonRow.id == person_id, PersonRow.status == expected.value)
            .values(**values)
            .execution_options(synchronize_session="fetch")
        )
        changed = bool(getattr(result, "rowcount", 0) == 1)
        if not changed:  # what was read is stale: the next read shows what is there now
            await self._session.get(PersonRow, person_id, populate_existing=True)
        return changed

    async def clear(self, person_id: uuid.UUID, *names: str) -> None:
        """Forget fields of a profile: encrypted texts (``ENCRYPTED``), ``outdoor_band`` or
        ``password`` (the hash). The profile itself stays."""
        row = await self._row(person_id)
        for name in names:
            if name in ENCRYPTED:
                setattr(row, f"{name}_enc", None)
                if name == "email":
                    row.email_index = None
            elif name == "outdoor_band":
                row.outdoor_band = None
            elif name == "password":
                row.password_hash = None
            else:
                raise ValueError(f"{name} is not a profile field that can be cleared")

    async def delete_assessments(self, person_id: uuid.UUID) -> None:
        """Delete a profile's quiz sessions, answers and results (the profile stays)."""
        await self._session.execute(
            delete(AssessmentRow).where(AssessmentRow.person_id == person_id)
        )

    async def set_password_hash(self, person_id: uuid.UUID, password_hash: str) -> None:
        """Store an Argon2id hash (never a password)."""
        (await self._row(person_id)).password_hash = password_hash

    async def password_hash(self, person_id: uuid.UUID) -> str | None:
        """The stored hash, to verify a sign-in."""
        return (await self._row(person_id)).password_hash

    async def by_email(self, email: str) -> list[Profile]:
        """Profiles with this e-mail address (a parent's address may be on several)."""
        rows = await self._session.scalars(
            select(PersonRow).where(PersonRow.email_index == email_index(self._keys, email))
        )
        return [self._profile(row) for row in rows]

    async def delete(self, person_id: uuid.UUID) -> None:
        """Remove a profile and, through the foreign keys, everything hanging off it."""
        await self._session.execute(delete(PersonRow).where(PersonRow.id == person_id))

    async def delete_stale(
        self, person_id: uuid.UUID, *, status: ProfileStatus, before: datetime
    ) -> bool:
        """Delete a profile only if it is still in ``status`` and untouched since ``before``.

        False when another worker deleted it first, or the person acted in the meantime (a parent
        consented, a child went on registering): then it is theirs, not the retention job's.
        """
        result = await self._session.execute(
            delete(PersonRow).where(
                PersonRow.id == person_id,
                PersonRow.status == status.value,
                PersonRow.updated_at < before,
            )
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def stale(
        self, *, status: ProfileStatus, before: datetime, limit: int, claim: bool = False
    ) -> list[uuid.UUID]:
        """Ids of profiles in ``status`` untouched since ``before`` (for the retention jobs).

        With ``claim`` other workers skip the rows until commit (PostgreSQL). Act on them with
        :meth:`delete_stale`, whose condition is the claim that also holds on SQLite.
        """
        query = (
            select(PersonRow.id)
            .where(PersonRow.status == status.value, PersonRow.updated_at < before)
            .order_by(PersonRow.updated_at)
            .limit(limit)
        )
        if claim and self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(await self._session.scalars(query))

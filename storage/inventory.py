"""The data inventory: every table, whether it holds data about people, and how rows find them.

Each column's ``info`` (see ``storage.models.personal`` and ``plain``) says whether it is
personal, why it is kept and for how long. This module adds, per table, how its rows belong to a
person, so that /mydata exports all of it and /forget erases all of it. A test fails when a table
or a column is added without being described here and in its ``info``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import MetaData, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import FieldCipher
from storage.models import Base


class OwnerKind(StrEnum):
    """What a row's owner column points at."""

    ACCOUNT = "account"
    """An account id (the Telegram user)."""
    PERSON = "person"
    """A profile id."""
    ASSESSMENT = "assessment"
    """A quiz session id (which belongs to a person)."""
    REQUEST = "request"
    """A request id (which belongs to an account)."""


@dataclass(frozen=True, slots=True)
class Owner:
    """How rows of a table belong to someone."""

    column: str
    kind: OwnerKind


PERSONAL_TABLES: Final[dict[str, Owner]] = {
    "accounts": Owner("id", OwnerKind.ACCOUNT),
    "roles": Owner("account_id", OwnerKind.ACCOUNT),
    "people": Owner("id", OwnerKind.PERSON),
    "consents": Owner("person_id", OwnerKind.PERSON),
    "links": Owner("person_id", OwnerKind.PERSON),
    "outbox": Owner("person_id", OwnerKind.PERSON),
    "assessments": Owner("person_id", OwnerKind.PERSON),
    "answers": Owner("assessment_id", OwnerKind.ASSESSMENT),
    "requests": Owner("account_id", OwnerKind.ACCOUNT),
    "request_messages": Owner("request_id", OwnerKind.REQUEST),
    "request_copies": Owner("request_id", OwnerKind.REQUEST),
}
"""Tables with data about people, and the column that says whose."""

NOT_ABOUT_PEOPLE: Final[dict[str, str]] = {
    "organisations": "schools, clubs and municipalities: public names",
    "invites": "invite links: random tokens, counts and dates",
    "audit_events": "who did what by random account id; no personal data in the text",
    "anonymous_results": "quiz results with no id, age as a band and the month only",
    "anonymous_pending": "the same, encrypted, until enough wait to be stored together",
    "erasure_receipts": "when an erasure happened and what kinds of data, never whose",
    "request_reminders": "which request was reminded on which day",
    "alembic_version": "the schema version",
}
"""Tables that hold nothing about an identifiable person, and why."""

EXPORT_SKIPS: Final = frozenset({"tg_index", "email_index", "password_hash", "token_hash"})
"""Columns exported as a description only: keyed hashes and the password hash are not data a
person can read, and showing a hash would only help someone guess."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column as the inventory describes it."""

    table: str
    name: str
    personal: str
    """The kind of personal data, or "" when the column identifies nobody."""
    purpose: str
    retention: str


def columns(metadata: MetaData = Base.metadata) -> list[Column]:
    """Every column of every table, with its description (raises if one is undescribed)."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            info = column.info
            if "personal" not in info:
                raise LookupError(f"{table.name}.{column.name} is not described in the inventory")
            found.append(
                Column(
                    table.name,
                    column.name,
                    str(info["personal"]),
                    str(info.get("purpose", info.get("why", ""))),
                    str(info.get("retention", "")),
                )
            )
    return found


def personal_columns() -> list[Column]:
    """The columns that hold personal data: what /privacy and the README list."""
    return [c for c in columns() if c.personal]


@dataclass(frozen=True, slots=True)
class Subject:
    """Whose data: an account and/or profiles (a parent's children are profiles of theirs)."""

    account_ids: Sequence[uuid.UUID]
    person_ids: Sequence[uuid.UUID]


def _tables() -> dict[str, Table]:
    return {table.name: table for table in Base.metadata.sorted_tables}


class Inventory:
    """Finds every row about a subject, for export and erasure; never commits."""

    def __init__(self, session: AsyncSession, cipher: FieldCipher) -> None:
        self._session = session
        self._cipher = cipher

    async def _assessment_ids(self, person_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        table = _tables()["assessments"]
        if not person_ids:
            return []
        return list(
            await self._session.scalars(
                select(table.c.id).where(table.c.person_id.in_(list(person_ids)))
            )
        )

    async def _request_ids(self, account_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        table = _tables()["requests"]
        if not account_ids:
            return []
        return list(
            await self._session.scalars(
                select(table.c.id).where(table.c.account_id.in_(list(account_ids)))
            )
        )

    async def _owners(self, subject: Subject) -> dict[OwnerKind, list[uuid.UUID]]:
        return {
            OwnerKind.ACCOUNT: list(subject.account_ids),
            OwnerKind.PERSON: list(subject.person_ids),
            OwnerKind.ASSESSMENT: await self._assessment_ids(subject.person_ids),
            OwnerKind.REQUEST: await self._request_ids(subject.account_ids),
        }

    async def rows(self, subject: Subject) -> dict[str, list[dict[str, Any]]]:
        """Every row about the subject, personal values decrypted, hashes left out."""
        owners = await self._owners(subject)
        tables = _tables()
        out: dict[str, list[dict[str, Any]]] = {}
        for name, owner in PERSONAL_TABLES.items():
            ids = owners[owner.kind]
            if not ids:
                out[name] = []
                continue
            table = tables[name]
            result = await self._session.execute(
                select(table).where(table.c[owner.column].in_(ids))
            )
            out[name] = [self._readable(table, dict(row._mapping)) for row in result]
        return out

    def _readable(self, table: Table, row: dict[str, Any]) -> dict[str, Any]:
        readable: dict[str, Any] = {}
        for key, value in row.items():
            if key in EXPORT_SKIPS:
                continue
            if key.endswith("_enc"):
                readable[key.removesuffix("_enc")] = self._cipher.decrypt_optional(
                    value, table=table.name, column=key, row_id=row["id"]
                )
            else:
                readable[key] = value
        return readable

    async def counts(self, subject: Subject) -> dict[str, int]:
        """How many rows each table holds about the subject (for the erasure receipt)."""
        return {name: len(rows) for name, rows in (await self.rows(subject)).items()}


def undescribed_tables(metadata: MetaData = Base.metadata) -> list[str]:
    """Tables the inventory says nothing about (must be empty)."""
    known = {*PERSONAL_TABLES, *NOT_ABOUT_PEOPLE}
    return sorted(table.name for table in metadata.sorted_tables if table.name not in known)

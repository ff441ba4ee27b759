"""SQL tables (SQLAlchemy 2 declarative models).

Personal values live only in ``*_enc`` columns (AES-GCM bound to row and column, see
``storage.crypto``); look-ups use ``*_index`` columns (keyed hashes, see ``storage.keys``). Every
column that holds personal data is described in the data inventory, and a test keeps the two in
step.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, LargeBinary, MetaData, String, TypeDecorator, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base of all tables."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        bytes: LargeBinary(),
        uuid.UUID: Uuid(),
    }


class AccountRow(Base):
    """A Telegram user who has told the bot something worth keeping (e.g. a language)."""

    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tg_index: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    """Blind index of the Telegram user id: how an update finds its account."""
    tg_id_enc: Mapped[bytes]
    """The Telegram user id, encrypted: needed to write to the person later (e.g. a reply)."""
    locale: Mapped[str | None] = mapped_column(String(8))
    """Language the person chose with /language; None means: follow Telegram's language."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

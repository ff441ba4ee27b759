"""Database engines: SQLite (embedded default) and PostgreSQL, both through SQLAlchemy async."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.errors import StorageError


class Dialect(StrEnum):
    """SQL backends the bot runs on."""

    SQLITE = "sqlite"
    """A file under DATA_DIR; one process."""
    POSTGRESQL = "postgresql"
    """A server; many workers."""


def normalise_url(url: str) -> str:
    """Accept the usual spellings and pick the async driver, so users need not know it.

    ``postgres://`` and ``postgresql://`` become ``postgresql+asyncpg://``; ``sqlite://`` becomes
    ``sqlite+aiosqlite://``. Anything else is refused with a message saying what is supported.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StorageError("DATABASE_URL is not a database URL") from exc
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    else:
        raise StorageError(
            f"DATABASE_URL uses {backend!r}; use postgresql://... or sqlite:///path/to/file"
        )
    return parsed.render_as_string(hide_password=False)


def dialect_of(url: str | URL) -> Dialect:
    """Which backend a URL points at."""
    return Dialect(make_url(url).get_backend_name())


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite;
    # busy_timeout makes a second connection wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An async engine for ``url`` with the settings each backend needs."""
    url = normalise_url(url)
    if dialect_of(url) is Dialect.SQLITE:
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30},
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pool_pre_ping: it costs a round trip on every update. A connection the server dropped
    # fails one update (the person gets an apology) and is replaced; recycling keeps that rare.
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit (we send messages after committing)."""
    return async_sessionmaker(engine, expire_on_commit=False)

"""Unique marker values for personal fields, and the places to look for them afterwards.

A privacy test plants these in every personal field, then searches the raw database file or dump,
every Redis key and value, the logs and the outbox for them in plain text.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import redis.asyncio as aioredis
from sqlalchemy.engine import make_url

from bot.services import Services
from storage.redis_state import RedisStateStore
from storage.state import MemoryStateStore


@dataclass(frozen=True, slots=True)
class Markers:
    """One person's marker values (letters only where the field allows only letters)."""

    telegram_id: int
    nickname: str
    last_name: str
    email: str
    address: str

    def values(self) -> list[str]:
        """Every marker as it would appear in plain text."""
        return [
            str(self.telegram_id),
            self.nickname,
            self.last_name,
            self.email,
            self.email.split("@")[0],
            self.address,
            self.address.split()[0],
        ]


ZOE = Markers(
    telegram_id=987_654_321_012,
    nickname="Zorblaxia",
    last_name="Quenthorpe",
    email="mk7qz2wv@example.nl",
    address="Wubbelstraat 731, Frobnitzdam",
)
SAM = Markers(
    telegram_id=876_543_210_987,
    nickname="Yxandrel",
    last_name="Plovdivska",
    email="pq9rt4xs@example.nl",
    address="Gorsewijkplein 622, Trummelveen",
)


def found_in(text: str | bytes, markers: Markers) -> list[str]:
    """The markers that occur in ``text``."""
    haystack = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return [value for value in markers.values() if value in haystack]


async def raw_database(services: Services) -> bytes:
    """Every byte the database keeps: the SQLite file (and its WAL), or a PostgreSQL dump."""
    url = make_url(services.settings.effective_database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        path = Path(url.database)
        return b"".join(
            p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
        )
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(
        ["pg_dump", "--data-only", "--inserts", dsn], capture_output=True, check=True, timeout=60
    ).stdout


async def state_store_dump(services: Services) -> str:
    """Every key and value of the conversation-state store."""
    states = services.states
    if isinstance(states, MemoryStateStore):
        return "\n".join(states.dump())
    assert isinstance(states, RedisStateStore)
    client: aioredis.Redis = states.redis
    parts = []
    async for key in client.scan_iter(match=f"{states.prefix}:*"):
        parts.append(key.decode())
        kind = (await client.type(key)).decode()
        if kind == "string":
            value = await client.get(key)
            parts.append(value.decode("utf-8", "replace") if value else "")
    return "\n".join(parts)

"""Shared fixtures: real SQLite/PostgreSQL databases, real Redis, and the bot's services.

PostgreSQL and Redis are used for real. On a laptop without them those tests are skipped; under
``CI=true`` a missing server fails the run instead (see ``_require``).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis as syncredis
import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

import locales
from bot.config import Settings, load_settings
from bot.logs import setup_logging
from bot.services import Services, build_services
from storage import migrate
from storage.db import create_engine
from storage.keys import new_key, new_key_id
from storage.models import Base
from storage.redis_state import RedisStateStore
from tests.backends import IN_CI, TEST_DATABASE_URL, TEST_REDIS_URL

T = TypeVar("T")


def run_in_thread(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on its own loop in a thread.

    Session fixtures may be first requested from inside a running test loop, where
    ``asyncio.run`` is not allowed.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def _require(what: str, error: BaseException) -> None:
    message = f"{what} is not reachable ({type(error).__name__}: {error})"
    if IN_CI:
        pytest.fail(f"{message}; CI must not skip these tests", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def log_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every log line of the session, rendered as in production, at the most verbose level."""
    path = tmp_path_factory.mktemp("logs") / "playbot.log"
    setup_logging("DEBUG", file=path)
    return path


@pytest.fixture
def captured_logs(log_file: Path) -> Callable[[], str]:
    """What was logged since the test started (JSON lines)."""
    start = log_file.stat().st_size if log_file.exists() else 0

    def read() -> str:
        with log_file.open("rb") as fh:
            fh.seek(start)
            return fh.read().decode("utf-8")

    return read


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Tests run against the current .po files, compiled fresh."""
    locales.compile_catalogs()


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    name = f"playbot_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin_url = TEST_DATABASE_URL

    async def create() -> None:
        engine = create_engine(admin_url)
        try:
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await engine.dispose()

    async def drop() -> None:
        engine = create_engine(admin_url)
        try:
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            await engine.dispose()

    try:
        run_in_thread(create)
    except Exception as exc:
        _require("PostgreSQL (TEST_DATABASE_URL)", exc)
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        run_in_thread(drop)


@pytest.fixture(scope="session")
def pg_migrated(pg_database: str) -> str:
    """The session database, migrated to head once."""

    async def run() -> None:
        engine = create_engine(pg_database)
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()

    run_in_thread(run)
    return pg_database


async def _truncate_all(engine: AsyncEngine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database on each SQL backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        return
    url: str = request.getfixturevalue("pg_migrated")
    engine = create_engine(url)
    try:
        await _truncate_all(engine)
    finally:
        await engine.dispose()
    yield url


# --- Redis --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis, checked once."""
    client = syncredis.Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except Exception as exc:
        _require("Redis (TEST_REDIS_URL)", exc)
    finally:
        client.close()
    return TEST_REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix no other test uses; everything under it is deleted at the end."""
    prefix = f"pbtest-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = syncredis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """An async Redis connection for a test."""
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def state_backend(request: pytest.FixtureRequest) -> str | None:
    """None for the in-memory store, or a Redis URL."""
    if request.param == "memory":
        return None
    url: str = request.getfixturevalue("redis_url")
    return url


# --- The bot's services -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def key_settings() -> dict[str, str]:
    """Fixed keys for a test session (so nothing is written to a key file)."""
    return {"data_keys": f"{new_key_id()}:{new_key()}", "index_key": new_key()}


@pytest.fixture
def make_settings(tmp_path: Path, key_settings: dict[str, str]) -> Callable[..., Settings]:
    """Build ``Settings`` for a test, ignoring the developer's environment and .env."""

    def build(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "_env_file": None,
            "data_dir": tmp_path / "data",
            "bot_token": None,
            "database_url": None,
            "redis_url": None,
            **key_settings,
        }
        values.update(overrides)
        return load_settings(**values)

    return build


@pytest.fixture
async def services(
    make_settings: Callable[..., Settings],
    database_url: str,
    state_backend: str | None,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Services]:
    """The bot's services on every combination of SQL and state backend."""
    overrides: dict[str, object] = {"database_url": database_url, "redis_url": state_backend}
    if state_backend is not None:
        overrides["redis_prefix"] = request.getfixturevalue("redis_prefix")
    built = await build_services(make_settings(**overrides))
    yield built
    await built.close()


@pytest.fixture
async def embedded(make_settings: Callable[..., Settings]) -> AsyncIterator[Services]:
    """The embedded default: SQLite file, in-memory state."""
    built = await build_services(make_settings())
    yield built
    await built.close()


def redis_store_of(services: Services) -> RedisStateStore | None:
    """The Redis store of these services, if they use one."""
    return services.states if isinstance(services.states, RedisStateStore) else None

"""Alembic stairway: every revision goes up, down and up again on both SQL backends."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate
from storage.db import create_engine
from storage.models import Base


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def empty_engine(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'stairs.sqlite3'}")
        yield engine
        await engine.dispose()
        return
    url: str = request.getfixturevalue("pg_database")
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    yield engine
    await migrate.upgrade(engine)  # leave the session database migrated for the other tests
    await engine.dispose()


async def test_stairway(empty_engine: AsyncEngine) -> None:
    steps = revisions()
    assert steps, "no migrations found"
    previous = "base"
    for revision in steps:
        await migrate.upgrade(empty_engine, revision)
        await migrate.downgrade(empty_engine, previous)
        await migrate.upgrade(empty_engine, revision)
        assert await migrate.current_revision(empty_engine) == revision
        previous = revision
    assert migrate.head_revision() == steps[-1]


async def test_head_matches_the_models(empty_engine: AsyncEngine) -> None:
    await migrate.upgrade(empty_engine)
    assert await _tables(empty_engine) - {"alembic_version"} == set(Base.metadata.tables)

    def diff(connection):  # type: ignore[no-untyped-def]
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with empty_engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == []


async def test_0007_gives_latest_back_to_the_real_result(empty_engine: AsyncEngine) -> None:
    """A quiz with too many "not sure" answers used to be stored as the latest complete one."""
    await migrate.upgrade(empty_engine, "0006")
    tables = Base.metadata.tables
    accounts, people, assessments = tables["accounts"], tables["people"], tables["assessments"]
    account, person = uuid.uuid4(), uuid.uuid4()
    real, not_sure, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    start = datetime(2026, 11, 1, tzinfo=UTC)

    def session(id_: uuid.UUID, label: str, days: int, latest: bool) -> dict[str, object]:
        return {
            "id": id_,
            "person_id": person,
            "questionnaire": "teen-1",
            "questionnaire_version": "1",
            "key_version": "1",
            "locale": "nl",
            "seed": "s",
            "status": "complete",
            "age": 12,
            "result": json.dumps({"label": label, "primary": []}),
            "latest": latest,
            "started_at": start,
            "updated_at": start,
            "completed_at": start + timedelta(days=days),
        }

    async with empty_engine.begin() as conn:
        await conn.execute(
            insert(accounts).values(id=account, tg_index=b"i", tg_id_enc=b"e", created_at=start)
        )
        await conn.execute(
            insert(people).values(
                id=person,
                account_id=account,
                role="self",
                status="active",
                created_at=start,
                updated_at=start,
            )
        )
        await conn.execute(
            insert(assessments),
            [
                session(real, "clear", 1, False),
                session(other, "double", 0, False),
                session(not_sure, "incomplete", 2, True),
            ],
        )
    await migrate.upgrade(empty_engine, "0007")
    async with empty_engine.connect() as conn:
        rows = {
            row.id: (row.status, row.latest)
            for row in await conn.execute(
                select(assessments.c.id, assessments.c.status, assessments.c.latest)
            )
        }
    assert rows == {
        real: ("complete", True),
        other: ("complete", False),
        not_sure: ("abandoned", False),
    }

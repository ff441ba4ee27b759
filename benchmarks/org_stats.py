"""How long an organisation's statistics take on 100 000 synthetic results (PostgreSQL).

Fills a fresh database with members of one organisation, each with a finished quiz (and some
with a second, older one), then times ``dialogs.organisations.service.statistics`` a few times
and prints the figures. Not part of the test run: ``python -m benchmarks.org_stats``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics as stats
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from dialogs.assessment.loader import load_content
from dialogs.organisations.service import statistics
from storage import migrate
from storage.crypto import FieldCipher
from storage.db import create_engine, session_factory
from storage.keys import build_key_ring, new_key, new_key_id
from storage.models import AccountRow, AssessmentRow, ConsentRow, OrganisationRow, PersonRow
from storage.uow import Database

ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
STYLES = ("mover", "explorer", "challenger", "maker", "storyteller", "joker", "mixed")
BANDS = ("h0_1", "h1_2", "h2_4", "h4_7", "h7p", None)


async def _admin(statement: str) -> None:
    engine = create_engine(ADMIN_URL)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def fill(url: str, results: int, *, batch: int = 5000) -> uuid.UUID:
    """Members of one organisation with finished quizzes; returns the organisation id."""
    engine = create_engine(url)
    rng = random.Random(7)
    now = datetime.now(UTC)
    organisation_id = uuid.uuid4()
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(OrganisationRow).values(
                    id=organisation_id, name="Bench school", code="bench", created_at=now
                )
            )
        for start in range(0, results, batch):
            accounts, people, consents, sessions = [], [], [], []
            for _ in range(min(batch, results - start)):
                account_id, person_id = uuid.uuid4(), uuid.uuid4()
                age = rng.randint(6, 16)
                accounts.append(
                    {
                        "id": account_id,
                        "tg_index": secrets.token_bytes(32),
                        "tg_id_enc": b"x",
                        "created_at": now,
                    }
                )
                people.append(
                    {
                        "id": person_id,
                        "account_id": account_id,
                        "role": "self",
                        "status": "active",
                        "age": age,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                consents.append(
                    {
                        "id": uuid.uuid4(),
                        "person_id": person_id,
                        "scope": "organisation",
                        "organisation_id": organisation_id,
                        "given_by": "self",
                        "method": "chat",
                        "policy_version": "1.0",
                        "given_at": now,
                    }
                )
                attempts = 1 + (rng.random() < 0.2)
                for attempt in range(attempts):
                    done = now - timedelta(days=rng.randint(0, 300), seconds=attempt)
                    sessions.append(
                        {
                            "id": uuid.uuid4(),
                            "person_id": person_id,
                            "questionnaire": "kids" if age < 10 else "teen",
                            "questionnaire_version": "1.0.0",
                            "key_version": "1",
                            "locale": "nl",
                            "seed": "s",
                            "status": "complete",
                            "age": age,
                            "outdoor_band": rng.choice(BANDS),
                            "top_style": rng.choice(STYLES),
                            "looks_random": rng.random() < 0.03,
                            "latest": attempt == attempts - 1,
                            "started_at": done,
                            "updated_at": done,
                            "completed_at": done,
                        }
                    )
            async with engine.begin() as conn:
                await conn.execute(insert(AccountRow), accounts)
                await conn.execute(insert(PersonRow), people)
                await conn.execute(insert(ConsentRow), consents)
                await conn.execute(insert(AssessmentRow), sessions)
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return organisation_id


async def main(results: int, repeats: int) -> dict[str, object]:
    name = f"playbot_bench_stats_{os.getpid()}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_engine(url)
        await migrate.upgrade(engine)
        await engine.dispose()
        started = time.perf_counter()
        organisation_id = await fill(url, results)
        filled = time.perf_counter() - started
        keys = build_key_ring(f"{new_key_id()}:{new_key()}", new_key())
        engine = create_engine(url)
        db = Database(session_factory(engine), FieldCipher(keys), keys)
        content = load_content()
        timings = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            async with db.unit_of_work() as uow:
                organisation = await uow.organisations.get(organisation_id)
                result = await statistics(uow, organisation=organisation, content=content, k=10)
            timings.append(time.perf_counter() - t0)
        await engine.dispose()
        report: dict[str, object] = {
            "results": results,
            "fill_seconds": round(filled, 1),
            "stats_ms_median": round(stats.median(timings) * 1000, 1),
            "stats_ms_min": round(min(timings) * 1000, 1),
            "stats_ms_max": round(max(timings) * 1000, 1),
            "members_shown": result.members,
            "completed_shown": result.completed,
            "forms": [f"{f.form}-{f.major}" for f in result.forms],
        }
        print(f"organisation statistics on {results} synthetic results (PostgreSQL)")
        print(f"  filled in {report['fill_seconds']} s")
        print(
            f"  statistics: median {report['stats_ms_median']} ms, "
            f"min {report['stats_ms_min']} ms, max {report['stats_ms_max']} ms "
            f"over {repeats} runs"
        )
        print(f"  members {result.members}, finished {result.completed}, forms {report['forms']}")
        return report
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    measured = asyncio.run(main(args.results, args.repeats))
    if args.json:
        Path(args.json).write_text(json.dumps(measured, indent=2), encoding="utf-8")

"""Anonymous results of erasures: kept encrypted until enough wait, then stored in random order.

Written in the erasure's transaction, a result could be matched to the erasure receipt (by
PostgreSQL's transaction id or SQLite's row order); stored later, together with others and
shuffled, nothing ties one of them to one erasure. The same tests on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services import Services
from storage import erasure
from storage.erasure import ANONYMOUS_BATCH, AnonymousResult
from storage.models import AnonymousPendingRow, AnonymousResultRow


def result(n: int) -> AnonymousResult:
    return AnonymousResult(
        questionnaire="teen",
        questionnaire_version="1.0.1",
        key_version="styles-2",
        age_band="13-16",
        month=f"2026-{n:02d}",  # tells the rows apart, in the order they were kept
        answers={"Q_MOVE_01": f"Q_MOVE_01_{n}"},
        result={"primary": ["mover"], "label": "clear"},
        top_style="mover",
        looks_random=False,
    )


async def keep(services: Services, *numbers: int) -> None:
    for n in numbers:  # one erasure each
        async with services.db.unit_of_work() as uow:
            await uow.erasure.keep_anonymous([result(n)])
            await uow.commit()


async def store(services: Services) -> int:
    async with services.db.unit_of_work() as uow:
        moved = await uow.erasure.store_anonymous()
        await uow.commit()
    return moved


async def stored_months(services: Services) -> list[str]:
    """The stored rows in the order the database keeps them (no ORDER BY: physical order)."""
    async with services.db.sessions() as session:
        return list(await session.scalars(select(AnonymousResultRow.month)))


async def test_results_wait_encrypted_until_enough_can_be_stored_together(
    services: Services,
) -> None:
    await keep(services, *range(1, ANONYMOUS_BATCH))
    assert await store(services) == 0  # one short: they all wait
    assert await stored_months(services) == []
    async with services.db.sessions() as session:
        waiting = (await session.scalars(select(AnonymousPendingRow.result_enc))).all()
    assert len(waiting) == ANONYMOUS_BATCH - 1
    assert not any(b"Q_MOVE_01" in blob or b"2026-" in blob for blob in waiting)  # encrypted

    await keep(services, ANONYMOUS_BATCH)
    assert await store(services) == ANONYMOUS_BATCH
    assert sorted(await stored_months(services)) == [
        f"2026-{n:02d}" for n in range(1, ANONYMOUS_BATCH + 1)
    ]
    async with services.db.sessions() as session:
        assert (await session.scalars(select(AnonymousPendingRow))).all() == []
        row = (await session.scalars(select(AnonymousResultRow))).first()
    assert row is not None and row.answers.startswith('{"Q_MOVE_01": "Q_MOVE_01_')
    assert await store(services) == 0  # nothing moves twice


async def test_they_are_stored_in_random_order(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 8  # 8! orders: the kept order comes back by chance once in 40,320
    # Without the shuffle the database keeps them in the order they were kept, so the order
    # read back is a fair witness...
    with monkeypatch.context() as unshuffled:
        unshuffled.setattr(erasure._SHUFFLE, "shuffle", lambda items: None)
        await keep(services, *range(1, count + 1))
        await store(services)
    in_order = [f"2026-{n:02d}" for n in range(1, count + 1)]
    assert await stored_months(services) == in_order
    # ...and with it, a batch does not come back in the order of the erasures.
    await keep(services, *range(11, 11 + count))
    await store(services)
    second = (await stored_months(services))[count:]
    assert sorted(second) == [f"2026-{n:02d}" for n in range(11, 11 + count)]
    assert second != sorted(second)


async def test_a_worker_that_takes_too_few_puts_them_back(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers counted five; the first took them, the second's DELETE finds only what came
    since: it must not store that one alone."""
    await keep(services, 1)
    async with services.db.unit_of_work() as uow:  # the count says five, the DELETE finds one
        real_count = uow.erasure._session.scalar

        async def counted_five(*args: object, **kwargs: object) -> object:
            return ANONYMOUS_BATCH

        monkeypatch.setattr(uow.erasure._session, "scalar", counted_five)
        assert await uow.erasure.store_anonymous() == 0
        monkeypatch.setattr(uow.erasure._session, "scalar", real_count)
        await uow.commit()
    assert await stored_months(services) == []
    async with services.db.sessions() as session:
        assert len((await session.scalars(select(AnonymousPendingRow))).all()) == 1  # still there

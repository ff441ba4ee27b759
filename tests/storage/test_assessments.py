"""Sessions and answers on SQLite and PostgreSQL: the statements every quiz press runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services import Services
from storage.assessments import Session
from storage.models import Role
from storage.people import Profile
from storage.uow import UnitOfWork

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


async def start_session(
    uow: UnitOfWork, telegram_id: int, *, now: datetime = NOW
) -> tuple[Profile, Session]:
    account = await uow.accounts.ensure(telegram_id)
    person = await uow.people.create(account_id=account.id, role=Role.SELF, step="done")
    session = await uow.assessments.start(
        person_id=person.id,
        questionnaire="teen",
        questionnaire_version="1",
        key_version="1",
        locale="nl",
        seed="00ff",
        age=14,
        outdoor_band=None,
        now=now,
    )
    return person, session


async def test_an_answer_given_again_replaces_the_first_even_in_the_same_update(
    services: Services,
) -> None:
    async with services.db.unit_of_work() as uow:
        _, session = await start_session(uow, 1001)
        await uow.assessments.answer(
            session.id, item_id="q1", option_id="a", position=0, seconds=2.5, now=NOW
        )
        assert (await uow.assessments.answers(session.id))["q1"].option_id == "a"

        later = NOW + timedelta(seconds=30)
        await uow.assessments.answer(
            session.id, item_id="q1", option_id="c", position=2, seconds=None, now=later
        )
        again = await uow.assessments.answers(session.id)
        assert again["q1"].option_id == "c"
        assert (again["q1"].position, again["q1"].seconds) == (2, None)
        await uow.commit()
    async with services.db.unit_of_work() as uow:
        stored = await uow.assessments.answers(session.id)
        assert list(stored) == ["q1"]
        assert stored["q1"].option_id == "c"
        assert stored["q1"].answered_at.replace(tzinfo=UTC) == later


async def test_the_open_session_is_found_among_several_people_and_touch_moves_it_first(
    services: Services,
) -> None:
    async with services.db.unit_of_work() as uow:
        first, older = await start_session(uow, 2001)
        second, newer = await start_session(uow, 2002, now=NOW + timedelta(minutes=1))
        assert await uow.assessments.open_for([]) is None
        assert (await uow.assessments.open_for([first.id])) == older
        both = [first.id, second.id]
        found = await uow.assessments.open_for(both)
        assert found is not None and found.id == newer.id

        await uow.assessments.touch(older.id, now=NOW + timedelta(minutes=5))
        found = await uow.assessments.open_for(both)
        assert found is not None and found.id == older.id
        await uow.commit()

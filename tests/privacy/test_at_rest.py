"""Personal data is encrypted at rest, and never reaches the logs or the state store.

Issue 3's proof: plant marker values in every personal field, then read the raw SQLite file or a
PostgreSQL dump, every Redis key and value, and the logs: no marker may be there in plain text.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.services import Services
from tests.chat import ChatDriver
from tests.privacy.markers import SAM, ZOE, Markers, found_in, raw_database, state_store_dump


async def register_with_markers(services: Services, person: Markers, *, under_16: bool) -> None:
    chat = ChatDriver(services.engine, user_id=person.telegram_id, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send(person.nickname)
    if under_16:
        await chat.press("12")
        await chat.send(person.email)
        await chat.press("Yes, send it")
        return
    await chat.press("16")
    await chat.send(person.email)
    await chat.send(person.last_name)
    await chat.send(person.address)
    await chat.press("2 to 4")
    await chat.press("Yes, sign me up")


async def test_no_marker_in_plain_text_anywhere(
    services: Services, captured_logs: Callable[[], str]
) -> None:
    await register_with_markers(services, ZOE, under_16=False)
    await register_with_markers(services, SAM, under_16=True)
    async with services.db.unit_of_work() as uow:  # the data is really there, decryptable
        account = await uow.accounts.by_telegram(ZOE.telegram_id)
        assert account is not None
        profile = await uow.people.own(account.id)
        assert profile is not None
        assert (profile.nickname, profile.email, profile.address) == (
            ZOE.nickname,
            ZOE.email,
            ZOE.address,
        )
        assert await uow.outbox.count(purpose="consent") == 1  # the mail holds SAM's name
    raw = await raw_database(services)
    assert len(raw) > 1000
    state = await state_store_dump(services)
    logs = captured_logs()
    assert "registration_completed" in logs  # logging did happen
    for person in (ZOE, SAM):
        assert found_in(raw, person) == []
        assert found_in(state, person) == []
        assert found_in(logs, person) == []

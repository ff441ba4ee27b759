"""The retention jobs: each deletes what its period says, and tells whoever must be told."""

from __future__ import annotations

from datetime import timedelta

from bot.jobs import Retention
from bot.services import Services
from tests.chat import ChatDriver
from tests.messenger import RecordingMessenger


async def under_16_waiting(services: Services, user_id: int) -> ChatDriver:
    chat = ChatDriver(services.engine, user_id=user_id, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")
    await chat.press("12")
    await chat.send("parent@example.nl")
    await chat.press("Yes, send it")
    return chat


async def test_unanswered_consent_requests_expire_and_the_child_is_told(
    services: Services,
) -> None:
    chat = await under_16_waiting(services, 9_400_001)
    services.messenger = told = RecordingMessenger()
    retention = Retention(services)
    now = services.engine.clock()
    assert await retention.expire_consent_requests(now + timedelta(days=6)) == 0
    assert await retention.expire_consent_requests(now + timedelta(days=8)) == 1
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        assert await uow.people.own(account.id) is None  # purged
        assert await uow.outbox.count(purpose="consent") == 0  # the queued mail went too
    assert told.last.chat_id == chat.user.id
    assert told.last.text.startswith("Your parent didn't answer the e-mail in time")


async def test_abandoned_sign_ups_and_quizzes_are_purged(services: Services) -> None:
    chat = ChatDriver(services.engine, user_id=9_400_002, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Zoë")
    retention = Retention(services)
    now = services.engine.clock()
    assert await retention.purge_drafts(now + timedelta(days=29)) == 0
    assert await retention.purge_drafts(now + timedelta(days=31)) == 1
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None and await uow.people.own(account.id) is None

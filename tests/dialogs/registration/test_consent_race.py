"""The child's "send the e-mail again" and the parent's answer on the web, at the same time.

Each side changes the child's status only if it is still the one it read (compare-and-set in
SQL), so neither undoes the other: a parent's yes stands, and the child is told about it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.services import Services, build_services
from dialogs.effects import AnswerCallback
from dialogs.registration import consent
from dialogs.registration.flow import RegistrationFlow, Who
from storage.consents import ConsentScope
from storage.links import LinkProblem
from storage.models import ProfileStatus
from storage.people import Profile
from tests.chat import ChatDriver

SAM = 5_300_001


@pytest.fixture
async def bot(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Services]:
    services = await build_services(make_settings(database_url=database_url))
    yield services
    await services.close()


async def waiting(bot: Services) -> ChatDriver:
    """Sam (12) asked the parent and looks at the waiting screen."""
    chat = ChatDriver(bot.engine, user_id=SAM, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")
    await chat.press("12")
    await chat.send("parent@example.nl")
    await chat.press("Yes, send it")
    await chat.send("/start")
    assert chat.last_text.startswith("We're waiting for your parent")
    return chat


async def mailed_consent_tokens(bot: Services, purpose: str = "consent") -> list[str]:
    """Tokens of the consent links in the mails queued since the last call (``org_consent``:
    an organisation's question to the parent)."""
    async with bot.db.unit_of_work() as uow:
        queued = await uow.outbox.claim_due(
            now=bot.engine.clock(), limit=10, lease=timedelta(minutes=1)
        )
        await uow.commit()
    return [
        m.group(1)
        for q in queued
        if q.purpose == purpose
        for m in [re.search(r"/consent/([A-Za-z0-9_-]+)", q.mail.text)]
        if m is not None
    ]


async def parent_says_yes(bot: Services, token: str) -> consent.ConsentAnswered | LinkProblem:
    engine = bot.engine
    async with bot.db.unit_of_work() as uow:
        answered = await consent.answer(
            uow,
            token,
            approve=True,
            now=engine.clock(),
            settings=engine.settings,
            translator=engine.translator,
            codec=engine.codec,
        )
        if not isinstance(answered, LinkProblem):
            await uow.commit()
    return answered


async def sam(bot: Services) -> Profile:
    async with bot.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(SAM)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        return own


async def assert_the_yes_stands(bot: Services, chat: ChatDriver) -> None:
    own = await sam(bot)
    assert (own.status, own.step) == (ProfileStatus.DRAFT, "last_name")
    async with bot.db.unit_of_work() as uow:
        consents = await uow.consents.for_person(own.id)
        assert [c.scope for c in consents] == [ConsentScope.SERVICE]
        assert await uow.outbox.count(purpose="consent") == 1  # no second request was mailed
    assert "Your parent already said yes! 🎉" in chat.texts()
    assert chat.last_text.startswith("What is your last name?")
    assert "Sent again." not in [text for _, text in chat.messenger.answers]


async def test_change_status_is_a_compare_and_set(bot: Services) -> None:
    await waiting(bot)
    own = await sam(bot)
    awaiting, draft = ProfileStatus.AWAITING_CONSENT, ProfileStatus.DRAFT
    async with bot.db.unit_of_work() as stale:
        read = await stale.people.get(own.id)  # the chat reads ...
        async with bot.db.unit_of_work() as web:  # ... the web moves the child on and commits
            assert await web.people.change_status(own.id, expected=awaiting, status=draft)
            await web.commit()
        assert read.status is awaiting
        assert not await stale.people.change_status(own.id, expected=awaiting, status=awaiting)
        assert (await stale.people.get(own.id)).status is draft  # a re-read shows the truth
        await stale.commit()
    assert (await sam(bot)).status is draft
    now = bot.engine.clock()
    async with bot.db.unit_of_work() as uow:
        assert await uow.people.change_status(
            own.id, expected=draft, status=ProfileStatus.ACTIVE, now=now
        )
        await uow.commit()
    done = await sam(bot)
    assert done.status is ProfileStatus.ACTIVE and done.step is None
    assert done.registered_at is not None


def later(bot: Services, minutes: int = 11) -> None:
    """Move the bot's clock past the wait between two consent mails."""
    clock = bot.engine.clock
    bot.engine.clock = lambda: clock() + timedelta(minutes=minutes)


async def test_send_again_waits_a_while_so_the_first_link_keeps_working(bot: Services) -> None:
    chat = await waiting(bot)
    assert len(await mailed_consent_tokens(bot)) == 1
    effects = await chat.press("Send the e-mail again")
    [answer] = [e for e in effects if isinstance(e, AnswerCallback)]
    assert answer.text is not None and answer.text.startswith("I sent it just now.")
    assert await mailed_consent_tokens(bot) == []  # no second mail: the first link still works
    later(bot)
    await chat.press("Send the e-mail again")
    assert len(await mailed_consent_tokens(bot)) == 1


async def test_the_first_link_says_a_newer_mail_was_sent(bot: Services) -> None:
    """The parent opening the older mail learns why it stopped working, not "check the link"."""
    chat = await waiting(bot)
    [first] = await mailed_consent_tokens(bot)
    later(bot)
    await chat.press("Send the e-mail again")
    [second] = await mailed_consent_tokens(bot)
    assert await parent_says_yes(bot, first) is LinkProblem.REPLACED
    assert (await sam(bot)).status is ProfileStatus.AWAITING_CONSENT  # nothing was decided
    assert not isinstance(await parent_says_yes(bot, second), LinkProblem)
    assert await parent_says_yes(bot, first) is LinkProblem.REPLACED  # still, after the yes


async def test_send_again_after_the_parent_said_yes(bot: Services) -> None:
    chat = await waiting(bot)
    [token] = await mailed_consent_tokens(bot)
    assert not isinstance(await parent_says_yes(bot, token), LinkProblem)
    later(bot)
    await chat.press("Send the e-mail again")  # the old waiting screen
    await assert_the_yes_stands(bot, chat)


async def test_send_again_while_the_parent_says_yes(
    bot: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web commits its yes after the chat read the status, before the chat writes."""
    chat = await waiting(bot)
    [token] = await mailed_consent_tokens(bot)
    read = RegistrationFlow._who
    answered: list[consent.ConsentAnswered | LinkProblem] = []

    async def read_then_the_parent_answers(self: RegistrationFlow, ctx: object) -> Who:
        who = await read(self, ctx)  # type: ignore[arg-type]
        if not answered:
            assert who.own is not None and who.own.status is ProfileStatus.AWAITING_CONSENT
            answered.append(await parent_says_yes(bot, token))
        return who

    monkeypatch.setattr(RegistrationFlow, "_who", read_then_the_parent_answers)
    later(bot)
    await chat.press("Send the e-mail again")
    monkeypatch.undo()
    [outcome] = answered
    assert not isinstance(outcome, LinkProblem) and outcome.approved
    await assert_the_yes_stands(bot, chat)


async def test_the_web_answers_only_while_the_child_waits(bot: Services) -> None:
    await waiting(bot)
    [token] = await mailed_consent_tokens(bot)
    own = await sam(bot)
    async with bot.db.unit_of_work() as uow:  # the child moved on meanwhile (here: by hand)
        await uow.people.set_status(own.id, ProfileStatus.DRAFT)
        await uow.commit()
    assert await parent_says_yes(bot, token) is LinkProblem.CLOSED
    async with bot.db.unit_of_work() as uow:
        assert await uow.consents.for_person(own.id) == []


async def test_the_parents_address_is_called_the_parents(bot: Services) -> None:
    chat = await waiting(bot)
    [token] = await mailed_consent_tokens(bot)
    assert not isinstance(await parent_says_yes(bot, token), LinkProblem)
    await chat.send("/start")
    await chat.send("Jansen")
    await chat.send("Dorpsstraat 1, Ede")
    await chat.press("Less than 1 hour")
    assert "Parent's e-mail: <b>parent@example.nl</b>" in chat.last_text  # the check before yes
    await chat.press("Yes")
    await chat.send("/mydata")
    summary = next(t for t in reversed(chat.texts()) if "Everything I keep" in t)
    assert "Parent's e-mail: parent@example.nl" in summary and "\nE-mail:" not in summary

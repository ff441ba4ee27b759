"""A parent's answer to an organisation request, on the web: only while the request is open.

The link only asks; the request is the child's pending invite of that organisation. After the
child said no, withdrew, or turned 16, or once the invite is switched off, expired or used up,
the answer stores nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from bot.config import Settings
from bot.services import Services, build_services
from dialogs.organisations import consent as org_consent
from storage.consents import ConsentScope, GivenBy, Method
from storage.links import LinkProblem
from storage.models import LinkPurpose, ProfileStatus
from storage.people import Profile
from tests.chat import ChatDriver
from tests.dialogs.registration.test_consent_race import mailed_consent_tokens

SAM = 5_200_001


@pytest.fixture
async def bot(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Services]:
    services = await build_services(make_settings(database_url=database_url))
    yield services
    await services.close()


@dataclass
class Request:
    """Sam (12, signed up alone) asked the parent about the invite; the mailed link's token."""

    chat: ChatDriver
    sam: Profile
    organisation_id: uuid.UUID
    invite_id: uuid.UUID
    invite_token: str
    token: str


async def mailed_tokens(bot: Services) -> list[str]:
    return await mailed_consent_tokens(bot, purpose="org_consent")


async def ask_parent(
    bot: Services, *, max_uses: int | None = None, expires_at: datetime | None = None
) -> Request:
    now = bot.engine.clock()
    async with bot.db.unit_of_work() as uow:
        organisation = await uow.organisations.create(name="De Regenboog", code="rb", now=now)
        invite = await uow.organisations.create_invite(
            organisation_id=organisation.id,
            token="I" * 22,
            now=now,
            max_uses=max_uses,
            expires_at=expires_at,
        )
        await uow.commit()
    chat = ChatDriver(bot.engine, user_id=SAM, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")
    await chat.press("12")
    await chat.send("parent@example.nl")
    await chat.press("Yes, send it")
    async with bot.db.unit_of_work() as uow:  # the parent said yes to the registration
        account = await uow.accounts.by_telegram(SAM)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        await uow.consents.give(
            person_id=own.id,
            scope=ConsentScope.SERVICE,
            given_by=GivenBy.PARENT,
            method=Method.EMAIL,
            policy_version="1.0",
            now=now,
        )
        await uow.people.set_status(own.id, ProfileStatus.ACTIVE, now=now)
        await uow.accounts.set_policy_version(account.id, "1.0")
        await uow.commit()
    await mailed_tokens(bot)  # the registration mail
    await chat.send(f"/start {invite.token}")
    await chat.press("Ask my parent")
    [token] = await mailed_tokens(bot)
    return Request(chat, own, organisation.id, invite.id, invite.token, token)


async def parent_answers(
    bot: Services, token: str, *, approve: bool = True, later: timedelta = timedelta()
) -> org_consent.OrganisationConsentAnswered | LinkProblem:
    """The web page's view, then its answer, in one unit of work committed only on success."""
    now = bot.engine.clock() + later
    settings = bot.engine.settings
    async with bot.db.unit_of_work() as uow:
        seen = await org_consent.view(uow, token, now=now, settings=settings)
        answered = await org_consent.answer(
            uow, token, approve=approve, now=now, settings=settings, translator=bot.translator
        )
        assert isinstance(seen, LinkProblem) == isinstance(answered, LinkProblem)
        if not isinstance(answered, LinkProblem):
            await uow.commit()
    return answered


async def shared(bot: Services, request: Request) -> bool:
    async with bot.db.unit_of_work() as uow:
        found = await uow.consents.active_for(request.sam.id, request.organisation_id)
    return found is not None


async def uses(bot: Services, request: Request) -> int:
    async with bot.db.unit_of_work() as uow:
        return (await uow.organisations.invite(request.invite_id)).uses


async def test_the_parents_yes_while_the_request_is_open(bot: Services) -> None:
    request = await ask_parent(bot)
    answered = await parent_answers(bot, request.token)
    assert not isinstance(answered, LinkProblem) and answered.approved
    assert await shared(bot, request) and await uses(bot, request) == 1
    assert await parent_answers(bot, request.token) is LinkProblem.USED


async def test_the_parents_no_closes_the_request(bot: Services) -> None:
    request = await ask_parent(bot)
    answered = await parent_answers(bot, request.token, approve=False)
    assert not isinstance(answered, LinkProblem) and not answered.approved
    assert not await shared(bot, request) and await uses(bot, request) == 0
    async with bot.db.unit_of_work() as uow:  # not asked again
        account = await uow.accounts.by_telegram(SAM)
        assert account is not None and account.pending_invite_id is None


async def switch_off(bot: Services, request: Request) -> None:
    async with bot.db.unit_of_work() as uow:
        await uow.organisations.revoke(request.invite_id, now=bot.engine.clock())
        await uow.commit()


async def use_up(bot: Services, request: Request) -> None:
    async with bot.db.unit_of_work() as uow:  # somebody else joined with the last place
        assert await uow.organisations.count_use(request.invite_id, now=bot.engine.clock())
        await uow.commit()


async def turn_16_behind_the_chats_back(bot: Services, request: Request) -> None:
    async with bot.db.unit_of_work() as uow:  # the link stays, but Sam decides now
        await uow.people.set_age(request.sam.id, 16)
        await uow.commit()


@pytest.mark.parametrize(
    ("close", "max_uses", "later"),
    [
        (switch_off, None, timedelta()),
        (use_up, 1, timedelta()),
        (turn_16_behind_the_chats_back, None, timedelta()),
        (None, None, timedelta(days=2)),  # the invite ran out; the mailed link did not
    ],
    ids=["switched-off", "used-up", "sixteen", "expired-invite"],
)
async def test_a_closed_request_stores_nothing(
    bot: Services,
    close: Callable[[Services, Request], Awaitable[None]] | None,
    max_uses: int | None,
    later: timedelta,
) -> None:
    request = await ask_parent(
        bot, max_uses=max_uses, expires_at=bot.engine.clock() + timedelta(days=1)
    )
    if close is not None:
        await close(bot, request)
    before = await uses(bot, request)
    assert await parent_answers(bot, request.token, later=later) is LinkProblem.CLOSED
    assert not await shared(bot, request)
    assert await uses(bot, request) == before
    async with bot.db.unit_of_work() as uow:  # the link was not used up either
        link = await uow.links.check(request.token, LinkPurpose.ORG_CONSENT, now=bot.engine.clock())
    assert not isinstance(link, LinkProblem)


async def test_no_thanks_in_the_chat_closes_the_mailed_request(bot: Services) -> None:
    request = await ask_parent(bot)
    await request.chat.send(f"/start {request.invite_token}")
    await request.chat.press("No, thanks")
    assert await parent_answers(bot, request.token) is LinkProblem.CLOSED  # nothing to answer
    assert not await shared(bot, request) and await uses(bot, request) == 0


async def test_withdrawing_closes_a_request_still_in_the_mail(bot: Services) -> None:
    request = await ask_parent(bot)
    assert not isinstance(await parent_answers(bot, request.token), LinkProblem)
    await request.chat.send(f"/start {request.invite_token}")  # asked again, and mailed again
    await request.chat.press("Ask my parent")
    [token] = await mailed_tokens(bot)
    await request.chat.send("/organisations")
    await request.chat.press("Stop De Regenboog")
    await request.chat.press("Yes, stop")
    assert not await shared(bot, request)
    # The second mail must not undo the withdrawal.
    assert await parent_answers(bot, token) is LinkProblem.CLOSED  # nothing to answer
    assert not await shared(bot, request)


async def test_turning_16_in_the_chat_closes_the_mailed_request(bot: Services) -> None:
    request = await ask_parent(bot)
    await request.chat.send("/edit")
    await request.chat.press("Age")
    await request.chat.send("16")
    assert await parent_answers(bot, request.token) is LinkProblem.CLOSED  # nothing to answer
    assert not await shared(bot, request)


async def test_a_new_parent_address_closes_the_request_mailed_to_the_old_one(bot: Services) -> None:
    request = await ask_parent(bot)
    await request.chat.send("/edit")
    await request.chat.press("Parent's e-mail")
    await request.chat.send("other.parent@example.nl")
    assert "Open the invite link again to ask at the new address." in request.chat.last_text
    assert await parent_answers(bot, request.token) is LinkProblem.CLOSED
    assert not await shared(bot, request)

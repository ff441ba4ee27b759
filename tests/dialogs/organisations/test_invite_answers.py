"""Invites between the offer and the answer: switched off, expired, a newer one, a no after a yes.

On both SQL backends: ``count_use`` checks in one statement what ``Invite.usable`` checks.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.services import Services, build_services
from dialogs.organisations import service
from dialogs.payload import Payload
from tests.chat import ChatDriver
from tests.dialogs.organisations.test_consent import ask_parent, mailed_tokens
from tests.dialogs.organisations.test_flow import (
    PLATFORM,
    consents_of,
    invite_uses,
    new_link,
    setup_orgs,
    sign_up_teen,
)

STALE = "That button is from an older message. Please use the newest one."
CLOSED = (
    "That invite link doesn't work (any more). Ask whoever sent it for a new one. "
    "You can still use the bot!"
)


@pytest.fixture
async def bot(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Services]:
    services = await build_services(
        make_settings(database_url=database_url, admin_ids=frozenset({PLATFORM}))
    )
    yield services
    await services.close()


def later(bot: Services, delta: timedelta) -> None:
    real = bot.engine.clock
    bot.engine.clock = lambda: real() + delta


async def invites_by_label(bot: Services, code: str) -> dict[str | None, bool]:
    """Label -> still switched on."""
    async with bot.db.unit_of_work() as uow:
        org = await uow.organisations.by_code(code)
        assert org is not None
        return {i.label: i.revoked_at is None for i in await uow.organisations.invites(org.id)}


async def offered(bot: Services, user_id: int, args: str = "") -> tuple[ChatDriver, ChatDriver]:
    """An admin of school-a, and Zoë who signed up through its invite and is being asked."""
    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a, args)
    zoe = ChatDriver(bot.engine, user_id=user_id, language_code="en")
    await zoe.send(f"/start {token}")
    await sign_up_teen(zoe)
    assert "May De Regenboog see this?" in zoe.last_text
    return admin_a, zoe


# --- 3: an invite that stopped working after the offer ----------------------------------------


async def test_an_invite_switched_off_after_the_offer_links_nobody(bot: Services) -> None:
    admin_a, zoe = await offered(bot, 5_300_001)
    await admin_a.send("/invites")
    await admin_a.press("Switch off 1")

    await zoe.press("✅ Yes")

    assert zoe.last_text == CLOSED
    assert await consents_of(bot, zoe.user.id) == []
    assert await invite_uses(bot, "school-a") == [0]
    await zoe.send("/start")
    assert "would like to see" not in zoe.last_text  # the offer is gone


async def test_an_invite_that_expired_after_the_offer_links_nobody(bot: Services) -> None:
    _, zoe = await offered(bot, 5_300_002, "1d")
    later(bot, timedelta(days=2))

    await zoe.press("✅ Yes")

    assert zoe.last_text == CLOSED
    assert await consents_of(bot, zoe.user.id) == []
    assert await invite_uses(bot, "school-a") == [0]


async def test_count_use_checks_switched_off_and_expiry_in_the_statement(bot: Services) -> None:
    now = bot.engine.clock()
    async with bot.db.unit_of_work() as uow:
        org = await uow.organisations.create(name="De Regenboog", code="rb", now=now)
        ids: dict[str, uuid.UUID] = {}
        for name, expires in (("open", None), ("dated", now + timedelta(days=1))):
            invite = await uow.organisations.create_invite(
                organisation_id=org.id, token=name * 4, now=now, expires_at=expires
            )
            ids[name] = invite.id
        limited = await uow.organisations.create_invite(
            organisation_id=org.id, token="limited", now=now, max_uses=1
        )
        await uow.commit()
    async with bot.db.unit_of_work() as uow:
        assert await uow.organisations.count_use(ids["dated"], now=now + timedelta(hours=1))
        assert not await uow.organisations.count_use(ids["dated"], now=now + timedelta(days=2))
        assert await uow.organisations.count_use(limited.id, now=now)
        assert not await uow.organisations.count_use(limited.id, now=now)
        await uow.organisations.revoke(ids["open"], now=now)
        assert not await uow.organisations.count_use(ids["open"], now=now)
        await uow.commit()
    async with bot.db.unit_of_work() as uow:
        assert [(await uow.organisations.invite(i)).uses for i in ids.values()] == [0, 1]


async def test_asking_the_parent_about_a_switched_off_invite_mails_nobody(bot: Services) -> None:
    request = await ask_parent(bot)  # asked once already; the link opened again
    await request.chat.send(f"/start {request.invite_token}")
    async with bot.db.unit_of_work() as uow:
        await uow.organisations.revoke(request.invite_id, now=bot.engine.clock())
        await uow.commit()

    await request.chat.press("Ask my parent")

    assert request.chat.last_text == CLOSED
    assert await mailed_tokens(bot) == []
    async with bot.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(request.chat.user.id)
        assert account is not None and account.pending_invite_id is None


# --- 4: switching off the invite on the button -------------------------------------------------


async def test_switch_off_hits_the_invite_on_the_button_after_a_newer_one(bot: Services) -> None:
    platform, admin_a, _ = await setup_orgs(bot)
    await new_link(admin_a, "first")
    await admin_a.send("/invites")
    listing = admin_a.mine()[-1]
    later(bot, timedelta(minutes=1))
    await new_link(platform, "school-a second")  # another admin, meanwhile: now first in line

    await admin_a.press("Switch off 1", listing)

    assert await invites_by_label(bot, "school-a") == {"first": False, "second": True}
    assert "1. second: 0 joined, active" in admin_a.last_text
    assert "2. first: 0 joined, switched off" in admin_a.last_text


async def test_switch_off_refuses_an_invite_of_another_organisation(bot: Services) -> None:
    _, admin_a, admin_b = await setup_orgs(bot)
    await new_link(admin_a, "ours")
    await new_link(admin_b, "theirs")
    async with bot.db.unit_of_work() as uow:
        club = await uow.organisations.by_code("club-b")
        assert club is not None
        [theirs] = await uow.organisations.invites(club.id)
    await admin_a.send("/invites")
    listing, button = admin_a.button("Switch off 1")
    assert button.data is not None
    codec = bot.engine.codec
    mine = codec.decode(button.data, user_id=admin_a.user.id)
    forged = Payload(mine.flow, mine.action, theirs.id.hex[: len(mine.arg)], mine.screen)

    await admin_a.press_data(codec.encode(forged, user_id=admin_a.user.id), listing.message_id)

    assert admin_a.messenger.answers[-1][1] == STALE
    assert await invites_by_label(bot, "club-b") == {"theirs": True}
    assert await invites_by_label(bot, "school-a") == {"ours": True}


# --- 5: a no after a yes ------------------------------------------------------------------------


async def test_no_after_the_parents_yes_does_not_say_nothing_is_shared(bot: Services) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a)
    parent = ChatDriver(bot.engine, user_id=5_300_010, language_code="en")
    await parent.sign_up_as_parent()
    for name, age in (("Tim", "8"), ("Mila", "11")):
        await parent.press("Add")
        await parent.send(name)
        await parent.press(age)
        await parent.press("Same as mine")
        await parent.press("Less than 1 hour")
        await parent.press("Add my child")
    await parent.send(f"/start {token}")
    await parent.press("Yes for Mila")

    await parent.press("No, thanks")

    assert not any("won't see anything" in text for text in parent.texts())
    assert (  # the question is edited into the answer
        "Okay, nothing new is shared with De Regenboog. Because of your earlier yes, "
        "De Regenboog still sees Mila. To stop that, use /organisations."
    ) in parent.texts()
    assert await consents_of(bot, parent.user.id) == [("Mila", "school-a", "parent", "1.0", True)]


async def test_no_when_asked_again_after_a_yes_points_to_organisations(bot: Services) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a)
    zoe = ChatDriver(bot.engine, user_id=5_300_011, language_code="en")
    await zoe.send(f"/start {token}")
    await sign_up_teen(zoe)
    await zoe.press("✅ Yes")
    await zoe.send(f"/start {token}")  # the link again: asked again

    await zoe.press("No, thanks")

    assert "won't see anything" not in zoe.last_text
    assert "De Regenboog still sees Zoë" in zoe.last_text and "/organisations" in zoe.last_text
    assert await consents_of(bot, zoe.user.id) == [("Zoë", "school-a", "self", "1.0", True)]


# --- 6: refusals in the admin's language --------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/invite 400d", "An invite can work for 1 to 365 days, like 30d."),
        ("/invite 0x", "An invite can be used 1 to 100000 times, like 100x."),
    ],
)
async def test_invite_refusals_are_translated_messages(
    bot: Services, command: str, answer: str
) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    await admin_a.send(command)
    assert admin_a.last_text == answer


async def test_neworg_refusals_are_translated_messages(bot: Services) -> None:
    platform, _, _ = await setup_orgs(bot)
    await platform.send("/neworg school-a Another School")
    assert platform.last_text == (
        "Usage: /neworg CODE Name of the organisation\n"
        "The code school-a is taken. Please choose another."
    )
    await platform.send("/neworg -x Name")
    assert platform.last_text.endswith(
        "The code needs 2 to 32 of a-z, 0-9, _ and -, starting with a letter or digit."
    )


async def test_organisation_errors_go_through_gettext(bot: Services) -> None:
    with pytest.raises(service.OrganisationError) as raised:
        async with bot.db.unit_of_work() as uow:
            await service.create_organisation(
                uow, code="ab", name="x", now=bot.engine.clock(), actor_id=None
            )
    error = raised.value
    assert error.message == "The name needs 2 to 100 characters."  # the msgid, untranslated
    assert error.text({error.message: "De naam heeft 2 tot 100 tekens nodig."}.get) == (
        "De naam heeft 2 tot 100 tekens nodig."
    )
    taken = service.OrganisationError("The code {code} is taken. Please choose another.", code="x")
    assert str(taken) == "The code x is taken. Please choose another."  # the command line
    assert taken.text(lambda msgid: msgid.replace("The code", "Code")) == (
        "Code x is taken. Please choose another."
    )

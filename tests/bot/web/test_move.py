"""Bringing a profile to another Telegram account: the e-mail address in the chat, the password on
the web page, and the whole account moving over (the old chat told and cleaned up)."""

from __future__ import annotations

import html
from datetime import timedelta

from dialogs.payload import Payload
from dialogs.registration import move
from storage.models import ProfileStatus, Role
from tests.bot.web.test_pages import Site, body, db_site, link_in, site

__all__ = ["db_site", "site"]  # fixtures of the web pages, shared with test_pages
from tests.bot.web.test_password import teen_signed_up
from tests.chat import ChatDriver
from tests.messenger import RecordingMessenger

SECRET = "buiten spelen 7x"
ASKED = "📨 If a profile with a password uses that address, I've sent a link there."


async def zoe_with_password(site: Site, user_id: int = 5_570_001) -> ChatDriver:
    """Zoë (16) signed up in a chat whose messages ``site`` records, with a password set."""
    messenger = site.services.messenger
    assert isinstance(messenger, RecordingMessenger)
    chat = await teen_signed_up(site, user_id, messenger)
    [mail] = [m for m in await site.send_mail() if "/password/" in body(m)]
    path = link_in(mail, "password")
    _, csrf = await site.form(path)
    form = {"password": SECRET, "repeat": SECRET, "csrf": csrf}
    async with site.client.post(site.url(path), data=form) as response:
        assert response.status == 200, await response.text()
    return chat


async def ask_to_move(site: Site, user_id: int, email: str, language: str = "en") -> ChatDriver:
    chat = ChatDriver(
        site.services.engine,
        user_id=user_id,
        language_code=language,
        messenger=site.services.messenger,
    )
    await chat.send("/start")
    await chat.press("I already have a profile" if language == "en" else "Ik heb al een profiel")
    assert "🔑" in chat.last_text and "e-mail" in chat.last_text
    await chat.send(email)
    return chat


async def move_links(site: Site, seen: set[str]) -> list[str]:
    fresh = [m for m in await site.send_mail() if m["Message-ID"] not in seen]
    seen.update(m["Message-ID"] for m in fresh)
    return [link_in(m, "move") for m in fresh if "/move/" in body(m)]


async def post(site: Site, path: str, password: str) -> tuple[int, str]:
    _, csrf = await site.form(path)
    async with site.client.post(
        site.url(path), data={"password": password, "csrf": csrf}
    ) as response:
        return response.status, html.unescape(await response.text())


async def test_a_profile_moves_to_a_new_telegram_account_with_its_password(db_site: Site) -> None:
    site = db_site
    zoe = await zoe_with_password(site)
    await zoe.send("/mydata")  # messages with her data in the old chat
    shown = [m.message_id for m in zoe.mine() if "Zoë" in m.text]
    seen: set[str] = set()
    await move_links(site, seen)
    new = await ask_to_move(site, 5_570_002, "  ZOE@example.nl ", language="nl")
    assert new.last_text.startswith("📨 Als een profiel met een wachtwoord dat adres heeft")

    [path] = await move_links(site, seen)
    page, _ = await site.form(path)
    assert "bring the profile of Zoë to their Telegram account" in page  # her language
    status, page = await post(site, path, "not the password")
    assert status == 422 and "That password is not right" in page
    status, page = await post(site, path, SECRET)
    assert status == 200 and "Done: the profile has moved" in page

    async with site.services.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(zoe.user.id) is None
        account = await uow.accounts.by_telegram(new.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None and own.nickname == "Zoë" and own.email == "zoe@example.nl"
        assert account.locale == "nl"  # the language of the chat she goes on in
    assert (
        new.last_text == "✅ Het profiel van Zoë staat nu op dit Telegram-account. Tik op /start."
    )
    assert zoe.last_text.startswith("Your Play Style profile was moved to another Telegram")
    left = {m.message_id for m in zoe.mine()}
    assert shown and not left & set(shown)  # her data is gone from the old chat
    await new.send("/start")
    assert "Welkom terug, Zoë" in new.last_text
    await zoe.send("/start")
    assert "Who is chatting?" in zoe.last_text  # the old chat starts from nothing
    async with site.client.get(site.url(path)) as response:
        assert response.status == 410  # used once
        assert "already used" in await response.text()


async def test_the_chat_says_the_same_for_any_address_and_mails_at_most_hourly(
    site: Site,
) -> None:
    zoe = await zoe_with_password(site)
    seen: set[str] = set()
    await move_links(site, seen)
    stranger = await ask_to_move(site, 5_570_003, "nobody@example.nl")
    assert stranger.last_text.startswith(ASKED)
    assert await move_links(site, seen) == []
    known = await ask_to_move(site, 5_570_004, "zoe@example.nl")
    assert known.last_text.startswith(ASKED)
    assert len(await move_links(site, seen)) == 1
    again = await ask_to_move(site, 5_570_005, "zoe@example.nl")
    assert again.last_text.startswith(ASKED)
    assert await move_links(site, seen) == []  # not again within the hour, whoever asks
    clock = site.services.engine.clock
    mailed = []
    for hours in range(1, 6):  # asked every hour after that: three mails in a day at most
        site.services.engine.clock = lambda hours=hours: clock() + timedelta(hours=hours, minutes=1)
        await again.send("/start")
        await again.press("I already have a profile")
        await again.send("zoe@example.nl")
        assert again.last_text.startswith(ASKED)
        mailed += await move_links(site, seen)
    assert len(mailed) == 2  # with the first one: three
    site.services.engine.clock = lambda: clock() + timedelta(days=1, hours=1)
    await again.send("/start")
    await again.press("I already have a profile")
    await again.send("zoe@example.nl")
    assert len(await move_links(site, seen)) == 1  # a day later, again
    await zoe.send("/start")
    assert not any("I already have a profile" in str(m.keyboard) for m in zoe.mine()[-1:])


async def test_wrong_passwords_lock_the_link(site: Site) -> None:
    zoe = await zoe_with_password(site)
    seen: set[str] = set()
    await move_links(site, seen)
    await ask_to_move(site, 5_570_006, "zoe@example.nl")
    [path] = await move_links(site, seen)
    for _ in range(4):
        status, _page = await post(site, path, "guess")
        assert status == 422
    _, csrf = await site.form(path)  # the page still works: the fifth try is the last
    async with site.client.post(
        site.url(path), data={"password": "guess", "csrf": csrf}
    ) as response:
        assert response.status == 410
        assert "Too many wrong passwords" in html.unescape(await response.text())
    async with site.client.get(site.url(path)) as response:
        assert response.status == 410  # the right password does not help any more
    async with site.services.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(zoe.user.id) is not None


async def test_a_chat_that_signed_up_meanwhile_cannot_take_the_profile(site: Site) -> None:
    zoe = await zoe_with_password(site)
    seen: set[str] = set()
    await move_links(site, seen)
    other = await ask_to_move(site, 5_570_007, "zoe@example.nl")
    [path] = await move_links(site, seen)
    await other.sign_up_as_parent()
    status, page = await post(site, path, SECRET)
    assert status == 410 and "can't take the profile any more" in page
    async with site.services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(zoe.user.id)
        assert account is not None and (await uow.people.own(account.id)) is not None
    await other.send("/start")
    assert "Anna" in other.last_text


async def test_a_begun_sign_up_gives_way_and_a_profile_does_not(site: Site) -> None:
    await zoe_with_password(site)
    seen: set[str] = set()
    await move_links(site, seen)
    chat = ChatDriver(
        site.services.engine,
        user_id=5_570_008,
        language_code="en",
        messenger=site.services.messenger,
    )
    # "I already have a profile" as an old "Who is chatting?" message in Telegram still shows it.
    old_button = site.services.engine.codec.encode(
        Payload(flow=move.CODE, action="ask"), user_id=chat.user.id
    )
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")  # a sign-up begun
    await chat.press_data(old_button, 1)  # and left for the move
    await chat.send("zoe@example.nl")
    assert chat.last_text.startswith(ASKED)
    assert len(await move_links(site, seen)) == 1
    async with site.services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None and await uow.people.own(account.id) is None  # it gave way
    # Signed up after all: the old button now says no, and nothing is mailed.
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")
    await chat.press("16")
    await chat.send("sam@example.nl")
    await chat.send("de Boer")
    await chat.send("Dorpsstraat 2, Ede")
    await chat.press("2 to 4")
    await chat.press("Yes, sign me up")
    await chat.press_data(old_button, 1)
    assert chat.messenger.answers[-1][1] == (
        "This chat already has a profile. To bring another one here, first delete this one "
        "with /forget."
    )
    assert await move_links(site, seen) == []


async def test_a_chat_that_got_a_profile_while_asked_for_the_address_keeps_it(site: Site) -> None:
    """Signed up meanwhile (say, a parent's yes arrived): typing the address mails nothing and
    the profile stays."""
    await zoe_with_password(site)
    seen: set[str] = set()
    await move_links(site, seen)
    engine, messenger = site.services.engine, site.services.messenger
    chat = ChatDriver(engine, user_id=5_570_009, language_code="en", messenger=messenger)
    await chat.send("/start")
    await chat.press("I already have a profile")
    async with site.services.db.unit_of_work() as uow:
        account = await uow.accounts.ensure(chat.user.id, locale="en")
        own = await uow.people.create(account_id=account.id, role=Role.SELF, step="nickname")
        await uow.people.set_status(own.id, ProfileStatus.ACTIVE, now=site.services.engine.clock())
        await uow.commit()
    await chat.send("zoe@example.nl")
    assert chat.last_text.startswith("This chat already has a profile.")
    assert await move_links(site, seen) == []
    async with site.services.db.unit_of_work() as uow:
        assert (await uow.people.own(account.id)) is not None

"""The pages behind mailed links, over real HTTP, with the chat on the other side."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.config import Settings
from bot.mail import FileTransport, MailSender
from bot.services import Services, build_services
from bot.web.pages import build_web_app
from storage.models import LinkRow, ProfileStatus, RoleKind
from storage.organisations import Invite, Organisation
from storage.passwords import verify_password
from tests.chat import ChatDriver
from tests.messenger import RecordingMessenger

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Site:
    """The web pages of one bot, a browser-like client, and the mail that was sent."""

    services: Services
    server: TestServer
    client: aiohttp.ClientSession
    mail_dir: Path

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def send_mail(self) -> list[EmailMessage]:
        """Run the mail sender once; return every mail written so far."""
        sender = MailSender(self.services.db, FileTransport(self.mail_dir), sender="bot@example.nl")
        await sender.send_due(self.services.engine.clock())
        return [
            message_from_bytes(p.read_bytes(), _class=EmailMessage, policy=policy.default)
            for p in sorted(self.mail_dir.glob("*.eml"))
        ]

    async def form(self, path: str) -> tuple[str, str]:
        """GET a page; return its HTML and the CSRF token of its form."""
        async with self.client.get(self.url(path)) as response:
            page = html.unescape(await response.text())
            assert response.status == 200, page
        match = CSRF.search(page)
        assert match is not None
        return page, match.group(1)


@asynccontextmanager
async def serve(services: Services) -> AsyncIterator[Site]:
    """The pages of ``services``; mails are written where the bot writes them without SMTP."""
    server = TestServer(build_web_app(services))
    await server.start_server()
    services.messenger = RecordingMessenger()
    assert services.db.files is not None
    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Accept-Language": "en-GB,en;q=0.8"}
    ) as client:
        yield Site(services, server, client, services.db.files.mail_dir)
    await server.close()


@pytest.fixture
async def site(embedded: Services) -> AsyncIterator[Site]:
    async with serve(embedded) as served:
        yield served


@pytest.fixture
async def db_site(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Site]:
    """The pages on each SQL backend (SQLite and PostgreSQL)."""
    services = await build_services(make_settings(database_url=database_url))
    try:
        async with serve(services) as served:
            yield served
    finally:
        await services.close()


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage, kind: str) -> str:
    match = re.search(rf"https?://\S+(/{kind}/[A-Za-z0-9_-]+)", body(message))
    assert match is not None, body(message)
    return match.group(1)


async def child_asks_consent(
    site: Site, *, language: str = "en", user_id: int = 5_550_001, name: str = "Sam"
) -> ChatDriver:
    chat = ChatDriver(site.services.engine, language_code=language, user_id=user_id)
    await chat.send("/start")
    await chat.press("young person" if language == "en" else "Ik speel zelf")
    await chat.send(name)
    await chat.press("12")
    await chat.send("parent@example.nl")
    await chat.press("Yes, send it" if language == "en" else "Ja, verstuur maar")
    return chat


async def test_parent_approves_sets_a_password_and_the_child_goes_on(site: Site) -> None:
    chat = await child_asks_consent(site)
    [mail] = await site.send_mail()
    assert mail["To"] == "parent@example.nl"
    assert mail["Subject"] == "Sam would like to join the Play Style bot"
    path = link_in(mail, "consent")
    page, csrf = await site.form(path)
    assert "May Sam join the Play Style quiz?" in page
    assert (
        "Sam can see, correct or delete everything" in page
    )  # the chat is Sam's, not the parent's
    assert "You can ask us for the same by e-mail: privacy@" in page
    assert "Home address" in page and "Last name" in page

    async with site.client.post(
        site.url(path), data={"csrf": csrf, "answer": "approve"}, allow_redirects=False
    ) as response:
        assert response.status == 303
        location = urlsplit(response.headers["Location"])  # under PUBLIC_URL
        assert (
            f"{location.scheme}://{location.netloc}" == site.services.settings.effective_public_url
        )
        password_path = f"{location.path}?{location.query}"
    told = site.services.messenger
    assert isinstance(told, RecordingMessenger)
    assert told.last.chat_id == chat.user.id
    assert told.last.text == "🎉 Your parent said yes! Let's finish signing you up."

    page, csrf = await site.form(password_path)
    assert "Thank you! Sam can now finish signing up in the chat." in page
    async with site.client.post(
        site.url(password_path),
        data={"csrf": csrf, "password": "a long secret 1", "repeat": "a long secret 1"},
    ) as response:
        assert response.status == 200
        assert "Password saved" in html.unescape(await response.text())

    chat.messenger.messages.append(told.last)  # the child sees the message in their chat
    await chat.press("Continue")
    assert chat.last_text.startswith("What is your last name?")
    await chat.send("Jansen")
    await chat.send("Dorpsstraat 1, Ede")
    await chat.press("Less than 1 hour")
    await chat.press("Yes, sign me up")
    async with site.services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        profile = await uow.people.own(account.id)
        assert profile is not None and profile.active and profile.last_name == "Jansen"
        consents = await uow.consents.for_person(profile.id)
        stored = await uow.people.password_hash(profile.id)
    assert [(c.given_by.value, c.method.value) for c in consents] == [("parent", "email")]
    assert stored is not None and stored.startswith("$argon2id$")
    assert verify_password(stored, "a long secret 1")


async def test_under_16_cannot_go_on_before_consent(site: Site) -> None:
    chat = await child_asks_consent(site)
    await chat.send("Jansen")  # trying to continue without the parent's yes
    assert chat.last_text.startswith("We're waiting for your parent")
    async with site.services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        profile = await uow.people.own(account.id)
    assert profile is not None and profile.status is ProfileStatus.AWAITING_CONSENT
    assert profile.last_name is None


async def test_decline_purges_the_child(db_site: Site) -> None:
    site = db_site
    chat = await child_asks_consent(site, language="nl")
    [mail] = await site.send_mail()
    assert mail["Subject"] == "Sam wil graag meedoen met de Speelstijl-bot"
    assert len(list(site.mail_dir.glob("*.eml"))) == 1
    path = link_in(mail, "consent")
    page, csrf = await site.form(path)
    assert "Mag Sam meedoen met de Speelstijl-quiz?" in page
    async with site.client.post(site.url(path), data={"csrf": csrf, "answer": "decline"}) as r:
        assert "We hebben gewist wat Sam ons vertelde" in html.unescape(await r.text())
    async with site.services.db.unit_of_work() as uow:
        # Nothing else was on the account: it goes too (its Telegram id, language, invite).
        assert await uow.accounts.by_telegram(chat.user.id) is None
        assert await uow.outbox.count() == 0
    assert list(site.mail_dir.glob("*.eml")) == []  # the copy of the mail to the parent
    told = site.services.messenger
    assert isinstance(told, RecordingMessenger)
    assert told.last.text.startswith("Je ouder zei nee")


async def test_decline_keeps_an_account_that_holds_more(db_site: Site) -> None:
    """An organisation admin's account is more than the declined sign-up: only that goes."""
    site = db_site
    services = site.services
    chat = await child_asks_consent(site)
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        organisation = await uow.organisations.create(
            name="De Regenboog", code="regenboog", now=services.engine.clock()
        )
        await uow.organisations.grant(
            account.id,
            RoleKind.ORG_ADMIN,
            organisation_id=organisation.id,
            now=services.engine.clock(),
        )
        await uow.commit()
    [mail] = await site.send_mail()
    path = link_in(mail, "consent")
    _, csrf = await site.form(path)
    async with site.client.post(site.url(path), data={"csrf": csrf, "answer": "decline"}) as r:
        assert r.status == 200
    async with services.db.unit_of_work() as uow:
        kept = await uow.accounts.by_telegram(chat.user.id)
        assert kept is not None and await uow.people.own(kept.id) is None
        assert await uow.outbox.count() == 0
    assert list(site.mail_dir.glob("*.eml")) == []


async def test_reused_expired_and_forged_links_are_refused(site: Site) -> None:
    await child_asks_consent(site)
    [mail] = await site.send_mail()
    path = link_in(mail, "consent")
    _, csrf = await site.form(path)
    async with site.client.post(site.url(path), data={"csrf": csrf, "answer": "decline"}) as r:
        assert r.status == 200
    async with site.client.get(site.url(path)) as r:
        assert r.status in (404, 410)  # the child's data is gone, and the link with it
        assert "doesn't work" in html.unescape(await r.text()) or "already used" in html.unescape(
            await r.text()
        )
    for forged in ("/consent/" + "A" * 43, "/consent/short", "/consent/%3Cscript%3E"):
        async with site.client.get(site.url(forged)) as r:
            assert r.status == 404
            assert "This link doesn't work" in html.unescape(await r.text())


async def test_expired_link_shows_the_expired_page(site: Site) -> None:
    await child_asks_consent(site)
    [mail] = await site.send_mail()
    path = link_in(mail, "consent")
    engine = site.services.engine
    real_clock = engine.clock
    engine.clock = lambda: real_clock() + timedelta(days=8)
    async with site.client.get(site.url(path)) as r:
        assert r.status == 410
        assert "This link has expired" in html.unescape(await r.text())


async def test_form_without_the_csrf_cookie_is_refused(site: Site) -> None:
    chat = await child_asks_consent(site)
    [mail] = await site.send_mail()
    path = link_in(mail, "consent")
    _, csrf = await site.form(path)
    # No cookie: what a form posted from another site looks like.
    async with (
        aiohttp.ClientSession() as stranger,
        stranger.post(site.url(path), data={"csrf": csrf, "answer": "approve"}) as r,
    ):
        assert r.status == 403
    async with site.services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        profile = await uow.people.own(account.id)
    assert profile is not None and profile.status is ProfileStatus.AWAITING_CONSENT


@pytest.mark.parametrize(
    ("password", "repeat", "problem"),
    [
        ("short", "short", "Please use at least 10 characters."),
        ("a long secret 1", "a long secret 2", "The two passwords are not the same."),
        ("x" * 200, "x" * 200, "That's a bit long. Please use at most 128 characters."),
        ("password12", "password12", "That password is too easy to guess."),
        ("1234567890", "1234567890", "That password is too easy to guess."),
        ("aaaaaaaaaaaa", "aaaaaaaaaaaa", "That password is too easy to guess."),
    ],
)
async def test_bad_passwords_are_explained(
    site: Site, password: str, repeat: str, problem: str
) -> None:
    chat = ChatDriver(site.services.engine, language_code="en")
    await chat.sign_up_as_parent()
    [mail] = await site.send_mail()
    path = link_in(mail, "password")
    _, csrf = await site.form(path)
    async with site.client.post(
        site.url(path), data={"csrf": csrf, "password": password, "repeat": repeat}
    ) as r:
        assert r.status == 422
        assert problem in html.unescape(await r.text())
    _, csrf = await site.form(path)  # the link still works after a refused attempt
    async with site.client.post(
        site.url(path),
        data={"csrf": csrf, "password": "good password!", "repeat": "good password!"},
    ) as r:
        assert "Password saved" in html.unescape(await r.text())
    async with site.client.get(site.url(path)) as r:
        assert r.status == 410
        assert "A password was already set with this link" in html.unescape(await r.text())


async def test_pages_send_security_headers_and_no_referrer(site: Site) -> None:
    await child_asks_consent(site)
    [mail] = await site.send_mail()
    async with site.client.get(site.url(link_in(mail, "consent"))) as r:
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert "HttpOnly" in r.headers["Set-Cookie"] and "SameSite=Lax" in r.headers["Set-Cookie"]


async def school_with_invite(services: Services) -> tuple[Organisation, Invite]:
    """De Regenboog, with one invite link."""
    async with services.db.unit_of_work() as uow:
        organisation = await uow.organisations.create(
            name="De Regenboog", code="regenboog", now=services.engine.clock()
        )
        invite = await uow.organisations.create_invite(
            organisation_id=organisation.id, token="T" * 22, now=services.engine.clock()
        )
        await uow.commit()
    return organisation, invite


async def school_asks_the_parent(site: Site, invite: Invite) -> tuple[ChatDriver, str]:
    """Sam (with the parent's yes) opens the invite and asks the parent: the mailed link's path."""
    chat = await child_with_consent(site)
    seen = {m["Message-ID"] for m in await site.send_mail()}
    await chat.send(f"/start {invite.token}")
    await chat.press("Ask my parent")
    [org_mail] = [m for m in await site.send_mail() if m["Message-ID"] not in seen]
    return chat, link_in(org_mail, "consent")


async def test_parent_answers_an_organisation_request_on_the_web(site: Site) -> None:
    from storage.consents import ConsentScope, GivenBy, Method

    services = site.services
    _, invite = await school_with_invite(services)
    chat = await child_asks_consent(site)
    [registration_mail] = await site.send_mail()
    path = link_in(registration_mail, "consent")
    _, csrf = await site.form(path)
    async with site.client.post(
        site.url(path), data={"csrf": csrf, "answer": "approve"}, allow_redirects=False
    ) as response:
        assert response.status == 303
    async with services.db.unit_of_work() as uow:  # Sam finishes signing up
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        await uow.people.set_status(own.id, ProfileStatus.ACTIVE, now=services.engine.clock())
        await uow.commit()
    await chat.send(f"/start {invite.token}")
    await chat.press("Ask my parent")
    mails = await site.send_mail()
    [org_mail] = [m for m in mails if m["Subject"] == "May Sam share with De Regenboog?"]
    path = link_in(org_mail, "consent")
    page, csrf = await site.form(path)
    assert "May Sam share with De Regenboog?" in page
    assert "Not the answers to the questions." in page
    async with site.client.post(site.url(path), data={"csrf": csrf, "answer": "approve"}) as r:
        assert "De Regenboog can now see Sam's profile and results." in html.unescape(
            await r.text()
        )
    async with site.client.get(site.url(path)) as r:
        assert r.status == 410
    async with services.db.unit_of_work() as uow:
        consents = await uow.consents.for_person(own.id)
    shared = [c for c in consents if c.scope is ConsentScope.ORGANISATION]
    assert [(c.given_by, c.method) for c in shared] == [(GivenBy.PARENT, Method.EMAIL)]
    told = site.services.messenger
    assert isinstance(told, RecordingMessenger)
    assert told.last.text == "🎉 Your parent said yes: De Regenboog can now see your results."


async def child_with_consent(site: Site) -> ChatDriver:
    """Sam (12) signed up alone; the parent said yes on the web page and Sam finished."""
    chat = await child_asks_consent(site)
    [mail] = await site.send_mail()
    path = link_in(mail, "consent")
    _, csrf = await site.form(path)
    async with site.client.post(
        site.url(path), data={"csrf": csrf, "answer": "approve"}, allow_redirects=False
    ) as response:
        assert response.status == 303
    told = site.services.messenger
    assert isinstance(told, RecordingMessenger)
    chat.messenger.messages.append(told.last)
    await chat.press("Continue")
    await chat.send("Jansen")
    await chat.send("Dorpsstraat 1, Ede")
    await chat.press("Less than 1 hour")
    await chat.press("Yes, sign me up")
    return chat


async def test_the_parent_is_told_when_the_child_changes_who_gives_permission(
    site: Site,
) -> None:
    chat = await child_with_consent(site)
    seen: set[str] = set()

    async def new_mail() -> list[EmailMessage]:
        fresh = [m for m in await site.send_mail() if m["Message-ID"] not in seen]
        seen.update(m["Message-ID"] for m in fresh)
        return fresh

    await new_mail()

    await chat.send("/edit")
    labels = [b.text for row in chat.mine()[-1].keyboard or () for b in row]
    assert "✏️ Parent's e-mail" in labels and "✏️ E-mail" not in labels
    await chat.press("Parent's e-mail")
    assert chat.last_text == "Type your parent's new e-mail address."
    await chat.send("New.Parent@example.nl")
    assert chat.last_text == (
        "✅ Saved. /mydata shows all your details.\n"
        "📧 Your parent gets an e-mail about this change."
    )
    [notice] = await new_mail()
    assert notice["To"] == "parent@example.nl"  # the parent who said yes, not the new address
    assert notice["Subject"] == "Sam changed their Play Style details"
    text = body(notice)
    assert "Sam changed the parent's e-mail address to N•••@example.nl." in text
    assert "New.Parent@example.nl" not in notice.as_string()
    assert "privacy@example.org" in text

    # Other fields are Sam's own business; the same address again is no change either.
    await chat.send("/edit")
    await chat.press("Name")
    await chat.send("Sammie")
    await chat.send("/edit")
    await chat.press("Parent's e-mail")
    await chat.send("new.parent@example.nl")
    assert chat.last_text == "✅ Saved. /mydata shows all your details."
    assert await new_mail() == []

    # Turning 16 in the chat ends the parent's part, so the parent (now at the new address) hears.
    await chat.send("/edit")
    await chat.press("Age")
    await chat.send("16")
    [notice] = await new_mail()
    assert notice["To"] == "new.parent@example.nl"
    assert "Sammie changed their age to 16. From 16, young people decide" in body(notice)

    # From then on the e-mail is Sam's own, and nobody else is told about it.
    await chat.send("/edit")
    labels = [b.text for row in chat.mine()[-1].keyboard or () for b in row]
    assert "✏️ E-mail" in labels
    await chat.press("E-mail")
    await chat.send("sam@example.nl")
    assert chat.last_text == "✅ Saved. /mydata shows all your details."
    assert await new_mail() == []


# --- a new privacy policy version: the parent of a signed-up child says yes on the web ----------


async def renewal_link(site: Site, chat: ChatDriver, seen: set[str]) -> str:
    """The policy changes; the child asks the parent in the chat; the path of the mailed link."""
    engine = site.services.engine
    engine.settings = replace(engine.settings, policy_version="2.0")
    await chat.send("/start")
    assert "We updated our privacy promise" in chat.last_text
    await chat.press("Ask my parent")
    fresh = [m for m in await site.send_mail() if m["Message-ID"] not in seen]
    [mail] = [m for m in fresh if "/consent/" in body(m)]
    assert mail["Subject"] == "May Sam keep using the Play Style quiz?"  # not "would like to join"
    assert "privacy promise to version 2.0" in body(mail)
    assert "If you do nothing, we delete nothing" in body(mail)
    return link_in(mail, "consent")


async def policy_version_of(site: Site, chat: ChatDriver) -> str | None:
    async with site.services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        return account.policy_version


async def test_parent_approves_a_new_policy_version_on_the_web(db_site: Site) -> None:
    site = db_site
    chat = await child_with_consent(site)
    seen = {m["Message-ID"] for m in await site.send_mail()}
    path = await renewal_link(site, chat, seen)
    page, csrf = await site.form(path)  # was 410 "already used": the child was not awaiting
    assert "May Sam keep using the Play Style quiz?" in page
    assert "We updated our privacy promise to version 2.0." in page
    assert "Yes, Sam may go on" in page and "Yes, Sam may join" not in page
    async with site.client.post(site.url(path), data={"csrf": csrf, "answer": "approve"}) as r:
        assert r.status == 200
        assert "Sam can go on using the Play Style bot." in html.unescape(await r.text())
    assert await policy_version_of(site, chat) == "2.0"
    told = site.services.messenger
    assert isinstance(told, RecordingMessenger)
    assert told.last.text == "🎉 Your parent said yes to the new privacy promise!"
    async with site.services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None and own.active  # a renewal never touches the profile
        versions = [c.policy_version for c in await uow.consents.for_person(own.id)]
    assert versions == ["1.0", "2.0"]
    await chat.send("/result")  # the bot no longer stops Sam
    assert "We updated our privacy promise" not in chat.last_text
    async with site.client.get(site.url(path)) as r:
        assert r.status == 410


async def test_a_child_still_signing_up_can_get_a_new_policy_version_approved(
    site: Site,
) -> None:
    """The parent said yes; before Sam finished, the policy changed: Sam is not stuck."""
    chat = await child_asks_consent(site)
    [mail] = await site.send_mail()
    path = link_in(mail, "consent")
    _, csrf = await site.form(path)
    async with site.client.post(
        site.url(path), data={"csrf": csrf, "answer": "approve"}, allow_redirects=False
    ) as response:
        assert response.status == 303
    seen = {m["Message-ID"] for m in await site.send_mail()}
    renewal = await renewal_link(site, chat, seen)  # checks the mail is the renewal one
    _, csrf = await site.form(renewal)  # was 410 "no longer open"
    async with site.client.post(
        site.url(renewal), data={"csrf": csrf, "answer": "approve"}
    ) as response:
        assert response.status == 200
    assert await policy_version_of(site, chat) == "2.0"
    await chat.send("/start")  # Sam goes on signing up
    assert "We updated our privacy promise" not in chat.last_text


async def test_a_no_to_a_new_policy_version_deletes_nothing(site: Site) -> None:
    chat = await child_with_consent(site)
    seen = {m["Message-ID"] for m in await site.send_mail()}
    path = await renewal_link(site, chat, seen)
    _, csrf = await site.form(path)
    async with site.client.post(site.url(path), data={"csrf": csrf, "answer": "decline"}) as r:
        text = html.unescape(await r.text())
    assert "We have deleted nothing" in text and "We have deleted what" not in text
    assert await policy_version_of(site, chat) == "1.0"
    async with site.services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None and await uow.people.own(account.id) is not None


async def test_a_renewal_link_closes_when_the_child_turned_16(site: Site) -> None:
    chat = await child_with_consent(site)
    seen = {m["Message-ID"] for m in await site.send_mail()}
    path = await renewal_link(site, chat, seen)
    async with site.services.db.unit_of_work() as uow:  # Sam is 16 now and decides alone
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        await uow.people.set_age(own.id, 16)
        await uow.commit()
    async with site.client.get(site.url(path)) as r:
        assert r.status == 410
        assert "This request is no longer open" in html.unescape(await r.text())
    assert await policy_version_of(site, chat) == "1.0"


# --- organisation requests that are no longer open ------------------------------------------


async def test_an_organisation_link_after_the_child_said_no_stores_nothing(db_site: Site) -> None:
    site = db_site
    services = site.services
    organisation, invite = await school_with_invite(services)
    chat, path = await school_asks_the_parent(site, invite)
    _, csrf = await site.form(path)  # the parent opens the page ...
    await chat.send(f"/start {invite.token}")  # ... while Sam changes their mind
    await chat.press("No, thanks")
    async with site.client.post(site.url(path), data={"csrf": csrf, "answer": "approve"}) as r:
        assert r.status in (404, 410)
        assert "can now see" not in html.unescape(await r.text())
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        assert await uow.consents.active_for(own.id, organisation.id) is None
        assert [i.uses for i in await uow.organisations.invites(organisation.id)] == [0]


async def test_an_organisation_link_for_a_switched_off_invite_says_so(site: Site) -> None:
    services = site.services
    organisation, invite = await school_with_invite(services)
    chat, path = await school_asks_the_parent(site, invite)
    _, csrf = await site.form(path)
    async with services.db.unit_of_work() as uow:
        await uow.organisations.revoke(invite.id, now=services.engine.clock())
        await uow.commit()
    async with site.client.get(site.url(path)) as r:
        assert r.status == 410
        assert "This request is no longer open" in html.unescape(await r.text())
    async with site.client.post(site.url(path), data={"csrf": csrf, "answer": "approve"}) as r:
        assert r.status == 410
        assert "Nothing was saved." in html.unescape(await r.text())
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
        assert own is not None
        assert await uow.consents.active_for(own.id, organisation.id) is None


# --- refusals are pages in the page's language --------------------------------------------


async def test_refusals_are_translated_pages_not_errors(db_site: Site) -> None:
    site = db_site
    chat = await child_asks_consent(site)
    [mail] = await site.send_mail()
    path = link_in(mail, "consent")
    _, csrf = await site.form(path)
    url = site.url(path)

    async def refused(status: int, data: object, **kwargs: object) -> str:
        async with site.client.post(url, data=data, **kwargs) as r:  # type: ignore[arg-type]
            assert r.status == status
            assert r.headers["Content-Type"].startswith("text/html")
            return html.unescape(await r.text())

    # A multipart body without a boundary made request.post() raise: a 500 before.
    text = await refused(400, b"csrf=x", headers={"Content-Type": "multipart/form-data"})
    assert "We couldn't read what was sent" in text and '<html lang="en">' in text
    for content_type, sent in (
        ("multipart/form-data; boundary=abc", b"garbage"),
        ("application/x-www-form-urlencoded; charset=bogus", b"answer=approve"),
        (
            "multipart/form-data; boundary=abc",
            b'--abc\r\nContent-Disposition: form-data; name="answer"\r\n'
            b"Content-Transfer-Encoding: weird\r\n\r\napprove\r\n--abc--\r\n",
        ),
    ):
        text = await refused(400, sent, headers={"Content-Type": content_type})
        assert "We couldn't read what was sent" in text
    text = await refused(413, {"csrf": csrf, "answer": "x" * 70_000})
    assert "That was more than this page accepts" in text
    assert "This form has expired" in await refused(403, {"csrf": "wrong", "answer": "approve"})
    assert "Please choose yes or no" in await refused(400, {"csrf": csrf, "answer": "maybe"})
    # In the language the page uses: the link's, or the one picked on the page.
    async with site.client.post(url + "?lang=nl", data={"csrf": csrf}) as r:
        assert r.status == 400
        text = html.unescape(await r.text())
    assert '<html lang="nl">' in text and "Speelstijl-bot" in text
    async with site.client.get(site.url("/nothing-here")) as r:
        assert r.status == 404
        assert "This link doesn't work" in html.unescape(await r.text())
    async with site.services.db.unit_of_work() as uow:  # nothing of it was stored
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        own = await uow.people.own(account.id)
    assert own is not None and own.status is ProfileStatus.AWAITING_CONSENT
    _, csrf = await site.form(path)  # and the link still works
    async with site.client.post(
        url, data={"csrf": csrf, "answer": "approve"}, allow_redirects=False
    ) as r:
        assert r.status == 303


async def test_a_failing_page_says_so_in_the_browsers_language(embedded: Services) -> None:
    async def broken(_request: web.Request) -> web.Response:
        raise RuntimeError("boom")

    app = build_web_app(embedded)
    app.router.add_get("/broken", broken)
    server = TestServer(app)
    await server.start_server()
    try:
        for language in ("en-GB,en;q=0.8", "nl-NL,nl;q=0.9"):
            async with (
                aiohttp.ClientSession(headers={"Accept-Language": language}) as client,
                client.get(server.make_url("/broken")) as r,
            ):
                text = html.unescape(await r.text())
                assert r.status == 500
                assert f'<html lang="{language[:2]}">' in text and "boom" not in text
                assert r.headers["Referrer-Policy"] == "no-referrer"
                if language.startswith("en"):
                    assert "Something went wrong" in text
    finally:
        await server.close()


# --- the CSRF cookie survives a second mail opened in another tab --------------------------


async def test_two_pages_then_the_first_form_still_works(db_site: Site) -> None:
    site = db_site
    await child_asks_consent(site, user_id=5_550_101, name="Sam")
    await child_asks_consent(site, user_id=5_550_102, name="Mila")
    mails = await site.send_mail()
    [sam] = [link_in(m, "consent") for m in mails if m["Subject"].startswith("Sam")]
    [mila] = [link_in(m, "consent") for m in mails if m["Subject"].startswith("Mila")]
    _, first = await site.form(sam)
    _, second = await site.form(mila)  # the second mail, opened in another tab
    assert second == first
    async with site.client.post(
        site.url(sam), data={"csrf": first, "answer": "approve"}, allow_redirects=False
    ) as r:
        assert r.status == 303
    async with site.client.post(
        site.url(mila), data={"csrf": second, "answer": "approve"}, allow_redirects=False
    ) as r:
        assert r.status == 303


async def test_a_cookie_that_is_no_token_is_replaced(site: Site) -> None:
    await child_asks_consent(site)
    [mail] = await site.send_mail()
    path = link_in(mail, "consent")
    site.client.cookie_jar.update_cookies(
        {"csrf": "not a token"}, response_url=site.server.make_url("/")
    )
    _, csrf = await site.form(path)
    assert csrf != "not a token" and re.fullmatch(r"[A-Za-z0-9_-]{32}", csrf)
    async with site.client.post(
        site.url(path), data={"csrf": csrf, "answer": "approve"}, allow_redirects=False
    ) as r:
        assert r.status == 303


async def test_an_older_consent_mail_says_a_newer_one_was_sent(site: Site) -> None:
    """Each mail makes the one before stop working; its page says why, in the mail's language."""
    chat = await child_asks_consent(site)
    [first] = await site.send_mail()
    clock = site.services.engine.clock
    site.services.engine.clock = lambda: clock() + timedelta(minutes=11)  # past the wait
    await chat.send("/start")
    await chat.press("Send the e-mail again")
    mails = await site.send_mail()
    assert len(mails) == 2
    async with site.client.get(site.url(link_in(first, "consent"))) as r:
        assert r.status == 410
        page = html.unescape(await r.text())
    assert "We sent a newer e-mail" in page and "copied the whole link" not in page
    newest = next(m for m in mails if m["Message-ID"] != first["Message-ID"])
    await site.form(link_in(newest, "consent"))  # the newest link works


async def test_a_new_parent_address_stops_the_link_mailed_to_the_old_one(site: Site) -> None:
    """A typo's stranger must not approve: the question moves to the corrected address."""
    chat = await child_asks_consent(site)  # mailed to parent@example.nl
    [first] = await site.send_mail()
    await chat.send("/edit")
    await chat.press("Parent's e-mail")
    await chat.send("real.parent@example.nl")
    assert "📨 I've e-mailed the question for permission to the new address." in chat.last_text
    mails = {m["To"]: m for m in await site.send_mail() if m["Message-ID"] != first["Message-ID"]}
    assert "real.parent@example.nl" in mails
    async with site.client.get(site.url(link_in(first, "consent"))) as r:
        assert r.status == 410
        assert "This request is no longer open" in html.unescape(await r.text())
    page, _ = await site.form(link_in(mails["real.parent@example.nl"], "consent"))
    assert "Sam" in page


async def test_a_link_to_an_erased_child_says_it_is_no_longer_open(site: Site) -> None:
    """The child used /forget before the parent read the mail: the link lost its profile, not
    its voice, and answers in the mail's language whatever the browser's."""
    chat = await child_asks_consent(site, language="nl")
    [mail] = await site.send_mail()
    await chat.send("/forget")
    await chat.press("Ja, wis alles")
    async with site.client.get(
        site.url(link_in(mail, "consent")), headers={"Accept-Language": "en"}
    ) as r:
        assert r.status == 410
        page = html.unescape(await r.text())
    assert "Deze vraag staat niet meer open" in page and "Sam" not in page
    async with site.services.db.sessions() as session:  # what stays of the link names nobody
        rows = (await session.scalars(select(LinkRow))).all()
    assert [row.person_id for row in rows] == [None]

"""Setting a password on the web, and getting a new link when it is forgotten."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest

from bot.config import Settings
from bot.services import Services, build_services
from tests.bot.web.test_pages import Site, body, child_asks_consent, link_in, serve
from tests.chat import ChatDriver
from tests.messenger import RecordingMessenger

SECRET = "buiten spelen 7x"


async def teen_signed_up(
    site: Site, user_id: int = 5_560_001, messenger: RecordingMessenger | None = None
) -> ChatDriver:
    chat = ChatDriver(
        site.services.engine, user_id=user_id, language_code="en", messenger=messenger
    )
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Zoë")
    await chat.press("16")
    await chat.send("zoe@example.nl")
    await chat.send("de Vries")
    await chat.send("Dorpsstraat 1, Ede")
    await chat.press("2 to 4")
    await chat.press("Yes, sign me up")
    return chat


async def password_mails(site: Site, seen: set[str]) -> list[str]:
    fresh = [m for m in await site.send_mail() if m["Message-ID"] not in seen]
    seen.update(m["Message-ID"] for m in fresh)
    return [link_in(m, "password") for m in fresh if "/password/" in body(m)]


@pytest.fixture
async def site(embedded: Services) -> AsyncIterator[Site]:
    async with serve(embedded) as served:
        yield served


@asynccontextmanager
async def site_at(make_settings: Callable[..., Settings], public_url: str) -> AsyncIterator[Site]:
    services = await build_services(make_settings(public_url=public_url))
    try:
        async with serve(services) as served:
            yield served
    finally:
        await services.close()


async def test_after_a_yes_the_parent_stays_under_the_public_url(
    make_settings: Callable[..., Settings],
) -> None:
    async with site_at(make_settings, "http://example.nl/playbot") as site:
        await child_asks_consent(site)
        [mail] = await site.send_mail()
        assert "http://example.nl/playbot/consent/" in body(mail)
        path = link_in(mail, "consent")
        _, csrf = await site.form(path)
        async with site.client.post(
            site.url(path), data={"csrf": csrf, "answer": "approve"}, allow_redirects=False
        ) as response:
            location = response.headers["Location"]
    assert location.startswith("http://example.nl/playbot/password/"), location


async def test_behind_a_tls_proxy_cookies_are_secure_and_https_is_kept(
    make_settings: Callable[..., Settings],
) -> None:
    async with site_at(make_settings, "https://example.nl") as site:
        await child_asks_consent(site)
        [mail] = await site.send_mail()
        async with site.client.get(site.url(link_in(mail, "consent"))) as response:
            assert response.status == 200
            assert "Secure" in response.headers["Set-Cookie"]  # TLS ends at the proxy
            assert response.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_a_second_tab_hears_the_password_was_set_and_done_pages_stay_put(
    site: Site,
) -> None:
    await teen_signed_up(site)
    [path] = await password_mails(site, set())
    _, first = await site.form(path)
    _, second = await site.form(path)
    data = {"password": SECRET, "repeat": SECRET}
    async with site.client.post(site.url(path), data={"csrf": first, **data}) as response:
        done = html.unescape(await response.text())
        assert "Password saved" in done
        assert "?lang=" not in done  # a language link would load the used link again
    async with site.client.post(site.url(path), data={"csrf": second, **data}) as response:
        assert response.status == 410
        assert "A password was already set with this link" in html.unescape(await response.text())


async def test_a_forgotten_password_gets_a_new_link_from_edit(site: Site) -> None:
    chat = await teen_signed_up(site)
    seen: set[str] = set()
    [first] = await password_mails(site, seen)
    await chat.send("/edit")
    await chat.press("New password link")
    assert chat.last_text.startswith("📧 I've e-mailed a link to set a new password to z")
    assert "zoe@example.nl" not in chat.last_text  # masked
    [second] = await password_mails(site, seen)
    async with site.client.get(site.url(first)) as response:
        assert response.status != 200  # the older link stopped working
    page, csrf = await site.form(second)
    assert "For the account of Zoë." in page
    async with site.client.post(
        site.url(second), data={"csrf": csrf, "password": SECRET, "repeat": SECRET}
    ) as response:
        assert "Password saved" in html.unescape(await response.text())


async def test_a_new_address_stops_the_password_link_mailed_to_the_old_one(site: Site) -> None:
    chat = await teen_signed_up(site)
    [first] = await password_mails(site, set())
    await chat.send("/edit")
    await chat.press("E-mail")
    await chat.send("zoe.new@example.nl")
    assert chat.last_text == "✅ Saved. /mydata shows all your details."
    async with site.client.get(site.url(first)) as response:
        assert response.status == 410
        assert "This request is no longer open" in html.unescape(await response.text())


async def test_the_password_mail_for_a_child_under_16_greets_the_parent(site: Site) -> None:
    chat = await child_asks_consent(site)
    seen: set[str] = set()
    [consent] = [link_in(m, "consent") for m in await site.send_mail()]
    seen.update(m["Message-ID"] for m in await site.send_mail())
    _, csrf = await site.form(consent)
    async with site.client.post(
        site.url(consent), data={"csrf": csrf, "answer": "approve"}, allow_redirects=False
    ) as response:
        skipped = urlsplit(response.headers["Location"]).path  # the parent closes the page
    told = site.services.messenger
    assert told is not None
    chat.messenger.messages.append(told.last)  # type: ignore[attr-defined]
    await chat.press("Continue")
    await chat.send("Jansen")
    await chat.send("Dorpsstraat 1, Ede")
    await chat.press("Less than 1 hour")
    await chat.press("Yes, sign me up")
    fresh = [m for m in await site.send_mail() if m["Message-ID"] not in seen]
    [mail] = [m for m in fresh if "/password/" in body(m)]
    assert mail["To"] == "parent@example.nl"
    text = body(mail)
    assert text.startswith("Hello,") and "Hello Sam" not in text
    assert "The Play Style account of Sam is ready." in text
    assert "Sam can ask for a new link with /edit" in text  # the parent has no chat of their own
    # The page the parent was sent to and the mail are one link, and finishing the sign-up made
    # no second one: a parent still on that page must not find it stopped under their hands.
    assert link_in(mail, "password") == skipped
    async with site.client.get(site.url(skipped)) as response:
        assert response.status == 200
    seen.update(m["Message-ID"] for m in fresh)
    await chat.send("/edit")
    await chat.press("New password link")
    [again] = [m for m in await site.send_mail() if m["Message-ID"] not in seen]
    assert again["To"] == "parent@example.nl"
    assert "Sam asked in the chat for a new link" in body(again)  # not "you asked"


async def test_a_used_link_answers_in_the_language_of_its_mail(site: Site) -> None:
    """A browser in another language (or none) still reads the page in the mail's language."""
    chat = await teen_signed_up(site)
    [first] = await password_mails(site, set())
    await chat.send("/edit")
    await chat.press("New password link")
    async with site.client.get(
        site.url(first), headers={"Accept-Language": "nl-NL,nl;q=0.9"}
    ) as response:
        assert response.status == 410
        page = html.unescape(await response.text())
    assert "We sent a newer e-mail" in page


async def test_a_password_link_asked_for_later_does_not_say_the_account_is_new(
    site: Site,
) -> None:
    chat = await teen_signed_up(site)
    seen: set[str] = set()
    first = [m for m in await site.send_mail() if "/password/" in body(m)]
    assert "Your Play Style account is ready." in body(first[-1])
    seen.update(m["Message-ID"] for m in await site.send_mail())
    await chat.send("/edit")
    await chat.press("New password link")
    [again] = [m for m in await site.send_mail() if m["Message-ID"] not in seen]
    assert "You asked for a new link to set your Play Style password." in body(again)
    assert "is ready" not in body(again)

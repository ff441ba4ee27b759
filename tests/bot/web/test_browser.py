"""A parent's yes in a real browser: the mailed link, the button, the password form.

The tests in test_pages.py post the forms by hand. Only a browser shows that the pages as served
(their own form and button, the SameSite=Lax CSRF cookie, the Content-Security-Policy and the
redirect after the answer) let a parent actually say yes and set a password.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Final

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from bot.mail import FileTransport, MailSender
from bot.services import Services
from bot.web.pages import start_web
from storage.passwords import verify_password
from tests.backends import IN_CI
from tests.chat import ChatDriver
from tests.messenger import RecordingMessenger

CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMEDRIVER: Final = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS: Final = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=900,1400",
    "--lang=en-GB",
)
WAIT: Final = 20  # seconds for a page to react; a button that does nothing fails after this
PASSWORD: Final = "a long secret 1"
PNG: Final = b"\x89PNG\r\n\x1a\n"


@dataclass
class Site:
    """The bot's web pages on a real TCP port, and where its mail goes."""

    services: Services
    base_url: str
    outbox: Path

    async def send_mail(self) -> list[EmailMessage]:
        """Run the mail sender once; return every mail written so far."""
        sender = MailSender(self.services.db, FileTransport(self.outbox), sender="bot@example.nl")
        await sender.send_due(self.services.engine.clock())
        return [
            message_from_bytes(p.read_bytes(), _class=EmailMessage, policy=policy.default)
            for p in sorted(self.outbox.glob("*.eml"))
        ]


@pytest.fixture
async def site(embedded: Services, tmp_path: Path) -> AsyncIterator[Site]:
    """Serve the pages as ``playbot run`` does; mailed links point at the port bound."""
    runner = await start_web(embedded, host="127.0.0.1", port=0)
    port = runner.addresses[0][1]
    base_url = f"http://127.0.0.1:{port}"
    engine = embedded.engine
    engine.settings = replace(engine.settings, public_url=base_url)
    embedded.messenger = RecordingMessenger()
    try:
        yield Site(embedded, base_url, tmp_path / "outbox")
    finally:
        await runner.cleanup()


def _require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if not missing:
        return
    message = f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver)"
    if IN_CI:
        pytest.fail(f"{message}; CI must not skip the browser test", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[webdriver.Chrome]:
    """Headless Debian Chromium with a fresh profile; Selenium Manager is never asked."""
    _require_browser()
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not try to download
    with tempfile.TemporaryDirectory(
        prefix="playbot-chromium-", ignore_cleanup_errors=True
    ) as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.add_experimental_option("prefs", {"intl.accept_languages": "en-GB,en"})
        service = Service(
            executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log")
        )
        driver = webdriver.Chrome(options=options, service=service)
        try:
            driver.set_page_load_timeout(WAIT)
            yield driver
        finally:
            driver.quit()


def consent_url(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    text = str(part.get_content())
    match = re.search(r"https?://\S+/consent/[A-Za-z0-9_-]+", text)
    assert match is not None, text
    return match.group(0)


def wait_for(driver: webdriver.Chrome, condition: Callable[[Any], Any], what: str) -> None:
    """Wait up to ``WAIT`` seconds; on time-out say what the browser shows instead."""
    # While a form's answer loads, the old page's element can vanish between being found and
    # being read: Chrome then says "Node ... does not belong to the document" (a plain
    # WebDriverException, not a stale element). Ask again; a real failure still times out.
    polling = WebDriverWait(driver, WAIT, ignored_exceptions=(WebDriverException,))
    try:
        polling.until(condition)
    except TimeoutException:
        shown = driver.find_element(By.TAG_NAME, "body").text[:300]
        raise AssertionError(
            f"no {what} after {WAIT} s; the browser shows {driver.current_url}:\n{shown}"
        ) from None


def parent_says_yes(driver: webdriver.Chrome, url: str, screenshot: Path) -> None:
    """What the parent does in the browser (blocking: run it in a thread)."""
    driver.get(url)
    wait_for(driver, ec.visibility_of_element_located((By.TAG_NAME, "h1")), "consent page")
    assert driver.find_element(By.TAG_NAME, "h1").text == "May Sam join the Play Style quiz?"
    assert driver.save_screenshot(str(screenshot))

    driver.find_element(By.XPATH, "//button[normalize-space()='Yes, Sam may join']").click()
    wait_for(driver, ec.url_contains("/password/"), "redirect to the password page")
    wait_for(
        driver, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Set a password"), "form"
    )
    page = driver.find_element(By.TAG_NAME, "body").text
    assert "Thank you! Sam can now finish signing up in the chat." in page

    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "repeat").send_keys(PASSWORD)
    driver.find_element(By.XPATH, "//button[@type='submit']").click()
    wait_for(
        driver,
        ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Password saved"),
        "confirmation",
    )
    assert "The password for Sam is set." in driver.find_element(By.TAG_NAME, "body").text


@pytest.mark.slow
async def test_parent_approves_in_a_browser(
    site: Site, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    chat = ChatDriver(site.services.engine, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")
    await chat.press("12")
    await chat.send("parent@example.nl")
    await chat.press("Yes, send it")

    [mail] = await site.send_mail()
    assert mail["To"] == "parent@example.nl"
    url = consent_url(mail)
    assert url.startswith(f"{site.base_url}/consent/")

    screenshot = tmp_path / "consent.png"
    # Selenium blocks; the pages are served by this test's event loop meanwhile.
    await asyncio.to_thread(parent_says_yes, browser, url, screenshot)
    shot = screenshot.read_bytes()
    assert shot.startswith(PNG) and len(shot) > 1000

    told = site.services.messenger
    assert isinstance(told, RecordingMessenger)
    assert told.last.chat_id == chat.user.id
    assert told.last.text == "🎉 Your parent said yes! Let's finish signing you up."
    async with site.services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        assert account is not None
        profile = await uow.people.own(account.id)
        assert profile is not None
        consents = await uow.consents.for_person(profile.id)
        stored = await uow.people.password_hash(profile.id)
    assert [(c.given_by.value, c.method.value) for c in consents] == [("parent", "email")]
    assert stored is not None and stored.startswith("$argon2id$")
    assert verify_password(stored, PASSWORD)

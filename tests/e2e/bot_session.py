"""Start a runtime against the fake Bot API, and talk to it like a person would."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bot.runtimes.aiogram_app import run_aiogram
from bot.runtimes.ptb_app import run_ptb
from bot.services import Services
from tests.fake_telegram.models import ChatMessage
from tests.fake_telegram.server import FakeTelegram

TOKEN = "123456:TEST-token_e2e"
RUNTIMES = ("aiogram", "ptb")


@contextlib.asynccontextmanager
async def polling(services: Services, tg: FakeTelegram, runtime: str) -> AsyncIterator[None]:
    """Run the bot with ``runtime`` until the block ends; any crash of the runtime fails it."""
    stop = asyncio.Event()
    run = run_aiogram if runtime == "aiogram" else run_ptb
    task = asyncio.create_task(
        run(services, token=TOKEN, api_url=tg.base_url, stop=stop, polling_timeout=1)
    )
    await tg.wait_for(lambda: tg.calls_of("getUpdates") or task.done(), timeout=15)
    if task.done():
        task.result()
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


@dataclass
class Person:
    """One Telegram user in a private chat with the bot."""

    tg: FakeTelegram
    user_id: int
    language_code: str = "en"

    def visible(self) -> list[ChatMessage]:
        return self.tg.sent(self.user_id)

    def texts(self) -> list[str]:
        return [m.text or "" for m in self.visible() if m.from_bot]

    @property
    def last_text(self) -> str:
        return self.texts()[-1]

    async def _until(self, expect: str, since: int, timeout: float = 10) -> None:
        """Wait for a send or edit after event ``since`` whose text contains ``expect``."""
        try:
            await self.tg.wait_for(
                lambda: any(expect in (e.text or "") for e in self.tg.events(self.user_id)[since:]),
                timeout,
            )
        except TimeoutError:
            seen = [e.text for e in self.tg.events(self.user_id)[since:]]
            raise AssertionError(f"waited for {expect!r}; the bot said {seen}") from None

    async def say(self, text: str, expect: str) -> None:
        """Type a message; wait until the bot answers with something containing ``expect``."""
        since = len(self.tg.events(self.user_id))
        if text.startswith("/"):
            command, _, args = text.partition(" ")
            self.tg.push_command(self.user_id, command, args=args, language_code=self.language_code)
        else:
            self.tg.push_message(self.user_id, text, language_code=self.language_code)
        await self._until(expect, since)

    def _button(self, label: str) -> tuple[int, str] | None:
        for message in reversed(self.visible()):
            for row in message.buttons:
                for text, data in row:
                    if label in text:
                        return message.message_id, data
        return None

    async def click(self, label: str, expect: str) -> None:
        """Press the newest button whose label contains ``label``; wait for ``expect``.

        The button may still be on its way (the bot sends a reply in several calls), so this
        waits for it to appear first.
        """
        try:
            message_id, data = await self.tg.wait_for(lambda: self._button(label), timeout=10)
        except TimeoutError:
            raise AssertionError(f"no button with {label!r}: {self.texts()[-3:]}") from None
        since = len(self.tg.events(self.user_id))
        # Like Telegram, every update of a person carries their app's language.
        self.tg.push_callback(self.user_id, message_id, data, language_code=self.language_code)
        await self._until(expect, since)

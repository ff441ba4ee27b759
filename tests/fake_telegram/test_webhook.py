"""Webhook mode: updates are POSTed with the secret header, one in flight per chat."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiogram import Dispatcher
from aiogram.filters import Command
from aiogram.methods import SendMessage
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from tests.fake_telegram.server import FakeTelegram
from tests.fake_telegram.test_aiogram import make_bot

SECRET = "s3cr3t_Token-1"


@dataclass
class Received:
    text: str
    secret: str | None
    started: float
    finished: float = 0.0


@dataclass
class Receiver:
    """A local webhook endpoint that records what arrives; some texts are slow or fail once."""

    slow: dict[str, float] = field(default_factory=dict)
    fail_once: set[str] = field(default_factory=set)
    got: list[Received] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        update: dict[str, Any] = await request.json()
        text = update["message"]["text"]
        entry = Received(
            text, request.headers.get("X-Telegram-Bot-Api-Secret-Token"), time.monotonic()
        )
        self.got.append(entry)
        if text in self.fail_once:
            self.fail_once.discard(text)
            return web.Response(status=500)
        await asyncio.sleep(self.slow.get(text, 0))
        entry.finished = time.monotonic()
        return web.json_response({})


@asynccontextmanager
async def serve(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None,
    app: web.Application | None = None,
) -> AsyncIterator[str]:
    """Run an aiohttp app on a free port; yields its base URL."""
    if app is None:
        app = web.Application()
        assert handler is not None
        app.router.add_post("/hook", handler)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_delivery_with_secret_and_per_chat_order(tg: FakeTelegram) -> None:
    receiver = Receiver(slow={"a1": 0.3})
    bot = make_bot(tg)
    async with serve(receiver.handle) as base:
        try:
            assert await bot.set_webhook(f"{base}/hook", secret_token=SECRET)
            info = await bot.get_webhook_info()
            assert info.url == f"{base}/hook"
        finally:
            await bot.session.close()
        tg.push_message(1, "a1")
        tg.push_message(1, "a2")
        tg.push_message(2, "b1")
        await tg.wait_for(lambda: sum(1 for r in receiver.got if r.finished) == 3)

    by_text = {r.text: r for r in receiver.got}
    assert all(r.secret == SECRET for r in receiver.got)
    assert by_text["b1"].finished < by_text["a1"].finished  # other chats are not held up
    assert by_text["a2"].started >= by_text["a1"].finished  # one in flight per chat
    assert [d.status for d in tg.webhook_deliveries] == [200, 200, 200]
    tg.assert_clean()


async def test_failed_delivery_is_retried(tg: FakeTelegram) -> None:
    receiver = Receiver(fail_once={"x"})
    async with serve(receiver.handle) as base:
        await tg.call_api("setWebhook", {"url": f"{base}/hook"})
        tg.push_message(1, "x")
        tg.push_message(1, "y")
        await tg.wait_for(lambda: [r.text for r in receiver.got if r.finished] == ["x", "y"])
        _, info = await tg.call_api("getWebhookInfo", {})
    assert [d.status for d in tg.webhook_deliveries] == [500, 200, 200]
    assert [r.text for r in receiver.got] == ["x", "x", "y"]  # y waited for x
    assert "500" in info["result"]["last_error_message"]
    assert receiver.got[0].secret is None  # no secret set, no header


async def test_aiogram_webhook_server_and_reply_into_webhook(tg: FakeTelegram) -> None:
    bot = make_bot(tg)
    dp = Dispatcher()

    @dp.message(Command("ping"))
    async def ping(message: Message) -> SendMessage:
        return message.answer("pong")  # returned, not awaited: sent as the webhook answer

    @dp.message(Command("hello"))
    async def hello(message: Message) -> None:
        await message.answer("hello <b>there</b>")

    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token=SECRET, handle_in_background=False).register(
        app, path="/hook"
    )
    try:
        async with serve(app=app) as base:
            await bot.set_webhook(f"{base}/hook", secret_token=SECRET)
            tg.push_command(3, "/ping")
            assert (await tg.next_reply(3)).text == "pong"
            tg.push_command(3, "/hello")
            assert (await tg.next_reply(3)).text == "hello there"
            await tg.settle(3)
    finally:
        await bot.session.close()
    assert [c.method for c in tg.calls if c.method.startswith("send")] == ["sendMessage"] * 2
    tg.assert_clean()


async def test_wrong_secret_is_refused_by_aiogram(tg: FakeTelegram) -> None:
    bot = make_bot(tg)
    app = web.Application()
    SimpleRequestHandler(Dispatcher(), bot, secret_token=SECRET).register(app, path="/hook")
    try:
        async with serve(app=app) as base:
            await tg.call_api("setWebhook", {"url": f"{base}/hook", "secret_token": "other"})
            tg.push_message(3, "hi")
            await tg.wait_for(lambda: tg.webhook_deliveries)
    finally:
        await bot.session.close()
    assert tg.webhook_deliveries[0].status == 401

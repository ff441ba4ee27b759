"""Injected failures reach the real clients as their own exception types."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter, TelegramServerError
from telegram import Bot as PtbBot
from telegram.error import NetworkError, RetryAfter

from tests.fake_telegram.server import FakeTelegram
from tests.fake_telegram.test_aiogram import make_bot


async def test_429_reaches_aiogram_as_retry_after(tg: FakeTelegram) -> None:
    bot = make_bot(tg)
    try:
        tg.fail_next("sendMessage", retry_after=7)
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(1, "hello")
        assert caught.value.retry_after == 7
        assert "Too Many Requests: retry after 7" in caught.value.message
        sent = await bot.send_message(1, "hello")  # only the next call fails
        assert sent.text == "hello"
    finally:
        await bot.session.close()
    assert [c.status for c in tg.calls_of("sendMessage")] == [429, 200]
    assert [m.text for m in tg.sent(1)] == ["hello"]
    tg.assert_clean()  # injected failures are not the bot's fault


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_reaches_ptb_as_retry_after(tg: FakeTelegram) -> None:
    bot = PtbBot("123456:TEST", base_url=f"{tg.base_url}/bot")
    async with bot:
        tg.fail_next("sendmessage", count=2, retry_after=3)
        for _ in range(2):
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(1, "hello")
            retry = caught.value.retry_after
            assert retry == 3 or retry == timedelta(seconds=3)
        await bot.send_message(1, "hello")
    tg.assert_clean()


async def test_server_errors_and_any_method(tg: FakeTelegram) -> None:
    bot = make_bot(tg)
    ptb = PtbBot("123456:TEST", base_url=f"{tg.base_url}/bot")
    try:
        tg.fail_next("*", status=502)
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_message(1, "x")
        async with ptb:
            tg.fail_next("sendMessage", status=500)
            with pytest.raises(NetworkError):
                await ptb.send_message(1, "x")
    finally:
        await bot.session.close()
    tg.assert_clean()


async def test_blocked_user_is_forbidden_but_not_a_violation(tg: FakeTelegram) -> None:
    bot = make_bot(tg)
    try:
        tg.block(9)
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(9, "hello")
        tg.unblock(9)
        await bot.send_message(9, "hello again")
    finally:
        await bot.session.close()
    assert [m.text for m in tg.sent(9)] == ["hello again"]
    tg.assert_clean()


async def test_delay_keeps_settle_waiting(tg: FakeTelegram) -> None:
    bot = make_bot(tg)
    try:
        tg.delay_next("sendMessage", 0.3)
        started = time.monotonic()
        sending = asyncio.create_task(bot.send_message(3, "slow"))
        await tg.wait_for(lambda: tg.calls_of("sendMessage"))
        await tg.settle(3, quiet=0.05)  # a request in flight is not quiet
        assert time.monotonic() - started >= 0.3
        assert tg.last_text(3) == "slow"
        await sending
    finally:
        await bot.session.close()

"""A real aiogram 3 bot long-polls the fake; the test plays the user."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests.fake_telegram.samples import png
from tests.fake_telegram.server import FakeTelegram

TOKEN = "123456:TEST"
USER = 42
REPORT = b"name;score\nalice;3\n"


def make_bot(tg: FakeTelegram) -> Bot:
    """An aiogram Bot pointed at the fake, as the project's runtime builds it."""
    return Bot(
        TOKEN,
        session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


@asynccontextmanager
async def polling(tg: FakeTelegram, dp: Dispatcher) -> AsyncIterator[Bot]:
    """Run ``dp`` against the fake until the block ends."""
    bot = make_bot(tg)
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        await tg.wait_for(lambda: tg.calls_of("getUpdates") or task.done())
        if task.done():
            task.result()
        yield bot
    finally:
        if not task.done():
            await dp.stop_polling()
        await task
        await bot.session.close()


def demo_dispatcher(seen: list[Any]) -> Dispatcher:
    """/start with a keyboard, a callback that answers and edits, /files with two uploads."""
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        seen.append(message)
        name = message.from_user.first_name if message.from_user else "?"
        await message.answer(
            f"Welcome, <b>{name}</b>!",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(text="Yes", callback_data="answer:yes"),
                        InlineKeyboardButton(text="No", callback_data="answer:no"),
                    ],
                    [InlineKeyboardButton(text="Help", url="https://example.org/help")],
                ]
            ),
        )

    @dp.callback_query(F.data.startswith("answer:"))
    async def answer(query: CallbackQuery) -> None:
        seen.append(query)
        choice = (query.data or "").split(":", 1)[1]
        await query.answer(f"Noted: {choice}")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"You chose <i>{choice}</i>")

    @dp.message(Command("files"))
    async def files(message: Message, bot: Bot) -> None:
        await message.answer_document(
            BufferedInputFile(REPORT, "report.csv"), caption="Your <b>report</b>"
        )
        await bot.send_photo(message.chat.id, BufferedInputFile(png(8, 6), "chart.png"))

    @dp.message(Command("menu"))
    async def menu(message: Message, bot: Bot) -> None:
        await bot.set_my_commands([BotCommand(command="start", description="Begin")])
        await bot.set_my_commands(
            [BotCommand(command="start", description="Beginnen")], language_code="nl"
        )
        await message.answer("menu set")

    return dp


async def test_get_me_and_startup_calls(tg: FakeTelegram) -> None:
    async with polling(tg, demo_dispatcher([])) as bot:
        me = await bot.me()
        assert (me.id, me.username, me.is_bot) == (123456, "play_test_bot", True)
    assert [c.method for c in tg.calls[:2]] == ["getMe", "getUpdates"]
    assert tg.calls[1].params["timeout"] == 1


async def test_start_keyboard_then_callback_edits(tg: FakeTelegram) -> None:
    seen: list[Any] = []
    async with polling(tg, demo_dispatcher(seen)):
        tg.push_command(USER, "/start", first_name="Anna")
        reply = await tg.next_reply(USER)
        assert reply.action == "sent"
        assert reply.text == "Welcome, Anna!"
        assert reply.message.entities == [{"type": "bold", "offset": 9, "length": 4}]
        assert reply.buttons == [
            [("Yes", "answer:yes"), ("No", "answer:no")],
            [("Help", "https://example.org/help")],
        ]
        assert tg.buttons(USER) == reply.buttons

        query_id = tg.click(USER, "Yes")
        edit = await tg.next_reply(USER)
        assert edit.action == "edited"
        assert edit.message_id == reply.message_id
        assert edit.text == "You chose yes"
        assert edit.buttons == []  # editMessageText without reply_markup drops the keyboard
        assert await tg.wait_answered() == []

    assert tg.callbacks[query_id].answer == {"text": "Noted: yes"}
    assert isinstance(seen[1], CallbackQuery) and seen[1].data == "answer:yes"
    assert [m.text for m in tg.sent(USER)] == ["You chose yes"]
    message = tg.sent(USER)[0]
    assert [v.text for v in message.history] == ["Welcome, Anna!", "You chose yes"]
    assert message.source == "You chose <i>yes</i>"
    tg.assert_clean()


async def test_document_and_photo_uploads(tg: FakeTelegram) -> None:
    async with polling(tg, demo_dispatcher([])) as bot:
        tg.push_command(USER, "/files")
        document = await tg.next_reply(USER)
        photo = await tg.next_reply(USER)
        assert document.kind == "document" and photo.kind == "photo"
        assert document.text == "Your report"
        upload = document.message.file
        assert upload is not None
        assert (upload.filename, upload.size, upload.content) == ("report.csv", len(REPORT), REPORT)
        assert tg.calls_of("sendDocument")[0].params["document"].startswith("attach://")
        assert photo.message.file is not None and photo.message.file.content == png(8, 6)

        # The file route serves what was uploaded, through aiogram's own download.
        downloaded = await bot.download(upload.file_id)
        assert downloaded is not None and downloaded.read() == REPORT
    tg.assert_clean()


async def test_group_chat(tg: FakeTelegram) -> None:
    seen: list[Any] = []
    group = -1001234567890
    async with polling(tg, demo_dispatcher(seen)):
        tg.push_command(USER, "/start", chat_id=group)
        reply = await tg.next_reply(group)
    assert reply.text == "Welcome, Test!"
    message = seen[0]
    assert isinstance(message, Message)
    assert (message.chat.id, message.chat.type) == (group, "supergroup")
    assert message.from_user is not None and message.from_user.id == USER
    assert tg.sent(USER) == []
    tg.assert_clean()


async def test_command_menu_per_language(tg: FakeTelegram) -> None:
    async with polling(tg, demo_dispatcher([])) as bot:
        tg.push_command(USER, "/menu")
        await tg.next_reply(USER)
        commands = await bot.get_my_commands(language_code="nl")
    assert tg.command_sets() == {
        ("default", ""): [("start", "Begin")],
        ("default", "nl"): [("start", "Beginnen")],
    }
    assert [(c.command, c.description) for c in commands] == [("start", "Beginnen")]
    tg.assert_clean()

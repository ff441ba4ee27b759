"""A real python-telegram-bot 22 application long-polls the fake; the test plays the user."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fake_telegram.samples import png
from tests.fake_telegram.server import FakeTelegram

TOKEN = "123456:TEST"
USER = 77
REPORT = b"%PDF-1.4 fake report"

App = Application[Any, Any, Any, Any, Any, Any]


def build(tg: FakeTelegram, seen: list[Any]) -> App:
    """/start with a keyboard, a callback that answers and edits, /files with two uploads."""
    app: App = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{tg.base_url}/bot")
        .base_file_url(f"{tg.base_url}/file/bot")
        .build()
    )

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        seen.append(update)
        await update.effective_message.reply_text(
            f"Hello <b>{update.effective_user.first_name}</b>",
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton("Red", callback_data="color:red"),
                        InlineKeyboardButton("Blue", callback_data="color:blue"),
                    ]
                ]
            ),
        )

    async def color(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        seen.append(update)
        await query.answer()
        keep = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="color:again")]])
        await query.edit_message_text(f"Picked {query.data.split(':')[1]}", reply_markup=keep)

    async def files(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        chat_id = update.effective_chat.id
        await context.bot.send_document(
            chat_id, document=io.BytesIO(REPORT), filename="report.pdf", caption="Report"
        )
        sent = await context.bot.send_photo(chat_id, photo=png(5, 5), filename="chart.png")
        seen.append(sent)

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("files", files))
    app.add_handler(CallbackQueryHandler(color, pattern=r"^color:"))
    return app


@asynccontextmanager
async def running(tg: FakeTelegram, seen: list[Any]) -> AsyncIterator[App]:
    """PTB's manual lifecycle around the block."""
    app = build(tg, seen)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_startup_calls(tg: FakeTelegram) -> None:
    async with running(tg, []) as app:
        await tg.wait_for(lambda: tg.calls_of("getUpdates"))
        assert app.bot.id == 123456 and app.bot.username == "play_test_bot"
    assert [c.method for c in tg.calls[:3]] == ["getMe", "deleteWebhook", "getUpdates"]


async def test_start_keyboard_then_callback_edits(tg: FakeTelegram) -> None:
    seen: list[Any] = []
    async with running(tg, seen):
        tg.push_command(USER, "/start", first_name="Bram", language_code="nl")
        reply = await tg.next_reply(USER)
        assert reply.text == "Hello Bram"
        assert reply.buttons == [[("Red", "color:red"), ("Blue", "color:blue")]]

        tg.click(USER, "Blue")
        edit = await tg.next_reply(USER)
        assert (edit.action, edit.text) == ("edited", "Picked blue")
        assert edit.buttons == [[("Again", "color:again")]]
        assert await tg.wait_answered() == []
        await tg.settle(USER)

    first = seen[0]
    assert isinstance(first, Update) and first.effective_user is not None
    assert first.effective_user.language_code == "nl"
    assert len(tg.sent(USER)) == 1
    tg.assert_clean()


async def test_document_and_photo_uploads(tg: FakeTelegram) -> None:
    seen: list[Any] = []
    async with running(tg, seen) as app:
        tg.push_command(USER, "/files")
        document = await tg.next_reply(USER)
        photo = await tg.next_reply(USER)
        assert document.message.file is not None
        upload = document.message.file
        assert (upload.filename, upload.content) == ("report.pdf", REPORT)
        assert "document" not in tg.calls_of("sendDocument")[0].params  # PTB sends a file part
        assert photo.message.file is not None and photo.message.file.content == png(5, 5)

        # The returned Message parses in PTB, and the file URL route serves the upload.
        await tg.wait_for(lambda: seen)
        sent = seen[0]
        assert isinstance(sent, Message) and sent.photo[-1].width == 5
        file = await app.bot.get_file(upload.file_id)
        assert bytes(await file.download_as_bytearray()) == REPORT
    tg.assert_clean()

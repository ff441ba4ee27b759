"""A misbehaving aiogram bot: each mistake is answered like Telegram and fails assert_clean."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import (
    CallbackQuery,
    ErrorEvent,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests.fake_telegram.server import FakeTelegram
from tests.fake_telegram.test_aiogram import polling

USER = 5


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="go", callback_data=data)]]
    )


def sloppy_dispatcher(errors: list[str]) -> Dispatcher:
    """Handlers that each break one Telegram rule; the errors the bot sees are collected."""
    dp = Dispatcher()

    @dp.errors()
    async def collect(event: ErrorEvent) -> None:
        if isinstance(event.exception, TelegramAPIError):
            errors.append(event.exception.message)

    @dp.message(Command("long"))
    async def long(message: Message) -> None:
        await message.answer("x" * 4097)

    @dp.message(Command("fits"))
    async def fits(message: Message) -> None:
        await message.answer("<b>" + "x" * 4096 + "</b>")

    @dp.message(Command("data"))
    async def data(message: Message) -> None:
        await message.answer("pick", reply_markup=keyboard("é" * 33))  # 33 chars, 66 bytes

    @dp.message(Command("html"))
    async def html(message: Message) -> None:
        await message.answer("<b>unclosed")

    @dp.message(Command("user_input"))
    async def user_input(message: Message) -> None:
        await message.answer("You wrote: 3<5 and 5>3")  # unescaped user text in HTML

    @dp.message(Command("answer"))
    async def answer_unknown(message: Message, bot: Bot) -> None:
        await bot.answer_callback_query("999999")

    @dp.message(Command("edit"))
    async def edit_missing(message: Message, bot: Bot) -> None:
        await bot.edit_message_text("new", chat_id=message.chat.id, message_id=9999)

    @dp.message(Command("edit_user"))
    async def edit_user(message: Message) -> None:
        await message.edit_text("not yours")

    @dp.message(Command("keyboard"))
    async def with_keyboard(message: Message) -> None:
        await message.answer("choose", reply_markup=keyboard("ok"))

    @dp.callback_query(F.data == "ok")
    async def ignore(query: CallbackQuery) -> None:
        return None  # never answers: the user's button keeps spinning

    @dp.callback_query(F.data == "twice")
    async def twice(query: CallbackQuery) -> None:
        await query.answer()
        await query.answer()

    return dp


@pytest.mark.parametrize(
    ("command", "description"),
    [
        ("/long", "Bad Request: message is too long"),
        ("/data", "Bad Request: BUTTON_DATA_INVALID"),
        (
            "/html",
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag b",
        ),
        ("/user_input", 'Bad Request: can\'t parse entities: Unsupported start tag "5"'),
        (
            "/answer",
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        ),
        ("/edit", "Bad Request: message to edit not found"),
        ("/edit_user", "Bad Request: message can't be edited"),
    ],
)
async def test_each_mistake_is_a_violation(
    tg: FakeTelegram, command: str, description: str
) -> None:
    errors: list[str] = []
    async with polling(tg, sloppy_dispatcher(errors)):
        tg.push_command(USER, command)
        await tg.wait_for(lambda: errors)
    assert errors[0].startswith(description)  # the bot saw Telegram's answer
    assert len(tg.violations) == 1 and description in tg.violations[0]
    with pytest.raises(AssertionError, match="Fake Telegram saw problems"):
        tg.assert_clean()


async def test_4096_visible_characters_fit(tg: FakeTelegram) -> None:
    async with polling(tg, sloppy_dispatcher([])):
        tg.push_command(USER, "/fits")
        reply = await tg.next_reply(USER)
    assert reply.text is not None and len(reply.text) == 4096
    tg.assert_clean()


async def test_unanswered_callback_fails_assert_clean(tg: FakeTelegram) -> None:
    async with polling(tg, sloppy_dispatcher([])):
        tg.push_command(USER, "/keyboard")
        await tg.next_reply(USER)
        query_id = tg.click(USER, "go")
        await tg.settle(quiet=0.3)
        left = await tg.wait_answered(timeout=0.2)
    assert [q.id for q in left] == [query_id]
    assert tg.violations == []
    with pytest.raises(AssertionError, match=f"callback query {query_id} .* never answered"):
        tg.assert_clean()


async def test_answering_twice_is_a_violation(tg: FakeTelegram) -> None:
    errors: list[str] = []
    async with polling(tg, sloppy_dispatcher(errors)):
        tg.push_command(USER, "/keyboard")
        reply = await tg.next_reply(USER)
        tg.push_callback(USER, reply.message_id, "twice")
        await tg.wait_for(lambda: errors)
    assert tg.unanswered_callbacks() == []
    assert tg.violations == [
        "answerCallbackQuery (chat 5): Bad Request: query is too old and response timeout "
        "expired or query ID is invalid"
    ]

"""aiogram runtime: long polling, updates normalised for the engine, effects sent with aiogram."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any, Final

import structlog
from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)

from bot.runtimes.inflight import InFlight
from bot.runtimes.telegram_errors import bad_request
from bot.services import Services
from dialogs.effects import Keyboard
from dialogs.engine import Engine
from dialogs.errors import DeliveryError, RateLimited, Unreachable
from dialogs.events import (
    ButtonPressed,
    ChatKind,
    Event,
    Incoming,
    OtherSent,
    TextSent,
    UserRef,
    from_us,
    parse_command,
)

log = structlog.get_logger(__name__)
ALLOWED_UPDATES: Final = ["message", "callback_query"]


def _markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=b.text, url=b.url)
                if b.url is not None
                else InlineKeyboardButton(text=b.text, callback_data=b.data)
                for b in row
            ]
            for row in keyboard
        ]
    )


class AiogramMessenger:
    """Performs effects with an aiogram ``Bot`` and maps its errors to delivery errors."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except TelegramRetryAfter as exc:
            raise RateLimited(float(exc.retry_after)) from exc
        except TelegramForbiddenError as exc:
            raise Unreachable(exc.message) from exc
        except TelegramBadRequest as exc:
            raise bad_request(exc.message) from exc
        except TelegramNotFound as exc:
            raise Unreachable(exc.message) from exc
        except TelegramAPIError as exc:
            raise DeliveryError(type(exc).__name__) from exc

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None) -> int:
        message = await self._call(
            self._bot.send_message(chat_id, text, reply_markup=_markup(keyboard))
        )
        return int(message.message_id)

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
    ) -> None:
        await self._call(
            self._bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=_markup(keyboard)
            )
        )

    async def send_photo(
        self,
        chat_id: int,
        photo: bytes,
        filename: str,
        caption: str | None,
        keyboard: Keyboard | None,
    ) -> int:
        message = await self._call(
            self._bot.send_photo(
                chat_id,
                BufferedInputFile(photo, filename),
                caption=caption,
                reply_markup=_markup(keyboard),
            )
        )
        return int(message.message_id)

    async def send_document(
        self, chat_id: int, content: bytes, filename: str, caption: str | None
    ) -> int:
        message = await self._call(
            self._bot.send_document(chat_id, BufferedInputFile(content, filename), caption=caption)
        )
        return int(message.message_id)

    async def delete(self, chat_id: int, message_id: int) -> None:
        await self._call(self._bot.delete_message(chat_id, message_id))

    async def answer_callback(self, callback_id: str, text: str | None, alert: bool) -> None:
        await self._call(self._bot.answer_callback_query(callback_id, text=text, show_alert=alert))


def normalise(update: Update, bot_username: str | None) -> Incoming | None:
    """An aiogram ``Update`` as an engine event; None for updates the bot ignores."""
    if update.callback_query is not None:
        query: CallbackQuery = update.callback_query
        if query.message is None or query.data is None:
            return None
        chat = query.message.chat
        return Incoming(
            update_id=update.update_id,
            user=UserRef(query.from_user.id, query.from_user.language_code),
            chat_id=chat.id,
            event=ButtonPressed(query.data, query.message.message_id, query.id),
            chat_kind=ChatKind.PRIVATE if chat.type == "private" else ChatKind.GROUP,
        )
    message: Message | None = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    event: Event
    if message.text is not None:
        event = parse_command(message.text, bot_username) or TextSent(message.text)
    else:
        event = OtherSent(message.content_type)
    reply = message.reply_to_message
    author = reply.from_user if reply is not None else None
    ours = author is not None and from_us(author.is_bot, author.username, bot_username)
    return Incoming(
        update_id=update.update_id,
        user=UserRef(message.from_user.id, message.from_user.language_code),
        chat_id=message.chat.id,
        event=event,
        chat_kind=ChatKind.PRIVATE if message.chat.type == "private" else ChatKind.GROUP,
        reply_to_message_id=reply.message_id if reply is not None and ours else None,
    )


def build_bot(token: str, api_url: str) -> Bot:
    """A ``Bot`` that talks to ``api_url`` (Telegram, or a local Bot API server)."""
    return Bot(
        token,
        session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)),
        default=DefaultBotProperties(
            parse_mode=ParseMode.HTML, link_preview=LinkPreviewOptions(is_disabled=True)
        ),
    )


async def set_commands(bot: Bot, engine: Engine) -> None:
    """Publish the command menu in every language, the default locale for everyone else."""
    for texts in engine.translator.all():
        commands = [BotCommand(command=c, description=d) for c, d in engine.menu(texts)]
        await bot.set_my_commands(commands, language_code=texts.locale)
        if texts.locale == engine.settings.default_locale:
            await bot.set_my_commands(commands)


async def run_aiogram(
    services: Services,
    *,
    token: str,
    api_url: str,
    stop: asyncio.Event,
    polling_timeout: int = 25,
) -> None:
    """Long-poll until ``stop`` is set, then let running updates finish."""
    engine = services.engine
    bot = build_bot(token, api_url)
    dispatcher = Dispatcher()
    inflight = InFlight()
    me = await bot.me()
    if me.username:
        engine.settings = replace(engine.settings, bot_username=me.username)
    messenger = AiogramMessenger(bot)
    services.messenger = messenger

    async def on_update(update: Update) -> None:
        incoming = normalise(update, me.username)
        if incoming is None:
            return
        async with inflight.track():
            await engine.handle(incoming, messenger)

    async def on_message(message: Message, event_update: Update) -> None:
        await on_update(event_update)

    async def on_callback(query: CallbackQuery, event_update: Update) -> None:
        await on_update(event_update)

    # A router per run (not a module-level one): aiogram attaches a router to one dispatcher only.
    local = Router(name=__name__)
    local.message.register(on_message)
    local.callback_query.register(on_callback)
    dispatcher.include_router(local)
    try:
        await set_commands(bot, engine)
        polling = asyncio.create_task(
            dispatcher.start_polling(
                bot,
                handle_signals=False,
                close_bot_session=False,
                polling_timeout=polling_timeout,
                allowed_updates=ALLOWED_UPDATES,
            )
        )
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if polling in done:
            stopping.cancel()
            polling.result()  # polling ended on its own: surface why
        else:
            await dispatcher.stop_polling()
            await polling
        if not await inflight.drain(seconds=10):
            log.warning("shutdown_with_updates_running")
    finally:
        await bot.session.close()

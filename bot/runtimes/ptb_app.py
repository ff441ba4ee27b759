"""python-telegram-bot runtime: the same engine behind PTB's long polling."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import replace
from typing import Final, TypeVar

import structlog
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults, TypeHandler

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
ALLOWED_UPDATES: Final = [Update.MESSAGE, Update.CALLBACK_QUERY]
T = TypeVar("T")


def _markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.text, url=b.url)
                if b.url is not None
                else InlineKeyboardButton(b.text, callback_data=b.data)
                for b in row
            ]
            for row in keyboard
        ]
    )


async def _call(coro: Awaitable[T]) -> T:
    try:
        return await coro
    except RetryAfter as exc:
        retry = exc.retry_after
        raise RateLimited(
            float(retry if isinstance(retry, int | float) else retry.total_seconds())
        ) from exc
    except Forbidden as exc:
        raise Unreachable(exc.message) from exc
    except BadRequest as exc:
        raise bad_request(exc.message) from exc
    except TelegramError as exc:
        raise DeliveryError(type(exc).__name__) from exc


class PtbMessenger:
    """Performs effects with PTB's ``Bot`` and maps its errors to delivery errors."""

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        self._bot = application.bot

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None) -> int:
        message = await _call(self._bot.send_message(chat_id, text, reply_markup=_markup(keyboard)))
        return int(message.message_id)

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
    ) -> None:
        await _call(
            self._bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=_markup(keyboard)
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
        message = await _call(
            self._bot.send_photo(
                chat_id, photo, filename=filename, caption=caption, reply_markup=_markup(keyboard)
            )
        )
        return int(message.message_id)

    async def send_document(
        self, chat_id: int, content: bytes, filename: str, caption: str | None
    ) -> int:
        message = await _call(
            self._bot.send_document(chat_id, content, filename=filename, caption=caption)
        )
        return int(message.message_id)

    async def delete(self, chat_id: int, message_id: int) -> None:
        await _call(self._bot.delete_message(chat_id, message_id))

    async def answer_callback(self, callback_id: str, text: str | None, alert: bool) -> None:
        await _call(self._bot.answer_callback_query(callback_id, text=text, show_alert=alert))


def normalise(update: Update, bot_username: str | None) -> Incoming | None:
    """A PTB ``Update`` as an engine event; None for updates the bot ignores."""
    query = update.callback_query
    if query is not None:
        # An inaccessible message (older than 48 hours, date 0) still has its chat and id: the
        # press goes on to the engine, which answers it.
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
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    event: Event
    if message.text is not None:
        event = parse_command(message.text, bot_username) or TextSent(message.text)
    else:
        event = OtherSent("other")
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


def build_application(token: str, api_url: str) -> Application:  # type: ignore[type-arg]
    """A PTB application that talks to ``api_url`` and handles updates concurrently.

    Concurrency is safe because the engine serialises each user's updates with its own lock.
    """
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .concurrent_updates(True)
        .build()
    )


async def set_commands(application: Application, engine: Engine) -> None:  # type: ignore[type-arg]
    """Publish the command menu in every language, the default locale for everyone else."""
    for texts in engine.translator.all():
        commands = [BotCommand(c, d) for c, d in engine.menu(texts)]
        await application.bot.set_my_commands(commands, language_code=texts.locale)
        if texts.locale == engine.settings.default_locale:
            await application.bot.set_my_commands(commands)


async def run_ptb(
    services: Services,
    *,
    token: str,
    api_url: str,
    stop: asyncio.Event,
    polling_timeout: int = 25,
) -> None:
    """Long-poll until ``stop`` is set, then let running updates finish."""
    engine = services.engine
    application = build_application(token, api_url)
    inflight = InFlight()
    messenger = PtbMessenger(application)
    services.messenger = messenger

    async def on_update(update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update):
            return
        incoming = normalise(update, application.bot.username)
        if incoming is None:
            return
        async with inflight.track():
            await engine.handle(incoming, messenger)

    async def on_error(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The engine catches what flows raise; this sees only runtime faults. Class names only.
        log.error("runtime_error", error=type(context.error).__name__)

    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(on_error)
    await application.initialize()
    if application.bot.username:
        engine.settings = replace(engine.settings, bot_username=application.bot.username)
    try:
        await set_commands(application, engine)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            timeout=polling_timeout, allowed_updates=ALLOWED_UPDATES, poll_interval=0
        )
        await stop.wait()
        await application.updater.stop()
        if not await inflight.drain(seconds=10):
            log.warning("shutdown_with_updates_running")
        await application.stop()
    finally:
        await application.shutdown()

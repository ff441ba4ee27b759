"""A fake Telegram Bot API server that the real aiogram and python-telegram-bot clients talk to.

Start it on a loopback port, point the client's base URL at ``tg.base_url``, play the user with
``push_message`` / ``push_command`` / ``push_callback``, and read what the bot did with ``sent``,
``next_reply``, ``calls_of``... Requests that Telegram would refuse get Telegram's answer and are
recorded in ``violations``; ``assert_clean()`` fails the test on any of them and on callback
queries the bot never answered.

One instance plays one bot (the update stream is shared by all tokens). Everything runs on the
test's event loop; the test-side helpers are plain methods, the waiting helpers are coroutines::

    async with FakeTelegram() as tg:
        api = TelegramAPIServer.from_base(tg.base_url)
        bot = Bot("123456:TEST", session=AiohttpSession(api=api))
        ...start polling...
        tg.push_command(42, "/start")
        reply = await tg.next_reply(42)            # the bot's next send/edit in chat 42
        assert reply.buttons[0][0] == ("Yes", "answer:yes")
        tg.click(42, "Yes")                        # a callback query for that button
        await tg.settle(42)                        # the bot went quiet
        await tg.wait_answered()
        tg.assert_clean()                          # no violations, no unanswered callbacks
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from io import BytesIO
from types import TracebackType
from typing import Any, Final, Literal, Self

import aiohttp
from aiohttp import web
from PIL import Image

from tests.fake_telegram.html_check import ParsedText, utf16_len
from tests.fake_telegram.limits import (
    MAX_CALLBACK_ANSWER,
    ApiError,
    bad_request,
    check_commands,
    check_reply_markup,
    format_text,
    json_value,
)
from tests.fake_telegram.models import (
    Buttons,
    Call,
    CallbackQuery,
    ChatEvent,
    ChatMessage,
    ChatState,
    Delivery,
    FloodLimits,
    UploadedFile,
    Version,
    Violation,
)

__all__ = ["FakeTelegram", "FloodLimits"]

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
BOT_FIRST_NAME: Final = "Play Bot"
BOT_USERNAME: Final = "play_test_bot"
MAX_DOCUMENT_BYTES: Final = 50 * 1024 * 1024
MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024
DELETE_WINDOW_SECONDS: Final = 48 * 3600
LONG_POLL_MAX: Final = 50.0

_TOKEN: Final = re.compile(r"\d+:[A-Za-z0-9_-]+")
_COMMAND: Final = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_])")
_SECRET: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_INT: Final = re.compile(r"-?\d+")
_URL: Final = re.compile(r"(?i)https?://\S+")
# Form bodies carry every value as a string; these are turned back into what they mean.
_JSON_FIELDS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "commands",
        "scope",
        "media",
        "message_ids",
    }
)
_INT_FIELDS: Final = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "reply_to_message_id",
        "max_connections",
        "cache_time",
        "message_thread_id",
    }
)
_BOOL_FIELDS: Final = frozenset(
    {
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
    }
)
_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_DEFAULT_UPDATES_EXCLUDED: Final = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
_TRUE_METHODS: Final = (
    "close",
    "logOut",
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
    "setMyDefaultAdministratorRights",
)
_NO_WEBHOOK_REPLY: Final = frozenset({"setwebhook", "deletewebhook", "close", "logout"})
_CALLBACK_QUEUE_SHIFT: Final = 3 << 33  # tdlib's webhook queue id for a user's callback queries

Handler = Callable[[Call], Awaitable[Any]]
CallHook = Callable[[Call], None]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT.fullmatch(value):
        return int(value)
    return None


def _as_bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _normalise_form(params: dict[str, Any]) -> None:
    """Turn form strings back into JSON values, ints and bools (in place)."""
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        if key in _JSON_FIELDS:
            # Left as a string if it is not JSON; the method's own check answers 400.
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
        elif key in _INT_FIELDS and _INT.fullmatch(value):
            params[key] = int(value)
        elif key in _BOOL_FIELDS:
            params[key] = _as_bool(value)


def _update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


PHOTO_FORMATS: Final = frozenset({"JPEG", "PNG", "GIF", "BMP", "WEBP"})


def _image_size(content: bytes) -> tuple[int, int] | None:
    """Width and height of an image Telegram accepts as a photo; None if it is not one."""
    try:
        with Image.open(BytesIO(content)) as image:
            if image.format not in PHOTO_FORMATS:
                return None
            width, height = image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return width, height


@dataclass(slots=True)
class _Webhook:
    url: str
    secret: str | None
    max_connections: int
    token: str
    last_error_date: int | None = None
    last_error_message: str | None = None


class FakeTelegram:
    """An in-process Bot API server; see the module docstring for the workflow."""

    def __init__(
        self,
        *,
        strict_not_modified: bool = False,
        strict_ampersand: bool = True,
        record: bool = True,
        callback_timeout: float | None = 15.0,
        flood_limits: FloodLimits | None = None,
        webhook_timeout: float = 10.0,
        webhook_retry_delay: float = 0.05,
    ) -> None:
        """Configure strictness.

        ``strict_not_modified``: count "message is not modified" as a violation (it is always
        answered with 400, like Telegram). ``strict_ampersand``: reject a bare ``&`` in HTML (see
        ``html_check``). ``record=False`` keeps ``calls`` empty for long benchmarks (hooks still
        run). ``callback_timeout``: seconds after the push within which answerCallbackQuery is
        accepted (Telegram allows about 15). ``flood_limits``: answer 429 when the bot sends
        faster than these (off by default; ``sent_per_second`` measures it either way).
        """
        self.strict_not_modified = strict_not_modified
        self.strict_ampersand = strict_ampersand
        self.record = record
        self.callback_timeout = callback_timeout
        self.flood_limits = flood_limits
        self.webhook_timeout = webhook_timeout
        self.webhook_retry_delay = webhook_retry_delay

        self.calls: list[Call] = []
        self.violation_log: list[Violation] = []
        self.callbacks: dict[str, CallbackQuery] = {}
        self.webhook_deliveries: list[Delivery] = []
        self.dropped_updates = 0
        self.files: dict[str, UploadedFile] = {}

        self._chats: dict[int, ChatState] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._commands: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._send_times: list[float] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(4_382_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._hooks: list[CallHook] = []
        self._faults: dict[str, deque[ApiError]] = {}
        self._delays: dict[str, deque[float]] = {}

        self._updates: deque[dict[str, Any]] = deque()
        self._allowed: frozenset[str] | None = None
        self._updates_changed = asyncio.Event()
        self._activity = asyncio.Event()
        self._poll_generation = 0
        self._last_activity = 0.0
        self._busy = 0
        self._closing = False

        self._webhook: _Webhook | None = None
        self._webhook_queues: dict[int, deque[dict[str, Any]]] = {}
        self._webhook_tasks: dict[int, asyncio.Task[None]] = {}
        self._webhook_slots = asyncio.Semaphore(40)
        self._client: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port = 0

        self._methods: dict[str, tuple[str, Handler]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("getUpdates", self._get_updates),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("sendMessage", self._send_message),
            ("sendPhoto", self._send_photo),
            ("sendDocument", self._send_document),
            ("editMessageText", self._edit_message_text),
            ("editMessageCaption", self._edit_message_caption),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("deleteMessages", self._delete_messages),
            ("answerCallbackQuery", self._answer_callback_query),
            ("sendChatAction", self._send_chat_action),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("getChat", self._get_chat),
            ("getFile", self._get_file),
        ):
            self._methods[name.lower()] = (name, handler)
        for name in _TRUE_METHODS:
            self._methods[name.lower()] = (name, self._true)

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (0 picks a free port; see ``base_url``)."""
        app = web.Application(client_max_size=MAX_DOCUMENT_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._on_bot_request)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._on_file_request)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        address = self._runner.addresses[0]
        self._host, self._port = host, int(address[1])
        self._client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def stop(self) -> None:
        """Stop webhook deliveries, release long polls and close the server."""
        self._closing = True
        self._wake_pollers()
        tasks = list(self._webhook_tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://host:port``: aiogram's ``TelegramAPIServer.from_base`` and PTB's base."""
        if not self._port:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://{self._host}:{self._port}"

    # --- configuration and fault injection -----------------------------------------------------

    def on_call(self, hook: CallHook) -> Callable[[], None]:
        """Run ``hook(call)`` after every answered request; returns a function that removes it."""
        self._hooks.append(hook)
        return lambda: self._hooks.remove(hook)

    def fail_next(
        self,
        method: str,
        count: int = 1,
        status: int = 429,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` ("*" for any) with an error.

        429 carries ``parameters.retry_after``; other statuses get a Telegram-like description.
        Injected errors are not violations.
        """
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                400: "Bad Request: injected failure",
                403: "Forbidden: bot was blocked by the user",
                500: "Internal Server Error",
                502: "Bad Gateway",
                503: "Service Unavailable",
            }.get(status, f"Error {status}")
        queue = self._faults.setdefault(method.lower(), deque())
        for _ in range(count):
            queue.append(
                ApiError(
                    status,
                    description,
                    violation=False,
                    retry_after=retry_after if status == 429 else None,
                )
            )

    def delay_next(self, method: str, seconds: float, count: int = 1) -> None:
        """Make the next ``count`` calls of ``method`` ("*" for any) wait before answering."""
        queue = self._delays.setdefault(method.lower(), deque())
        queue.extend([seconds] * count)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sends to this chat answer 403."""
        self._chat(chat_id).blocked = True

    def unblock(self, chat_id: int) -> None:
        """The user unblocked the bot."""
        self._chat(chat_id).blocked = False

    def age_messages(self, chat_id: int, hours: float) -> None:
        """Move every message of a chat ``hours`` into the past (for the 48 h delete limit)."""
        for message in self._chat(chat_id).messages.values():
            message.date -= hours * 3600

    # --- playing the user -----------------------------------------------------------------------

    def push_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        language_code: str | None = "en",
        first_name: str = "Test",
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """The user sends ``text``; returns the update. ``chat_id`` < 0 makes it a group message.

        A leading ``/command`` gets its ``bot_command`` entity, as Telegram adds it.
        """
        chat = self._chat(user_id if chat_id is None else chat_id, first_name=first_name)
        user = self._user(user_id, first_name, language_code)
        message_id = self._next_message_id(chat)
        now = time.time()
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(now),
            "chat": chat.api(),
            "from": dict(user),
            "text": text,
        }
        command = _COMMAND.match(text)
        if command is not None:
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
            ]
        if reply_to_message_id is not None:
            target = chat.messages.get(reply_to_message_id)
            if target is not None and not target.deleted:
                message["reply_to_message"] = self._message_api(target)
        chat.messages[message_id] = ChatMessage(
            chat_id=chat.id,
            message_id=message_id,
            kind="user",
            from_bot=False,
            text=text,
            entities=list(message.get("entities", [])),
            reply_markup=None,
            date=now,
            sent_at=time.monotonic(),
            user_id=user_id,
            reply_to=reply_to_message_id,
        )
        return self._push(chat, {"message": message}, queue=chat.id)

    def push_command(
        self, user_id: int, command: str, args: str = "", **kwargs: Any
    ) -> dict[str, Any]:
        """The user sends ``/command args`` (keyword arguments as for ``push_message``)."""
        text = command if command.startswith("/") else f"/{command}"
        if args:
            text = f"{text} {args}"
        return self.push_message(user_id, text, **kwargs)

    def push_callback(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        language_code: str | None = "en",
        first_name: str = "Test",
        inaccessible: bool = False,
    ) -> str:
        """The user presses a button with ``data`` (any string, forged ones too); returns its id.

        The update carries the message as it is now; a missing or deleted message is sent as an
        inaccessible message (date 0), like Telegram does. ``inaccessible``: send it so even
        though the message is there, as Telegram does for messages older than 48 hours.
        """
        chat = self._chat(user_id if chat_id is None else chat_id, first_name=first_name)
        user = self._user(user_id, first_name, language_code)
        query_id = str(next(self._callback_ids))
        target = chat.messages.get(message_id)
        if target is not None and not target.deleted and not inaccessible:
            message = self._message_api(target)
        else:
            message = {"chat": chat.api(), "message_id": message_id, "date": 0}
        query = {
            "id": query_id,
            "from": dict(user),
            "message": message,
            "chat_instance": str(-abs(chat.id) * 7919),
            "data": data,
        }
        update = self._push(chat, {"callback_query": query}, queue=user_id + _CALLBACK_QUEUE_SHIFT)
        self.callbacks[query_id] = CallbackQuery(
            id=query_id,
            update_id=update["update_id"],
            user_id=user_id,
            chat_id=chat.id,
            message_id=message_id,
            data=data,
            pushed_at=time.monotonic(),
        )
        return query_id

    def click(
        self,
        chat_id: int,
        button_text: str,
        *,
        user_id: int | None = None,
        message_id: int | None = None,
    ) -> str:
        """Press the button labelled ``button_text`` of the latest keyboard (or of a message)."""
        if user_id is None:
            if chat_id < 0:
                raise ValueError("say which user_id presses the button in a group")
            user_id = chat_id
        message = self._keyboard_message(chat_id, message_id)
        if message is None:
            raise LookupError(f"no inline keyboard in chat {chat_id}")
        for row in message.buttons:
            for text, action in row:
                if text == button_text:
                    return self.push_callback(user_id, message.message_id, action, chat_id=chat_id)
        raise LookupError(f"no button {button_text!r} in {message.buttons!r}")

    def push_update(self, body: dict[str, Any], *, chat_id: int | None = None) -> dict[str, Any]:
        """Queue any other update (``{"edited_message": {...}}``...); ``update_id`` is added."""
        chat = self._chat(chat_id) if chat_id is not None else None
        return self._push(chat, body)

    # --- reading what the bot did ---------------------------------------------------------------

    @property
    def violations(self) -> list[str]:
        """Every request Telegram would have refused as a bot bug, as readable strings."""
        return [str(v) for v in self.violation_log]

    def calls_of(self, method: str) -> list[Call]:
        """Recorded calls of one method (any spelling), answered or not."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def sent(self, chat_id: int) -> list[ChatMessage]:
        """The bot's messages now visible in the chat (after edits and deletes), oldest first."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.messages.values() if m.from_bot and not m.deleted]

    def history(self, chat_id: int) -> list[ChatMessage]:
        """Every message of the chat, the user's and deleted ones included."""
        chat = self._chats.get(chat_id)
        return list(chat.messages.values()) if chat is not None else []

    def events(self, chat_id: int) -> list[ChatEvent]:
        """Every send and edit of the bot in the chat, in order."""
        chat = self._chats.get(chat_id)
        return list(chat.events) if chat is not None else []

    def message(self, chat_id: int, message_id: int) -> ChatMessage | None:
        """One message of a chat (deleted ones too), or None."""
        chat = self._chats.get(chat_id)
        return chat.messages.get(message_id) if chat is not None else None

    def last_text(self, chat_id: int) -> str | None:
        """Visible text (or caption) of the bot's latest visible message in the chat."""
        sent = self.sent(chat_id)
        return sent[-1].text if sent else None

    def buttons(self, chat_id: int, message_id: int | None = None) -> Buttons:
        """Rows of ``(text, callback_data | url)`` of the latest keyboard, or of one message."""
        message = self._keyboard_message(chat_id, message_id)
        return message.buttons if message is not None else []

    def command_sets(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """``{(scope, language_code): [(command, description), ...]}`` from setMyCommands.

        ``scope`` is "default", "all_private_chats", "chat:<id>"...; no language is "".
        """
        return {key: list(value) for key, value in self._commands.items()}

    def unanswered_callbacks(self) -> list[CallbackQuery]:
        """Callback queries the bot has not answered (the user still sees a spinner)."""
        return [query for query in self.callbacks.values() if not query.answered]

    def sent_per_second(self, chat_id: int | None = None, window: float = 1.0) -> int:
        """Most messages the bot sent within any ``window`` seconds, to a chat or overall."""
        if chat_id is None:
            times = self._send_times
        else:
            chat = self._chats.get(chat_id)
            times = chat.send_times if chat is not None else []
        best = start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def assert_clean(self) -> None:
        """Fail if the bot broke a Telegram rule or left a callback query unanswered.

        Give the bot time first: ``await tg.wait_answered()`` or ``await tg.settle()``.
        """
        problems = [str(v) for v in self.violation_log]
        problems += [
            f"callback query {q.id} (data={q.data!r}, chat {q.chat_id}) was never answered"
            for q in self.unanswered_callbacks()
        ]
        if problems:
            raise AssertionError("Fake Telegram saw problems:\n  - " + "\n  - ".join(problems))

    # --- waiting --------------------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every request); return its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout} s{self._recent()}")
            await self._wait_activity(min(remaining, 0.1))

    async def next_reply(self, chat_id: int, timeout: float = 5.0) -> ChatEvent:
        """The bot's next send or edit in the chat since the last push (or previous reply)."""
        chat = self._chat(chat_id)
        try:
            await self.wait_for(lambda: chat.cursor < len(chat.events), timeout)
        except TimeoutError as exc:
            raise TimeoutError(
                f"no reply in chat {chat_id} within {timeout} s{self._recent(chat_id)}"
            ) from exc
        event = chat.events[chat.cursor]
        chat.cursor += 1
        return event

    async def settle(
        self, chat_id: int | None = None, quiet: float = 0.2, timeout: float = 5.0
    ) -> None:
        """Wait until the bot made no request (to the chat, or at all) for ``quiet`` seconds.

        A push counts as activity, so this also waits for the bot to start answering.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        chat = self._chat(chat_id) if chat_id is not None else None
        while True:
            busy = chat.busy if chat is not None else self._busy
            last = chat.last_activity if chat is not None else self._last_activity
            idle = time.monotonic() - last
            if not busy and idle >= quiet:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"the bot did not go quiet within {timeout} s")
            await self._wait_activity(min(remaining, max(quiet - idle, 0.01)))

    async def wait_answered(self, timeout: float = 1.0) -> list[CallbackQuery]:
        """Give the bot up to ``timeout`` s to answer its callback queries; return the rest."""
        with contextlib.suppress(TimeoutError):
            await self.wait_for(lambda: not self.unanswered_callbacks(), timeout)
        return self.unanswered_callbacks()

    # --- HTTP layer -----------------------------------------------------------------------------

    async def _on_bot_request(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if not _TOKEN.fullmatch(token):
            return self._respond(401, ApiError(401, "Unauthorized", violation=False).payload())
        try:
            params, files = await self._read_params(request)
        except ApiError as exc:
            return self._respond(exc.status, exc.payload())
        status, body = await self.call_api(request.match_info["method"], params, files, token)
        return self._respond(status, body)

    async def _on_file_request(self, request: web.Request) -> web.StreamResponse:
        if not _TOKEN.fullmatch(request.match_info["token"]):
            return self._respond(401, ApiError(401, "Unauthorized", violation=False).payload())
        path = request.match_info["path"]
        for upload in self.files.values():
            if upload.file_path == path:
                return web.Response(body=upload.content, content_type=upload.content_type)
        return self._respond(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    @staticmethod
    def _respond(status: int, body: dict[str, Any]) -> web.Response:
        return web.Response(text=_dumps(body), status=status, content_type="application/json")

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        params: dict[str, Any] = dict(request.query)
        _normalise_form(params)
        if request.content_type == "application/json":
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError as exc:
                    raise bad_request("can't parse JSON encoded request body") from exc
                if not isinstance(body, dict):
                    raise bad_request("JSON request body must be an object")
                params.update(body)
            return params, {}
        if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return params, {}
        uploads: dict[str, UploadedFile] = {}
        form: dict[str, Any] = {}
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                uploads[key] = UploadedFile(
                    field=key,
                    filename=value.filename,
                    content=value.file.read(),
                    content_type=value.content_type,
                )
            else:
                form[key] = value
        _normalise_form(form)
        params.update(form)
        return params, self._resolve_files(params, uploads)

    @staticmethod
    def _resolve_files(
        params: dict[str, Any], uploads: dict[str, UploadedFile]
    ) -> dict[str, UploadedFile]:
        """aiogram sends ``document=attach://<part>``; PTB names the part after the parameter."""
        files: dict[str, UploadedFile] = {}
        for key, value in params.items():
            if isinstance(value, str) and value.startswith("attach://"):
                upload = uploads.pop(value[len("attach://") :], None)
                if upload is not None:
                    upload.field = key
                    files[key] = upload
        files.update(uploads)
        return files

    async def call_api(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile] | None = None,
        token: str = "123456:TEST",
    ) -> tuple[int, dict[str, Any]]:
        """Run one Bot API method as if it arrived over HTTP; returns ``(status, body)``."""
        key = method.lower()
        entry = self._methods.get(key)
        call = Call(
            method=entry[0] if entry is not None else method,
            params=params,
            files=files or {},
            token=token,
            time=time.monotonic(),
            chat_id=_as_int(params.get("chat_id")),
        )
        if self.record:
            self.calls.append(call)
        polling = key == "getupdates"
        chat = self._chat(call.chat_id) if call.chat_id is not None and not polling else None
        if not polling:
            self._begin(chat)
        try:
            delay = self._take(self._delays, key)
            if delay:
                await asyncio.sleep(delay)
            fault = self._take(self._faults, key)
            if fault is not None:
                raise fault
            if entry is None:
                raise ApiError(404, "Not Found: method not found")
            call.result = await entry[1](call)
            body: dict[str, Any] = {"ok": True, "result": call.result}
        except ApiError as exc:
            call.status, call.description = exc.status, exc.description
            if exc.violation:
                self._violate(call, exc.description)
            body = exc.payload()
        except Exception as exc:  # a bug in the fake must fail the test, not hang it
            call.status, call.description = 500, "Internal Server Error"
            self._violate(call, f"fake server error: {exc!r}")
            body = ApiError(500, "Internal Server Error").payload()
        finally:
            if not polling:
                if call.chat_id is not None and chat is None:
                    chat = self._chat(call.chat_id)  # answerCallbackQuery finds its chat late
                    chat.busy += 1
                self._end(chat)
        for hook in self._hooks:
            hook(call)
        return call.status, body

    # --- bookkeeping ----------------------------------------------------------------------------

    @staticmethod
    def _take(table: dict[str, deque[Any]], key: str) -> Any:
        for name in (key, "*"):
            queue = table.get(name)
            if queue:
                return queue.popleft()
        return None

    def _violate(self, call: Call, description: str) -> None:
        self.violation_log.append(
            Violation(call.method, description, call.chat_id, call.time, dict(call.params))
        )

    def _begin(self, chat: ChatState | None) -> None:
        self._busy += 1
        if chat is not None:
            chat.busy += 1

    def _end(self, chat: ChatState | None) -> None:
        now = time.monotonic()
        self._busy -= 1
        self._last_activity = now
        if chat is not None:
            chat.busy -= 1
            chat.last_activity = now
        self._notify()

    def _notify(self) -> None:
        self._activity.set()
        self._activity = asyncio.Event()

    def _wake_pollers(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    async def _wait_activity(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._activity.wait(), timeout)

    def _recent(self, chat_id: int | None = None) -> str:
        calls = [c for c in self.calls if c.method != "getUpdates"]
        if chat_id is not None:
            calls = [c for c in calls if c.chat_id == chat_id]
        lines = [f"{c.method} {c.status} {c.description or ''}".rstrip() for c in calls[-5:]]
        lines += [f"violation: {v}" for v in self.violations[-5:]]
        return "".join(f"\n  {line}" for line in lines)

    def _chat(self, chat_id: int, *, first_name: str | None = None) -> ChatState:
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                kind = "private"
            else:
                kind = "supergroup" if str(chat_id).startswith("-100") else "group"
            chat = ChatState(id=chat_id, type=kind)
            self._chats[chat_id] = chat
        if first_name is not None and chat.type == "private":
            chat.first_name = first_name
        return chat

    def _user(self, user_id: int, first_name: str, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    @staticmethod
    def _next_message_id(chat: ChatState) -> int:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return message_id

    def _push(
        self, chat: ChatState | None, body: dict[str, Any], *, queue: int | None = None
    ) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **body}
        now = time.monotonic()
        self._last_activity = now
        if chat is not None:
            chat.cursor = len(chat.events)
            chat.last_activity = now
        if self._webhook is not None:
            self._enqueue_webhook(update, self._queue_of(update) if queue is None else queue)
        elif self._allowed is not None and _update_type(update) not in self._allowed:
            self.dropped_updates += 1
        else:
            self._updates.append(update)
            self._wake_pollers()
        self._notify()
        return update

    def _keyboard_message(self, chat_id: int, message_id: int | None) -> ChatMessage | None:
        if message_id is not None:
            return self.message(chat_id, message_id)
        for message in reversed(self.sent(chat_id)):
            if message.reply_markup:
                return message
        return None

    def _bot_user(self, bot_id: int | None) -> dict[str, Any]:
        return {
            "id": bot_id or 123456,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    def _message_api(self, message: ChatMessage, *, nested: bool = False) -> dict[str, Any]:
        """The Message object Telegram returns for a stored message."""
        chat = self._chat(message.chat_id)
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(message.date),
            "chat": chat.api(),
        }
        if message.from_bot:
            body["from"] = self._bot_user(message.bot_id)
        elif message.user_id is not None:
            body["from"] = dict(self._users.get(message.user_id, {"id": message.user_id}))
            body["from"].setdefault("is_bot", False)
            body["from"].setdefault("first_name", "Test")
        if message.kind in ("text", "user"):
            body["text"] = message.text or ""
            if message.entities:
                body["entities"] = message.entities
        else:
            upload = message.file
            assert upload is not None
            if message.kind == "photo":
                body["photo"] = self._photo_sizes(upload)
            else:
                document: dict[str, Any] = {
                    "file_id": upload.file_id,
                    "file_unique_id": upload.file_unique_id,
                    "file_name": upload.filename,
                    "mime_type": upload.content_type,
                }
                if upload.size:
                    document["file_size"] = upload.size
                body["document"] = document
            if message.text:
                body["caption"] = message.text
                if message.entities:
                    body["caption_entities"] = message.entities
        if message.reply_markup:
            body["reply_markup"] = message.reply_markup
        if message.edit_date is not None:
            body["edit_date"] = int(message.edit_date)
        if message.reply_to is not None and not nested:
            target = chat.messages.get(message.reply_to)
            if target is not None and not target.deleted:
                body["reply_to_message"] = self._message_api(target, nested=True)
        return body

    @staticmethod
    def _photo_sizes(upload: UploadedFile) -> list[dict[str, Any]]:
        width, height = _image_size(upload.content) or (0, 0)
        width, height = width or 320, height or 320
        scale = min(1.0, 90 / max(width, height))
        thumb = {
            "file_id": f"{upload.file_id}_s",
            "file_unique_id": f"{upload.file_unique_id}s",
            "width": max(1, int(width * scale)),
            "height": max(1, int(height * scale)),
        }
        full = {
            "file_id": upload.file_id,
            "file_unique_id": upload.file_unique_id,
            "width": width,
            "height": height,
            "file_size": upload.size,
        }
        return [thumb, full]

    # --- shared checks --------------------------------------------------------------------------

    def _target_chat(self, call: Call) -> ChatState:
        """The chat a method acts on; 400 if the id is missing or not a chat the fake can reach."""
        raw = call.params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        chat_id = _as_int(raw)
        if chat_id is None or chat_id == 0:
            raise bad_request("chat not found")
        call.chat_id = chat_id
        return self._chat(chat_id)

    @staticmethod
    def _check_not_blocked(chat: ChatState) -> None:
        if chat.blocked:
            reason = (
                "bot was blocked by the user"
                if chat.type == "private"
                else f"bot was kicked from the {chat.type} chat"
            )
            raise ApiError(403, f"Forbidden: {reason}", violation=False)

    def _check_flood(self, chat: ChatState) -> None:
        limits = self.flood_limits
        if limits is None:
            return
        now = time.monotonic()

        def recent(times: list[float], window: float) -> tuple[int, float]:
            index = bisect.bisect_right(times, now - window)
            return len(times) - index, times[index] if index < len(times) else now

        if chat.type == "private":
            count, _ = recent(chat.send_times, 1.0)
            over, retry = count >= limits.per_chat_per_second, 1
        else:
            count, oldest = recent(chat.send_times, 60.0)
            over, retry = count >= limits.per_group_per_minute, max(1, int(oldest + 60 - now) + 1)
        if not over:
            count, _ = recent(self._send_times, 1.0)
            over, retry = count >= limits.global_per_second, 1
        if over:
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry}",
                violation=limits.record_violations,
                retry_after=retry,
            )

    def _reply_target(self, chat: ChatState, params: dict[str, Any]) -> int | None:
        reply = json_value(params.get("reply_parameters"), "reply parameters")
        allow_missing = _as_bool(params.get("allow_sending_without_reply", False))
        if isinstance(reply, dict):
            target_id = _as_int(reply.get("message_id"))
            allow_missing = allow_missing or _as_bool(reply.get("allow_sending_without_reply"))
        else:
            target_id = _as_int(params.get("reply_to_message_id"))
        if target_id is None:
            return None
        target = chat.messages.get(target_id)
        if target is None or target.deleted:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return target_id

    def _input_file(self, call: Call, field: str, limit: int) -> UploadedFile:
        """The file of a send*: a fresh upload, a known file_id, or an HTTP URL."""
        upload = call.files.get(field)
        if upload is None:
            value = call.params.get(field)
            if isinstance(value, str) and value and not value.startswith("attach://"):
                known = self.files.get(value)
                if known is not None:
                    return known
                if _URL.fullmatch(value):
                    upload = UploadedFile(field, value.rsplit("/", 1)[-1] or "file", b"", url=value)
                else:
                    raise bad_request("wrong file identifier/HTTP URL specified")
            elif value:
                raise bad_request("wrong file identifier/HTTP URL specified")
            else:
                raise bad_request(f"there is no {field} in the request")
        elif upload.size == 0:
            raise bad_request("file must be non-empty")
        elif upload.size > limit:
            raise ApiError(413, "Request Entity Too Large")
        number = next(self._file_ids)
        prefix = "AgAC" if field == "photo" else "BQAC"
        upload.file_id = f"{prefix}AgADfake{number:08d}"
        upload.file_unique_id = f"AQADfake{number:08d}"
        folder = "photos" if field == "photo" else "documents"
        suffix = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "bin"
        upload.file_path = f"{folder}/file_{number}.{suffix}"
        self.files[upload.file_id] = upload
        return upload

    def _store(
        self,
        call: Call,
        chat: ChatState,
        kind: Literal["text", "photo", "document"],
        parsed: ParsedText,
        markup: dict[str, Any] | None,
        *,
        source: str | None,
        upload: UploadedFile | None = None,
        reply_to: int | None = None,
    ) -> ChatMessage:
        now = time.monotonic()
        message = ChatMessage(
            chat_id=chat.id,
            message_id=self._next_message_id(chat),
            kind=kind,
            from_bot=True,
            text=parsed.text if (parsed.text or kind == "text") else None,
            entities=parsed.entities,
            reply_markup=markup,
            date=time.time(),
            sent_at=now,
            source=source,
            parse_mode=call.params.get("parse_mode"),
            file=upload,
            bot_id=int(call.token.split(":", 1)[0]),
            reply_to=reply_to,
        )
        message.history.append(Version(message.text, parsed.entities, markup, now, call.method))
        chat.messages[message.message_id] = message
        chat.events.append(ChatEvent("sent", message, message.text, markup, now, call.method))
        chat.send_times.append(now)
        self._send_times.append(now)
        return message

    def _editable(self, call: Call) -> tuple[ChatState, ChatMessage]:
        if call.params.get("inline_message_id"):
            raise bad_request("message to edit not found")  # inline mode is not emulated
        chat = self._target_chat(call)
        message_id = _as_int(call.params.get("message_id"))
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    def _apply_edit(
        self,
        call: Call,
        chat: ChatState,
        message: ChatMessage,
        parsed: ParsedText | None,
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        text = message.text if parsed is None else (parsed.text or None)
        entities = message.entities if parsed is None else parsed.entities
        if text == message.text and entities == message.entities and markup == message.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
                violation=self.strict_not_modified,
            )
        self._check_not_blocked(chat)
        now = time.monotonic()
        message.text, message.entities, message.reply_markup = text, entities, markup
        if parsed is not None:
            message.source = call.params.get("text", call.params.get("caption"))
            message.parse_mode = call.params.get("parse_mode")
        message.edit_date = time.time()
        message.history.append(Version(text, entities, markup, now, call.method))
        chat.events.append(ChatEvent("edited", message, text, markup, now, call.method))
        return self._message_api(message)

    # --- methods --------------------------------------------------------------------------------

    async def _true(self, call: Call) -> bool:
        return True

    async def _get_me(self, call: Call) -> dict[str, Any]:
        return {
            **self._bot_user(int(call.token.split(":", 1)[0])),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, call: Call) -> list[dict[str, Any]]:
        params = call.params
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older long poll is answered 409, as Telegram does
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
                violation=False,
            )
        allowed = json_value(params.get("allowed_updates"), "allowed updates")
        if isinstance(allowed, list):
            self._set_allowed(allowed)
        offset = _as_int(params.get("offset")) or 0
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        elif offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        try:
            timeout = float(params.get("timeout") or 0)
        except (TypeError, ValueError):
            timeout = 0.0
        timeout = min(max(timeout, 0.0), LONG_POLL_MAX)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                    violation=False,
                )
            if self._webhook is not None:
                raise ApiError(409, "Conflict: webhook was set during the request", violation=False)
            remaining = deadline - loop.time()
            if self._updates or remaining <= 0 or self._closing:
                return list(itertools.islice(self._updates, limit))
            changed = self._updates_changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _set_allowed(self, allowed: list[Any]) -> None:
        names = frozenset(str(name) for name in allowed)
        if not names:
            names = frozenset({"message", "edited_message", "callback_query", "inline_query"})
            names = names | frozenset(
                {
                    "channel_post",
                    "edited_channel_post",
                    "chosen_inline_result",
                    "shipping_query",
                    "pre_checkout_query",
                    "poll",
                    "poll_answer",
                    "my_chat_member",
                    "chat_join_request",
                }
            )
            names -= _DEFAULT_UPDATES_EXCLUDED
        if names == self._allowed:
            return
        self._allowed = names
        kept = [u for u in self._updates if _update_type(u) in names]
        self.dropped_updates += len(self._updates) - len(kept)
        self._updates = deque(kept)

    async def _set_webhook(self, call: Call) -> bool:
        params = call.params
        url = params.get("url") or ""
        if not url:
            return await self._delete_webhook(call)
        if not isinstance(url, str) or not _URL.fullmatch(url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token") or None
        if secret is not None and not (isinstance(secret, str) and _SECRET.fullmatch(secret)):
            raise bad_request("secret token contains unallowed characters")
        connections = _as_int(params.get("max_connections")) or 40
        connections = min(max(connections, 1), 100)
        allowed = json_value(params.get("allowed_updates"), "allowed updates")
        if isinstance(allowed, list):
            self._set_allowed(allowed)
        if _as_bool(params.get("drop_pending_updates", False)):
            self.dropped_updates += len(self._updates)
            self._updates.clear()
        if self._webhook is None or self._webhook.max_connections != connections:
            self._webhook_slots = asyncio.Semaphore(connections)
        self._webhook = _Webhook(url, secret, connections, call.token)
        pending, self._updates = list(self._updates), deque()
        self._wake_pollers()
        for update in pending:
            self._enqueue_webhook(update, self._queue_of(update))
        return True

    async def _delete_webhook(self, call: Call) -> bool:
        if self._webhook is not None:
            self._webhook = None
            tasks = list(self._webhook_tasks.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._webhook_tasks.clear()
            pending = [u for queue in self._webhook_queues.values() for u in queue]
            self._webhook_queues.clear()
            pending += self._updates  # pushed while the deliveries were being cancelled
            self._updates = deque(sorted(pending, key=lambda u: int(u["update_id"])))
        if _as_bool(call.params.get("drop_pending_updates", False)):
            self.dropped_updates += len(self._updates)
            self._updates.clear()
        self._wake_pollers()
        return True

    async def _get_webhook_info(self, call: Call) -> dict[str, Any]:
        pending = len(self._updates) + sum(len(q) for q in self._webhook_queues.values())
        info: dict[str, Any] = {
            "url": self._webhook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook.max_connections
            if self._webhook.last_error_date is not None:
                info["last_error_date"] = self._webhook.last_error_date
                info["last_error_message"] = self._webhook.last_error_message
        if self._allowed is not None:
            info["allowed_updates"] = sorted(self._allowed)
        return info

    async def _send_message(self, call: Call) -> dict[str, Any]:
        params = call.params
        chat = self._target_chat(call)
        parsed = format_text(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            strict_ampersand=self.strict_ampersand,
        )
        markup = check_reply_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        self._check_not_blocked(chat)
        self._check_flood(chat)
        message = self._store(
            call, chat, "text", parsed, markup, source=params.get("text"), reply_to=reply_to
        )
        return self._message_api(message)

    async def _send_media(
        self, call: Call, kind: Literal["photo", "document"], limit: int
    ) -> dict[str, Any]:
        params = call.params
        chat = self._target_chat(call)
        upload = self._input_file(call, kind, limit)
        if kind == "photo" and upload.url is None:
            size = _image_size(upload.content)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            too_big = width + height > 10000 or max(width, height) > 20 * min(width, height)
            if width and height and too_big:
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
        parsed = format_text(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
            strict_ampersand=self.strict_ampersand,
        )
        markup = check_reply_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        self._check_not_blocked(chat)
        self._check_flood(chat)
        message = self._store(
            call,
            chat,
            kind,
            parsed,
            markup,
            source=params.get("caption"),
            upload=upload,
            reply_to=reply_to,
        )
        return self._message_api(message)

    async def _send_photo(self, call: Call) -> dict[str, Any]:
        return await self._send_media(call, "photo", MAX_PHOTO_BYTES)

    async def _send_document(self, call: Call) -> dict[str, Any]:
        return await self._send_media(call, "document", MAX_DOCUMENT_BYTES)

    async def _edit_message_text(self, call: Call) -> dict[str, Any]:
        params = call.params
        chat, message = self._editable(call)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        parsed = format_text(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            strict_ampersand=self.strict_ampersand,
        )
        markup = check_reply_markup(params.get("reply_markup"))
        return self._apply_edit(call, chat, message, parsed, markup)

    async def _edit_message_caption(self, call: Call) -> dict[str, Any]:
        params = call.params
        chat, message = self._editable(call)
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        parsed = format_text(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
            strict_ampersand=self.strict_ampersand,
        )
        markup = check_reply_markup(params.get("reply_markup"))
        return self._apply_edit(call, chat, message, parsed, markup)

    async def _edit_message_reply_markup(self, call: Call) -> dict[str, Any]:
        chat, message = self._editable(call)
        markup = check_reply_markup(call.params.get("reply_markup"))
        return self._apply_edit(call, chat, message, None, markup)

    def _delete_one(self, chat: ChatState, message_id: int | None) -> None:
        message = chat.messages.get(message_id) if message_id is not None else None
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        if time.time() - message.date > DELETE_WINDOW_SECONDS:
            raise bad_request("message can't be deleted for everyone")
        message.deleted = True

    async def _delete_message(self, call: Call) -> bool:
        chat = self._target_chat(call)
        message_id = _as_int(call.params.get("message_id"))
        if message_id is None:
            raise bad_request("message identifier is not specified")
        self._delete_one(chat, message_id)
        return True

    async def _delete_messages(self, call: Call) -> bool:
        chat = self._target_chat(call)
        ids = json_value(call.params.get("message_ids"), "message identifiers")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message identifiers are not specified")
        for message_id in ids:
            try:
                self._delete_one(chat, _as_int(message_id))
            except ApiError:
                continue  # deleteMessages skips what it cannot delete
        return True

    async def _answer_callback_query(self, call: Call) -> bool:
        query = self.callbacks.get(str(call.params.get("callback_query_id") or ""))
        if query is not None:
            call.chat_id = query.chat_id
        expired = (
            query is not None
            and self.callback_timeout is not None
            and time.monotonic() - query.pushed_at > self.callback_timeout
        )
        if query is None or query.answered or expired:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = call.params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered_at = time.monotonic()
        query.answer = {
            key: call.params[key]
            for key in ("text", "show_alert", "url", "cache_time")
            if key in call.params
        }
        return True

    async def _send_chat_action(self, call: Call) -> bool:
        chat = self._target_chat(call)
        if call.params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._check_not_blocked(chat)
        return True

    @staticmethod
    def _scope_key(scope: object) -> str:
        value = json_value(scope, "bot command scope") if scope else None
        if value is None:
            return "default"
        if not isinstance(value, dict) or "type" not in value:
            raise bad_request("can't parse BotCommandScope JSON object")
        parts = [str(value["type"])]
        parts += [str(value[key]) for key in ("chat_id", "user_id") if key in value]
        return ":".join(parts)

    async def _set_my_commands(self, call: Call) -> bool:
        params = call.params
        language = params.get("language_code") or ""
        commands = check_commands(params.get("commands"), language)
        key = (self._scope_key(params.get("scope")), str(language))
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, call: Call) -> list[dict[str, str]]:
        key = (
            self._scope_key(call.params.get("scope")),
            str(call.params.get("language_code") or ""),
        )
        return [{"command": c, "description": d} for c, d in self._commands.get(key, [])]

    async def _delete_my_commands(self, call: Call) -> bool:
        key = (
            self._scope_key(call.params.get("scope")),
            str(call.params.get("language_code") or ""),
        )
        self._commands.pop(key, None)
        return True

    async def _get_chat(self, call: Call) -> dict[str, Any]:
        chat = self._target_chat(call)
        return {**chat.api(), "accent_color_id": 0, "max_reaction_count": 11}

    async def _get_file(self, call: Call) -> dict[str, Any]:
        file_id = str(call.params.get("file_id") or "")
        upload = self.files.get(file_id) or self.files.get(file_id.removesuffix("_s"))
        if upload is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": upload.file_unique_id,
            "file_size": upload.size,
            "file_path": upload.file_path,
        }

    # --- webhook delivery -----------------------------------------------------------------------

    @staticmethod
    def _queue_of(update: dict[str, Any]) -> int:
        """tdlib's webhook queue: the chat for messages, the user for callback queries."""
        query = update.get("callback_query")
        if isinstance(query, dict):
            return int(query["from"]["id"]) + _CALLBACK_QUEUE_SHIFT
        return FakeTelegram._chat_of(update) or 0

    @staticmethod
    def _chat_of(update: dict[str, Any]) -> int | None:
        """The chat an update belongs to, if any (for settle() while a delivery runs)."""
        body = update.get(_update_type(update))
        if isinstance(body, dict) and isinstance(body.get("message"), dict):
            body = body["message"]  # a callback query's message
        if isinstance(body, dict) and isinstance(body.get("chat"), dict):
            return _as_int(body["chat"].get("id"))
        return None

    def _enqueue_webhook(self, update: dict[str, Any], queue: int) -> None:
        if self._allowed is not None and _update_type(update) not in self._allowed:
            self.dropped_updates += 1
            return
        self._webhook_queues.setdefault(queue, deque()).append(update)
        if queue not in self._webhook_tasks:
            self._webhook_tasks[queue] = asyncio.create_task(self._deliver(queue))

    async def _deliver(self, queue_id: int) -> None:
        """One in-flight delivery per queue; retried with back-off until answered 2xx."""
        queue = self._webhook_queues[queue_id]
        delay = self.webhook_retry_delay
        try:
            while queue and self._webhook is not None and not self._closing:
                async with self._webhook_slots:
                    delivered = await self._post(queue[0], queue_id)
                if delivered:
                    queue.popleft()
                    delay = self.webhook_retry_delay
                else:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
        finally:
            if self._webhook_tasks.get(queue_id) is asyncio.current_task():
                del self._webhook_tasks[queue_id]
                if not queue:
                    self._webhook_queues.pop(queue_id, None)

    async def _post(self, update: dict[str, Any], queue_id: int) -> bool:
        webhook, client = self._webhook, self._client
        if webhook is None or client is None:
            return False
        headers = {"Content-Type": "application/json"}
        if webhook.secret:
            headers[SECRET_HEADER] = webhook.secret
        chat_id = self._chat_of(update)
        chat = self._chats.get(chat_id) if chat_id is not None else None
        self._begin(chat)
        status: int | None = None
        error: str | None = None
        reply: tuple[str, dict[str, Any], dict[str, UploadedFile]] | None = None
        try:
            async with client.post(
                webhook.url,
                data=_dumps(update).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                status = response.status
                if 200 <= status < 300:
                    reply = await self._webhook_reply(response)
                else:
                    error = f"Wrong response from the webhook: {status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {exc!r}"
        finally:
            self._end(chat)
        self.webhook_deliveries.append(
            Delivery(int(update["update_id"]), queue_id, status, error, time.monotonic())
        )
        if error is not None:
            webhook.last_error_date, webhook.last_error_message = int(time.time()), error
            return False
        if reply is not None:
            method, params, files = reply
            if method.lower() not in _NO_WEBHOOK_REPLY and not method.lower().startswith("get"):
                await self.call_api(method, params, files, webhook.token)
        return True

    @staticmethod
    async def _webhook_reply(
        response: aiohttp.ClientResponse,
    ) -> tuple[str, dict[str, Any], dict[str, UploadedFile]] | None:
        """A method the bot returned in the webhook answer (JSON or multipart, like aiogram)."""
        params: dict[str, Any] = {}
        uploads: dict[str, UploadedFile] = {}
        if response.content_type == "application/json":
            body = await response.json()
            if not isinstance(body, dict):
                return None
            params = dict(body)
        elif response.content_type.startswith("multipart/"):
            reader = aiohttp.MultipartReader(response.headers, response.content)
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                    continue
                content = await part.read(decode=True)
                if part.filename:
                    uploads[part.name] = UploadedFile(
                        part.name,
                        part.filename,
                        bytes(content),
                        part.headers.get("Content-Type", "application/octet-stream"),
                    )
                else:
                    params[part.name] = bytes(content).decode()
            _normalise_form(params)
        method = params.pop("method", None)
        if not isinstance(method, str) or not method:
            return None
        return method, params, FakeTelegram._resolve_files(params, uploads)

"""What the fake Bot API remembers: calls, files, messages per chat, callback queries.

Plain dataclasses so tests can read them directly; none of them is sent over the wire as is
(``FakeTelegram`` builds the Telegram-shaped dicts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Buttons = list[list[tuple[str, str]]]


def keyboard_rows(markup: dict[str, Any] | None) -> Buttons:
    """Rows of ``(text, callback_data | url | other action value)`` of an inline keyboard."""
    if not markup:
        return []
    rows: Buttons = []
    for row in markup.get("inline_keyboard", []):
        cells = []
        for button in row:
            action = button.get("callback_data", button.get("url"))
            if action is None:
                action = next((str(v) for k, v in button.items() if k != "text"), "")
            cells.append((str(button.get("text", "")), str(action)))
        rows.append(cells)
    return rows


@dataclass(slots=True)
class UploadedFile:
    """A file the bot uploaded (or referred to by URL / file_id)."""

    field: str
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    url: str | None = None
    file_id: str = ""
    file_unique_id: str = ""
    file_path: str = ""

    @property
    def size(self) -> int:
        """Size in bytes of what was uploaded (0 for a URL)."""
        return len(self.content)


@dataclass(slots=True, eq=False)
class Call:
    """One Bot API request as the fake received and answered it."""

    method: str  # canonical spelling, e.g. "sendMessage" (the request's own if unknown)
    params: dict[str, Any]
    files: dict[str, UploadedFile]
    token: str
    time: float  # time.monotonic() when received
    chat_id: int | None = None
    status: int = 200
    description: str | None = None
    result: Any = None

    @property
    def ok(self) -> bool:
        """True if the fake answered 200."""
        return self.status == 200


@dataclass(slots=True, frozen=True)
class Version:
    """One state of a message's text and keyboard (the first is what was sent)."""

    text: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    time: float
    method: str


@dataclass(slots=True, eq=False)
class ChatMessage:
    """A message in a chat: sent by the bot, or pushed by the test as the user."""

    chat_id: int
    message_id: int
    kind: Literal["text", "photo", "document", "user"]
    from_bot: bool
    text: str | None  # visible text (caption for media), after entity parsing
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    date: float  # Unix time as Telegram reports it; age_messages() moves it back
    sent_at: float  # time.monotonic()
    source: str | None = None  # text as the bot sent it (with HTML tags)
    parse_mode: str | None = None
    file: UploadedFile | None = None
    user_id: int | None = None  # sender, for user messages
    bot_id: int | None = None  # sender, for bot messages
    reply_to: int | None = None
    deleted: bool = False
    edit_date: float | None = None
    history: list[Version] = field(default_factory=list)

    @property
    def edits(self) -> list[Version]:
        """The versions after the original, oldest first."""
        return self.history[1:]

    @property
    def buttons(self) -> Buttons:
        """The inline keyboard as rows of ``(text, action)``."""
        return keyboard_rows(self.reply_markup)


@dataclass(slots=True, frozen=True)
class ChatEvent:
    """The bot sent or edited a message; a snapshot taken at that moment."""

    action: Literal["sent", "edited"]
    message: ChatMessage  # the live message (its current state may have moved on)
    text: str | None
    reply_markup: dict[str, Any] | None
    time: float
    method: str

    @property
    def message_id(self) -> int:
        """Id of the message sent or edited."""
        return self.message.message_id

    @property
    def kind(self) -> str:
        """One of "text", "photo" or "document"."""
        return self.message.kind

    @property
    def buttons(self) -> Buttons:
        """The inline keyboard at that moment as rows of ``(text, action)``."""
        return keyboard_rows(self.reply_markup)


@dataclass(slots=True, eq=False)
class CallbackQuery:
    """A button press pushed by the test, and the bot's answer to it."""

    id: str
    update_id: int
    user_id: int
    chat_id: int
    message_id: int
    data: str
    pushed_at: float
    answered_at: float | None = None
    answer: dict[str, Any] | None = None

    @property
    def answered(self) -> bool:
        """True once answerCallbackQuery succeeded for it."""
        return self.answered_at is not None


@dataclass(slots=True, frozen=True)
class Violation:
    """A request that revealed a bug in the bot, with Telegram's answer."""

    method: str
    description: str
    chat_id: int | None
    time: float
    params: dict[str, Any]

    def __str__(self) -> str:
        where = f" (chat {self.chat_id})" if self.chat_id is not None else ""
        return f"{self.method}{where}: {self.description}"


@dataclass(slots=True, frozen=True)
class Delivery:
    """One attempt to POST an update to the bot's webhook."""

    update_id: int
    queue: int
    status: int | None
    error: str | None
    time: float


@dataclass(slots=True)
class FloodLimits:
    """Opt-in flood control: answer 429 like Telegram when the bot sends too fast.

    Telegram does not publish exact numbers; these follow its FAQ (about one message a second
    per chat with short bursts tolerated, 20 a minute per group, about 30 a second overall).
    """

    per_chat_per_second: int = 3
    per_group_per_minute: int = 20
    global_per_second: int = 30
    record_violations: bool = True


@dataclass(slots=True, eq=False)
class ChatState:
    """Everything the fake knows about one chat; the hot path only touches this."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    next_message_id: int = 1
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    events: list[ChatEvent] = field(default_factory=list)
    cursor: int = 0  # next_reply() reads events from here; a push moves it to the end
    blocked: bool = False
    send_times: list[float] = field(default_factory=list)
    last_activity: float = 0.0
    busy: int = 0

    def api(self) -> dict[str, Any]:
        """The Chat object as Telegram shows it."""
        if self.type == "private":
            return {
                "id": self.id,
                "type": "private",
                "first_name": self.first_name or "Test",
                "username": f"user{self.id}",
            }
        return {"id": self.id, "type": self.type, "title": self.title or "Test Group"}

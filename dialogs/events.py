"""What the runtimes hand to the engine: one normalised event per Telegram update."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ChatKind(StrEnum):
    """Where a message came from."""

    PRIVATE = "private"
    """A one-to-one chat with the bot."""
    GROUP = "group"
    """A group or supergroup (e.g. the admin chat)."""


@dataclass(frozen=True, slots=True)
class UserRef:
    """The sender. The id is personal data: it is hashed or encrypted before it is stored."""

    id: int
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class CommandSent:
    """``/name args`` typed or tapped in the menu."""

    name: str
    args: str = ""


@dataclass(frozen=True, slots=True)
class TextSent:
    """Any other text message."""

    text: str


@dataclass(frozen=True, slots=True)
class ButtonPressed:
    """An inline button was pressed on one of the bot's messages."""

    data: str
    message_id: int
    callback_id: str


@dataclass(frozen=True, slots=True)
class OtherSent:
    """A sticker, photo, voice note or anything else the bot cannot read."""

    kind: str


Event = CommandSent | TextSent | ButtonPressed | OtherSent


@dataclass(frozen=True, slots=True)
class Incoming:
    """One update, stripped of everything the dialogs do not need."""

    update_id: int | None
    """Telegram's update id, for de-duplication; None where there is none (terminal chat)."""
    user: UserRef
    chat_id: int
    event: Event
    chat_kind: ChatKind = ChatKind.PRIVATE
    reply_to_message_id: int | None = None
    """The bot message this one replies to, if any (admins answer requests by replying).
    Replies to anyone else's message are group chatter: the runtimes leave this None."""


def parse_command(text: str, bot_username: str | None = None) -> CommandSent | None:
    """``/name@bot args`` -> CommandSent, or None when the text is not a command for us."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, args = text[1:].partition(" ")
    name, _, target = head.partition("@")
    if target and bot_username and target.lower() != bot_username.lower():
        return None
    if not name or not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
        return None
    return CommandSent(name=name.lower(), args=args.strip())


def from_us(author_is_bot: bool, author_username: str | None, bot_username: str | None) -> bool:
    """Whether a replied-to message was written by this bot (not by a person or another bot)."""
    if not author_is_bot:
        return False
    return bot_username is None or (author_username or "").lower() == bot_username.lower()

"""What the engine asks the runtimes to do. Texts are final (translated, Telegram HTML)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: exactly one of ``data`` (a signed payload) or ``url``."""

    text: str
    data: str | None = None
    url: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Send:
    """Send a new text message."""

    chat_id: int
    text: str
    keyboard: Keyboard | None = None
    personal: bool = False
    """Shows personal data: /forget deletes it from the chat while Telegram allows (48 h)."""
    about: tuple[str, ...] = ()
    """Whose data it shows, when known (``dialogs.context.person_tag``): deleting one child's
    data deletes the messages about that child, and only those."""
    tag: str | None = None
    """Asks the engine to hand the sent message's id to a delivery hook (``prefix:value``)."""


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text and buttons of an earlier message (falls back to a new message)."""

    chat_id: int
    message_id: int
    text: str
    keyboard: Keyboard | None = None
    personal: bool = False
    """Shows personal data (see ``Send.personal``)."""
    about: tuple[str, ...] = ()
    """Whose data (see ``Send.about``)."""


@dataclass(frozen=True, slots=True)
class SendPhoto:
    """Send a picture; ``fallback`` is sent as text when the picture cannot be."""

    chat_id: int
    photo: bytes
    filename: str
    caption: str | None = None
    keyboard: Keyboard | None = None
    fallback: str | None = None
    personal: bool = False
    """Shows personal data (see ``Send.personal``)."""
    about: tuple[str, ...] = ()
    """Whose data (see ``Send.about``)."""


@dataclass(frozen=True, slots=True)
class SendDocument:
    """Send a file."""

    chat_id: int
    content: bytes
    filename: str
    caption: str | None = None
    personal: bool = False
    """Holds personal data (see ``Send.personal``)."""
    about: tuple[str, ...] = ()
    """Whose data (see ``Send.about``)."""


@dataclass(frozen=True, slots=True)
class Delete:
    """Delete a message (Telegram allows it for 48 hours)."""

    chat_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class AnswerCallback:
    """Stop the button's spinner, optionally with a short notice."""

    callback_id: str
    text: str | None = None
    alert: bool = False


Effect = Send | Edit | SendPhoto | SendDocument | Delete | AnswerCallback

"""A messenger that records effects instead of sending them (engine tests without Telegram).

Like Telegram, it refuses HTML it could not parse and texts over the length limits, so engine
tests catch what the end-to-end tests would.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from dialogs.effects import Keyboard
from dialogs.errors import DeliveryError
from tests.fake_telegram.html_check import parse_html


@dataclass
class Sent:
    """One message as the chat would show it."""

    chat_id: int
    message_id: int
    text: str
    keyboard: Keyboard | None
    kind: str = "text"


@dataclass
class RecordingMessenger:
    """Keeps the chat as Telegram would show it; can be told to fail the next calls."""

    messages: list[Sent] = field(default_factory=list)
    answers: list[tuple[str, str | None]] = field(default_factory=list)
    failures: list[DeliveryError] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _maybe_fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)

    @staticmethod
    def _check(text: str | None, limit: int) -> None:
        if text is None:
            return
        parsed = parse_html(text)  # raises on HTML Telegram would refuse
        assert 0 < len(parsed.text) <= limit, f"text of {len(parsed.text)} characters"

    def by_id(self, message_id: int) -> Sent:
        return next(m for m in self.messages if m.message_id == message_id)

    @property
    def last(self) -> Sent:
        return self.messages[-1]

    def texts(self) -> list[str]:
        return [m.text for m in self.messages]

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None) -> int:
        self._maybe_fail()
        self._check(text, 4096)
        sent = Sent(chat_id, next(self._ids), text, keyboard)
        self.messages.append(sent)
        return sent.message_id

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
    ) -> None:
        self._maybe_fail()
        self._check(text, 4096)
        message = self.by_id(message_id)
        message.text, message.keyboard = text, keyboard

    async def send_photo(
        self,
        chat_id: int,
        photo: bytes,
        filename: str,
        caption: str | None,
        keyboard: Keyboard | None,
    ) -> int:
        self._maybe_fail()
        self._check(caption, 1024)
        sent = Sent(chat_id, next(self._ids), caption or "", keyboard, kind="photo")
        self.messages.append(sent)
        return sent.message_id

    async def send_document(
        self, chat_id: int, content: bytes, filename: str, caption: str | None
    ) -> int:
        self._maybe_fail()
        self._check(caption, 1024)
        sent = Sent(chat_id, next(self._ids), caption or filename, None, kind="document")
        self.messages.append(sent)
        return sent.message_id

    async def delete(self, chat_id: int, message_id: int) -> None:
        self._maybe_fail()
        self.messages = [m for m in self.messages if m.message_id != message_id]

    async def answer_callback(self, callback_id: str, text: str | None, alert: bool) -> None:
        self._maybe_fail()
        self.answers.append((callback_id, text))

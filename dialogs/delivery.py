"""Performing effects through a runtime's messenger, with the Bot API's pitfalls handled once.

Each runtime implements ``Messenger`` with its own library and translates the library's errors into
``dialogs.errors.DeliveryError`` subclasses. ``perform`` then applies the same rules everywhere:
callback answers first, "not modified" is success, an edit that cannot happen becomes a new message,
a 429 is retried after ``retry_after``, a picture that fails falls back to its text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol, TypeVar, assert_never

import structlog

from dialogs.effects import (
    AnswerCallback,
    Delete,
    Edit,
    Effect,
    Keyboard,
    Send,
    SendDocument,
    SendPhoto,
)
from dialogs.errors import CannotEdit, DeliveryError, NotModified, RateLimited, Unreachable

log = structlog.get_logger(__name__)

MAX_RETRIES: Final = 3
RETRY_BUDGET: Final = 10.0
"""Seconds one update may wait on 429s in all. Delivery runs while the person's lock is held
(``storage.state.LOCK_TTL_MS``, 30 s): waiting longer would lose the lock, and the new state
with it. A message that would need more waiting is given up (and logged)."""
PATIENT_BUDGET: Final = 600.0
"""Seconds a background job's messages may wait on 429s in all: a job holds nobody's lock, and a
burst (the day's reminders in the admin group, 20 messages a minute there) must not lose the
messages after the first minute's."""
T = TypeVar("T")


class Messenger(Protocol):
    """What a runtime must be able to do. Methods raise ``DeliveryError`` subclasses."""

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None) -> int:
        """Send a message; return its message id."""
        ...

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
    ) -> None:
        """Edit a message's text and keyboard."""
        ...

    async def send_photo(
        self,
        chat_id: int,
        photo: bytes,
        filename: str,
        caption: str | None,
        keyboard: Keyboard | None,
    ) -> int:
        """Send a picture; return its message id."""
        ...

    async def send_document(
        self, chat_id: int, content: bytes, filename: str, caption: str | None
    ) -> int:
        """Send a file; return its message id."""
        ...

    async def delete(self, chat_id: int, message_id: int) -> None:
        """Delete a message."""
        ...

    async def answer_callback(self, callback_id: str, text: str | None, alert: bool) -> None:
        """Answer a callback query."""
        ...


@dataclass(frozen=True, slots=True)
class Delivered:
    """An effect and the message id it produced (None for answers, deletes and failures)."""

    effect: Effect
    message_id: int | None


@dataclass(slots=True)
class _Budget:
    """Seconds of 429 waiting left for the effects of one update."""

    seconds: float


async def _retrying(budget: _Budget, call: Callable[[], Awaitable[T]]) -> T:
    attempt = 0
    while True:
        try:
            return await call()
        except RateLimited as exc:
            attempt += 1
            if attempt > MAX_RETRIES or exc.retry_after > budget.seconds:
                raise
            log.warning("telegram_rate_limited", retry_after=exc.retry_after, attempt=attempt)
            budget.seconds -= exc.retry_after
            await asyncio.sleep(exc.retry_after)


async def _perform_one(messenger: Messenger, effect: Effect, budget: _Budget) -> int | None:
    match effect:
        case Send():
            send = effect
            return await _retrying(
                budget, lambda: messenger.send_text(send.chat_id, send.text, send.keyboard)
            )
        case Edit():
            edit = effect
            try:
                await _retrying(
                    budget,
                    lambda: messenger.edit_text(
                        edit.chat_id, edit.message_id, edit.text, edit.keyboard
                    ),
                )
            except NotModified:
                pass
            except CannotEdit:
                return await _retrying(
                    budget, lambda: messenger.send_text(edit.chat_id, edit.text, edit.keyboard)
                )
            return edit.message_id
        case SendPhoto():
            return await _send_photo(messenger, effect, budget)
        case SendDocument():
            doc = effect
            return await _retrying(
                budget,
                lambda: messenger.send_document(
                    doc.chat_id, doc.content, doc.filename, doc.caption
                ),
            )
        case Delete():
            delete = effect
            await _retrying(budget, lambda: messenger.delete(delete.chat_id, delete.message_id))
            return None
        case AnswerCallback():
            answer = effect
            await _retrying(
                budget,
                lambda: messenger.answer_callback(answer.callback_id, answer.text, answer.alert),
            )
            return None
        case _:
            assert_never(effect)


async def _send_photo(messenger: Messenger, photo: SendPhoto, budget: _Budget) -> int:
    try:
        return await _retrying(
            budget,
            lambda: messenger.send_photo(
                photo.chat_id, photo.photo, photo.filename, photo.caption, photo.keyboard
            ),
        )
    except Unreachable:
        raise
    except DeliveryError:
        if photo.fallback is None:
            raise
        log.warning("photo_fell_back_to_text")
        fallback = photo.fallback
        return await _retrying(
            budget, lambda: messenger.send_text(photo.chat_id, fallback, photo.keyboard)
        )


async def perform(
    messenger: Messenger, effects: Sequence[Effect], *, retry_budget: float = RETRY_BUDGET
) -> list[Delivered]:
    """Perform effects in order, callback answers first; a failed effect does not stop the rest.

    Failures are logged by effect type and error class only (never text or chat ids).
    """
    ordered = sorted(effects, key=lambda e: not isinstance(e, AnswerCallback))
    budget = _Budget(retry_budget)
    results: list[Delivered] = []
    for effect in ordered:
        try:
            message_id = await _perform_one(messenger, effect, budget)
        except DeliveryError as exc:
            log.warning("effect_failed", effect=type(effect).__name__, error=type(exc).__name__)
            message_id = None
        results.append(Delivered(effect=effect, message_id=message_id))
    return results

"""Errors of the dialogs layer.

User mistakes are not exceptions here: they become effects (a friendly re-ask). Exceptions are for
refused operations, infrastructure and bugs::

    DialogsError
    ├── BadPayload          a button press we did not make (forged, malformed, other version)
    ├── ContentError        a content file (questions, activities) fails validation
    └── DeliveryError       an effect could not be performed by the runtime
        ├── NotModified     an edit that changes nothing (treated as success)
        ├── CannotEdit      the message is gone or too old to edit (fall back to a new message)
        ├── RateLimited     Telegram said 429; carries retry_after seconds
        └── Unreachable     the user blocked the bot or the chat does not exist
"""

from __future__ import annotations


class DialogsError(Exception):
    """Base class for errors raised by the dialogs layer."""


class BadPayload(DialogsError):
    """Button data that does not verify: forged, malformed or from another version."""


class ContentError(DialogsError):
    """A content file does not validate."""


class DeliveryError(DialogsError):
    """An outgoing effect could not be performed."""


class NotModified(DeliveryError):
    """Telegram refused an edit because nothing changed."""


class CannotEdit(DeliveryError):
    """The message cannot be edited any more (deleted, too old, not ours)."""


class RateLimited(DeliveryError):
    """Telegram asked us to slow down."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class Unreachable(DeliveryError):
    """The recipient cannot be reached (blocked the bot, deleted account, unknown chat)."""

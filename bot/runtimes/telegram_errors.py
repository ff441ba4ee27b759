"""Telegram's error descriptions mapped onto the engine's delivery errors (both runtimes)."""

from __future__ import annotations

from typing import Final

from dialogs.errors import CannotEdit, DeliveryError, NotModified

_CANNOT_EDIT: Final = (
    "message to edit not found",
    "message can't be edited",
    "message to delete not found",
    "message can't be deleted",
    "message identifier is not specified",
    "there is no text in the message to edit",
)


def bad_request(description: str) -> DeliveryError:
    """The delivery error for a 400 answer, judged by Telegram's description."""
    lowered = description.lower()
    if "message is not modified" in lowered:
        return NotModified(description)
    if any(phrase in lowered for phrase in _CANNOT_EDIT):
        return CannotEdit(description)
    return DeliveryError(description)

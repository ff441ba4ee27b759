"""A fake Telegram Bot API server for end-to-end tests with the real aiogram and PTB clients."""

from tests.fake_telegram.models import (
    Call,
    CallbackQuery,
    ChatEvent,
    ChatMessage,
    FloodLimits,
    UploadedFile,
)
from tests.fake_telegram.server import FakeTelegram

__all__ = [
    "Call",
    "CallbackQuery",
    "ChatEvent",
    "ChatMessage",
    "FakeTelegram",
    "FloodLimits",
    "UploadedFile",
]

"""Button payloads: short, versioned, signed strings that fit Telegram's 64-byte callback_data.

A payload names the flow and action a button belongs to, an optional argument, and the *screen*
(the state's screen counter when the button was drawn). The engine rejects a press whose screen is
not the current one (a stale button) and a press whose signature does not verify (forged or from
another user). Layout, all ASCII::

    1<flow>.<screen base36>.<action>.<arg>.<mac>

``mac`` is 8 characters of base64url HMAC-SHA256 over the user id and the body, so a payload copied
from one user's chat does not work in another's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Final

from dialogs.errors import BadPayload

VERSION: Final = "1"
MAX_BYTES: Final = 64
_MAC_CHARS: Final = 8
_PART: Final = re.compile(r"^[A-Za-z0-9_:\-]*$")
_DIGITS: Final = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Payload:
    """What a button press means, once verified."""

    flow: str
    """Short code of the flow that drew the button."""
    action: str
    """What the press asks for, e.g. ``pick`` or ``back``."""
    arg: str = ""
    """Action argument, e.g. an option id."""
    screen: int = 0
    """Screen counter when the button was drawn; 0 means the button never goes stale."""


def _base36(number: int) -> str:
    if number < 0:
        raise ValueError("screen must not be negative")
    out = ""
    while True:
        number, rem = divmod(number, 36)
        out = _DIGITS[rem] + out
        if number == 0:
            return out


class PayloadCodec:
    """Encodes and verifies button payloads with a secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("payload key must be at least 16 bytes")
        self._key = key

    def _mac(self, body: str, user_id: int) -> str:
        digest = hmac.new(self._key, f"{user_id}|{body}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]

    def encode(self, payload: Payload, *, user_id: int) -> str:
        """Return callback data for ``payload``; raises ``ValueError`` when it cannot fit."""
        for part in (payload.flow, payload.action, payload.arg):
            if not _PART.match(part):
                raise ValueError(f"payload part {part!r} has characters outside [A-Za-z0-9_:-]")
        if not payload.flow or not payload.action:
            raise ValueError("payload needs a flow and an action")
        body = f"{VERSION}{payload.flow}.{_base36(payload.screen)}.{payload.action}.{payload.arg}"
        data = f"{body}.{self._mac(body, user_id)}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"payload {data!r} is longer than {MAX_BYTES} bytes")
        return data

    def decode(self, data: str, *, user_id: int) -> Payload:
        """Verify and parse callback data; raises ``BadPayload`` for anything not made by us."""
        if len(data.encode()) > MAX_BYTES or not data.startswith(VERSION):
            raise BadPayload("unknown payload version")
        body, _, mac = data.rpartition(".")
        if not hmac.compare_digest(mac, self._mac(body, user_id)):
            raise BadPayload("signature does not match")
        parts = body[len(VERSION) :].split(".")
        if len(parts) != 4:
            raise BadPayload("malformed payload")
        flow, screen, action, arg = parts
        try:
            screen_number = int(screen, 36)
        except ValueError as exc:
            raise BadPayload("malformed screen") from exc
        return Payload(flow=flow, action=action, arg=arg, screen=screen_number)

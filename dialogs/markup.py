"""Telegram HTML: the one way values typed by people are put into bot messages."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Final

MESSAGE_LIMIT: Final = 4000
"""Telegram takes 4096 characters per message; a margin for how it counts emoji."""


def escape(value: object) -> str:
    """Escape ``<``, ``>`` and ``&`` so a value is shown as typed, never read as markup."""
    return html.escape(str(value), quote=False)


def pack(lines: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join lines into as few messages as fit ``limit`` each.

    Lines are never split, so markup that is balanced within each line stays balanced; a single
    line longer than the limit is cut at a character that is not inside a tag or an entity.
    """
    messages: list[str] = []
    current: str | None = None
    for line in lines:
        while len(line) > limit:
            cut = _safe_cut(line, limit)
            if current is not None:
                messages.append(current)
                current = None
            messages.append(line[:cut])
            line = line[cut:]
        if current is None:
            current = line
        elif len(current) + 1 + len(line) > limit:
            messages.append(current)
            current = line
        else:
            current = f"{current}\n{line}"
    if current is not None:
        messages.append(current)
    return [message for message in messages if message.strip()]  # Telegram refuses blank ones


def _safe_cut(line: str, limit: int) -> int:
    """The last position up to ``limit`` that is outside ``<...>`` and ``&...;``."""
    cut = limit
    for opener, closer in (("<", ">"), ("&", ";")):
        start = line.rfind(opener, 0, cut)
        if start != -1 and line.find(closer, start, cut) == -1:
            cut = start
    return max(cut, 1)

"""Telegram HTML: the one way values typed by people are put into bot messages."""

from __future__ import annotations

import html


def escape(value: object) -> str:
    """Escape ``<``, ``>`` and ``&`` so a value is shown as typed, never read as markup."""
    return html.escape(str(value), quote=False)

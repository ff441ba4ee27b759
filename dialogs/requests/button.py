"""The "Ask a person" button, which any flow may offer (under /help, after texts the bot did not
understand, in a quiz someone seems stuck in) without importing the requests flow."""

from __future__ import annotations

from typing import Final

from dialogs.context import Context
from dialogs.effects import Button

CODE: Final = "req"
"""The requests flow's code, in its buttons' payloads."""


def ask_person_button(ctx: Context) -> Button:
    """ "🙋 Ask a person": opens the request form."""
    return ctx.button(ctx._("🙋 Ask a person"), CODE, "ask", timeless=True)

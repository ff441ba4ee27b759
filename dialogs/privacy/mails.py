"""The one e-mail of an erasure: a confirmation to the address on file, which is then gone."""

from __future__ import annotations

import html
from collections.abc import Sequence

from dialogs.i18n import Texts
from storage.outbox import Mail


def erasure_confirmation(texts: Texts, *, to: str, names: Sequence[str], receipt: str) -> Mail:
    """Confirm that the data is gone; the receipt number lets a person refer to the request."""
    _ = texts.gettext
    paragraphs = [
        _("Hello,"),
        _(
            "As asked in the chat, we have deleted the Play Style account and everything we kept "
            "about: {names}. Quiz answers stay only without any name or number that could point "
            "to a person."
        ).format(names=", ".join(n for n in names if n) or "-"),
        _("This e-mail address is deleted too: this is the last mail you get from us."),
        _("Receipt number: {receipt}").format(receipt=receipt),
        _(
            "Telegram keeps the chat history on your phone. To remove it, delete the chat with "
            "the bot in Telegram."
        ),
        _("The Play Style bot"),
    ]
    return Mail(
        recipient=to,
        subject=_("Your Play Style data is deleted"),
        text="\n\n".join(paragraphs) + "\n",
        html='<!doctype html><html><body style="font-family:sans-serif">'
        + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        + "</body></html>",
    )

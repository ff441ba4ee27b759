"""Privacy e-mails: the one confirmation of an erasure, and the notice to a parent when their
child changes who is asked for consent."""

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


def masked(email: str) -> str:
    """``z•••@example.nl``: enough for a parent to recognise an address, not to write to it."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def parent_notice(texts: Texts, *, to: str, child: str, change: str, contact: str) -> Mail:
    """Tell the parent who gave consent that their child changed what decides who consents.

    ``change`` is the translated sentence saying what changed (see ``dialogs.privacy.edit``).
    """
    _ = texts.gettext
    paragraphs = [
        _("Hello,"),
        change,
        _(
            "You get this e-mail because you gave permission for {child} to use the Play Style "
            "bot. If this change is not right, please write to {contact}."
        ).format(child=child, contact=contact),
        _("The Play Style bot"),
    ]
    return Mail(
        recipient=to,
        subject=_("{child} changed their Play Style details").format(child=child),
        text="\n\n".join(paragraphs) + "\n",
        html='<!doctype html><html><body style="font-family:sans-serif">'
        + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        + "</body></html>",
    )

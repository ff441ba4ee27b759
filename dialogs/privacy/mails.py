"""Privacy e-mails: the one confirmation of an erasure, and the notice to a parent when their
child changes who is asked for consent.

An erasure mail goes to the address on the profile that asked, and each fits its reader:

* the person who asked about themselves (16 or older, or a parent deleting everything): their
  account and address are gone, this is the last mail;
* a parent who deleted one child: only that child is gone, the account and the other children
  stay, so the address stays too;
* the parent of a young person under 16 who signed up alone: the parent did not ask and has no
  chat with the bot; they hear that their child asked, and that their address is gone too.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from babel.lists import format_list

from dialogs.i18n import Texts
from storage.outbox import Mail


class Reader(StrEnum):
    """Who reads an erasure confirmation."""

    ASKER = "asker"
    """The person who asked in the chat, about themselves (and all their children)."""
    PARENT_OF_ONE = "parent_of_one"
    """A parent who asked in the chat to delete one child; the account stays."""
    PARENT_OF_ALONE = "parent_of_alone"
    """The parent of a young person under 16 who signed up alone and asked in the chat."""


@dataclass(frozen=True, slots=True)
class Confirmation:
    """Who gets the erasure confirmation, and what it tells them (the receipt comes later)."""

    to: str
    reader: Reader
    locale: str
    erased: tuple[str, ...]
    """Names of the people erased; for ``ASKER`` the asker first, then their children."""
    kept: tuple[str, ...] = ()
    """``PARENT_OF_ONE``: the names of the children who stay."""
    waiting: bool = False
    """``PARENT_OF_ALONE``: the parent had been asked for permission and had not answered."""


def names_list(texts: Texts, names: Sequence[str]) -> str:
    """``Noor``, ``Noor and Tim``, ``Noor, Tim and Mila``: in the reader's language."""
    return format_list([n for n in names if n] or ["?"], locale=texts.locale)


def staying(texts: Texts, kept: Sequence[str]) -> str:
    """The sentence saying what stays after a parent deleted one child."""
    _ = texts.gettext
    if not kept:
        return _("Your account stays.")
    return _("Your account and {names}'s stay.").format(names=names_list(texts, kept))


def erasure_confirmation(
    texts: Texts, confirmation: Confirmation, *, proof: str, receipt: str, anonymous: bool
) -> Mail:
    """Confirm that the data is gone, in words that fit the reader.

    ``proof`` is the short proof number shown in the chat, ``receipt`` the full receipt id it
    starts with (what an admin looks up); ``anonymous``: quiz answers were kept without a name.
    """
    _ = texts.gettext
    erased = confirmation.erased
    first = erased[0] if erased else ""
    paragraphs = [_("Hello,")]
    match confirmation.reader:
        case Reader.PARENT_OF_ALONE:
            subject = _("{child}'s Play Style data is deleted").format(child=first)
            paragraphs.append(
                _(
                    "{child} asked us to delete what they told us. We did; your e-mail address "
                    "is deleted too."
                ).format(child=first)
            )
            if confirmation.waiting:
                paragraphs.append(
                    _(
                        "The link in our earlier e-mail asking for your permission no longer "
                        "works. You don't need to do anything."
                    )
                )
        case Reader.PARENT_OF_ONE:
            subject = _("{child}'s Play Style data is deleted").format(child=first)
            paragraphs.append(
                _("As you asked in the chat, we deleted everything we kept about {child}.").format(
                    child=first
                )
                + " "
                + staying(texts, confirmation.kept)
            )
        case Reader.ASKER:
            subject = _("Your Play Style data is deleted")
            children = erased[1:]
            paragraphs.append(
                _(
                    "As you asked in the chat, we deleted your Play Style account and everything "
                    "we kept about you and {children}."
                ).format(children=names_list(texts, children))
                if children
                else _(
                    "As you asked in the chat, we deleted your Play Style account and everything "
                    "we kept about you."
                )
            )
    if anonymous:
        paragraphs.append(
            _("Quiz answers stay only without any name or number that could point to a person.")
        )
    match confirmation.reader:
        case Reader.ASKER:
            paragraphs.append(
                _("This e-mail address is deleted too: this is the last mail you get from us.")
            )
        case Reader.PARENT_OF_ALONE:  # the first paragraph said the address is gone
            paragraphs.append(_("This is the last mail you get from us."))
    paragraphs.append(
        _(
            "Proof number: {number} (in full: {receipt}). Mention it if you ask us about this "
            "deletion."
        ).format(number=proof, receipt=receipt)
    )
    match confirmation.reader:
        case Reader.ASKER:
            paragraphs.append(
                _(
                    "Telegram keeps the chat history on your phone. To remove it, delete the "
                    "chat with the bot in Telegram."
                )
            )
        case Reader.PARENT_OF_ONE:
            paragraphs.append(
                _(
                    "Messages about {child} earlier in the chat stay in Telegram. You can delete "
                    "them there."
                ).format(child=first)
            )
    paragraphs.append(_("The Play Style bot"))
    return Mail(
        recipient=confirmation.to,
        subject=subject,
        text="\n\n".join(paragraphs) + "\n",
        html='<!doctype html><html><body style="font-family:sans-serif">'
        + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        + "</body></html>",
    )


def masked(email: str) -> str:
    """``z•••@example.nl``: enough for a parent to recognise an address, not to write to it."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def parent_notice(
    texts: Texts, *, to: str, child: str, change: str, contact: str, answered: bool = True
) -> Mail:
    """Tell the parent on file that their child changed what decides who consents.

    ``change`` is the translated sentence saying what changed (see ``dialogs.privacy.edit``);
    ``answered``: the parent gave permission (otherwise they were only asked, and must not read
    that they gave it).
    """
    _ = texts.gettext
    why = (
        _(
            "You get this e-mail because you gave permission for {child} to use the Play Style "
            "bot. If this change is not right, please write to {contact}."
        )
        if answered
        else _(
            "You get this e-mail because {child} gave your address to ask for your permission. "
            "If this change is not right, please write to {contact}."
        )
    )
    paragraphs = [
        _("Hello,"),
        change,
        why.format(child=child, contact=contact),
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

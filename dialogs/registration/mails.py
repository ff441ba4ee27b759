"""The e-mails of registration, in the recipient's language: plain text plus simple HTML."""

from __future__ import annotations

import html
from datetime import timedelta

from dialogs.i18n import Texts
from storage.outbox import Mail


def compose(
    *, to: str, subject: str, before: list[str], url: str, link_text: str, after: list[str]
) -> Mail:
    """A mail with the link between two groups of paragraphs, as text and as HTML."""

    def paragraphs(items: list[str]) -> str:
        return "".join(f"<p>{html.escape(p)}</p>" for p in items)

    link = f'<p><a href="{html.escape(url)}">{html.escape(link_text)}</a></p>'
    return Mail(
        recipient=to,
        subject=subject,
        text="\n\n".join([*before, url, *after]) + "\n",
        html=(
            '<!doctype html><html><body style="font-family:sans-serif">'
            f"{paragraphs(before)}{link}{paragraphs(after)}</body></html>"
        ),
    )


def days_of(valid: timedelta) -> int:
    return max(1, round(valid.total_seconds() / 86400))


def consent_request(
    texts: Texts,
    *,
    to: str,
    child: str,
    age: int,
    limit: int,
    url: str,
    valid: timedelta,
    renewal_version: str | None = None,
) -> Mail:
    """Ask a parent whether their child may register; with ``renewal_version``, whether a child
    the parent already said yes for may go on under that new privacy policy version."""
    _ = texts.gettext
    days = days_of(valid)
    if renewal_version is None:
        subject = _("{child} would like to join the Play Style bot")
        why = _(
            "{child} ({age}) started the Play Style quiz in Telegram and gave this e-mail "
            "address as their parent's or guardian's. Because {child} is under {limit}, we need "
            "your permission first."
        )
        link = texts.ngettext(
            "Please read what we keep and answer with this link. It works once, for {days} day:",
            "Please read what we keep and answer with this link. It works once, for {days} days:",
            days,
        )
        if_nothing = _(
            "If you do nothing, we delete what {child} told us when the link expires. "
            "If you don't know {child}, you can ignore this e-mail."
        )
    else:
        subject = _("May {child} keep using the Play Style quiz?")
        why = _(
            "{child} ({age}) already uses the Play Style bot in Telegram. We updated our privacy "
            "promise to version {version}. Because {child} is under {limit}, we ask you to agree "
            "to it before {child} can go on."
        )
        link = texts.ngettext(
            "Please read what changed and answer with this link. It works once, for {days} day:",
            "Please read what changed and answer with this link. It works once, for {days} days:",
            days,
        )
        if_nothing = _(
            "If you do nothing, we delete nothing, but {child} can't go on. {child} can delete "
            "everything with /forget in the chat."
        )
    return compose(
        to=to,
        subject=subject.format(child=child),
        before=[
            _("Hello,"),
            why.format(child=child, age=age, limit=limit, version=renewal_version),
            link.format(days=days),
        ],
        url=url,
        link_text=_("Read and answer"),
        after=[if_nothing.format(child=child), _("The Play Style bot")],
    )


def password_link(
    texts: Texts,
    *,
    to: str,
    name: str,
    url: str,
    valid: timedelta,
    to_parent: bool = False,
    again: bool = False,
) -> Mail:
    """Let someone set a password: a single-use link, never the password itself.

    ``to_parent``: the address is the parent's (a young person under the consent age), so the
    mail greets the parent and names the child rather than calling the parent by the child's name.
    ``again``: asked for later (/edit), not at the end of signing up.
    """
    _ = texts.gettext
    days = days_of(valid)
    if again:
        why = (
            # The child asked in the chat, not the parent reading this.
            _(
                "{name} asked in the chat for a new link to set the password of their Play Style "
                "account."
            )
            if to_parent
            else _("You asked for a new link to set your Play Style password.")
        )
    else:
        why = (
            _("The Play Style account of {name} is ready.")
            if to_parent
            else _("Your Play Style account is ready.")
        )
    paragraphs = [
        _("Hello,") if to_parent else _("Hello {name},").format(name=name),
        why.format(name=name),
        texts.ngettext(
            "Set a password with this link. It works once, for {days} day:",
            "Set a password with this link. It works once, for {days} days:",
            days,
        ).format(days=days),
    ]
    after = [
        _(
            "Forgot the password? {name} can ask for a new link with /edit in the chat with the "
            "Play Style bot. We never send passwords by e-mail."
        ).format(name=name)
        if to_parent  # the parent has no chat with the bot: the child does
        else _(
            "Forgot the password? /edit in the chat with the Play Style bot sends a new link to "
            "this address. We never send passwords by e-mail."
        ),
        _("The Play Style bot"),
    ]
    return compose(
        to=to,
        subject=_("Set your Play Style password"),
        before=paragraphs,
        url=url,
        link_text=_("Set a password"),
        after=after,
    )


def move_link(
    texts: Texts, *, to: str, name: str, url: str, valid: timedelta, to_parent: bool = False
) -> Mail:
    """Bring a profile to another Telegram account: a single-use link to a page that asks for the
    password. Says plainly what happens, and that ignoring the mail changes nothing."""
    _ = texts.gettext
    days = days_of(valid)
    paragraphs = [
        _("Hello,") if to_parent else _("Hello {name},").format(name=name),
        (
            _(
                "Someone asked, in a chat with the Play Style bot on Telegram, to bring the "
                "profile of {name} to their Telegram account (a new phone, say)."
            )
            if to_parent
            else _(
                "Someone asked, in a chat with the Play Style bot on Telegram, to bring your "
                "profile to their Telegram account (a new phone, say)."
            )
        ).format(name=name),
        texts.ngettext(
            "If that was you, open this link and type the password. It works once, for {days} day:",
            "If that was you, open this link and type the password. It works once, for {days} "
            "days:",
            days,
        ).format(days=days),
    ]
    after = [
        _("Wasn't that you? Then ignore this e-mail: nothing changes without the password."),
        _("The Play Style bot"),
    ]
    return compose(
        to=to,
        subject=_("Bring your Play Style profile to another Telegram account"),
        before=paragraphs,
        url=url,
        link_text=_("Bring the profile over"),
        after=after,
    )

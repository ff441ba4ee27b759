"""Bring a profile to another Telegram account (a new phone, a new Telegram account).

This is what the password is for. The password is never typed in the chat (Telegram keeps the
history), so the person types only the e-mail address on the profile; every profile with that
address and a password gets a mail with a single-use link, and on its web page the password moves
the profile (with its children, results and organisation links: the whole account) to the Telegram
account that asked. The chat says the same whether or not the address is known, so nobody learns
from it who has a profile. The old chat is told, in case it was not its owner who asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

import structlog

from dialogs.context import Context, keyboard, personal_messages
from dialogs.effects import Delete, Effect, Send
from dialogs.i18n import N_, Texts, Translator
from dialogs.payload import Payload
from dialogs.registration import mails
from dialogs.registration.fields import Problem, clean_email
from dialogs.registration.steps import CODE as REGISTRATION
from storage.links import Link, LinkProblem
from storage.models import LinkPurpose, ProfileStatus
from storage.people import Profile
from storage.state import StateStore
from storage.uow import UnitOfWork

log = structlog.get_logger(__name__)

CODE: Final = "mov"
LINK_VALID: Final = timedelta(days=1)
"""A move link works one day: it hands a profile to whoever holds the chat that asked."""
MAIL_EVERY: Final = timedelta(hours=1)
"""At most one move mail per profile in this time, however often (or by whom) it is asked."""
MAILS_A_DAY: Final = 3
"""And at most this many in a day: a stranger who knows the address cannot flood the mailbox."""
MAX_PROFILES: Final = 5
"""Profiles mailed about for one address at most (a parent's address may be on several)."""
WRONG_PASSWORDS: Final = 5
"""Wrong passwords a link's page takes before the link stops working."""
WRONG_PASSWORD: Final = N_("That password is not right. Please try again.")
BUSY_CHAT: Final = N_(
    "This chat already has a profile. To bring another one here, first delete this one with "
    "/forget."
)


class MoveFlow:
    """The chat side: ask for the e-mail address, mail the links."""

    code = CODE

    async def offer(self, ctx: Context) -> None:
        """Ask for the address on the profile to bring here."""
        ctx.go(CODE, "email")
        ctx.new_screen()
        ctx.show(
            ctx._("🔑 Which e-mail address is on your profile?")
            + "\n"
            + ctx._(
                "For a child under {age} it is the parent's address. I'll send a link there; the "
                "password is typed on its page, never in the chat."
            ).format(age=ctx.settings.fields.consent_age),
            keyboard([ctx.button(ctx._("⬅️ Back"), CODE, "back")]),
        )

    async def on_button(self, ctx: Context, payload: Payload) -> None:
        match payload.action:
            case "ask" if not await self._busy(ctx, await self._own(ctx)):
                ctx.answer()
                await self.offer(ctx)
            case "ask":
                ctx.answer(ctx._(BUSY_CHAT), alert=True)
            case "back":
                ctx.answer()
                ctx.go(REGISTRATION, "who")
                await ctx.resume_flow()
            case _:
                ctx.refuse_stale()

    async def on_text(self, ctx: Context, text: str) -> None:
        email = clean_email(text)
        if isinstance(email, Problem):
            ctx.say(ctx._(email.message).format(**email.params))
            await self.offer(ctx)
            return
        account = ctx.account or await ctx.uow.accounts.ensure(ctx.user_id, locale=ctx.locale)
        ctx.account = account
        own = await ctx.uow.people.own(account.id)
        if await self._busy(ctx, own):
            ctx.go(None)
            ctx.say(ctx._(BUSY_CHAT))
            return
        if own is not None:  # a sign-up begun here and left for this: it would block the move
            await ctx.uow.people.delete(own.id)
        mailed = 0
        for profile in await ctx.uow.people.by_email(email):
            if (
                mailed >= MAX_PROFILES
                or profile.account_id == account.id
                or profile.parent_id is not None  # a parent's child: it moves with the parent
                or profile.status is not ProfileStatus.ACTIVE
                or not profile.has_password
                or profile.email is None
            ):
                continue
            newest = await ctx.uow.links.newest(profile.id, LinkPurpose.MOVE)
            if newest is not None and ctx.now - newest < MAIL_EVERY:
                continue
            day = ctx.now - timedelta(days=1)
            if await ctx.uow.links.made_since(profile.id, LinkPurpose.MOVE, day) >= MAILS_A_DAY:
                continue
            # The mail and its page are for the profile's owner: in their language, not the
            # language of whoever asked.
            owner = await ctx.uow.accounts.by_id(profile.account_id)
            texts = ctx.translator.texts(owner.locale if owner else None)
            token = await ctx.uow.links.create(
                person_id=profile.id,
                purpose=LinkPurpose.MOVE,
                locale=texts.locale,
                now=ctx.now,
                valid_for=LINK_VALID,
                target_account_id=account.id,
                replace=True,
            )
            mail = mails.move_link(
                texts,
                to=profile.email,
                name=profile.nickname or "",
                url=f"{ctx.settings.public_url}/move/{token}",
                valid=LINK_VALID,
                to_parent=ctx.settings.fields.parent_decides(profile),
            )
            await ctx.uow.outbox.add(mail, purpose="move", person_id=profile.id, now=ctx.now)
            mailed += 1
        log.info("move_asked", mailed=mailed)
        ctx.go(None)
        ctx.new_screen()
        ctx.say(
            ctx._(
                "📨 If a profile with a password uses that address, I've sent a link there. Open "
                "it within a day and type the password on its page."
            )
            + "\n\n"
            + ctx._("No mail, or never set a password? Tap /help to ask a person.")
        )

    async def resume(self, ctx: Context) -> None:
        await self.offer(ctx)

    @staticmethod
    async def _own(ctx: Context) -> Profile | None:
        return await ctx.uow.people.own(ctx.account.id) if ctx.account is not None else None

    @staticmethod
    async def _busy(ctx: Context, own: Profile | None) -> bool:
        """Whether this chat's account holds something a move would have to throw away (a
        begun sign-up, ``own`` as a draft, does not count)."""
        if ctx.account is None:
            return False
        draft = [own.id] if own is not None and own.status is ProfileStatus.DRAFT else []
        return await ctx.uow.accounts.in_use(ctx.account.id, besides=draft)


@dataclass(frozen=True, slots=True)
class Moved:
    """A profile moved to another Telegram account."""

    name: str
    new_chat: int
    old_chat: int
    effects: list[Effect] = field(default_factory=list)
    """What to tell the new chat and the old one, after commit."""

    async def leave_old_chat(
        self, states: StateStore, user_key: Callable[[int], str]
    ) -> list[Effect]:
        """After commit: both chats start afresh (their conversation states go), and the bot's
        recent messages with personal data in the old chat are deleted (a lost phone, say).
        Returns those deletions and the messages to both chats, to deliver."""
        old = await states.peek(user_key(self.old_chat))
        deletions: list[Effect] = [
            Delete(self.old_chat, entry.message_id)
            for entry in (personal_messages(old) if old is not None else [])
        ]
        for chat in (self.old_chat, self.new_chat):
            await states.forget(user_key(chat))
        return [*deletions, *self.effects]


async def move_account(
    uow: UnitOfWork, link: Link, *, translator: Translator, now: datetime
) -> Moved | LinkProblem:
    """Move the account of the link's profile to the Telegram user who asked for the link.

    The asking user's own account (which holds nothing: checked again, as they may have signed
    up since) is deleted, and the profile's account takes its Telegram id; everything hangs off
    the account, so the profile, its children, results, consents and requests all move at once.
    ``CLOSED`` when the asking chat has a profile of its own by now.
    """
    assert link.purpose is LinkPurpose.MOVE and link.target_account_id is not None
    person = await uow.people.get(link.person_id)
    target = link.target_account_id
    if target == person.account_id or await uow.accounts.in_use(target):
        return LinkProblem.CLOSED
    new_chat = await uow.accounts.telegram_id(target)
    old_chat = await uow.accounts.telegram_id(person.account_id)
    new_account = await uow.accounts.by_id(target)
    old_account = await uow.accounts.by_id(person.account_id)
    if not await uow.links.use(link, now=now):
        return LinkProblem.USED
    await uow.erasure.delete(person_ids=[], account_ids=[target])
    await uow.accounts.set_telegram(person.account_id, new_chat)
    if new_account is not None and new_account.locale is not None:
        await uow.accounts.set_locale(person.account_id, new_account.locale)  # as chatted there
    await uow.audit.record(
        "account_moved", actor_id=person.account_id, now=now, subject=f"account:{person.account_id}"
    )
    name = person.nickname or ""
    here = translator.texts(new_account.locale if new_account else None)
    there = translator.texts(old_account.locale if old_account else None)
    return Moved(
        name=name,
        new_chat=new_chat,
        old_chat=old_chat,
        effects=[
            Send(new_chat, _moved_here(here, name), personal=True),
            Send(old_chat, there.gettext(MOVED_AWAY)),
        ],
    )


def _moved_here(texts: Texts, name: str) -> str:
    return texts.gettext("✅ {name}'s profile is on this Telegram account now. Tap /start.").format(
        name=name
    )


MOVED_AWAY: Final = N_(
    "Your Play Style profile was moved to another Telegram account, with its password. This chat "
    "no longer has it. Wasn't that you? Tap /help to ask a person."
)

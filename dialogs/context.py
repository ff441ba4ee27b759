"""The context a flow works with while handling one update."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final, NamedTuple, Protocol, runtime_checkable

from dialogs.effects import AnswerCallback, Button, Edit, Effect, Keyboard, Send
from dialogs.events import ButtonPressed, Incoming
from dialogs.i18n import N_, Texts, Translator
from dialogs.markup import pack
from dialogs.payload import Payload, PayloadCodec
from dialogs.settings import DialogSettings
from storage.accounts import Account
from storage.models import RoleKind
from storage.state import ConversationState
from storage.uow import UnitOfWork

SHARED_USER: Final = 0
"""Buttons in a group chat are signed for this "user": anyone there may press them."""
PERSONAL_KEY: Final = "_pm"
"""State key of the list of [message id, unix time, person tag...] of messages that showed
personal data (see ``PersonalMessage``)."""
MISSES_KEY: Final = "_miss"
"""State key counting texts in a row the bot could not place (see ``Context.misunderstood``)."""
STALE_BUTTON: Final = N_("That button is from an older message. Please use the newest one.")
SCREEN_EPOCH_MS: Final = (
    1_704_067_200_000  # 2024-01-01: fresh states start their screen counter here
)


PERSON_TAG_CHARS: Final = 8
"""Hex digits of a person's id that tag a remembered message: enough to tell a family's people
apart (two who share them only means one more message deleted)."""


def person_tag(person_id: uuid.UUID) -> str:
    """A short tag of a person, for remembered messages: no data of theirs, and meaningless once
    the person is deleted."""
    return person_id.hex[:PERSON_TAG_CHARS]


class PersonalMessage(NamedTuple):
    """A message of the bot that showed personal data, as remembered in the state."""

    message_id: int
    sent: int
    """Unix time."""
    about: tuple[str, ...]
    """``person_tag`` of each person whose data it showed, when known."""

    def stored(self) -> list[int | str]:
        return [self.message_id, self.sent, *self.about]


def personal_messages(state: ConversationState) -> list[PersonalMessage]:
    """The bot's recent messages that showed personal data."""
    entries = state.data.get(PERSONAL_KEY)
    if not isinstance(entries, list):
        return []
    return [
        PersonalMessage(e[0], e[1], tuple(e[2:]))
        for e in entries
        if isinstance(e, list)
        and len(e) >= 2
        and all(isinstance(x, int) for x in e[:2])
        and all(isinstance(x, str) for x in e[2:])
    ]


def keep_personal_messages(state: ConversationState, entries: Sequence[PersonalMessage]) -> None:
    """Store ``entries`` as the remembered personal messages (none: the key goes)."""
    if entries:
        state.data[PERSONAL_KEY] = [entry.stored() for entry in entries]
    else:
        state.data.pop(PERSONAL_KEY, None)


def fresh_state(now: datetime) -> ConversationState:
    """An idle state whose screen counter is above any screen drawn before it was lost.

    Counting from the clock (milliseconds) means buttons drawn before a lost state never match a
    screen drawn after it.
    """
    return ConversationState(screen=int(now.timestamp() * 1000) - SCREEN_EPOCH_MS)


@dataclass
class Context:
    """Everything one update's handling may read or change. Flows append effects to it."""

    incoming: Incoming
    state: ConversationState
    uow: UnitOfWork
    account: Account | None
    translator: Translator
    texts: Texts
    codec: PayloadCodec
    settings: DialogSettings
    now: datetime
    flows: Mapping[str, Flow] = field(default_factory=dict)
    """Every flow by code (to resume the current one)."""
    user_key: str = ""
    """The sender's pseudonymous key in the state store (and for files kept about them)."""
    effects: list[Effect] = field(default_factory=list)
    edit_target: int | None = None
    """Message that ``show`` edits: the one whose button was pressed; None sends a new one."""
    forget_state: bool = False
    """Set by an erasure: the engine deletes everything the state store holds for this user."""

    def __post_init__(self) -> None:
        event = self.incoming.event
        if isinstance(event, ButtonPressed):
            self.edit_target = event.message_id

    @property
    def locale(self) -> str:
        """The language this update is answered in."""
        return self.texts.locale

    @property
    def user_id(self) -> int:
        """Telegram id of the sender (never log or store it in clear)."""
        return self.incoming.user.id

    @property
    def chat_id(self) -> int:
        """The chat the update came from."""
        return self.incoming.chat_id

    def _(self, message: str) -> str:
        """Translate a string of the code into the user's language."""
        return self.texts.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate with a plural form."""
        return self.texts.ngettext(singular, plural, n)

    def switch_locale(self, locale: str) -> None:
        """Answer the rest of this update in ``locale`` (after the person chose it)."""
        self.texts = self.translator.texts(locale)

    # --- output -------------------------------------------------------------------------------

    def say(self, text: str, keyboard: Keyboard | None = None, *, personal: bool = False) -> None:
        """Send a new message to the sender's chat (``personal``: it shows personal data)."""
        self.effects.append(Send(self.chat_id, text, keyboard, personal=personal))

    def say_lines(self, lines: Sequence[str], *, personal: bool = False) -> None:
        """Send lines as one message, or as several when they would pass Telegram's limit."""
        for text in pack(lines):
            self.say(text, personal=personal)

    def show(self, text: str, keyboard: Keyboard | None = None, *, personal: bool = False) -> None:
        """Show a screen: edit the message whose button was pressed, or send a new one."""
        if self.edit_target is not None:
            self.effects.append(
                Edit(self.chat_id, self.edit_target, text, keyboard, personal=personal)
            )
        else:
            self.say(text, keyboard, personal=personal)

    async def resume_flow(self) -> None:
        """Show the current flow's step again as a new message (older buttons go stale)."""
        flow = self.flows.get(self.state.flow or "")
        if flow is None:
            return
        self.edit_target = None
        self.new_screen()
        await flow.resume(self)

    def tell(self, chat_id: int, text: str, keyboard: Keyboard | None = None) -> None:
        """Send a message to another chat (admins, a parent, an organisation)."""
        self.effects.append(Send(chat_id, text, keyboard))

    def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the pressed button (once); a no-op for other events."""
        event = self.incoming.event
        if not isinstance(event, ButtonPressed):
            return
        if any(isinstance(e, AnswerCallback) for e in self.effects):
            return
        self.effects.append(AnswerCallback(event.callback_id, text, alert))

    async def may_use_admin(self) -> bool:
        """Whether the sender is a platform admin (checked in SQL)."""
        return await self.may_use(Audience.PLATFORM_ADMIN)

    async def may_use(self, audience: Audience) -> bool:
        """Whether the sender holds the role a command needs (roles are data in SQL)."""
        if audience is Audience.EVERYONE:
            return True
        if self.account is None:
            return False
        organisations = self.uow.organisations
        if await organisations.has_role(self.account.id, RoleKind.PLATFORM_ADMIN):
            return True
        if audience is Audience.ORG_ADMIN:
            return bool(await organisations.administered_by(self.account.id))
        return False

    def misunderstood(self) -> bool:
        """Count a text the bot could not place; True for the second in a row (then counting
        starts again). Anything but a text ends the row (the engine resets the count)."""
        misses = self.state.data.get(MISSES_KEY)
        misses = (misses if isinstance(misses, int) else 0) + 1
        if misses >= 2:
            self.state.data.pop(MISSES_KEY, None)
            return True
        self.state.data[MISSES_KEY] = misses
        return False

    def refuse_stale(self) -> None:
        """Answer a button that no longer fits where the person is."""
        self.answer(self._(STALE_BUTTON))

    # --- buttons ------------------------------------------------------------------------------

    def new_screen(self) -> None:
        """Start a new screen: every button drawn before this one becomes stale."""
        self.state.screen += 1

    def button(
        self,
        label: str,
        flow: str,
        action: str,
        arg: str = "",
        *,
        timeless: bool = False,
        shared: bool = False,
    ) -> Button:
        """A signed button of ``flow``; ``timeless`` buttons never go stale.

        ``shared`` buttons are for a group (the admin chat): anyone there may press them, so they
        are signed for no user and never go stale; the flow checks the presser's role.
        """
        payload = Payload(
            flow=flow,
            action=action,
            arg=arg,
            screen=0 if timeless or shared else self.state.screen,
        )
        return Button(
            label, data=self.codec.encode(payload, user_id=SHARED_USER if shared else self.user_id)
        )

    def button_for(self, user_id: int, label: str, flow: str, action: str, arg: str = "") -> Button:
        """A timeless button for another person's private chat (e.g. "Reply" to an answer)."""
        payload = Payload(flow=flow, action=action, arg=arg, screen=0)
        return Button(label, data=self.codec.encode(payload, user_id=user_id))

    def go(self, flow: str | None, step: str | None = None, **data: str | int | None) -> None:
        """Move to ``flow``/``step`` with fresh scratch data (no personal data in it).

        Keys starting with ``_`` belong to the engine and survive the move.
        """
        self.state.flow = flow
        self.state.step = step
        engine_owned = {k: v for k, v in self.state.data.items() if k.startswith("_")}
        self.state.data = {**engine_owned, **{k: v for k, v in data.items() if v is not None}}


class Flow(Protocol):
    """A conversation that keeps state between updates (registration, assessment, ...)."""

    code: str
    """Short code used in button payloads and the stored state."""

    async def on_button(self, ctx: Context, payload: Payload) -> None:
        """A verified, current button of this flow was pressed."""
        ...

    async def on_text(self, ctx: Context, text: str) -> None:
        """The person typed text while in this flow."""
        ...

    async def resume(self, ctx: Context) -> None:
        """Show the current step again (after /help, a language change or a restart)."""
        ...


@runtime_checkable
class Cancellable(Protocol):
    """A flow that says something of its own on /cancel (e.g. what is kept)."""

    async def cancel(self, ctx: Context) -> None:
        """Leave the flow; must reset ``ctx.state`` to idle."""
        ...


@runtime_checkable
class Recoverable(Protocol):
    """A flow that can rebuild its state from SQL after the state store lost it."""

    async def recover(self, ctx: Context) -> bool:
        """Put ``ctx.state`` where the person left off, if they had unfinished work here."""
        ...


CommandHandler = Callable[[Context, str], Awaitable[None]]


class Audience(StrEnum):
    """Who may use a command."""

    EVERYONE = "everyone"
    """Anybody in a private chat."""
    ORG_ADMIN = "org_admin"
    """Admins of an organisation (and platform admins)."""
    PLATFORM_ADMIN = "platform_admin"
    """Platform admins only."""


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: its name, menu description (a msgid) and handler."""

    name: str
    description: str
    handler: CommandHandler
    menu: bool = True
    """Shown in Telegram's command menu and in /help."""
    audience: Audience = Audience.EVERYONE
    in_admin_chat: bool = False
    """Also works in the admin group. Everything else is answered in private chats only, so
    nothing about a person ever lands in a group (a class group, say) by a mistyped command."""


def keyboard(*rows: Sequence[Button]) -> Keyboard:
    """Build a keyboard from rows of buttons."""
    return tuple(tuple(row) for row in rows if row)

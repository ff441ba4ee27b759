"""The engine: one incoming event in, durable facts and outgoing effects out.

For every update (see the architecture notes in the README):

1. claim: skip a repeated ``update_id`` and take the user's lock, loading the state (1 round trip);
2. rebuild the state from SQL if the store lost it;
3. route: a command switches flow, a button goes to the flow that drew it (if it is current and
   signed by us), text goes to the current flow;
4. commit everything the flow wrote in one transaction;
5. perform the effects (answer the button first), then save the state and release (1 round trip).

A crash inside a flow rolls the transaction back, leaves the state as it was, logs the error class
(never the text or ids) and tells the person, in their language, that something went wrong.
"""

from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence, Set
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import structlog

from dialogs.context import (
    MISSES_KEY,
    SHARED_USER,
    Audience,
    CommandHandler,
    CommandSpec,
    Context,
    Flow,
    PersonalMessage,
    Recoverable,
    fresh_state,
    keep_personal_messages,
    person_tag,
    personal_messages,
)
from dialogs.delivery import Delivered, Messenger, perform
from dialogs.effects import AnswerCallback, Edit, Effect, Send, SendDocument, SendPhoto
from dialogs.errors import BadPayload
from dialogs.events import ButtonPressed, ChatKind, CommandSent, Incoming, OtherSent, TextSent
from dialogs.i18n import N_, Texts, Translator, negotiate
from dialogs.markup import escape
from dialogs.payload import PayloadCodec
from dialogs.settings import DialogSettings
from storage.audit import Outcome
from storage.errors import StateBusy
from storage.keys import KeyRing
from storage.state import ConversationState, StateStore
from storage.uow import Database, UnitOfWork

log = structlog.get_logger(__name__)

APOLOGY: Final = N_("Oops, something went wrong on my side. Please try again in a moment.")
BUSY: Final = N_("I'm still busy with your last message. Please try again in a moment.")


def _where(exc: BaseException) -> str:
    """``file:line`` of the innermost frame: enough to find the bug, no values from it."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"


PERSONAL_KEPT_SECONDS: Final = 47 * 3600
"""Telegram lets a bot delete its messages for 48 hours; older ones cannot be taken back."""
PERSONAL_KEPT_COUNT: Final = 50


def remember_personal(state: ConversationState, delivered: list[Delivered], *, now: float) -> None:
    """Note the ids of messages that showed personal data, and whose, so /forget can delete them.

    Only message ids, times and person tags are kept (no content), in the state: lost with it at
    worst, which leaves a message in the chat, never personal data in the store.
    """
    kept = [entry for entry in personal_messages(state) if now - entry.sent < PERSONAL_KEPT_SECONDS]
    for item in delivered:
        effect = item.effect
        if isinstance(effect, Edit) and item.message_id == effect.message_id:
            # Edited in place: the message shows only what it shows now (perhaps nobody's data,
            # or another child's), so what it showed before is no reason to delete it.
            kept = [entry for entry in kept if entry.message_id != item.message_id]
        if item.message_id is not None and getattr(effect, "personal", False):
            about: tuple[str, ...] = getattr(effect, "about", ())
            kept.append(PersonalMessage(item.message_id, int(now), about))
    keep_personal_messages(state, kept[-PERSONAL_KEPT_COUNT:])


def mark_personal(
    effects: Sequence[Effect], incoming: Incoming, shown: Mapping[str, Set[uuid.UUID]]
) -> list[Effect]:
    """Messages to the sender's private chat that contain a name, e-mail or address read or
    written during the update are personal, whether the flow said so or not, and are about the
    people whose data it is: /forget deletes them.

    A safety net under the flows' own ``personal=True`` (which also covers results and ages);
    a false match only means one more bot message deleted on /forget. Only in a private chat:
    /forget deletes the remembered messages there, and a group's message ids are not its.

    :param shown: each value read or written -> the people it belongs to.
    """
    needles = [
        (escape(value), people) for value, people in shown.items() if len(value.strip()) >= 2
    ]
    chat_id = incoming.chat_id
    if not needles or incoming.chat_kind is not ChatKind.PRIVATE:
        return list(effects)
    marked: list[Effect] = []
    for effect in effects:
        text = getattr(effect, "text", None) or getattr(effect, "caption", None)
        if isinstance(effect, Send | Edit | SendPhoto | SendDocument) and (
            effect.chat_id == chat_id and text
        ):
            whose = {
                person_tag(person)
                for needle, people in needles
                if needle in text
                for person in people
            }
            if whose:
                about = tuple(sorted({*effect.about, *whose}))
                effect = replace(effect, personal=True, about=about)
        marked.append(effect)
    return marked


GroupReply = Callable[[Context, str], Awaitable[bool]]
"""Handles a reply in a group chat (an admin answering a request); True when it did."""
DeliveryHook = Callable[[UnitOfWork, list[tuple[str, int]]], Awaitable[None]]
"""Stores message ids of tagged effects once they are sent (e.g. a request's admin-chat post)."""
Gate = Callable[[Context, str | None, str | None], Awaitable[bool]]
"""Called before routing with the command name or the button's flow: False stops the update
(the gate has said why, e.g. a new privacy policy version to agree to)."""


class Engine:
    """Turns events into effects; shared by every runtime."""

    def __init__(
        self,
        *,
        db: Database,
        states: StateStore,
        translator: Translator,
        keys: KeyRing,
        flows: Sequence[Flow],
        commands: Sequence[CommandSpec],
        settings: DialogSettings,
        gate: Gate | None = None,
        group_reply: GroupReply | None = None,
        delivery_hook: DeliveryHook | None = None,
        offer_help: CommandHandler | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.states = states
        self.translator = translator
        self.codec = PayloadCodec(keys.derive("callback"))
        self._state_key = keys.derive("state-key")
        self._keys = keys
        self.flows = {flow.code: flow for flow in flows}
        if len(self.flows) != len(flows):
            raise ValueError("two flows share a code")
        self.commands = {spec.name: spec for spec in commands}
        self.settings = settings
        self.gate = gate
        self.group_reply = group_reply
        self.delivery_hook = delivery_hook
        self.offer_help = offer_help
        self.clock = clock

    def user_key(self, user_id: int) -> str:
        """Pseudonymous key for the state store (the Telegram id never reaches Redis)."""
        return self._keys.blind_index("state", str(user_id))[:16].hex()

    def menu(self, texts: Texts) -> list[tuple[str, str]]:
        """``(command, description)`` for Telegram's menu, in one language."""
        return [
            (spec.name, texts.gettext(spec.description))
            for spec in self.commands.values()
            if spec.menu and spec.audience is Audience.EVERYONE
        ]

    async def handle(self, incoming: Incoming, messenger: Messenger) -> list[Effect]:
        """Handle one update completely; never raises for anything a person can cause."""
        started = time.perf_counter()
        kind = type(incoming.event).__name__
        if (
            incoming.chat_kind is not ChatKind.PRIVATE
            and not isinstance(incoming.event, CommandSent | ButtonPressed)
            and incoming.reply_to_message_id is None
        ):
            return []  # group chatter is not for us (replies may answer a request)
        user_key = self.user_key(incoming.user.id)
        try:
            claim = await self.states.claim(user_key, incoming.update_id)
        except StateBusy:
            log.warning("update_dropped_busy", update_kind=kind)
            return await self._decline(incoming, messenger, BUSY)
        except Exception as exc:  # the state store is unreachable: say so rather than nothing
            log.error(
                "state_claim_failed", update_kind=kind, error=type(exc).__name__, where=_where(exc)
            )
            return await self._decline(incoming, messenger, APOLOGY)
        if claim is None:
            log.info("update_duplicate", update_kind=kind)
            return []
        new_state: ConversationState | None = claim.state
        outcome = "ok"
        effects: list[Effect] = []
        try:
            ctx: Context | None = None
            async with self.db.unit_of_work() as uow:
                try:
                    account = await uow.accounts.by_telegram(incoming.user.id)
                    texts = self.translator.texts(
                        account.locale
                        if account and account.locale
                        else negotiate(incoming.user.language_code, self.settings.default_locale)
                    )
                    now = self.clock()
                    ctx = Context(
                        incoming=incoming,
                        state=claim.state.copy() if claim.state else fresh_state(now),
                        uow=uow,
                        account=account,
                        translator=self.translator,
                        texts=texts,
                        codec=self.codec,
                        settings=self.settings,
                        now=now,
                        flows=self.flows,
                        user_key=user_key,
                    )
                    if account is not None and account.locale is None:
                        # Made for them by someone else (an admin role given by Telegram id):
                        # what they are told later, when not chatting, is in the language they
                        # chat in, not in the bot's default.
                        await uow.accounts.set_locale(account.id, ctx.locale)
                    if claim.state is None:
                        await self._recover(ctx)
                    await self._route(ctx)
                    await uow.commit()
                    new_state = ctx.state
                    effects = mark_personal(ctx.effects, incoming, uow.people.shown)
                except Exception as exc:
                    await uow.rollback()
                    outcome = "error"
                    log.error(
                        "handler_failed",
                        update_kind=kind,
                        error=type(exc).__name__,
                        where=_where(exc),
                    )
                    effects = self._apology(incoming)
            effects = self._with_callback_answer(incoming, effects)
            delivered = await perform(messenger, effects)
            if new_state is not None:
                remember_personal(new_state, delivered, now=time.time())
            await self._run_delivery_hooks(delivered)
        finally:
            # Only an erasure that was committed wipes the state; a failed one keeps what a retry
            # needs (the ids of messages with personal data to delete).
            forget = outcome == "ok" and ctx is not None and ctx.forget_state
            if not await self.states.release(claim, None if forget else new_state):
                # Slower than the lock's TTL while another update moved on: SQL holds the truth.
                log.warning("state_not_saved", update_kind=kind)
            if forget:
                await self.states.forget(user_key)
            log.info(
                "update_handled",
                update_kind=kind,
                outcome=outcome,
                effects=len(effects),
                ms=round((time.perf_counter() - started) * 1000, 2),
            )
        return effects

    async def _run_delivery_hooks(self, delivered: list[Delivered]) -> None:
        """Hand tagged messages' ids to their hooks, in a small transaction of their own."""
        tagged = [
            (tag, item.message_id)
            for item in delivered
            if item.message_id is not None and (tag := getattr(item.effect, "tag", None))
        ]
        if not tagged or self.delivery_hook is None:
            return
        try:
            async with self.db.unit_of_work() as uow:
                await self.delivery_hook(uow, tagged)
                await uow.commit()
        except Exception as exc:
            log.error("delivery_hook_failed", error=type(exc).__name__, where=_where(exc))

    async def _decline(self, incoming: Incoming, messenger: Messenger, msgid: str) -> list[Effect]:
        """Answer an update we could not take on: no spinner keeps turning, no text is ignored."""
        texts = self.translator.texts(
            negotiate(incoming.user.language_code, self.settings.default_locale)
        )
        text = texts.gettext(msgid)
        event = incoming.event
        effects: list[Effect] = (
            [AnswerCallback(event.callback_id, text)]
            if isinstance(event, ButtonPressed)
            else [Send(incoming.chat_id, text)]
        )
        await perform(messenger, effects)
        return effects

    def _apology(self, incoming: Incoming) -> list[Effect]:
        texts = self.translator.texts(
            negotiate(incoming.user.language_code, self.settings.default_locale)
        )
        return [Send(incoming.chat_id, texts.gettext(APOLOGY))]

    @staticmethod
    def _with_callback_answer(incoming: Incoming, effects: list[Effect]) -> list[Effect]:
        """Every button press gets exactly one answer, or Telegram's spinner keeps turning."""
        event = incoming.event
        if isinstance(event, ButtonPressed) and not any(
            isinstance(e, AnswerCallback) for e in effects
        ):
            return [AnswerCallback(event.callback_id), *effects]
        return effects

    async def _recover(self, ctx: Context) -> None:
        """The store had nothing: let a flow with unfinished work in SQL pick the person up."""
        for flow in self.flows.values():
            if isinstance(flow, Recoverable) and await flow.recover(ctx):
                log.info("state_recovered", flow=flow.code)
                return

    async def _passes_gate(self, ctx: Context, command: str | None, flow: str | None) -> bool:
        return self.gate is None or await self.gate(ctx, command, flow)

    async def _route(self, ctx: Context) -> None:
        if not isinstance(ctx.incoming.event, TextSent):
            ctx.state.data.pop(MISSES_KEY, None)  # only texts in a row count
        match ctx.incoming.event:
            case CommandSent(name, args) if self._kept_out_of_group(ctx, name):
                pass
            case CommandSent(name, args):
                if await self._passes_gate(ctx, name, None):
                    await self._command(ctx, name, args)
            case ButtonPressed(data):
                await self._button(ctx, data)
            case TextSent(text) if ctx.incoming.chat_kind is not ChatKind.PRIVATE:
                if self.group_reply is not None:
                    await self.group_reply(ctx, text)
            case TextSent(text) if not await self._passes_gate(ctx, None, None):
                pass
            case TextSent(text):
                flow = self.flows.get(ctx.state.flow or "")
                if flow is None:
                    await self._idle_text(ctx)
                else:
                    await flow.on_text(ctx, text)
            case OtherSent():
                ctx.say(ctx._("I can only read text messages and buttons."))
                await ctx.resume_flow()

    def _kept_out_of_group(self, ctx: Context, name: str) -> bool:
        """True when a command must not run in this chat (and the person has been told).

        Private chats take every command; the admin group only the admin ones and /help; other
        groups none, so nothing about a person lands in a group. Commands we do not know may be
        another bot's: in a group they get no answer at all.
        """
        if ctx.incoming.chat_kind is ChatKind.PRIVATE:
            return False
        spec = self.commands.get(name)
        if spec is not None and spec.in_admin_chat and ctx.chat_id == self.settings.admin_chat_id:
            return False
        if spec is not None:
            ctx.say(
                ctx._("I only answer that in a private chat. Open a chat with me: @{bot}").format(
                    bot=escape(self.settings.bot_username)
                )
            )
        return True

    async def _command(self, ctx: Context, name: str, args: str) -> None:
        spec = self.commands.get(name)
        if spec is None:
            ctx.say(ctx._("I don't know that command. /help shows what I can do."))
            return
        if not await ctx.may_use(spec.audience):
            log.warning("command_refused", command=name)
            await ctx.uow.audit.record(
                f"command:{name}",
                actor_id=ctx.account.id if ctx.account else None,
                now=ctx.now,
                outcome=Outcome.REFUSED,
            )
            ctx.say(ctx._("Sorry, that command is only for admins."))
            return
        await spec.handler(ctx, args)

    async def _button(self, ctx: Context, data: str) -> None:
        signer = ctx.user_id if ctx.incoming.chat_kind is ChatKind.PRIVATE else SHARED_USER
        try:
            payload = self.codec.decode(data, user_id=signer)
        except BadPayload:
            log.warning("button_refused", reason="bad_payload")
            ctx.answer(ctx._("Sorry, I can't use that button."))
            return
        flow = self.flows.get(payload.flow)
        current = payload.screen == 0 or (
            payload.flow == ctx.state.flow and payload.screen == ctx.state.screen
        )
        if flow is None or not current:
            log.info("button_refused", reason="stale")
            ctx.refuse_stale()
            return
        if not await self._passes_gate(ctx, None, payload.flow):
            ctx.answer()
            return
        await flow.on_button(ctx, payload)

    async def _idle_text(self, ctx: Context) -> None:
        """Text nobody expected: explain; the second time in a row, also offer a person (a
        button: a child typing "hi" twice has not asked for anything)."""
        if ctx.misunderstood() and self.offer_help is not None:
            await self.offer_help(ctx, "")
            return
        ctx.say(ctx._("I didn't understand that. Tap /help to see what I can do."))

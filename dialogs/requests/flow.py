"""Requests that need a person: asking, the admin chat, the thread, and the admins' commands.

A person asks (a question, an objection, a restriction, a complaint); the request gets a number
and a legal due date, is posted to the admin chat with buttons, and the person is told the number
and when to expect an answer. An admin answers by replying to the post (or ``/reply N text``);
the bot relays it in its own voice and the person can reply again. Every status change goes
through the lifecycle table (illegal ones are refused), and every admin action is audited with
no personal data in the audit text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

import structlog

from dialogs.assessment.flow import go_on_keyboard
from dialogs.context import Context, keyboard
from dialogs.effects import Effect, Send
from dialogs.events import ChatKind
from dialogs.i18n import CALENDAR, N_, Texts, Translator, long_date
from dialogs.markup import escape, pack
from dialogs.payload import Payload
from dialogs.requests.button import CODE, ask_person_button
from dialogs.requests.deadlines import can_extend, due_date, extended_due_date
from dialogs.requests.errors import IllegalTransition
from dialogs.requests.lifecycle import Action, RequestState, RequestStatus, RequestType, transition
from storage.audit import Outcome
from storage.requests import Request
from storage.uow import UnitOfWork

log = structlog.get_logger(__name__)

ADMIN_POST: Final = "req-post"
"""Tag of a delivered admin-chat post: its message id is stored so replies find the request."""
THREAD_COPY: Final = "req-copy"
"""Tag of a thread shown to an admin in their own chat (``req-copy:<request>:<admin account>``)."""
ASKABLE: Final = {
    "q": (RequestType.QUESTION, N_("❓ A question")),
    "obj": (RequestType.OBJECTION, N_("✋ I object to how my data is used")),
    "res": (RequestType.RESTRICTION, N_("⏸️ Please use my data less")),
    "cmp": (RequestType.COMPLAINT, N_("😠 A complaint")),
}
"""What a person can ask for in the chat (payload code -> type, button label)."""
MAX_MESSAGE: Final = 3000


STATUS_LABELS: Final = {
    RequestStatus.NEW: N_("new"),
    RequestStatus.IN_PROGRESS: N_("in progress"),
    RequestStatus.WAITING_FOR_PERSON: N_("waiting for the person"),
    RequestStatus.ON_HOLD: N_("on hold"),
    RequestStatus.DONE: N_("done"),
    RequestStatus.REJECTED: N_("rejected"),
}
TYPE_LABELS: Final = {
    RequestType.QUESTION: N_("question"),
    RequestType.ACCESS: N_("access to data"),
    RequestType.ERASURE: N_("erasure"),
    RequestType.RECTIFICATION: N_("correction"),
    RequestType.OBJECTION: N_("objection"),
    RequestType.RESTRICTION: N_("restriction"),
    RequestType.COMPLAINT: N_("complaint"),
    RequestType.LOST_ACCESS: N_("lost access"),
    RequestType.LEGAL_HOLD: N_("legal hold"),
}
"""Stored values are English codes; people read these, in their language."""


def _unreachable(ctx: Context) -> str:
    """For the admin, when a message could not go to the person."""
    return ctx._("Saved. The person can't be reached in the chat: use the contact address.")


def _status(texts: Texts, value: str) -> str:
    try:
        return texts.gettext(STATUS_LABELS[RequestStatus(value)])
    except (ValueError, KeyError):
        return value


def _type(texts: Texts, value: str) -> str:
    try:
        return texts.gettext(TYPE_LABELS[RequestType(value)])
    except (ValueError, KeyError):
        return value


def _state(request: Request) -> RequestState:
    return RequestState(status=RequestStatus(request.status), extended=request.extended)


def post_request(ctx: Context, admin_chat: int | None, request: Request, message: str) -> None:
    """Post a new request to the admin chat, with buttons any admin there can press."""
    if admin_chat is None:
        log.warning("request_not_posted", reason="no ADMIN_CHAT_ID")
        return
    text = (
        f"📬 <b>#{request.number}</b> {escape(_type(ctx.texts, request.type))} · "
        + ctx._("due {date}").format(date=long_date(ctx.texts, request.due_at))
        + f"\n\n{escape(message)}\n\n"
        + ctx._("Reply to this message to answer.")
    )
    ctx.effects.append(
        Send(
            admin_chat,
            text,
            keyboard(
                [
                    ctx.button(
                        ctx._("✋ I'll take it"), CODE, "take", str(request.number), shared=True
                    ),
                    ctx.button(ctx._("✅ Done"), CODE, "close", str(request.number), shared=True),
                ]
            ),
            tag=f"{ADMIN_POST}:{request.id}",
        )
    )


class RequestsFlow:
    """People ask; admins answer, assign, extend, hold, close."""

    code = CODE

    def __init__(self, *, admin_chat_id: int | None) -> None:
        self._admin_chat = admin_chat_id

    # --- the person ---------------------------------------------------------------------------

    async def suggest(self, ctx: Context, _args: str = "") -> None:
        """After two messages the bot did not understand: offer a person, start nothing."""
        ctx.say(
            ctx._(
                "I still didn't understand. Tap /help to see what I can do, or ask a person on "
                "our team."
            ),
            keyboard([ask_person_button(ctx)]),
        )

    async def offer(self, ctx: Context, _args: str = "") -> None:
        """ "Ask a person": what is it about?"""
        ctx.go(CODE, "kind")
        ctx.new_screen()
        ctx.show(
            ctx._("🙋 I'll pass your message to a person on our team. What is it about?"),
            keyboard(
                *(
                    [ctx.button(ctx._(label), CODE, "kind", code)]
                    for code, (_, label) in ASKABLE.items()
                ),
                [ctx.button(ctx._("⬅️ No, never mind"), CODE, "never")],
            ),
        )

    async def on_button(self, ctx: Context, payload: Payload) -> None:
        match payload.action:
            case "ask":
                ctx.answer()
                ctx.edit_target = None
                await self.offer(ctx)
            case "never":
                ctx.answer()
                ctx.go(None)
                ctx.show(ctx._("Okay! Tap /help any time."), await go_on_keyboard(ctx))
            case "kind" if payload.arg in ASKABLE:
                ctx.answer()
                ctx.go(CODE, f"write:{payload.arg}")
                ctx.show(ctx._("Type your message in one go. 🙂"))
            case "reply" if payload.arg.isdigit():
                request = await ctx.uow.requests.by_number(int(payload.arg))
                if request is None or ctx.account is None or request.account_id != ctx.account.id:
                    ctx.refuse_stale()
                    return
                ctx.answer()
                ctx.go(CODE, f"reply:{request.number}")
                ctx.edit_target = None
                ctx.say(ctx._("Type your reply to request {number}.").format(number=request.number))
            case "take" | "close":
                await self._admin_button(ctx, payload)
            case _:
                ctx.refuse_stale()

    async def on_text(self, ctx: Context, text: str) -> None:
        step = ctx.state.step or ""
        message = text.strip()
        if not message:
            ctx.say(ctx._("I didn't get anything. Please type it again."))
            return
        if len(message) > MAX_MESSAGE:
            ctx.say(
                ctx._("That's a bit long. Please use at most {limit} characters.").format(
                    limit=MAX_MESSAGE
                )
            )
            return
        if step.startswith("write:") and step[6:] in ASKABLE:
            await self._new_request(ctx, ASKABLE[step[6:]][0], message)
        elif step.startswith("reply:") and step[6:].isdigit():
            await self._person_replied(ctx, int(step[6:]), message)
        else:
            ctx.say(ctx._("Please tap one of the buttons."))

    async def resume(self, ctx: Context) -> None:
        if (ctx.state.step or "").startswith("write:"):
            ctx.say(ctx._("Type your message in one go. 🙂"))
        else:
            ctx.go(None)

    async def _new_request(self, ctx: Context, kind: RequestType, message: str) -> None:
        account = ctx.account or await ctx.uow.accounts.ensure(ctx.user_id, locale=ctx.locale)
        request = await ctx.uow.requests.create(
            type=kind.value,
            account_id=account.id,
            contact=None,
            received_at=ctx.now,
            due_at=due_date(ctx.now),
        )
        await ctx.uow.requests.add_message(request.id, direction="in", text=message, now=ctx.now)
        await ctx.uow.audit.record(
            "request_received", actor_id=account.id, now=ctx.now, subject=f"request:{request.id}"
        )
        log.info("request_received", type=kind.value)
        post_request(ctx, self._admin_chat, request, message)
        ctx.go(None)
        go_on = await go_on_keyboard(ctx)  # back to an unfinished quiz, if there is one
        ctx.say(
            ctx._(
                "Thank you! Your message has number {number}. A person will answer by {date} "
                "at the latest, usually much sooner."
            ).format(number=request.number, date=long_date(ctx.texts, request.due_at)),
            go_on,
            personal=go_on is not None,  # its button may name a child: /forget deletes it
        )

    async def _person_replied(self, ctx: Context, number: int, message: str) -> None:
        request = await ctx.uow.requests.by_number(number)
        if request is None or ctx.account is None or request.account_id != ctx.account.id:
            ctx.go(None)
            ctx.refuse_stale()
            return
        current = _state(request)
        # A reply to a closed request opens it again: otherwise it would wait where nobody looks.
        action = Action.REOPEN if current.status.is_closed else Action.PERSON_REPLIED
        try:
            state = transition(current, action)
        except IllegalTransition:
            state = current  # a reply to a request on hold is kept; the hold stands
        # If an admin moved the request meanwhile, their status stands; the reply is kept anyway.
        changed = state != current and await ctx.uow.requests.update(
            request.id,
            if_unchanged=request,
            status=state.status.value,
            reopen=action is Action.REOPEN,
        )
        reopened = changed and action is Action.REOPEN
        message_id = await ctx.uow.requests.add_message(
            request.id, direction="in", text=message, now=ctx.now
        )
        if self._admin_chat is not None:
            marker = " " + ctx._("(opened again)") if reopened else ""
            ctx.effects.append(
                Send(
                    self._admin_chat,
                    f"↩️ <b>#{request.number}</b>{marker}\n\n{escape(message)}",
                    tag=f"req-msg:{message_id}",
                )
            )
        ctx.go(None)
        go_on = await go_on_keyboard(ctx)
        ctx.say(ctx._("Sent! A person will read it soon."), go_on, personal=go_on is not None)

    # --- admins -------------------------------------------------------------------------------

    async def _request(self, ctx: Context, args: str) -> tuple[Request | None, str]:
        number, _, rest = args.strip().partition(" ")
        if not number.lstrip("#").isdigit():
            ctx.say(ctx._("Which request? Give its number, like /request 12."))
            return None, ""
        request = await ctx.uow.requests.by_number(int(number.lstrip("#")))
        if request is None:
            ctx.say(ctx._("There is no request {number}.").format(number=escape(number)))
        return request, rest.strip()

    async def _apply(
        self, ctx: Context, request: Request, action: Action, **changes: object
    ) -> RequestState | None:
        """Move the request through the lifecycle, or refuse politely; audit either way."""
        actor = ctx.account.id if ctx.account else None

        async def audit(outcome: Outcome = Outcome.DONE) -> None:
            await ctx.uow.audit.record(
                f"request_{action.value}",
                actor_id=actor,
                now=ctx.now,
                subject=f"request:{request.id}",
                outcome=outcome,
            )

        try:
            state = transition(_state(request), action)
        except IllegalTransition:
            await audit(Outcome.REFUSED)
            line = ctx._("Request {number} is {status}: that is not possible now.")
            if request.status == RequestStatus.NEW.value and action is Action.DONE:
                line += " " + ctx._("Take it first with /assign {number}.")
            elif request.status == RequestStatus.ON_HOLD.value:
                line += " " + ctx._("End the hold first with /release {number}.")
            ctx.say(line.format(number=request.number, status=_status(ctx.texts, request.status)))
            return None
        moved = await ctx.uow.requests.update(
            request.id,
            if_unchanged=request,
            status=state.status.value,
            extended=state.extended,
            **changes,  # type: ignore[arg-type]
        )
        if not moved:  # another admin changed it a moment ago: their step stands
            await audit(Outcome.REFUSED)
            ctx.say(
                ctx._(
                    "Someone else changed request {number} just now. "
                    "Look at it again with /request {number}."
                ).format(number=request.number)
            )
            return None
        await audit()
        return state

    def _line(self, ctx: Context, request: Request) -> str:
        overdue = request.due_at < ctx.now
        due = long_date(ctx.texts, request.due_at)
        marker = "⚠️ " if overdue else ""
        return (
            f"{marker}#{request.number} {escape(_type(ctx.texts, request.type))} · "
            + f"{escape(_status(ctx.texts, request.status))} · "
            + (ctx._("overdue since {date}") if overdue else ctx._("due {date}")).format(date=due)
            + (" · " + ctx._("extended") if request.extended else "")
        )

    async def list_command(self, ctx: Context, _args: str) -> None:
        """/requests: open requests, the earliest deadline first."""
        requests = await ctx.uow.requests.open()
        if not requests:
            ctx.say(ctx._("No open requests. 🎉"))
            return
        ctx.say_lines([ctx._("<b>Open requests</b>")] + [self._line(ctx, r) for r in requests])

    async def show_command(self, ctx: Context, args: str) -> None:
        """/request N: details and the thread."""
        request, _ = await self._request(ctx, args)
        if request is None:
            return
        lines = [self._line(ctx, request)]
        if request.contact:
            lines.append(ctx._("Contact: {email}").format(email=escape(request.contact)))
        thread = await ctx.uow.requests.thread(request.id)
        if not thread and request.account_id is None and request.contact is None:
            lines.append(
                "<i>"
                + ctx._(
                    "Its messages are deleted: the person deleted their data, or the request "
                    "was closed long ago."
                )
                + "</i>"
            )
        for message in thread:
            when = long_date(ctx.texts, message.at)
            if message.direction == "note":
                when = ctx._("{date}, note (not sent)").format(date=when)
            arrow = {"in": "⬅️", "note": "📝"}.get(message.direction, "➡️")
            lines.append(f"\n{arrow} {when}\n{escape(message.text)}")
        await ctx.uow.audit.record(
            "request_viewed",
            actor_id=ctx.account.id if ctx.account else None,
            now=ctx.now,
            subject=f"request:{request.id}",
        )
        # The thread goes to the admin alone, tagged so that /forget finds the copies and
        # blanks them, as it blanks the posts in the admin chat.
        tag = f"{THREAD_COPY}:{request.id}:{ctx.account.id}" if ctx.account else None
        ctx.effects.extend(Send(ctx.user_id, text, tag=tag) for text in pack(lines))
        if ctx.incoming.chat_kind is ChatKind.PRIVATE:
            return
        ctx.say(
            ctx._("📬 I've sent request {number} to you in a private chat.").format(
                number=request.number
            )
        )

    async def assign_command(self, ctx: Context, args: str) -> None:
        """/assign N: take the request on."""
        request, _ = await self._request(ctx, args)
        if request is None or ctx.account is None:
            return
        if await self._apply(ctx, request, Action.ASSIGN, assignee_id=ctx.account.id):
            ctx.say(ctx._("Request {number} is yours.").format(number=request.number))

    async def reply_command(self, ctx: Context, args: str) -> None:
        """/reply N text: answer the person (also: reply to the request's post)."""
        request, text = await self._request(ctx, args)
        if request is None:
            return
        if not text:
            ctx.say(ctx._("Usage: /reply N your answer"))
            return
        await self._relay(ctx, request, text)

    async def admin_reply(self, ctx: Context, text: str) -> bool:
        """A reply in the admin chat to a request's post: True when it was one."""
        message_id = ctx.incoming.reply_to_message_id
        if (
            self._admin_chat is None
            or ctx.chat_id != self._admin_chat
            or message_id is None
            or not await ctx.may_use_admin()
        ):
            return False
        request = await ctx.uow.requests.by_admin_message(message_id)
        if request is None:  # a reply to a reminder, or to another admin: say so, not nothing
            ctx.say(
                ctx._(
                    "That message is not a request, so nobody got your answer. Reply to the "
                    "request's own post, or use /reply N text."
                )
            )
            return True
        await self._relay(ctx, request, text.strip())
        return True

    async def _relay(self, ctx: Context, request: Request, text: str) -> None:
        """Pass an admin's answer to the person, in the bot's voice."""
        if not text or len(text) > MAX_MESSAGE:
            ctx.say(
                ctx._("Please write the answer in 1 to {limit} characters.").format(
                    limit=MAX_MESSAGE
                )
            )
            return
        if await self._apply(ctx, request, Action.REPLY) is None:
            return
        await ctx.uow.requests.add_message(request.id, direction="out", text=text, now=ctx.now)
        delivered = await self._tell_person(
            ctx.uow,
            ctx.translator,
            request,
            N_("💬 Answer to your message {number}:\n\n{text}"),
            text=text,
            with_reply=True,
            codec_button=ctx,
        )
        ctx.effects.extend(delivered)
        ctx.say(
            ctx._("Sent to the person of request {number}.").format(number=request.number)
            if delivered
            else _unreachable(ctx)
        )

    async def _tell_person(
        self,
        uow: UnitOfWork,
        translator: Translator,
        request: Request,
        message: str,
        *,
        text: str = "",
        with_reply: bool = False,
        codec_button: Context | None = None,
    ) -> list[Effect]:
        if request.account_id is None:
            return []
        account = await uow.accounts.by_id(request.account_id)
        if account is None:
            return []
        texts = translator.texts(account.locale)
        chat = await uow.accounts.telegram_id(request.account_id)
        body = texts.gettext(message).format(number=request.number, text=escape(text))
        buttons = None
        if with_reply and codec_button is not None:
            label = texts.gettext("↩️ Reply")
            buttons = keyboard(
                [codec_button.button_for(chat, label, CODE, "reply", str(request.number))]
            )
        return [Send(chat, body, buttons)]

    async def done_command(self, ctx: Context, args: str) -> None:
        """/done N: the request is handled."""
        request, _ = await self._request(ctx, args)
        if request is None:
            return
        if await self._apply(ctx, request, Action.DONE, closed_at=ctx.now):
            ctx.effects.extend(
                await self._tell_person(
                    ctx.uow, ctx.translator, request, N_("✅ Your message {number} is handled.")
                )
            )
            ctx.say(ctx._("Request {number} is done.").format(number=request.number))

    async def _with_reason(self, ctx: Context, args: str, usage: str) -> tuple[Request, str] | None:
        """``N reason`` from the arguments, or the usage line."""
        request, reason = await self._request(ctx, args)
        if request is None:
            return None
        if not reason:
            ctx.say(usage)
            return None
        if len(reason) > MAX_MESSAGE:  # it goes to the person in one message
            ctx.say(
                ctx._("Please write the reason in 1 to {limit} characters.").format(
                    limit=MAX_MESSAGE
                )
            )
            return None
        return request, reason

    async def _keep_reason(
        self, ctx: Context, request: Request, reason: str, tell: str | None
    ) -> bool:
        """Add the reason to the thread, and send it to the person with ``tell`` (a msgid).

        False when the person cannot be reached in the chat (a request an admin entered from an
        e-mail, or an erased account): the admin is told to use the contact address.
        """
        # Without ``tell`` nothing goes to the person: a note, so nobody reads it as sent.
        direction = "out" if tell is not None else "note"
        await ctx.uow.requests.add_message(
            request.id, direction=direction, text=reason, now=ctx.now
        )
        if tell is None:
            return True
        told = await self._tell_person(ctx.uow, ctx.translator, request, tell, text=reason)
        ctx.effects.extend(told)
        if not told:
            ctx.say(_unreachable(ctx))
        return bool(told)

    async def reject_command(self, ctx: Context, args: str) -> None:
        """/reject N reason: refuse, telling the person why."""
        given = await self._with_reason(
            ctx, args, ctx._("Usage: /reject N reason (the person gets the reason)")
        )
        if given is None:
            return
        request, reason = given
        if await self._apply(ctx, request, Action.REJECT, closed_at=ctx.now):
            await self._keep_reason(
                ctx,
                request,
                reason,
                N_("We can't do what you asked in message {number}. The reason:\n\n{text}"),
            )
            ctx.say(ctx._("Request {number} is rejected.").format(number=request.number))

    async def extend_command(self, ctx: Context, args: str) -> None:
        """/extend N reason: two more months, with the reason told to the person (first month)."""
        given = await self._with_reason(
            ctx, args, ctx._("Usage: /extend N reason (the person gets the reason)")
        )
        if given is None:
            return
        request, reason = given
        if not can_extend(request.received_at, ctx.now):
            ctx.say(ctx._("Too late: an extension must be told within the first month."))
            return
        new_due = extended_due_date(request.received_at)
        if await self._apply(ctx, request, Action.EXTEND, due_at=new_due):
            told = await self._keep_reason(
                ctx,
                request,
                reason,
                N_("We need more time for message {number}. The reason:\n\n{text}"),
            )
            line = (
                ctx._("Request {number} now due {date}; the person was told why.")
                if told
                else ctx._("Request {number} now due {date}.")
            )
            ctx.say(line.format(number=request.number, date=long_date(ctx.texts, new_due)))

    async def hold_command(self, ctx: Context, args: str) -> None:
        """/hold N reason: a legal hold; erasure of the person's data waits until released."""
        given = await self._with_reason(ctx, args, ctx._("Usage: /hold N reason"))
        if given is None:
            return
        request, reason = given
        if await self._apply(ctx, request, Action.HOLD):
            await self._keep_reason(ctx, request, reason, None)
            ctx.say(
                ctx._(
                    "Request {number} is on hold; the person's data cannot be erased meanwhile. "
                    "The reason is a note: the person is not told, but sees it in their data "
                    "(/mydata)."
                ).format(number=request.number)
            )

    async def release_command(self, ctx: Context, args: str) -> None:
        """/release N: end a hold."""
        request, _ = await self._request(ctx, args)
        if request is None:
            return
        if not await self._apply(ctx, request, Action.RELEASE_HOLD):
            return
        line = ctx._("Request {number} is no longer on hold.").format(number=request.number)
        account_id = request.account_id
        if account_id is not None and not await ctx.uow.requests.holds(account_id):
            # A /forget the hold paused: the person may go ahead now (they confirm it again).
            for wish in await ctx.uow.requests.open_for_account(account_id):
                if wish.type != RequestType.ERASURE.value:
                    continue
                told = await self._tell_person(
                    ctx.uow,
                    ctx.translator,
                    wish,
                    N_(
                        "We no longer have to keep your data. Tap /forget to delete it now "
                        "(your request {number})."
                    ),
                )
                ctx.effects.extend(told)
                if told:
                    line += " " + ctx._(
                        "The person was told they can delete their data now (request {wish})."
                    ).format(wish=wish.number)
                break
        ctx.say(line)

    async def new_command(self, ctx: Context, args: str) -> None:
        """/newrequest TYPE e-mail text: register a request that came another way (e.g. e-mail)."""
        kind, _, rest = args.strip().partition(" ")
        contact, _, text = rest.strip().partition(" ")
        try:
            request_type = RequestType(kind)
        except ValueError:
            ctx.say(
                ctx._("Usage: /newrequest TYPE e-mail text. Types: {types}").format(
                    types=", ".join(t.value for t in RequestType)
                )
            )
            return
        if "@" not in contact or not text.strip():
            ctx.say(ctx._("Usage: /newrequest TYPE e-mail text"))
            return
        request = await ctx.uow.requests.create(
            type=request_type.value,
            account_id=None,
            contact=contact,
            received_at=ctx.now,
            due_at=due_date(ctx.now),
        )
        await ctx.uow.requests.add_message(
            request.id, direction="in", text=text.strip(), now=ctx.now
        )
        await ctx.uow.audit.record(
            "request_registered",
            actor_id=ctx.account.id if ctx.account else None,
            now=ctx.now,
            subject=f"request:{request.id}",
        )
        ctx.say(
            ctx._("Registered as request {number}, due {date}.").format(
                number=request.number, date=long_date(ctx.texts, request.due_at)
            )
        )

    async def _admin_button(self, ctx: Context, payload: Payload) -> None:
        if not await ctx.may_use_admin():
            await ctx.uow.audit.record(
                f"request_button_{payload.action}",
                actor_id=ctx.account.id if ctx.account else None,
                now=ctx.now,
                outcome=Outcome.REFUSED,
            )
            ctx.answer(ctx._("Sorry, that command is only for admins."))
            return
        ctx.answer()
        ctx.edit_target = None
        if payload.action == "take":
            await self.assign_command(ctx, payload.arg)
        else:
            await self.done_command(ctx, payload.arg)

    # --- delivery hooks and the daily reminder --------------------------------------------------

    @staticmethod
    async def remember_posts(uow: UnitOfWork, delivered: Sequence[tuple[str, int]]) -> None:
        """Store the admin-chat message ids of posts, so replies to them find their request."""
        import uuid

        for tag, message_id in delivered:
            kind, _, value = tag.partition(":")
            if kind == ADMIN_POST:
                await uow.requests.update(uuid.UUID(value), admin_post_id=message_id)
            elif kind == "req-msg":
                await uow.requests.set_admin_message(uuid.UUID(value), message_id)
            elif kind == THREAD_COPY:
                request_id, _, viewer = value.partition(":")
                await uow.requests.add_copy(
                    uuid.UUID(request_id), viewer_id=uuid.UUID(viewer), message_id=message_id
                )

    async def reminders(
        self, uow: UnitOfWork, translator: Translator, *, now: datetime, locale: str
    ) -> list[Effect]:
        """Requests due within 7 days or overdue: one post per request per day (any worker)."""
        if self._admin_chat is None:
            return []
        from datetime import timedelta

        texts = translator.texts(locale)
        effects: list[Effect] = []
        today = now.astimezone(CALENDAR).date().isoformat()  # the key: once per request per day
        for request in await uow.requests.due_before(now + timedelta(days=7)):
            if not await uow.requests.claim_reminder(request.id, today):
                continue
            if request.due_at < now:
                line = texts.gettext("⚠️ Request {number} ({type}) is overdue since {date}.")
            else:
                line = texts.gettext("⏰ Request {number} ({type}) is due {date}.")
            effects.append(
                Send(
                    self._admin_chat,
                    line.format(
                        number=request.number,
                        type=escape(_type(texts, request.type)),
                        date=long_date(texts, request.due_at),
                    ),
                )
            )
        return effects

"""Registration in the chat: a young person for themselves, or a parent with their children.

Every accepted answer is written to SQL before the next question is shown, and the question to
show is derived from the profile in SQL (``people.step``), so a restart or a lost state resumes
exactly where the person stopped. Values shown back are HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import structlog

from dialogs.assessment.catalog import ContentCatalog, translate
from dialogs.assessment.content import Band
from dialogs.context import Context, keyboard
from dialogs.effects import Button
from dialogs.i18n import N_
from dialogs.markup import escape
from dialogs.payload import Payload
from dialogs.registration import guardian, mails, move
from dialogs.registration.fields import (
    MAX_LAST_NAME,
    MAX_NICKNAME,
    TOO_OLD,
    FieldName,
    Problem,
    clean_address,
    clean_age,
    clean_email,
    clean_name,
    email_label,
)
from dialogs.registration.steps import CODE, FIELD_OF, Step, following, previous, steps_for
from storage.accounts import Account
from storage.consents import ConsentScope, GivenBy, Method
from storage.models import LinkPurpose, ProfileStatus, Role
from storage.people import Profile

log = structlog.get_logger(__name__)

BACK: Final = N_("⬅️ Back")
BRING_PROFILE: Final = N_("🔑 I already have a profile")
SKIP: Final = N_("⏭️ Skip")


ProfileScreen = Callable[[Context, Profile], Awaitable[None]]
"""A screen another flow shows for a registered profile (the quiz's home and start screens)."""


@dataclass(frozen=True, slots=True)
class Who:
    """The account's own profile and the profile being registered now (maybe the same)."""

    account: Account | None
    own: Profile | None
    subject: Profile | None
    """The draft being filled in: the own profile, or a parent's child in progress."""


async def mail_parent_consent(ctx: Context, profile: Profile) -> None:
    """Queue the consent mail to the parent of a child under 16, with a fresh single-use link.

    Used at sign-up and again when the privacy policy changes; an older link stops working.
    """
    assert profile.email is not None and profile.age is not None
    settings = ctx.settings
    token = await ctx.uow.links.create(
        person_id=profile.id,
        purpose=LinkPurpose.CONSENT,
        locale=ctx.locale,
        now=ctx.now,
        valid_for=settings.consent_valid,
        replace=True,
    )
    renewal = await guardian.parent_said_yes(ctx.uow, profile.id)  # a new policy version
    mail = mails.consent_request(
        ctx.texts,
        to=profile.email,
        child=profile.nickname or "",
        age=profile.age,
        limit=settings.fields.consent_age,
        url=f"{settings.public_url}/consent/{token}",
        valid=settings.consent_valid,
        renewal_version=settings.policy_version if renewal else None,
    )
    await ctx.uow.outbox.add(mail, purpose="consent", person_id=profile.id, now=ctx.now)


async def mail_password_link(ctx: Context, profile: Profile, *, again: bool = False) -> bool:
    """Mail a fresh single-use set-password link to the e-mail on file; older ones stop working.

    Used at the end of sign-up and by /edit (``again``: a forgotten password). False without an
    e-mail.
    """
    if profile.email is None:
        return False
    token = await ctx.uow.links.create(
        person_id=profile.id,
        purpose=LinkPurpose.PASSWORD,
        locale=ctx.locale,
        now=ctx.now,
        valid_for=ctx.settings.password_link_valid,
        replace=True,
    )
    mail = mails.password_link(
        ctx.texts,
        to=profile.email,
        name=profile.nickname or "",
        url=f"{ctx.settings.public_url}/password/{token}",
        valid=ctx.settings.password_link_valid,
        to_parent=ctx.settings.fields.parent_decides(profile),
        again=again,
    )
    await ctx.uow.outbox.add(mail, purpose="password", person_id=profile.id, now=ctx.now)
    return True


RESEND_AFTER: Final = timedelta(minutes=10)
"""How long after a consent mail the child may have it sent again."""


class RegistrationFlow:
    """Signs up young people and parents; a parent then adds children."""

    code = CODE

    def __init__(
        self,
        bands: Sequence[Band],
        *,
        home: ProfileScreen,
        ready: ProfileScreen,
        invite: Callable[[Context, str], Awaitable[bool]],
    ) -> None:
        self._bands = tuple(bands)
        self._home = home
        self._ready = ready
        self._invite = invite

    # --- who is this ------------------------------------------------------------------------

    async def _who(self, ctx: Context) -> Who:
        account = ctx.account
        if account is None:
            return Who(None, None, None)
        own = await ctx.uow.people.own(account.id)
        if own is None:
            return Who(account, None, None)
        if own.status is ProfileStatus.DRAFT:
            return Who(account, own, own)
        if own.role is Role.PARENT and own.active:
            for child in await ctx.uow.people.children(own.id):
                if child.status is ProfileStatus.DRAFT:
                    return Who(account, own, child)
        return Who(account, own, None)

    async def _consented(self, ctx: Context, profile: Profile) -> bool:
        """A standing consent from whoever decides for the profile now (see ``guardian``)."""
        return await guardian.consent_fits(ctx.uow, profile, ctx.settings.fields)

    async def _steps(self, ctx: Context, profile: Profile) -> list[Step]:
        consented = profile.role is Role.SELF and await self._consented(ctx, profile)
        return steps_for(profile, ctx.settings.fields, consented=consented)

    # --- entry points -----------------------------------------------------------------------

    async def start(self, ctx: Context, args: str) -> None:
        """/start [invite]: an invite first; then ask who is chatting, go on, or welcome back."""
        if args and await self._invite(ctx, args.strip()):
            return
        if args:
            ctx.account = await ctx.uow.accounts.by_telegram(ctx.user_id)
        who = await self._who(ctx)
        if who.own is None:
            await self._ask_who(ctx)
        elif who.subject is not None:
            await self._show_step(ctx, who.subject)
        elif who.own.status is ProfileStatus.AWAITING_CONSENT:
            self._waiting_for_parent(ctx, who.own)
        else:
            await self._home(ctx, who.own)

    async def recover(self, ctx: Context) -> bool:
        """After a lost state: pick up an unfinished registration from SQL."""
        who = await self._who(ctx)
        if who.subject is None:
            return False
        ctx.go(CODE, who.subject.step)
        return True

    async def resume(self, ctx: Context) -> None:
        """Show the current question again."""
        who = await self._who(ctx)
        if who.own is None:
            await self._ask_who(ctx)
        elif who.subject is not None:
            await self._show_step(ctx, who.subject)
        elif who.own is not None and who.own.status is ProfileStatus.AWAITING_CONSENT:
            self._waiting_for_parent(ctx, who.own)
        else:
            ctx.go(None)

    async def on_text(self, ctx: Context, text: str) -> None:
        """A typed answer to the current question."""
        who = await self._who(ctx)
        subject = who.subject
        if subject is None or subject.step is None:
            if who.own is None:
                ctx.say(self._problem_text(ctx, Problem(N_("Please tap one of the buttons."))))
            await self.resume(ctx)
            return
        step = Step(subject.step)
        problem = await self._accept_text(ctx, who, subject, step, text)
        if problem is not None and problem.message == TOO_OLD and subject.role is Role.SELF:
            await self._too_old(ctx, subject, problem)
            return
        if problem is not None:
            ctx.say(self._problem_text(ctx, problem))
            await self._show_step(ctx, subject)
            return
        await self._advance(ctx, await ctx.uow.people.get(subject.id), step)

    async def _too_old(self, ctx: Context, subject: Profile, problem: Problem) -> None:
        """Someone older than the quiz is for: say so once, keep nothing, no question again."""
        # The profile goes; the account (their language) goes with the unused-account purge.
        await ctx.uow.people.delete(subject.id)
        ctx.go(None)
        ctx.new_screen()
        ctx.say(
            self._problem_text(ctx, problem)
            + "\n"
            + ctx._("I've deleted what you typed. Thanks for stopping by! 🙂")
            + "\n\n"
            + ctx._("Are you a parent? Tap /start and choose the parent button to add your child.")
        )

    async def on_button(self, ctx: Context, payload: Payload) -> None:
        """A button of a registration screen."""
        who = await self._who(ctx)
        match payload.action:
            case "who":
                await self._chose_role(ctx, who, payload.arg)
            case "resume":
                ctx.answer()
                ctx.edit_target = None
                await self.start(ctx, "")
            case "add":
                await self._add_child(ctx, who)
            case "done":
                ctx.answer()
                ctx.show(ctx._("All set! 🎉"))
                if who.own is not None:
                    await self._home(ctx, who.own)
            case "resend":
                await self._resend(ctx, who)
            case _ if who.subject is not None and who.subject.step is not None:
                await self._step_button(ctx, who, who.subject, Step(who.subject.step), payload)
            case _:
                ctx.refuse_stale()

    async def cancel(self, ctx: Context) -> None:
        """/cancel during registration: stop, keep the answers so far for a while."""
        days = max(1, ctx.settings.draft_kept.days)
        ctx.go(None)
        ctx.new_screen()
        ctx.say(
            ctx.ngettext(
                "Okay, I've stopped. I keep your answers so far for {days} day: tap /start to go "
                "on.",
                "Okay, I've stopped. I keep your answers so far for {days} days: tap /start to go "
                "on.",
                days,
            ).format(days=days)
        )

    # --- screens ----------------------------------------------------------------------------

    async def _ask_who(self, ctx: Context) -> None:
        ctx.go(CODE, "who")
        ctx.new_screen()
        ctx.show(
            ctx._(
                "Hi! 👋 I'm the Play Style bot. Answer a few fun questions and find out how you "
                "like to play."
            )
            + " "
            + ctx._("The quiz is for ages {min} to {max}.").format(
                min=ctx.settings.fields.min_age, max=ctx.settings.fields.max_age
            )
            + "\n\n<b>"
            + ctx._("Who is chatting?")
            + "</b>",
            keyboard(
                [ctx.button(ctx._("🧒 Me! I'm a young person"), CODE, "who", "self")],
                [ctx.button(ctx._("👪 I'm a parent or guardian"), CODE, "who", "parent")],
                # Timeless: a button of another flow on this flow's screen.
                [ctx.button(ctx._(BRING_PROFILE), move.CODE, "ask", timeless=True)],
            ),
        )

    async def _chose_role(self, ctx: Context, who: Who, arg: str) -> None:
        if arg not in (Role.SELF.value, Role.PARENT.value) or (
            who.own is not None and who.own.status is not ProfileStatus.DRAFT
        ):
            ctx.refuse_stale()
            return
        ctx.answer()
        account = who.account or await ctx.uow.accounts.ensure(ctx.user_id, locale=ctx.locale)
        if who.own is not None:  # back at "who" with a draft: start it again in the new role
            await ctx.uow.people.delete(who.own.id)
        profile = await ctx.uow.people.create(
            account_id=account.id, role=Role(arg), step=Step.NICKNAME.value
        )
        log.info("registration_started", role=arg)
        await self._show_step(ctx, profile)

    @staticmethod
    def _band_label(ctx: Context, band: Band) -> str:
        return translate(band.label, ContentCatalog(ctx.texts))

    def _back_button(self, ctx: Context) -> Button:
        return ctx.button(ctx._(BACK), CODE, "back")

    async def _show_step(self, ctx: Context, profile: Profile) -> None:
        """Draw the question of the profile's current step as a new screen."""
        step = Step(profile.step or Step.NICKNAME.value)
        ctx.go(CODE, step.value)
        ctx.new_screen()
        rules = ctx.settings.fields
        extra: list[list[Button]] = []
        text = self._question(ctx, profile, step)
        if step is Step.AGE:
            ages = [
                ctx.button(str(age), CODE, "pick", str(age))
                for age in range(rules.min_age, rules.max_age + 1)
            ]
            extra = [ages[i : i + 4] for i in range(0, len(ages), 4)]
        elif step is Step.OUTDOOR:
            extra = [
                [ctx.button(self._band_label(ctx, b), CODE, "pick", b.id)] for b in self._bands
            ]
        elif step is Step.LAST_NAME and profile.role is Role.CHILD:
            parent = await ctx.uow.people.get(profile.parent_id) if profile.parent_id else None
            if parent is not None and parent.last_name:
                label = ctx._("Same as mine: {name}").format(name=parent.last_name)
                extra = [[ctx.button(label[:60], CODE, "same")]]
        elif step is Step.SEND_CONSENT:
            extra = [
                [ctx.button(ctx._("✅ Yes, send it"), CODE, "send")],
                [ctx.button(ctx._("✏️ Change the address"), CODE, "back")],
            ]
        elif step is Step.CONFIRM:
            extra = [[ctx.button(self._confirm_label(ctx, profile), CODE, "confirm")]]
        navigation = [self._back_button(ctx)]
        field = FIELD_OF.get(step)
        if field is not None and rules.skippable(field):
            navigation.append(ctx.button(ctx._(SKIP), CODE, "skip"))
        if step is Step.SEND_CONSENT:
            navigation = []
        shows_data = step in (Step.CONFIRM, Step.SEND_CONSENT)
        ctx.show(text, keyboard(*extra, navigation), personal=shows_data)

    def _confirm_label(self, ctx: Context, profile: Profile) -> str:
        if profile.role is Role.CHILD:
            return ctx._("✅ Add my child")
        if profile.role is Role.PARENT:
            return ctx._("✅ I agree, sign me up")
        return ctx._("✅ Yes, sign me up")

    def _question(self, ctx: Context, profile: Profile, step: Step) -> str:
        """The text of a question: what is asked, and in one line why."""
        _ = ctx._
        child = profile.role is Role.CHILD
        parent = profile.role is Role.PARENT
        name = escape(profile.nickname or "")
        rules = ctx.settings.fields
        match step:
            case Step.NICKNAME if child:
                ask = _("What is your child's first name or nickname?")
                why = _("So we know what to call them.")
            case Step.NICKNAME if parent:
                ask = _("What is your first name?")
                why = _("So we know how to address you.")
            case Step.NICKNAME:
                ask = _("What's your first name or nickname? 🙂")
                why = _("So I know what to call you.")
            case Step.AGE if child:
                ask = _("How old is {name}?").format(name=name)
                why = _("So the questions fit their age.")
            case Step.AGE:
                ask = _("How old are you, {name}?").format(name=name)
                why = _("So the questions fit your age.")
            case Step.PARENT_EMAIL:
                ask = _("What is your parent's e-mail address? 📧")
                why = _(
                    "You're under {age}, so a parent must say yes first. "
                    "We only use it to ask them."
                ).format(age=rules.consent_age)
            case Step.SEND_CONSENT:
                ask = _(
                    "I'll e-mail {email} to ask if you may join. Is that the right address?"
                ).format(email=escape(profile.email or ""))
                why = _("Until your parent says yes, nobody else sees anything about you.")
            case Step.EMAIL:
                ask = _("What is your e-mail address? 📧")
                why = (
                    _("For your password link, and for questions about your children.")
                    if parent
                    else _("To send you a link to set your password, and to help if you get stuck.")
                )
            case Step.LAST_NAME if child:
                ask = _("What is {name}'s last name?").format(name=name)
                why = _("Organisations you link to will see it.")
            case Step.LAST_NAME:
                ask = _("What is your last name?")
                why = _("Organisations you link to will see it.")
            case Step.ADDRESS:
                ask = _("What is your home address?")
                why = _("Street, house number and town. Organisations you link to will see it.")
            case Step.OUTDOOR if child:
                ask = _("About how many hours a week does {name} play outside?").format(name=name)
                why = _("So we can suggest the right outdoor ideas.")
            case Step.OUTDOOR:
                ask = _("About how many hours a week do you play outside? 🌳")
                why = _("So I can suggest the right outdoor ideas.")
            case Step.CONFIRM:
                return self._summary(ctx, profile)
        return f"{ask}\n<i>{why}</i>"

    def _summary(self, ctx: Context, profile: Profile) -> str:
        _ = ctx._
        rows: list[tuple[str, str | None]] = [
            (_("Name"), profile.nickname),
            (_("Last name"), profile.last_name),
            (_("Age"), str(profile.age) if profile.age is not None else None),
            (email_label(_, profile, ctx.settings.fields), profile.email),
            (_("Address"), profile.address),
            (
                _("Outside"),
                next(
                    (self._band_label(ctx, b) for b in self._bands if b.id == profile.outdoor_band),
                    None,
                ),
            ),
        ]
        lines = [f"{label}: <b>{escape(value)}</b>" for label, value in rows if value]
        if profile.role is Role.CHILD:
            head = _("Please check {name}'s details:").format(name=escape(profile.nickname or ""))
            tail = _(
                "By adding your child you agree, as their parent or guardian, that we keep these "
                "details to work out their play style. /privacy tells you more."
            )
        elif profile.role is Role.PARENT:
            head = _("Please check your details:")
            tail = _(
                "By signing up you confirm you are a parent or guardian, and you agree that we "
                "keep these details. /privacy tells you more."
            )
        else:
            head = _("Please check your details:")
            tail = _(
                "We keep these details to work out your play style. Nobody else sees them unless "
                "you link to an organisation. /privacy tells you more."
            )
        return "\n".join([head, "", *lines, "", f"<i>{tail}</i>"])

    def _problem_text(self, ctx: Context, problem: Problem) -> str:
        return ctx._(problem.message).format(**problem.params)

    def _waiting_for_parent(self, ctx: Context, profile: Profile) -> None:
        ctx.go(CODE, "waiting")
        ctx.new_screen()
        ctx.show(
            ctx._(
                "We're waiting for your parent to answer the e-mail. 📨 Ask them to look in their "
                "mailbox (and the spam folder). I'll tell you when they answer!"
            ),
            keyboard([ctx.button(ctx._("📨 Send the e-mail again"), CODE, "resend")]),
        )

    # --- answers ----------------------------------------------------------------------------

    async def _accept_text(
        self, ctx: Context, who: Who, subject: Profile, step: Step, text: str
    ) -> Problem | None:
        people = ctx.uow.people
        rules = ctx.settings.fields
        match step:
            case Step.NICKNAME:
                value = clean_name(text, limit=MAX_NICKNAME)
                if isinstance(value, Problem):
                    return value
                await people.set_text(subject.id, "nickname", value)
            case Step.LAST_NAME:
                value = clean_name(text, limit=MAX_LAST_NAME)
                if isinstance(value, Problem):
                    return value
                await people.set_text(subject.id, "last_name", value)
            case Step.AGE:
                age = clean_age(text, rules=rules)
                if isinstance(age, Problem):
                    return age
                await guardian.change_age(ctx.uow, subject, age, rules)
            case Step.PARENT_EMAIL | Step.EMAIL:
                value = clean_email(text)
                if isinstance(value, Problem):
                    return value
                await people.set_text(subject.id, "email", value)
            case Step.ADDRESS:
                value = clean_address(text)
                if isinstance(value, Problem):
                    return value
                await people.set_text(subject.id, "address", value)
            case _:
                return Problem(N_("Please tap one of the buttons."))
        return None

    async def _step_button(
        self, ctx: Context, who: Who, subject: Profile, step: Step, payload: Payload
    ) -> None:
        people = ctx.uow.people
        ctx.answer()
        match payload.action:
            case "back":
                steps = await self._steps(ctx, subject)
                before = previous(steps, step)
                if before is None:  # back from the first question: the draft goes
                    await people.delete(subject.id)
                    if subject.role is Role.CHILD:
                        ctx.go(None)
                        ctx.show(ctx._("Okay, I didn't add a child."))
                        return
                    await self._ask_who(ctx)
                    return
                await people.set_step(subject.id, before.value)
                await self._show_step(ctx, await people.get(subject.id))
            case "skip":
                field = FIELD_OF.get(step)
                if field is None or not ctx.settings.fields.skippable(field):
                    await self._show_step(ctx, subject)
                    return
                await self._advance(ctx, subject, step)
            case "pick" if step is Step.AGE:
                age = clean_age(payload.arg, rules=ctx.settings.fields)
                if isinstance(age, Problem):
                    await self._show_step(ctx, subject)
                    return
                changed = await guardian.change_age(ctx.uow, subject, age, ctx.settings.fields)
                await self._advance(ctx, changed, step)
            case "pick" if step is Step.OUTDOOR:
                if payload.arg not in {b.id for b in self._bands}:
                    await self._show_step(ctx, subject)
                    return
                await people.set_outdoor_band(subject.id, payload.arg)
                await self._advance(ctx, await people.get(subject.id), step)
            case "same" if step is Step.LAST_NAME and subject.parent_id is not None:
                parent = await people.get(subject.parent_id)
                await people.set_text(subject.id, "last_name", parent.last_name)
                await self._advance(ctx, await people.get(subject.id), step)
            case "send" if step is Step.SEND_CONSENT:
                await self._send_consent_request(ctx, subject)
            case "confirm" if step is Step.CONFIRM:
                await self._confirm(ctx, who, subject)
            case _:
                await self._show_step(ctx, subject)

    async def _advance(self, ctx: Context, profile: Profile, done: Step) -> None:
        """Go to the step after ``done``, or refuse an age the registration cannot take."""
        if (
            done is Step.AGE
            and ctx.settings.fields.parent_decides(profile)
            and not ctx.settings.fields.asks(FieldName.EMAIL)
        ):
            self._parent_must_sign_up(ctx)
            await ctx.uow.people.delete(profile.id)
            return
        steps = await self._steps(ctx, profile)
        after = following(steps, done)
        await ctx.uow.people.set_step(profile.id, after.value if after else None)
        await self._show_step(ctx, await ctx.uow.people.get(profile.id))

    def _parent_must_sign_up(self, ctx: Context) -> None:
        ctx.go(None)
        ctx.say(
            ctx._(
                "Because you're under {age}, a parent has to sign you up. Ask them to "
                "start this chat and choose 'parent'."
            ).format(age=ctx.settings.fields.consent_age)
        )

    async def ask_parent(self, ctx: Context, profile: Profile) -> None:
        """An unfinished sign-up of someone under the consent age with no parent's yes yet: keep
        only name and age, and ask for the parent's e-mail (or, when this deployment asks no
        e-mail, delete the sign-up: only a parent can sign them up then)."""
        if not ctx.settings.fields.asks(FieldName.EMAIL):
            self._parent_must_sign_up(ctx)
            await ctx.uow.people.delete(profile.id)
            return
        await guardian.keep_only_what_asks_the_parent(ctx.uow, profile.id, keep_email=False)
        await ctx.uow.people.set_step(profile.id, Step.PARENT_EMAIL.value)
        await self._show_step(ctx, await ctx.uow.people.get(profile.id))

    # --- consent and completion ---------------------------------------------------------------

    async def _send_consent_request(self, ctx: Context, profile: Profile) -> bool:
        """Under 16: mail the parent a single-use consent link; the child waits.

        The status moves only if it is still the one read: when the parent answered on the web
        in the meantime, nothing is sent, the child is told where things stand, and False.
        """
        if not await ctx.uow.people.change_status(
            profile.id, expected=profile.status, status=ProfileStatus.AWAITING_CONSENT
        ):
            log.info("consent_request_overtaken")
            await self._already_answered(ctx, await ctx.uow.people.own(profile.account_id))
            return False
        await mail_parent_consent(ctx, profile)
        await ctx.uow.people.set_step(profile.id, Step.SEND_CONSENT.value)
        log.info("consent_requested")
        ctx.show(
            ctx._(
                "📨 Sent! Ask your parent to look in their mailbox. I'll tell you as soon as they "
                "answer."
            )
        )
        ctx.go(CODE, "waiting")
        return True

    async def _resend(self, ctx: Context, who: Who) -> None:
        own = who.own
        if own is None or own.status is not ProfileStatus.AWAITING_CONSENT:
            await self._already_answered(ctx, own)
            return
        sent = await ctx.uow.links.newest(own.id, LinkPurpose.CONSENT)
        if sent is not None and ctx.now - sent < RESEND_AFTER:
            # Each mail makes the one before stop working: a parent opening the first of five
            # would find a dead link. Once in a while is enough.
            minutes = max(1, round((RESEND_AFTER - (ctx.now - sent)).total_seconds() / 60))
            ctx.answer(
                ctx.ngettext(
                    "I sent it just now. Ask your parent to look in their spam folder too. "
                    "You can send it again in {n} minute.",
                    "I sent it just now. Ask your parent to look in their spam folder too. "
                    "You can send it again in {n} minutes.",
                    minutes,
                ).format(n=minutes),
                alert=True,
            )
            return
        if await self._send_consent_request(ctx, own):
            ctx.answer(ctx._("Sent again."))

    async def _already_answered(self, ctx: Context, own: Profile | None) -> None:
        """The parent answered before the child's press: say so, and show where things are.

        After a no (or when the request ran out) the profile is gone and the chat was told.
        """
        if (
            own is None
            or own.status is ProfileStatus.AWAITING_CONSENT
            or not await self._consented(ctx, own)
        ):
            ctx.refuse_stale()
            return
        ctx.answer()
        ctx.edit_target = None
        ctx.say(ctx._("Your parent already said yes! 🎉"))
        await self.start(ctx, "")

    async def _confirm(self, ctx: Context, who: Who, profile: Profile) -> None:
        """The person (or the parent, for a child) checked the details and agreed.

        A young person under the consent age cannot agree for themselves: without a parent's yes
        on record (the age was changed after it was asked, say) they are asked for the parent's
        e-mail instead, and nothing is accepted.
        """
        settings = ctx.settings
        if settings.fields.parent_decides(profile) and not await guardian.parent_said_yes(
            ctx.uow, profile.id
        ):
            log.info("confirm_needs_parent")
            await self.ask_parent(ctx, profile)
            return
        if profile.role is not Role.SELF or not await self._consented(ctx, profile):
            await ctx.uow.consents.give(
                person_id=profile.id,
                scope=ConsentScope.SERVICE,
                given_by=GivenBy.SELF if profile.role is not Role.CHILD else GivenBy.PARENT,
                method=Method.CHAT,
                policy_version=settings.policy_version,
                now=ctx.now,
            )
        await ctx.uow.people.set_status(profile.id, ProfileStatus.ACTIVE, now=ctx.now)
        if profile.role is not Role.CHILD:
            await ctx.uow.accounts.set_policy_version(profile.account_id, settings.policy_version)
        log.info("registration_completed", role=profile.role.value)
        name = escape(profile.nickname or "")
        if profile.role is Role.CHILD:
            ctx.go(None)
            ctx.new_screen()
            ctx.show(
                ctx._("🎉 {name} is added!").format(name=name),
                keyboard(
                    [ctx.button(ctx._("➕ Add another child"), CODE, "add", timeless=True)],
                    [ctx.button(ctx._("✅ That's all"), CODE, "done")],
                ),
            )
            await self._ready(ctx, await ctx.uow.people.get(profile.id))
            return
        mailed = await self._mail_password_link(ctx, profile)
        if profile.role is Role.PARENT:
            ctx.go(None)
            ctx.new_screen()
            ctx.show(
                ctx._(
                    "🎉 You're signed up, {name}! I've e-mailed you a link to set a password.\n\n"
                    "Now add your child. Brothers and sisters each get their own profile."
                ).format(name=name),
                keyboard([ctx.button(ctx._("➕ Add a child"), CODE, "add", timeless=True)]),
            )
            return
        ctx.go(None)
        done = ctx._("🎉 You're signed up, {name}!").format(name=name)
        if mailed:  # say where the mail went, so nobody is surprised by it
            done += "\n" + (
                ctx._("I've e-mailed your parent a link to set a password for your account.")
                if ctx.settings.fields.parent_decides(profile)
                else ctx._("I've e-mailed you a link to set a password. You can skip it.")
            )
        ctx.show(done)
        await self._ready(ctx, await ctx.uow.people.get(profile.id))

    async def _mail_password_link(self, ctx: Context, profile: Profile) -> bool:
        """At the end of signing up: a link to set a password, unless there is one or a working
        link already (a parent who just said yes on the web may be on its page: a new link
        would make theirs stop working under their hands)."""
        if profile.has_password or await ctx.uow.links.working(
            profile.id, LinkPurpose.PASSWORD, now=ctx.now
        ):
            return False
        return await mail_password_link(ctx, profile)

    async def _add_child(self, ctx: Context, who: Who) -> None:
        own = who.own
        if own is None or own.role is not Role.PARENT or not own.active:
            ctx.refuse_stale()
            return
        ctx.answer()
        ctx.edit_target = None
        if who.subject is not None:  # a child is already being added: continue with that one
            await self._show_step(ctx, who.subject)
            return
        child = await ctx.uow.people.create(
            account_id=own.account_id, role=Role.CHILD, parent_id=own.id, step=Step.NICKNAME.value
        )
        await self._show_step(ctx, child)

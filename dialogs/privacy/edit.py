"""/edit: correct any profile field, checked as at registration (GDPR art. 16).

Organisations that received the person's data are told that a correction was made (art. 19),
without the data itself.

A young person under the consent age who signed up alone keeps their parent's e-mail address
(the parent gave permission there). Changing that address, or an age at or above the consent age,
changes who is asked for permission from then on, so the parent at the address on file is told
by e-mail. The change itself is not blocked: correcting one's data is a right, and the same trust
in an e-mail address is all the sign-up had. While the parent has not answered yet, turning 16
closes the request (its link stops working, as the parent is told) and the young person goes on
signing up as a 16-year-old, from the question after the age.

The other way, someone who signed up alone as 16 or older and says they are younger, is taken
at their word too, because refusing would keep an age we know is wrong and go on using a yes
that, at that age, was not theirs to give (GDPR art. 8). It is also the most drastic correction
there is, so the bot first says what will happen and asks again with buttons (a typo must not
cost anyone their results). Then the profile is treated as the sign-up it should have been:
their own consents are withdrawn (organisations are told a member left), quiz results, password
and everything but name and age are deleted, and the sign-up goes on at the parent's e-mail. With
a parent's yes already on record the age simply changes. A deployment that asks no e-mail cannot
ask a parent, so there the change is refused and the young person told that a parent has to sign
them up.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Final

from dialogs.assessment.catalog import ContentCatalog, translate
from dialogs.assessment.content import Band
from dialogs.context import Context, keyboard
from dialogs.effects import Button
from dialogs.markup import escape
from dialogs.organisations.service import MemberEvent, notify_admins
from dialogs.payload import Payload
from dialogs.privacy.mails import masked, parent_notice
from dialogs.registration import guardian
from dialogs.registration.fields import (
    MAX_LAST_NAME,
    MAX_NICKNAME,
    FieldName,
    Problem,
    clean_address,
    clean_age,
    clean_email,
    clean_name,
    email_label,
)
from dialogs.registration.flow import mail_parent_consent, mail_password_link
from dialogs.registration.steps import CODE as REGISTRATION
from storage.consents import Consent, ConsentScope, GivenBy
from storage.links import LinkProblem
from storage.models import LinkPurpose, ProfileStatus, Role
from storage.organisations import Organisation
from storage.outbox import Mail
from storage.people import Profile

CODE: Final = "edit"
YOUNGER: Final = "younger"
"""The screen that asks again before an age below the consent age takes the parent's way."""


class EditFlow:
    """Choose whose profile, choose a field, type (or tap) the new value."""

    code = CODE

    def __init__(self, bands: Sequence[Band], *, contact: str) -> None:
        self._bands = tuple(bands)
        self._contact = contact
        """Where a parent can write when a change was not right (the privacy contact)."""

    async def _people(self, ctx: Context) -> list[Profile]:
        if ctx.account is None:
            return []
        own = await ctx.uow.people.own(ctx.account.id)
        if own is None:
            return []
        children = await ctx.uow.people.children(own.id) if own.role is Role.PARENT else []
        return [own, *children]

    def _pick(self, people: list[Profile], arg: str) -> Profile | None:
        if arg.isdigit() and int(arg) < len(people):
            return people[int(arg)]
        return None

    async def edit_command(self, ctx: Context, _args: str) -> None:
        """/edit: whose profile (a parent has several), then which field."""
        people = await self._people(ctx)
        if not people:
            ctx.say(ctx._("There is no profile to change yet. Tap /start to sign up."))
            return
        if len(people) == 1:
            await self._fields(ctx, people, 0)
            return
        ctx.go(CODE, "who")
        ctx.new_screen()
        ctx.say(
            ctx._("Whose details do you want to change?"),
            keyboard(
                *(
                    [ctx.button(p.nickname or "?", CODE, "who", str(i))]
                    for i, p in enumerate(people)
                )
            ),
        )

    async def _editable(self, ctx: Context, person: Profile) -> dict[FieldName, str]:
        """The fields this person has (or may have now), with their button labels."""
        rules = ctx.settings.fields
        labels = {
            FieldName.NICKNAME: ctx._("Name"),
            FieldName.LAST_NAME: ctx._("Last name"),
            FieldName.AGE: ctx._("Age"),
            FieldName.EMAIL: email_label(ctx._, person, rules),
            FieldName.ADDRESS: ctx._("Address"),
            FieldName.OUTDOOR: ctx._("Outside"),
        }
        if person.role is Role.CHILD:  # a child's contact details are the parent's
            labels.pop(FieldName.EMAIL)
            labels.pop(FieldName.ADDRESS)
        elif person.role is Role.PARENT:  # a parent is asked neither
            labels.pop(FieldName.AGE)
            labels.pop(FieldName.OUTDOOR)
        elif rules.parent_decides(person) and not await guardian.parent_said_yes(
            ctx.uow, person.id
        ):
            # Not kept before the parent's yes, so not to be added with /edit either.
            for name in (FieldName.LAST_NAME, FieldName.ADDRESS, FieldName.OUTDOOR):
                labels.pop(name)
        return {name: label for name, label in labels.items() if rules.asks(name)}

    async def _may_reset_password(self, ctx: Context, person: Profile) -> bool:
        """A forgotten password: for a signed-up account with an e-mail (a parent's yes first,
        for a young person under the consent age). Children's accounts are their parent's."""
        if person.role is Role.CHILD or person.email is None or not person.active:
            return False
        return not ctx.settings.fields.parent_decides(person) or await guardian.parent_said_yes(
            ctx.uow, person.id
        )

    async def _fields(self, ctx: Context, people: list[Profile], index: int) -> None:
        person = people[index]
        labels = await self._editable(ctx, person)
        ctx.go(CODE, "field", who=str(index))
        ctx.new_screen()
        buttons: list[list[Button]] = [
            [ctx.button(f"✏️ {label}", CODE, "field", name.value)] for name, label in labels.items()
        ]
        if await self._may_reset_password(ctx, person):
            buttons.append([ctx.button(ctx._("🔑 New password link"), CODE, "password")])
        ctx.show(
            (
                ctx._("What do you want to change for {name}?")
                if person.role is Role.CHILD
                else ctx._("What do you want to change?")
            ).format(name=escape(person.nickname or "")),
            keyboard(*buttons),
        )

    async def on_button(self, ctx: Context, payload: Payload) -> None:
        people = await self._people(ctx)
        who = ctx.state.data.get("who")
        match payload.action:
            case "who":
                if self._pick(people, payload.arg) is None:
                    ctx.refuse_stale()
                    return
                ctx.answer()
                await self._fields(ctx, people, int(payload.arg))
            case "field" if isinstance(who, str) and self._pick(people, who) is not None:
                chosen = people[int(who)]
                try:
                    field = FieldName(payload.arg)
                except ValueError:
                    ctx.refuse_stale()
                    return
                if field not in await self._editable(ctx, chosen):
                    ctx.refuse_stale()
                    return
                ctx.answer()
                self._ask(ctx, field, chosen, who=who)
            case "band" if isinstance(who, str) and ctx.state.step == FieldName.OUTDOOR.value:
                person = self._pick(people, who)
                if (
                    person is None
                    or payload.arg not in {b.id for b in self._bands}
                    or FieldName.OUTDOOR not in await self._editable(ctx, person)
                ):
                    ctx.refuse_stale()
                    return
                ctx.answer()
                await ctx.uow.people.set_outdoor_band(person.id, payload.arg)
                await self._saved(ctx, person)
            case "younger" if isinstance(who, str) and ctx.state.step == YOUNGER:
                person = self._pick(people, who)
                age = clean_age(payload.arg, rules=ctx.settings.fields)
                if (
                    person is None
                    or isinstance(age, Problem)
                    or not await self._needs_parent_now(ctx, person, age)
                ):
                    ctx.refuse_stale()
                    return
                ctx.answer()
                await self._to_the_parent(ctx, person, age)
            case "password" if isinstance(who, str) and self._pick(people, who) is not None:
                person = people[int(who)]
                if not await self._may_reset_password(ctx, person) or person.email is None:
                    ctx.refuse_stale()
                    return
                ctx.answer()
                await mail_password_link(ctx, person, again=True)
                ctx.go(None)
                ctx.show(
                    ctx._(
                        "📧 I've e-mailed a link to set a new password to {email}. "
                        "Older links no longer work."
                    ).format(email=escape(masked(person.email)))
                )
            case "keep" if ctx.state.step == YOUNGER:
                ctx.answer()
                ctx.go(None)
                ctx.show(ctx._("Okay, I didn't change anything."))
            case _:
                ctx.refuse_stale()

    def _ask(self, ctx: Context, field: FieldName, person: Profile, *, who: str) -> None:
        ctx.go(CODE, field.value, who=who)
        ctx.new_screen()
        if field is FieldName.OUTDOOR:
            catalog = ContentCatalog(ctx.texts)
            ctx.show(
                ctx._("About how many hours a week outside?"),
                keyboard(
                    *(
                        [ctx.button(translate(b.label, catalog), CODE, "band", b.id)]
                        for b in self._bands
                    )
                ),
            )
            return
        prompts = {
            FieldName.NICKNAME: ctx._("Type the new first name or nickname."),
            FieldName.LAST_NAME: ctx._("Type the new last name."),
            FieldName.AGE: ctx._("Type the age as a number."),
            FieldName.EMAIL: ctx._("Type your parent's new e-mail address.")
            if ctx.settings.fields.parent_decides(person)
            else ctx._("Type the new e-mail address."),
            FieldName.ADDRESS: ctx._("Type the new home address: street, number and town."),
        }
        ctx.show(prompts[field])

    async def on_text(self, ctx: Context, text: str) -> None:
        people = await self._people(ctx)
        who = ctx.state.data.get("who")
        person = self._pick(people, who) if isinstance(who, str) else None
        try:
            field = FieldName(ctx.state.step or "")
        except ValueError:
            field = None
        if person is None or field is None or field is FieldName.OUTDOOR:
            ctx.say(ctx._("Please tap one of the buttons."))
            return
        if field not in await self._editable(ctx, person):  # things moved on since it was asked
            await self.resume(ctx)
            return
        people_repo = ctx.uow.people
        value: str | int | Problem
        match field:
            case FieldName.NICKNAME:
                value = clean_name(text, limit=MAX_NICKNAME)
            case FieldName.LAST_NAME:
                value = clean_name(text, limit=MAX_LAST_NAME)
            case FieldName.AGE:
                value = clean_age(text, rules=ctx.settings.fields)
            case FieldName.EMAIL:
                value = clean_email(text)
            case _:
                value = clean_address(text)
        if isinstance(value, Problem):
            ctx.say(ctx._(value.message).format(**value.params))
            self._ask(ctx, field, person, who=who)  # type: ignore[arg-type]
            return
        if isinstance(value, int):
            await self._age(ctx, person, value, who=who)  # type: ignore[arg-type]
            return
        notice = self._parent_notice(ctx, person, field, value)
        await people_repo.set_text(person.id, field.value, value)
        if notice is not None:
            await ctx.uow.outbox.add(
                notice, purpose="parent_notice", person_id=person.id, now=ctx.now
            )
        moved = field is FieldName.EMAIL and (person.email or "").casefold() != value.casefold()
        lines = await self._address_changed(ctx, person) if moved else []
        await self._saved(ctx, person, parent_told=notice is not None, lines=lines)

    async def _address_changed(self, ctx: Context, person: Profile) -> list[str]:
        """Links mailed to the old address stop working; a waiting request goes to the new one.

        Otherwise whoever reads the old address (a typo's stranger) could still give a parent's
        yes, or set the password. Returns what to tell the person.
        """
        links = ctx.uow.links
        await links.revoke(person.id, LinkPurpose.PASSWORD, because=LinkProblem.CLOSED)
        if not ctx.settings.fields.parent_decides(person):
            return []
        await links.revoke(person.id, LinkPurpose.CONSENT, because=LinkProblem.CLOSED)
        lines = []
        if await links.revoke(
            person.id, LinkPurpose.ORG_CONSENT, because=LinkProblem.CLOSED, now=ctx.now
        ):
            lines.append(
                ctx._(
                    "The question about an organisation went to the old address and no longer "
                    "works. Open the invite link again to ask at the new address."
                )
            )
        if person.status is ProfileStatus.AWAITING_CONSENT:
            await mail_parent_consent(ctx, await ctx.uow.people.get(person.id))
            lines.insert(
                0, ctx._("📨 I've e-mailed the question for permission to the new address.")
            )
        return lines

    async def _needs_parent_now(self, ctx: Context, person: Profile, age: int) -> bool:
        """Whether ``age`` would move someone who decided for themselves to their parent."""
        rules = ctx.settings.fields
        return (
            person.role is Role.SELF
            and person.age is not None
            and not rules.needs_parent(person.age)
            and rules.needs_parent(age)
            and person.status is not ProfileStatus.AWAITING_CONSENT
            and not await guardian.parent_said_yes(ctx.uow, person.id)
        )

    async def _age(self, ctx: Context, person: Profile, age: int, *, who: str) -> None:
        """A new age: see the module notes for what moves with it."""
        rules = ctx.settings.fields
        uow = ctx.uow
        if await self._needs_parent_now(ctx, person, age):
            if not rules.asks(FieldName.EMAIL):  # no way to ask a parent: refuse, and say why
                ctx.go(None)
                ctx.say(
                    ctx._(
                        "Because you're under {age}, a parent has to sign you up. Ask them to "
                        "start this chat and choose 'parent'."
                    ).format(age=rules.consent_age)
                )
                return
            await self._ask_younger(ctx, person, age, who=who)
            return
        notice = self._parent_notice(ctx, person, FieldName.AGE, age)
        they_decide = rules.parent_decides(person) and not rules.needs_parent(age)
        closed_request = they_decide and person.status is ProfileStatus.AWAITING_CONSENT
        if closed_request:  # the parent is told we will not ask them: the request closes
            waiting = ProfileStatus.AWAITING_CONSENT
            if not await uow.people.change_status(
                person.id, expected=waiting, status=ProfileStatus.DRAFT
            ):  # the parent answered on the web just now: show where things are
                await self._to_registration(ctx)
                return
            await uow.links.revoke(person.id, LinkPurpose.CONSENT, because=LinkProblem.CLOSED)
        await guardian.change_age(uow, person, age, rules)
        if they_decide:  # from now on they decide: a request mailed to the parent is closed
            await uow.links.revoke(person.id, LinkPurpose.ORG_CONSENT, because=LinkProblem.CLOSED)
        lines = []
        if person.role is Role.SELF and rules.needs_parent(age):
            # A yes they gave themselves at 16 does not hold for someone younger (the parent's
            # yes on record was for the bot, not for these organisations).
            for organisation in await self._withdraw(ctx, person, _own_organisation_yes):
                lines.append(
                    ctx._(
                        "{org} no longer sees your details: under {limit}, your parent says yes "
                        "first. Open its invite link again to ask them."
                    ).format(org=escape(organisation.name), limit=rules.consent_age)
                )
        if notice is not None:
            await uow.outbox.add(notice, purpose="parent_notice", person_id=person.id, now=ctx.now)
        await self._saved(ctx, person, parent_told=notice is not None, lines=lines)
        if closed_request:
            ctx.say(
                ctx._(
                    "You're {age} now, so you decide yourself. Let's finish signing you up! 🙂"
                ).format(age=age)
            )
            await self._to_registration(ctx)

    async def _ask_younger(self, ctx: Context, person: Profile, age: int, *, who: str) -> None:
        """Before the drastic correction: say what happens, and ask again with buttons."""
        ctx.go(CODE, YOUNGER, who=who)
        ctx.new_screen()
        lines = [
            ctx._(
                "Under {limit}, a parent has to say yes first. 👪\n"
                "If you are {age}, I'll delete everything except your name and age. "
                "Then I'll ask for your parent's e-mail."
            ).format(limit=ctx.settings.fields.consent_age, age=age)
        ]
        if await ctx.uow.assessments.latest_complete(person.id) is not None:
            lines.append(ctx._("Your quiz result is deleted too."))
        sharing = [
            consent.organisation_id
            for consent in await ctx.uow.consents.for_person(person.id)
            if consent.withdrawn_at is None and consent.organisation_id is not None
        ]
        for organisation_id in dict.fromkeys(sharing):
            organisation = await ctx.uow.organisations.get(organisation_id)
            lines.append(
                ctx._(
                    "{org} stops seeing your details. After your parent's yes, open its invite "
                    "link again."
                ).format(org=escape(organisation.name))
            )
        ctx.show(
            "\n".join(lines),
            keyboard(
                [ctx.button(ctx._("✅ Yes, I'm {age}").format(age=age), CODE, "younger", str(age))],
                [ctx.button(ctx._("⬅️ No, I'm {age}").format(age=person.age), CODE, "keep")],
            ),
        )

    async def _to_the_parent(self, ctx: Context, person: Profile, age: int) -> None:
        """Someone who signed up alone as 16 or older is younger: back to asking a parent."""
        uow = ctx.uow
        if person.status is ProfileStatus.ACTIVE:
            active = ProfileStatus.ACTIVE
            if not await uow.people.change_status(
                person.id, expected=active, status=ProfileStatus.DRAFT
            ):
                ctx.refuse_stale()
                return
            await self._withdraw(ctx, person, lambda _: True)
            await uow.links.revoke(person.id, LinkPurpose.ORG_CONSENT, because=LinkProblem.CLOSED)
            await uow.people.delete_assessments(person.id)
        await guardian.change_age(uow, person, age, ctx.settings.fields)
        ctx.show(ctx._("✅ Saved. /mydata shows all your details."))
        await self._to_registration(ctx)

    async def _withdraw(
        self, ctx: Context, person: Profile, which: Callable[[Consent], bool]
    ) -> list[Organisation]:
        """Withdraw the person's standing consents that ``which`` picks; the organisations
        that lose them hear that a member left (not who). Returns those organisations."""
        uow = ctx.uow
        organisations: dict[uuid.UUID, None] = {}
        for consent in await uow.consents.for_person(person.id):
            if consent.withdrawn_at is not None or not which(consent):
                continue
            await uow.consents.withdraw(consent.id, now=ctx.now)
            if consent.organisation_id is not None:
                organisations[consent.organisation_id] = None
        left = [await uow.organisations.get(organisation_id) for organisation_id in organisations]
        for organisation in left:
            ctx.effects.extend(
                await notify_admins(uow, ctx.translator, organisation, MemberEvent.LEFT)
            )
        return left

    async def _to_registration(self, ctx: Context) -> None:
        """Go on in the registration, at the question the profile is at now."""
        ctx.go(REGISTRATION)
        await ctx.resume_flow()

    def _parent_notice(
        self, ctx: Context, person: Profile, field: FieldName, value: str | int
    ) -> Mail | None:
        """The mail to the parent on file when this change moves who gives permission."""
        if not ctx.settings.fields.parent_decides(person) or person.email is None:
            return None
        child = person.nickname or ""
        limit = ctx.settings.fields.consent_age
        if (
            field is FieldName.EMAIL
            and isinstance(value, str)
            and value.casefold() != person.email.casefold()
        ):
            change = ctx._(
                "{child} changed the parent's e-mail address to {address}. From now on, we ask "
                "for permission at that address."
            ).format(child=child, address=masked(value))
        elif field is FieldName.AGE and isinstance(value, int) and value >= limit:
            change = ctx._(
                "{child} changed their age to {age}. From {limit}, young people decide about "
                "their own data, so we will not ask you for permission any more."
            ).format(child=child, age=value, limit=limit)
        else:
            return None
        return parent_notice(
            ctx.texts,
            to=person.email,
            child=child,
            change=change,
            contact=self._contact,
            answered=person.status is not ProfileStatus.AWAITING_CONSENT,
        )

    async def _saved(
        self,
        ctx: Context,
        person: Profile,
        *,
        parent_told: bool = False,
        lines: Sequence[str] = (),
    ) -> None:
        """Confirm, and tell linked organisations that something was corrected (not what)."""
        for consent in await ctx.uow.consents.for_person(person.id):
            if (
                consent.scope is ConsentScope.ORGANISATION
                and consent.withdrawn_at is None
                and consent.organisation_id is not None
            ):
                organisation = await ctx.uow.organisations.get(consent.organisation_id)
                ctx.effects.extend(
                    await notify_admins(
                        ctx.uow, ctx.translator, organisation, MemberEvent.CORRECTED
                    )
                )
        ctx.go(None)
        text = ctx._("✅ Saved. /mydata shows all your details.")
        if parent_told:
            text += "\n" + ctx._("📧 Your parent gets an e-mail about this change.")
        ctx.say("\n".join([text, *lines]))

    async def resume(self, ctx: Context) -> None:
        ctx.go(None)
        await self.edit_command(ctx, "")


def _own_organisation_yes(consent: Consent) -> bool:
    """A consent to share with an organisation that the young person gave themselves."""
    return consent.scope is ConsentScope.ORGANISATION and consent.given_by is GivenBy.SELF

"""/edit: correct any profile field, checked as at registration (GDPR art. 16).

Organisations that received the person's data are told that a correction was made (art. 19),
without the data itself.

A young person under the consent age who signed up alone keeps their parent's e-mail address
(the parent gave permission there). Changing that address, or an age at or above the consent age,
changes who is asked for permission from then on, so the parent at the address on file is told
by e-mail. The change itself is not blocked: correcting one's data is a right, and the same trust
in an e-mail address is all the sign-up had.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from dialogs.assessment.catalog import ContentCatalog, translate
from dialogs.assessment.content import Band
from dialogs.context import Context, keyboard
from dialogs.effects import Button
from dialogs.markup import escape
from dialogs.organisations.service import MemberEvent, notify_admins
from dialogs.payload import Payload
from dialogs.privacy.mails import masked, parent_notice
from dialogs.registration.fields import (
    MAX_LAST_NAME,
    MAX_NICKNAME,
    FieldName,
    Problem,
    clean_address,
    clean_age,
    clean_email,
    clean_name,
)
from storage.consents import ConsentScope
from storage.models import LinkPurpose, Role
from storage.outbox import Mail
from storage.people import Profile

CODE: Final = "edit"


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
            self._fields(ctx, people, 0)
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

    def _fields(self, ctx: Context, people: list[Profile], index: int) -> None:
        person = people[index]
        rules = ctx.settings.fields
        labels = {
            FieldName.NICKNAME: ctx._("Name"),
            FieldName.LAST_NAME: ctx._("Last name"),
            FieldName.AGE: ctx._("Age"),
            FieldName.EMAIL: ctx._("E-mail"),
            FieldName.ADDRESS: ctx._("Address"),
            FieldName.OUTDOOR: ctx._("Outside"),
        }
        if person.role is Role.CHILD:  # a child's contact details are the parent's
            labels.pop(FieldName.EMAIL)
            labels.pop(FieldName.ADDRESS)
        elif ctx.settings.fields.parent_decides(person):
            labels[FieldName.EMAIL] = ctx._("Parent's e-mail")
        ctx.go(CODE, "field", who=str(index))
        ctx.new_screen()
        buttons: list[list[Button]] = [
            [ctx.button(f"✏️ {label}", CODE, "field", name.value)]
            for name, label in labels.items()
            if rules.asks(name)
        ]
        ctx.show(
            ctx._("What do you want to change for {name}?").format(
                name=escape(person.nickname or "")
            ),
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
                self._fields(ctx, people, int(payload.arg))
            case "field" if isinstance(who, str) and self._pick(people, who) is not None:
                try:
                    field = FieldName(payload.arg)
                except ValueError:
                    ctx.refuse_stale()
                    return
                ctx.answer()
                self._ask(ctx, field, people[int(who)], who=who)
            case "band" if isinstance(who, str) and ctx.state.step == FieldName.OUTDOOR.value:
                person = self._pick(people, who)
                if person is None or payload.arg not in {b.id for b in self._bands}:
                    ctx.refuse_stale()
                    return
                ctx.answer()
                await ctx.uow.people.set_outdoor_band(person.id, payload.arg)
                await self._saved(ctx, person)
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
        notice = self._parent_notice(ctx, person, field, value)
        if isinstance(value, int):
            await people_repo.set_age(person.id, value)
            if ctx.settings.fields.parent_decides(person) and not ctx.settings.fields.needs_parent(
                value
            ):  # from now on they decide: a request mailed to the parent is closed
                await ctx.uow.links.revoke(person.id, LinkPurpose.ORG_CONSENT)
        else:
            await people_repo.set_text(person.id, field.value, value)
        if notice is not None:
            await ctx.uow.outbox.add(
                notice, purpose="parent_notice", person_id=person.id, now=ctx.now
            )
        await self._saved(ctx, person, parent_told=notice is not None)

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
            ctx.texts, to=person.email, child=child, change=change, contact=self._contact
        )

    async def _saved(self, ctx: Context, person: Profile, *, parent_told: bool = False) -> None:
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
        ctx.say(text)

    async def resume(self, ctx: Context) -> None:
        ctx.go(None)
        await self.edit_command(ctx, "")

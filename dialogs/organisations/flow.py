"""Organisations in the chat: invite links and consent, /organisations, and the admins' commands.

An invite link names the organisation and says exactly what it will see, then asks yes or no with
nothing pre-selected. A yes is a consent record (who, when, how, policy version); a no is
respected without asking again. A child under 16 who signed up alone needs their parent's yes, by
e-mail, as at registration. Every admin command checks the role in SQL, limits an organisation's
admin to their own organisation, and writes refusals to the audit trail.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from enum import Enum
from typing import Final

import structlog

from dialogs import charts
from dialogs.assessment.content import AssessmentContent
from dialogs.assessment.flow import quiz_keyboard
from dialogs.charts import distribution_chart
from dialogs.context import Context, keyboard
from dialogs.effects import Button, SendDocument, SendPhoto
from dialogs.i18n import long_date
from dialogs.markup import escape
from dialogs.organisations import mails, service
from dialogs.organisations.service import MemberEvent
from dialogs.organisations.statistics import OrganisationStatistics, csv_rows
from dialogs.payload import Payload
from dialogs.spreadsheets import csv_bytes, xlsx_bytes
from storage.audit import Outcome
from storage.consents import ConsentScope, GivenBy, Method
from storage.links import LinkProblem
from storage.models import LinkPurpose, Role, RoleKind
from storage.organisations import Invite, Organisation
from storage.people import Profile

log = structlog.get_logger(__name__)

CODE: Final = "org"
_DAYS: Final = re.compile(r"^(\d{1,3})d$")
_USES: Final = re.compile(r"^(\d{1,6})x$")
_SHORT_ID: Final = 12
"""Hex characters of an invite's id on its switch-off button (48 bits: unique per organisation)."""


def _short_id(invite: Invite) -> str:
    return invite.id.hex[:_SHORT_ID]


class _Linked(Enum):
    """What a yes did."""

    NOW = "now"
    ALREADY = "already"
    """The person was linked already: nothing counted twice."""
    CLOSED = "closed"
    """The invite was switched off, expired or used up after it was offered: nothing stored."""


class OrganisationFlow:
    """Invites and consent for members; invites, statistics and exports for admins."""

    code = CODE

    def __init__(self, content: AssessmentContent, *, k: int) -> None:
        self._content = content
        self._k = k

    # --- members: opening an invite ---------------------------------------------------------

    async def open_invite(self, ctx: Context, token: str) -> bool:
        """/start <token>: True when the invite was handled, False to go on with a normal start."""
        invite = await ctx.uow.organisations.invite_by_token(token) if token else None
        if invite is None or not invite.usable(ctx.now):
            log.info("invite_refused", reason="unknown" if invite is None else "unusable")
            ctx.say(
                ctx._(
                    "That invite link doesn't work (any more). Ask whoever sent it for a new one. "
                    "You can still use the bot!"
                )
            )
            return False
        organisation = await ctx.uow.organisations.get(invite.organisation_id)
        account = ctx.account or await ctx.uow.accounts.ensure(ctx.user_id, locale=ctx.locale)
        own = await ctx.uow.people.own(account.id)
        await ctx.uow.accounts.set_pending_invite(account.id, invite.id)
        if own is None or not own.active:
            ctx.say(
                ctx._(
                    "🏫 {org} invited you! First let's sign you up. After that I'll ask whether "
                    "{org} may see your results."
                ).format(org=escape(organisation.name))
            )
            return False
        await self.offer(ctx, own)
        return True

    async def offer(self, ctx: Context, own: Profile) -> bool:
        """Ask about the pending invite, if there is one; True when a question was asked."""
        account = ctx.account or await ctx.uow.accounts.by_id(own.account_id)
        if account is None:
            return False
        fresh = await ctx.uow.accounts.by_id(account.id)
        if fresh is None or fresh.pending_invite_id is None:
            return False
        invite = await ctx.uow.organisations.invite(fresh.pending_invite_id)
        organisation = await ctx.uow.organisations.get(invite.organisation_id)
        if not invite.usable(ctx.now):
            await ctx.uow.accounts.set_pending_invite(account.id, None)
            return False
        people = await self._linkable(ctx, own)
        if not people:
            return False
        ctx.go(CODE, "ask")
        ctx.new_screen()
        name = escape(organisation.name)
        lines = [
            ctx._("🏫 <b>{org}</b> would like to see quiz results.").format(org=name),
            ctx._(
                "If you say yes, {org} sees: first name, last name, age, e-mail, home address, "
                "hours outside and the play-style results. Not the answers to the questions."
            ).format(org=name),
            ctx._("You can stop this at any time with /organisations."),
        ]
        rows: list[list[Button]] = []
        if ctx.settings.fields.parent_decides(own):
            lines.append(ctx._("You're under 16, so your parent decides. I'll e-mail them."))
            rows.append([ctx.button(ctx._("📨 Ask my parent"), CODE, "askp")])
        elif own.role is Role.PARENT:
            lines.append(ctx._("Which of your children may {org} see?").format(org=name))
            for index, person in enumerate(people):
                label = ctx._("✅ Yes for {name}").format(name=person.nickname or "")
                rows.append([ctx.button(label, CODE, "yes", f"c{index}")])
        else:
            lines.append(ctx._("May {org} see this?").format(org=name))
            rows.append([ctx.button(ctx._("✅ Yes"), CODE, "yes", "me")])
        rows.append([ctx.button(ctx._("❌ No, thanks"), CODE, "no")])
        ctx.say("\n\n".join(lines), keyboard(*rows))
        return True

    async def _linkable(self, ctx: Context, own: Profile) -> list[Profile]:
        if own.role is Role.PARENT:
            return [c for c in await ctx.uow.people.children(own.id) if c.active]
        return [own] if own.active else []

    async def _pending(
        self, ctx: Context
    ) -> tuple[Invite, Organisation, Profile, list[Profile]] | None:
        if ctx.account is None or ctx.account.pending_invite_id is None:
            return None
        own = await ctx.uow.people.own(ctx.account.id)
        if own is None:
            return None
        invite = await ctx.uow.organisations.invite(ctx.account.pending_invite_id)
        organisation = await ctx.uow.organisations.get(invite.organisation_id)
        return invite, organisation, own, await self._linkable(ctx, own)

    async def _link(
        self, ctx: Context, invite: Invite, organisation: Organisation, person: Profile
    ) -> _Linked:
        """Record the consent, counting one use of the invite (a person linked already: not)."""
        if await ctx.uow.consents.active_for(person.id, organisation.id) is not None:
            return _Linked.ALREADY
        assert ctx.account is not None
        # The invite may have been switched off, run out or used up since it was offered; the
        # count is taken in the same statement that checks, so nobody slips in.
        if not invite.usable(ctx.now) or not await ctx.uow.organisations.count_use(
            invite.id, now=ctx.now
        ):
            return _Linked.CLOSED
        await ctx.uow.consents.give(
            person_id=person.id,
            scope=ConsentScope.ORGANISATION,
            organisation_id=organisation.id,
            given_by=GivenBy.PARENT if person.role is Role.CHILD else GivenBy.SELF,
            method=Method.CHAT,
            policy_version=ctx.settings.policy_version,
            now=ctx.now,
        )
        await ctx.uow.audit.record(
            "org_linked", actor_id=ctx.account.id, now=ctx.now, subject=f"org:{organisation.id}"
        )
        return _Linked.NOW

    def _invite_closed(self, ctx: Context) -> None:
        """The invite stopped working after it was offered: say so kindly, stop asking."""
        log.info("invite_refused", reason="unusable_on_answer")
        ctx.go(None)
        ctx.show(
            ctx._(
                "That invite link doesn't work (any more). Ask whoever sent it for a new one. "
                "You can still use the bot!"
            )
        )

    async def on_button(self, ctx: Context, payload: Payload) -> None:
        match payload.action:
            case "yes" | "no" | "askp":
                await self._answer_invite(ctx, payload)
            case "wd" | "wdok":
                await self._withdraw(ctx, payload)
            case "wdno":
                ctx.answer()
                ctx.go(None)
                ctx.show(ctx._("Okay, nothing changes. /organisations shows who sees what."))
            case "rev":
                await self._revoke(ctx, payload)
            case _:
                ctx.refuse_stale()

    async def _answer_invite(self, ctx: Context, payload: Payload) -> None:
        pending = await self._pending(ctx)
        if pending is None:
            ctx.refuse_stale()
            return
        invite, organisation, own, people = pending
        assert ctx.account is not None
        name = escape(organisation.name)
        if payload.action == "no":
            ctx.answer()
            await ctx.uow.accounts.set_pending_invite(ctx.account.id, None)
            # A request mailed to the parent is closed too: the link stops working.
            await ctx.uow.links.revoke(
                own.id,
                LinkPurpose.ORG_CONSENT,
                because=LinkProblem.CLOSED,
                organisation_id=organisation.id,
            )
            ctx.go(None)
            # A no after a yes (a parent's second child, or the link opened again) ends the
            # question, but what was shared stays shared until it is withdrawn.
            shared = [
                person
                for person in people
                if await ctx.uow.consents.active_for(person.id, organisation.id) is not None
            ]
            next_steps = await quiz_keyboard(ctx)  # no dead end: the quiz is what comes next
            if shared:
                names = ", ".join(escape(person.nickname or "") for person in shared)
                ctx.show(
                    ctx._(
                        "Okay, nothing new is shared with {org}. Because of your earlier yes, "
                        "{org} still sees {names}. To stop that, use /organisations."
                    ).format(org=name, names=names),
                    next_steps,
                )
            else:
                ctx.show(
                    ctx._("Okay! {org} won't see anything about you.").format(org=name),
                    next_steps,
                )
            return
        if payload.action == "askp":
            ctx.answer()
            if not invite.usable(ctx.now):
                await ctx.uow.accounts.set_pending_invite(ctx.account.id, None)
                self._invite_closed(ctx)
                return
            await self._ask_parent(ctx, organisation, own)
            return
        person = self._person(own, people, payload.arg)
        if person is None:
            ctx.refuse_stale()
            return
        ctx.answer()
        linked = await self._link(ctx, invite, organisation, person)
        if linked is _Linked.CLOSED:
            await ctx.uow.accounts.set_pending_invite(ctx.account.id, None)
            self._invite_closed(ctx)
            return
        done = own.role is not Role.PARENT or len(people) == 1
        if done:
            await ctx.uow.accounts.set_pending_invite(ctx.account.id, None)
            ctx.go(None)
        if person.role is not Role.CHILD:  # the young person reads about themselves
            text = (
                ctx._("✅ You're linked to {org}.")
                if linked is _Linked.NOW
                else ctx._("You were already linked to {org}. ✅")
            ).format(org=name)
        else:
            text = (
                ctx._("✅ {name} is linked to {org}.")
                if linked is _Linked.NOW
                else ctx._("{name} was already linked to {org}. ✅")
            ).format(name=escape(person.nickname or ""), org=name)
        ctx.say(text, await quiz_keyboard(ctx) if done else None)

    @staticmethod
    def _person(own: Profile, people: Sequence[Profile], arg: str) -> Profile | None:
        if arg == "me" and own.role is Role.SELF and own.active:
            return own
        if arg.startswith("c") and arg[1:].isdigit() and int(arg[1:]) < len(people):
            return people[int(arg[1:])]
        return None

    async def _ask_parent(self, ctx: Context, organisation: Organisation, own: Profile) -> None:
        """Under 16: the parent's yes comes by e-mail, as it did at registration."""
        assert ctx.account is not None and own.email is not None
        token = await ctx.uow.links.create(
            person_id=own.id,
            purpose=LinkPurpose.ORG_CONSENT,
            locale=ctx.locale,
            now=ctx.now,
            valid_for=ctx.settings.consent_valid,
            organisation_id=organisation.id,
            replace=True,
        )
        mail = mails.organisation_consent(
            ctx.texts,
            to=own.email,
            child=own.nickname or "",
            organisation=organisation.name,
            url=f"{ctx.settings.public_url}/consent/{token}",
            valid=ctx.settings.consent_valid,
        )
        await ctx.uow.outbox.add(mail, purpose="org_consent", person_id=own.id, now=ctx.now)
        ctx.go(None)
        ctx.show(ctx._("📨 I've e-mailed your parent. I'll tell you when they answer."))

    # --- members: /organisations and withdrawal ----------------------------------------------

    async def list_command(self, ctx: Context, _args: str) -> None:
        """/organisations: who sees what, and a button to stop each."""
        links = await self._links(ctx)
        if not links:
            ctx.say(
                ctx._(
                    "No organisation sees anything about you. If a school or club sends you an "
                    "invite link, I'll ask you first."
                )
            )
            return
        ctx.go(CODE, "list")
        ctx.new_screen()
        lines = [ctx._("<b>These organisations see your profile and results:</b>")]
        rows = []
        for index, (person, organisation) in enumerate(links):
            lines.append(
                ctx._("• {org}: {name}").format(
                    org=escape(organisation.name), name=escape(person.nickname or "")
                )
            )
            label = ctx._("🚫 Stop {org} for {name}").format(
                org=organisation.name, name=person.nickname or ""
            )
            rows.append([ctx.button(label[:60], CODE, "wd", str(index))])
        lines.append(
            ctx._("They see: first name, last name, age, e-mail, address, hours outside, results.")
        )
        ctx.say("\n".join(lines), keyboard(*rows), personal=True)

    async def _links(self, ctx: Context) -> list[tuple[Profile, Organisation]]:
        if ctx.account is None:
            return []
        own = await ctx.uow.people.own(ctx.account.id)
        if own is None:
            return []
        people = [own] + (await ctx.uow.people.children(own.id) if own.role is Role.PARENT else [])
        found = []
        for person in people:
            for consent in await ctx.uow.consents.for_person(person.id):
                if consent.scope is ConsentScope.ORGANISATION and consent.withdrawn_at is None:
                    assert consent.organisation_id is not None
                    found.append((person, await ctx.uow.organisations.get(consent.organisation_id)))
        return found

    async def _withdraw(self, ctx: Context, payload: Payload) -> None:
        links = await self._links(ctx)
        if not payload.arg.isdigit() or int(payload.arg) >= len(links):
            ctx.refuse_stale()
            return
        person, organisation = links[int(payload.arg)]
        ctx.answer()
        names = {"org": escape(organisation.name), "name": escape(person.nickname or "")}
        if payload.action == "wd":
            ctx.new_screen()
            ctx.show(
                (
                    ctx._(
                        "Stop sharing {name}'s profile and results with {org}? They see nothing "
                        "from then on."
                    )
                    if person.role is Role.CHILD
                    else ctx._(
                        "Stop sharing your profile and results with {org}? They see nothing "
                        "from then on."
                    )
                ).format(**names),
                keyboard(
                    [ctx.button(ctx._("🚫 Yes, stop"), CODE, "wdok", payload.arg)],
                    [ctx.button(ctx._("⬅️ No, keep sharing"), CODE, "wdno", payload.arg)],
                ),
            )
            return
        consent = await ctx.uow.consents.active_for(person.id, organisation.id)
        if consent is None:
            ctx.refuse_stale()
            return
        await ctx.uow.consents.withdraw(consent.id, now=ctx.now)
        await ctx.uow.links.revoke(  # a request still mailed to a parent must not undo this
            person.id,
            LinkPurpose.ORG_CONSENT,
            because=LinkProblem.CLOSED,
            organisation_id=organisation.id,
        )
        await ctx.uow.audit.record(
            "org_consent_withdrawn",
            actor_id=ctx.account.id if ctx.account else None,
            now=ctx.now,
            subject=f"org:{organisation.id}",
        )
        ctx.go(None)
        ctx.show(
            (
                ctx._("Done: {org} no longer sees {name}'s data.")
                if person.role is Role.CHILD
                else ctx._("Done: {org} no longer sees your data.")
            ).format(**names)
        )
        await self.tell_admins(ctx, organisation, kind="left")

    async def tell_admins(self, ctx: Context, organisation: Organisation, *, kind: str) -> None:
        """Tell an organisation's admins something happened to a member, without who."""
        ctx.effects.extend(
            await service.notify_admins(ctx.uow, ctx.translator, organisation, MemberEvent(kind))
        )

    # --- admins -----------------------------------------------------------------------------

    async def _allowed_orgs(self, ctx: Context) -> list[Organisation]:
        if ctx.account is None:
            return []
        orgs = ctx.uow.organisations
        if await orgs.has_role(ctx.account.id, RoleKind.PLATFORM_ADMIN):
            return await orgs.all()
        return await orgs.administered_by(ctx.account.id)

    async def _choose_org(
        self, ctx: Context, args: str, command: str
    ) -> tuple[Organisation, list[str]] | None:
        """The organisation a command is about (its code may come first), and the other words."""
        words = args.split()
        allowed = await self._allowed_orgs(ctx)
        if words:
            named = await ctx.uow.organisations.by_code(words[0])
            if named is not None:
                if named.id not in {o.id for o in allowed}:
                    await ctx.uow.audit.record(
                        f"command:{command}",
                        actor_id=ctx.account.id if ctx.account else None,
                        now=ctx.now,
                        subject=f"org:{named.id}",
                        outcome=Outcome.REFUSED,
                    )
                    ctx.say(ctx._("Sorry, you're not an admin of that organisation."))
                    return None
                return named, words[1:]
        if len(allowed) == 1:
            return allowed[0], words
        codes = ", ".join(o.code for o in allowed) or "-"
        ctx.say(
            ctx._(
                "Which organisation? Put its code after the command, like /{command} {code}. "
                "Yours: {codes}"
            ).format(
                command=command, code=allowed[0].code if allowed else "code", codes=escape(codes)
            )
        )
        return None

    async def invite_command(self, ctx: Context, args: str) -> None:
        """/invite [code] [30d] [100x] [label]: a new invite link."""
        chosen = await self._choose_org(ctx, args, "invite")
        if chosen is None:
            return
        organisation, words = chosen
        days = uses = None
        label_words = []
        for word in words:
            if (match := _DAYS.match(word)) is not None:
                days = int(match.group(1))
            elif (match := _USES.match(word)) is not None:
                uses = int(match.group(1))
            else:
                label_words.append(word)
        try:
            invite = await service.new_invite(
                ctx.uow,
                organisation=organisation,
                now=ctx.now,
                days=days,
                uses=uses,
                label=" ".join(label_words) or None,
                actor_id=ctx.account.id if ctx.account else None,
            )
        except service.OrganisationError as exc:
            ctx.say(escape(exc.text(ctx._)))
            return
        link = service.invite_link(ctx.settings.bot_username, invite.token)
        details = [ctx._("New invite link for {org}:").format(org=escape(organisation.name)), link]
        if invite.expires_at is not None:
            details.append(
                ctx._("Works until {date}.").format(date=long_date(ctx.texts, invite.expires_at))
            )
        if invite.max_uses is not None:
            details.append(
                ctx.ngettext(
                    "Up to {n} person can join with it.",
                    "Up to {n} people can join with it.",
                    invite.max_uses,
                ).format(n=invite.max_uses)
            )
        details.append(ctx._("/invites lists your links and can switch them off."))
        ctx.say("\n".join(details))

    async def invites_command(self, ctx: Context, args: str) -> None:
        """/invites [code]: the organisation's links, with use counts and a switch-off button."""
        chosen = await self._choose_org(ctx, args, "invites")
        if chosen is None:
            return
        organisation, _ = chosen
        invites = await ctx.uow.organisations.invites(organisation.id)
        if not invites:
            ctx.say(
                ctx._("{org} has no invite links yet. Make one with /invite.").format(
                    org=escape(organisation.name)
                )
            )
            return
        ctx.go(CODE, "invites", org=organisation.code)
        ctx.new_screen()
        lines = [ctx._("<b>Invite links of {org}</b>").format(org=escape(organisation.name))]
        rows = []
        for index, invite in enumerate(invites[:20]):
            if invite.revoked_at:
                state = ctx._("switched off")
            elif invite.expires_at is not None and invite.expires_at <= ctx.now:
                state = ctx._("expired")
            elif not invite.usable(ctx.now):
                state = ctx._("used up")
            elif invite.expires_at is not None:
                state = ctx._("active until {date}").format(
                    date=long_date(ctx.texts, invite.expires_at)
                )
            else:
                state = ctx._("active")
            limit = f"/{invite.max_uses}" if invite.max_uses else ""
            lines.append(
                f"{index + 1}. {escape(invite.label or invite.token[:8])}: "
                + ctx._("{uses}{limit} joined, {state}").format(
                    uses=invite.uses, limit=limit, state=state
                )
            )
            if invite.revoked_at is None:
                label = ctx._("🚫 Switch off {n}").format(n=index + 1)
                # The invite's own short id, not its place in a list others may add to meanwhile.
                rows.append([ctx.button(label, CODE, "rev", _short_id(invite))])
        ctx.say("\n".join(lines), keyboard(*rows))

    async def _revoke(self, ctx: Context, payload: Payload) -> None:
        code = ctx.state.data.get("org")
        chosen = await self._choose_org(ctx, str(code or ""), "invites") if code else None
        invites = await ctx.uow.organisations.invites(chosen[0].id) if chosen else []
        # Only an invite of the chosen organisation, found by its id, never by a position.
        matches = [i for i in invites if _short_id(i) == payload.arg]
        if len(matches) != 1 or matches[0].revoked_at is not None:
            ctx.refuse_stale()
            return
        [invite] = matches
        await ctx.uow.organisations.revoke(invite.id, now=ctx.now)
        await ctx.uow.audit.record(
            "invite_revoked",
            actor_id=ctx.account.id if ctx.account else None,
            now=ctx.now,
            subject=f"invite:{invite.id}",
        )
        ctx.answer(ctx._("Switched off."))
        assert chosen is not None
        await self.invites_command(ctx, chosen[0].code)

    async def stats_command(self, ctx: Context, args: str) -> None:
        """/stats [code]: anonymous statistics as a chart and a CSV file."""
        chosen = await self._choose_org(ctx, args, "stats")
        if chosen is None:
            return
        organisation, _ = chosen
        stats = await service.statistics(
            ctx.uow, organisation=organisation, content=self._content, k=self._k
        )
        await ctx.uow.audit.record(
            "stats_viewed",
            actor_id=ctx.account.id if ctx.account else None,
            now=ctx.now,
            subject=f"org:{organisation.id}",
        )
        ctx.say(self._stats_text(ctx, organisation, stats))
        # A bar may be hidden to protect a small group beside it: "hidden", not "fewer than k".
        hidden = ctx._("hidden")
        for form in stats.forms:
            if form.table is None:  # only the form's total could be published
                continue
            labels = [self._style_name(ctx, style) for style in form.styles]
            picture = await asyncio.to_thread(
                distribution_chart,
                list(zip(labels, form.table.row_totals, strict=True)),
                title=ctx._("Play styles ({form})").format(form=self._form_name(ctx, form.form)),
                suppressed_label=hidden,
            )
            ctx.effects.append(
                SendPhoto(ctx.chat_id, picture, f"styles-{form.form}{charts.SUFFIX}")
            )
        ctx.effects.append(
            SendDocument(
                ctx.chat_id,
                csv_bytes(csv_rows(stats, hidden="hidden")),
                f"{organisation.code}-statistics.csv",
                caption=ctx._(
                    "The same numbers as a table. Groups under {k} are hidden, and sometimes one "
                    "more, so that no group can be worked out from the others."
                ).format(k=self._k),
            )
        )

    def _style_name(self, ctx: Context, style: str) -> str:
        from dialogs.assessment.catalog import ContentCatalog, translate

        if style == "mixed":
            return ctx._("Double style or all-rounder")
        return translate(self._content.styles.info(style).short_name, ContentCatalog(ctx.texts))

    def _form_name(self, ctx: Context, form: str) -> str:
        return ctx._("ages 6 to 9") if form == "kids" else ctx._("ages 10 to 16")

    def _stats_text(
        self, ctx: Context, organisation: Organisation, stats: OrganisationStatistics
    ) -> str:
        hidden = ctx._("fewer than {k}").format(k=stats.k)

        def show(value: int | None) -> str:
            return hidden if value is None else str(value)

        lines = [
            ctx._("<b>Statistics of {org}</b> (anonymous)").format(org=escape(organisation.name)),
            ctx._("Members: {n}").format(n=show(stats.members)),
            ctx._("Quizzes started: {n}").format(n=show(stats.started)),
            ctx._("Quizzes finished: {n}").format(n=show(stats.completed)),
            ctx._(
                "<i>Not counted: quizzes tapped through very fast (the answers may be random "
                "taps), and the people who did not share with you.</i>"
            ),
        ]
        if all(form.table is None for form in stats.forms):
            lines.append(ctx._("Too few results to show more without giving away who is who."))
        return "\n".join(lines)

    async def export_command(self, ctx: Context, args: str) -> None:
        """/export [code]: members' profiles and results as XLSX (audited)."""
        chosen = await self._choose_org(ctx, args, "export")
        if chosen is None:
            return
        organisation, _ = chosen
        exported = await service.export(
            ctx.uow,
            organisation=organisation,
            content=self._content,
            texts=ctx.texts,
            now=ctx.now,
            actor_id=ctx.account.id if ctx.account else None,
        )
        workbook = xlsx_bytes({ctx._("Members"): [exported.header, *exported.rows]})
        ctx.effects.append(
            SendDocument(
                ctx.chat_id,
                workbook,
                f"{organisation.code}-members.xlsx",
                caption=ctx.ngettext(
                    "{n} member who agreed to share. Keep this file safe and delete it when done.",
                    "{n} members who agreed to share. Keep this file safe and delete it when done.",
                    len(exported.rows),
                ).format(n=len(exported.rows)),
            )
        )

    async def new_org_command(self, ctx: Context, args: str) -> None:
        """/neworg CODE Name: a new organisation (platform admins)."""
        code, _, name = args.strip().partition(" ")
        try:
            organisation = await service.create_organisation(
                ctx.uow,
                code=code,
                name=name,
                now=ctx.now,
                actor_id=ctx.account.id if ctx.account else None,
            )
        except service.OrganisationError as exc:
            ctx.say(
                ctx._("Usage: /neworg CODE Name of the organisation")
                + "\n"
                + escape(exc.text(ctx._))
            )
            return
        ctx.say(
            ctx._(
                "Organisation {org} made, code {code}. "
                "Add an admin with /orgadmin {code} TELEGRAM_ID."
            ).format(org=escape(organisation.name), code=organisation.code)
        )

    async def org_admin_command(self, ctx: Context, args: str) -> None:
        """/orgadmin CODE TELEGRAM_ID: make someone an organisation's admin (platform admins)."""
        words = args.split()
        if len(words) != 2 or not words[1].isdigit():
            ctx.say(ctx._("Usage: /orgadmin CODE TELEGRAM_ID"))
            return
        organisation = await ctx.uow.organisations.by_code(words[0])
        if organisation is None:
            ctx.say(
                ctx._("There is no organisation with the code {code}. /neworg makes one.").format(
                    code=escape(words[0])
                )
            )
            return
        await service.add_admin(
            ctx.uow,
            organisation=organisation,
            telegram_id=int(words[1]),
            now=ctx.now,
            actor_id=ctx.account.id if ctx.account else None,
        )
        ctx.say(
            ctx._("Done: they are now an admin of {org}.").format(org=escape(organisation.name))
        )

    async def on_text(self, ctx: Context, text: str) -> None:
        ctx.say(ctx._("Please tap one of the buttons."))

    async def resume(self, ctx: Context) -> None:
        ctx.go(None)

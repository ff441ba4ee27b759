"""Privacy rights in the chat: /privacy, /mydata, /forget, and consent to a new policy version.

/mydata answers at once with a summary and two files. /forget explains, asks for a button (nothing
pre-selected), then erases in one transaction, deletes the bot's recent messages that showed
personal data (Telegram allows 48 hours) and says what stays with Telegram.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Final

import structlog

from dialogs.assessment.catalog import ContentCatalog, translate
from dialogs.assessment.content import Band
from dialogs.context import Context, keyboard, personal_messages
from dialogs.effects import Delete, SendDocument
from dialogs.i18n import N_
from dialogs.markup import escape
from dialogs.payload import Payload
from dialogs.privacy import export
from dialogs.privacy.erasure import erase
from dialogs.registration.flow import mail_parent_consent
from dialogs.requests.deadlines import due_date
from dialogs.requests.flow import post_request
from dialogs.requests.lifecycle import RequestType
from storage.consents import ConsentScope, GivenBy, Method
from storage.inventory import Subject
from storage.models import Role
from storage.people import Profile

log = structlog.get_logger(__name__)

CODE: Final = "priv"
AP_URL: Final = "https://autoriteitpersoonsgegevens.nl"
ALWAYS_ALLOWED: Final = frozenset({"privacy", "mydata", "forget", "language", "help", "cancel"})
"""Commands that work even before someone agreed to a new policy version."""
TEXT_LIMIT: Final = 3900


class PrivacyFlow:
    """The person's rights, in the chat."""

    code = CODE

    def __init__(
        self, *, contact: str, retention: list[tuple[str, str]], bands: Sequence[Band]
    ) -> None:
        self._contact = contact
        self._bands = tuple(bands)
        self._retention = retention
        """(what, how long) pairs, as msgids, shown in /privacy."""

    # --- /privacy ---------------------------------------------------------------------------

    async def privacy_command(self, ctx: Context, _args: str) -> None:
        """/privacy: a short child summary, a plain parent summary, version, contact, complaints."""
        _ = ctx._
        version = escape(ctx.settings.policy_version)
        ctx.say(
            "\n\n".join(
                [
                    _("<b>🔒 Your privacy, short and simple</b>"),
                    _(
                        "• I keep your name, age, e-mail and how much you play outside, so the "
                        "quiz works.\n• Your answers are only used to find your play style.\n"
                        "• Nobody else sees anything, unless you say yes to a school or club.\n"
                        "• /mydata shows everything I keep. /forget deletes it."
                    ),
                    _("If you are under 16, a parent says yes first."),
                ]
            )
        )
        retention = "\n".join(f"• {_(what)}: {_(how_long)}" for what, how_long in self._retention)
        ctx.say(
            "\n\n".join(
                [
                    _("<b>For parents and guardians</b>"),
                    _(
                        "We keep the profile (first name, last name, age, e-mail, home address, "
                        "hours outside, an Argon2id password hash) and the quiz answers and "
                        "results, encrypted. They are used only to determine the play style and "
                        "suggest outdoor activities. Organisations (schools, clubs) see a profile "
                        "only after your explicit yes, and only get anonymous statistics "
                        "otherwise. Nothing is used for marketing or shared with anyone else."
                    ),
                    _(
                        "Your rights: see and export everything (/mydata, at once), correct it "
                        "(/edit), delete it (/forget), withdraw a consent (/organisations). We "
                        "answer other requests within 30 days."
                    ),
                    _("<b>How long we keep things</b>") + "\n" + retention,
                    _("Privacy policy version {version}. Questions: {contact}").format(
                        version=version, contact=escape(self._contact)
                    ),
                    _(
                        "Not happy with how we handle your data? You can complain to the "
                        "Autoriteit Persoonsgegevens: {url}"
                    ).format(url=AP_URL),
                ]
            )
        )

    # --- consent to a new policy version ------------------------------------------------------

    async def gate(self, ctx: Context, command: str | None, flow: str | None) -> bool:
        """True to go on; False when the person must first agree to the new policy version."""
        account = ctx.account
        if account is None or account.policy_version in (None, ctx.settings.policy_version):
            return True
        if command in ALWAYS_ALLOWED or flow in (CODE, "lang"):
            return True
        own = await ctx.uow.people.own(account.id)
        if own is None:
            return True
        ctx.new_screen()
        text = [
            ctx._("<b>We updated our privacy promise</b> (version {version}).").format(
                version=escape(ctx.settings.policy_version)
            ),
            ctx._("/privacy shows what it says. Before we go on, we need your yes."),
        ]
        if ctx.settings.fields.parent_decides(own):
            text.append(ctx._("You're under 16, so your parent decides. I'll e-mail them."))
            buttons = [[ctx.button(ctx._("📨 Ask my parent"), CODE, "askpol", timeless=True)]]
        else:
            buttons = [[ctx.button(ctx._("✅ I agree"), CODE, "agree", timeless=True)]]
        buttons.append([ctx.button(ctx._("🗑️ I'd rather delete my data"), CODE, "forget")])
        ctx.say("\n\n".join(text), keyboard(*buttons))
        return False

    async def _agree(self, ctx: Context) -> None:
        account = ctx.account
        own = await ctx.uow.people.own(account.id) if account else None
        if account is None or own is None or ctx.settings.fields.parent_decides(own):
            ctx.refuse_stale()
            return
        people = [own] + (await ctx.uow.people.children(own.id) if own.role is Role.PARENT else [])
        for person in people:
            await ctx.uow.consents.give(
                person_id=person.id,
                scope=ConsentScope.SERVICE,
                given_by=GivenBy.PARENT if person.role is Role.CHILD else GivenBy.SELF,
                method=Method.CHAT,
                policy_version=ctx.settings.policy_version,
                now=ctx.now,
            )
        await ctx.uow.accounts.set_policy_version(account.id, ctx.settings.policy_version)
        ctx.answer()
        ctx.show(ctx._("Thank you! Let's go on. 🙂"))

    async def _ask_parent(self, ctx: Context) -> None:
        account = ctx.account
        own = await ctx.uow.people.own(account.id) if account else None
        if own is None or own.email is None or own.age is None:
            ctx.refuse_stale()
            return
        await mail_parent_consent(ctx, own)
        ctx.answer()
        ctx.show(ctx._("📨 I've e-mailed your parent. I'll tell you when they answer."))

    # --- /mydata ------------------------------------------------------------------------------

    async def _people(self, ctx: Context) -> tuple[Profile | None, list[Profile]]:
        if ctx.account is None:
            return None, []
        own = await ctx.uow.people.own(ctx.account.id)
        if own is None:
            return None, []
        children = await ctx.uow.people.children(own.id) if own.role is Role.PARENT else []
        return own, [own, *children]

    async def mydata_command(self, ctx: Context, _args: str) -> None:
        """/mydata: everything we hold, at once: a summary here, JSON and XLSX files."""
        if ctx.account is None:
            ctx.say(ctx._("I keep nothing about you."))
            return
        _own, people = await self._people(ctx)
        subject = Subject(account_ids=[ctx.account.id], person_ids=[p.id for p in people])
        rows = await ctx.uow.inventory.rows(subject)
        organisations = {
            org_id: (await ctx.uow.organisations.get(org_id)).name
            for org_id in {c["organisation_id"] for c in rows["consents"] if c["organisation_id"]}
        }
        catalog = ContentCatalog(ctx.texts)
        built = export.build(
            ctx.texts,
            rows=rows,
            people=people,
            organisations=organisations,
            bands={band.id: translate(band.label, catalog) for band in self._bands},
            generated=ctx.now,
        )
        summary = built.summary
        if len(summary) > TEXT_LIMIT:
            summary = summary[:TEXT_LIMIT].rsplit("\n", 1)[0] + "\n…"
        ctx.say(summary, personal=True)
        stamp = ctx.now.strftime("%Y%m%d")
        ctx.effects.append(
            SendDocument(ctx.chat_id, built.json, f"my-data-{stamp}.json", personal=True)
        )
        ctx.effects.append(
            SendDocument(
                ctx.chat_id,
                built.xlsx,
                f"my-data-{stamp}.xlsx",
                caption=ctx._("Anything wrong? /edit corrects it."),
                personal=True,
            )
        )
        log.info("data_exported", people=len(people))

    # --- /forget ------------------------------------------------------------------------------

    async def forget_command(self, ctx: Context, _args: str) -> None:
        """/forget: what will happen, and a button to confirm (nothing is pre-selected)."""
        own, people = await self._people(ctx)
        if ctx.account is None:
            ctx.say(ctx._("I keep nothing about you, so there is nothing to delete."))
            return
        ctx.go(CODE, "forget")
        ctx.new_screen()
        lines = [
            ctx._("<b>Delete your data?</b>"),
            ctx._(
                "I will delete your profile, answers, results, consents and links to "
                "organisations. Organisations you linked to are told that a member's data was "
                "erased. Quiz answers stay only without any name or number."
            ),
            ctx._("I'll send one last e-mail to confirm, then the address is gone too."),
            ctx._("This cannot be undone."),
        ]
        rows = []
        if own is not None and own.role is Role.PARENT and len(people) > 1:
            lines.append(ctx._("Delete one child, or everything?"))
            for index, child in enumerate(people[1:]):
                label = ctx._("🗑️ Only {name}").format(name=child.nickname or "?")
                rows.append([ctx.button(label, CODE, "del", f"c{index}")])
            rows.append(
                [ctx.button(ctx._("🗑️ Everything (me and my children)"), CODE, "del", "all")]
            )
        else:
            rows.append([ctx.button(ctx._("🗑️ Yes, delete everything"), CODE, "del", "all")])
        rows.append([ctx.button(ctx._("⬅️ No, keep it"), CODE, "keep")])
        ctx.say("\n\n".join(lines), keyboard(*rows))

    async def _erase(self, ctx: Context, arg: str) -> None:
        own, people = await self._people(ctx)
        account = ctx.account
        if account is None:
            ctx.refuse_stale()
            return
        everything = arg == "all"
        if everything:
            chosen = people
        elif arg.startswith("c") and arg[1:].isdigit() and int(arg[1:]) + 1 < len(people):
            chosen = [people[int(arg[1:]) + 1]]
        else:
            ctx.refuse_stale()
            return
        ctx.answer()
        holds = await ctx.uow.requests.holds(account.id)
        if holds:
            await self._paused(ctx, account.id, holds)
            return
        contact = own if own is not None else None
        if everything:  # nobody can be answered any more: a waiting erasure wish is fulfilled,
            # and questions stop reminding the admins (their posts say the person left)
            await ctx.uow.requests.close_open(account.id, now=ctx.now)
        erased = await erase(
            ctx.uow,
            people=chosen,
            account_id=account.id if everything else None,
            user_key=self._user_key(ctx) if everything else None,
            contact=contact,
            locale=ctx.locale,
            translator=ctx.translator,
            now=ctx.now,
            admin_chat_id=ctx.settings.admin_chat_id,
        )
        ctx.effects.extend(erased.effects)
        log.info("data_erased", everything=everything, tables=len(erased.categories))
        if everything:
            for message_id, _sent in personal_messages(ctx.state):
                ctx.effects.append(Delete(ctx.chat_id, message_id))
            ctx.forget_state = True
            ctx.go(None)
            ctx.account = None
        text = [
            ctx._("🗑️ Done. Your data is deleted. Receipt number: {receipt}").format(
                receipt=erased.receipt_id
            )
            if everything
            else ctx._("🗑️ Done. {name}'s data is deleted. Receipt number: {receipt}").format(
                name=escape(chosen[0].nickname or ""), receipt=erased.receipt_id
            ),
            ctx._(
                "Telegram keeps this chat's history on your phone; I deleted my recent messages "
                "that showed your data. To remove the rest, delete this chat in Telegram."
            ),
        ]
        ctx.edit_target = None
        ctx.say("\n\n".join(text))

    async def _paused(self, ctx: Context, account_id: uuid.UUID, holds: list[int]) -> None:
        """A legal hold pauses erasure: track the wish as a request and say so honestly.

        Asking again finds the same request; a new one goes to the admin chat like any other.
        """
        waiting = [
            r
            for r in await ctx.uow.requests.open_for_account(account_id)
            if r.type == RequestType.ERASURE.value
        ]
        if waiting:
            request = waiting[0]
        else:
            request = await ctx.uow.requests.create(
                type=RequestType.ERASURE.value,
                account_id=account_id,
                contact=None,
                received_at=ctx.now,
                due_at=due_date(ctx.now),
            )
            await ctx.uow.audit.record(
                "erasure_paused", actor_id=account_id, now=ctx.now, subject=f"request:{request.id}"
            )
            log.info("erasure_paused", holds=len(holds))
            post_request(
                ctx,
                ctx.settings.admin_chat_id,
                request,
                ctx._("/forget, paused by a legal hold (request {hold}).").format(hold=holds[0]),
            )
        ctx.go(None)
        ctx.show(
            ctx._(
                "We can't delete your data right now: the law makes us keep it for a while "
                "(request {hold}). Your wish is saved as request {number}; a person will contact "
                "you."
            ).format(hold=holds[0], number=request.number)
        )

    # --- buttons ------------------------------------------------------------------------------

    async def on_button(self, ctx: Context, payload: Payload) -> None:
        match payload.action:
            case "del" if ctx.state.step == "forget":
                await self._erase(ctx, payload.arg)
            case "keep":
                ctx.answer()
                ctx.go(None)
                ctx.show(ctx._("Okay, nothing is deleted. 🙂"))
            case "agree":
                await self._agree(ctx)
            case "askpol":
                await self._ask_parent(ctx)
            case "forget":
                ctx.answer()
                ctx.edit_target = None
                await self.forget_command(ctx, "")
            case _:
                ctx.refuse_stale()

    async def on_text(self, ctx: Context, text: str) -> None:
        ctx.say(ctx._("Please tap one of the buttons."))

    async def resume(self, ctx: Context) -> None:
        if ctx.state.step == "forget":
            await self.forget_command(ctx, "")

    @staticmethod
    def _user_key(ctx: Context) -> str:
        return ctx.user_key

    @staticmethod
    def receipt(value: str) -> uuid.UUID | None:
        """Parse a receipt number (admins look them up)."""
        try:
            return uuid.UUID(value)
        except ValueError:
            return None


RETENTION: Final = [
    (N_("Unfinished sign-ups"), N_("30 days after the last answer")),
    (N_("A parent's consent request"), N_("7 days, then everything is deleted")),
    (N_("Unfinished quizzes"), N_("14 days after the last answer")),
    (N_("Links in e-mails"), N_("a few days; deleted a day after use or expiry")),
    (N_("Sent e-mails"), N_("the text is deleted once sent; the record after 7 days")),
    (N_("Files kept on the server"), N_("7 days")),
    (N_("Your profile, answers and results"), N_("until you use /forget")),
]
"""What /privacy and the README say about retention; the jobs in bot/jobs.py do it."""

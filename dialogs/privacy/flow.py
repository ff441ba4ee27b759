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
from babel.lists import format_list

from dialogs.assessment.catalog import ContentCatalog, translate
from dialogs.assessment.content import Band
from dialogs.context import (
    Context,
    keep_personal_messages,
    keyboard,
    person_tag,
    personal_messages,
)
from dialogs.effects import Delete, SendDocument
from dialogs.i18n import N_, Texts
from dialogs.markup import escape
from dialogs.payload import Payload
from dialogs.privacy import export
from dialogs.privacy.erasure import erase
from dialogs.privacy.mails import Confirmation, Reader, staying
from dialogs.registration.fields import FieldName
from dialogs.registration.flow import mail_parent_consent
from dialogs.requests.deadlines import due_date
from dialogs.requests.flow import post_request
from dialogs.requests.lifecycle import RequestType
from dialogs.settings import DialogSettings
from storage.consents import ConsentScope, GivenBy, Method
from storage.inventory import Subject
from storage.models import ProfileStatus, Role
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

    def __init__(self, *, contact: str, bands: Sequence[Band]) -> None:
        self._contact = contact
        self._bands = tuple(bands)

    # --- /privacy ---------------------------------------------------------------------------

    async def privacy_command(self, ctx: Context, _args: str) -> None:
        """/privacy: a short child summary, a plain parent summary, version, contact, complaints.

        Both name the profile fields this deployment asks (``PROFILE_FIELDS``), no others.
        """
        _ = ctx._
        rules = ctx.settings.fields
        version = escape(ctx.settings.policy_version)
        asked = [what for name, what in CHILD_FIELDS if rules.asks(name)]
        skippable = [what for name, what in CHILD_FIELDS if rules.skippable(name)]
        child = [_("• I keep {fields}.").format(fields=self._list(ctx, asked))]
        if skippable:
            child.append(
                _("• You can skip {fields} if you like.").format(fields=self._list(ctx, skippable))
            )
        child.append(
            _(
                "• Your answers are only used to find your play style.\n"
                "• Nobody else sees anything, unless you say yes to a school or club.\n"
                "• /mydata shows everything I keep. /forget deletes it."
            )
        )
        ctx.say(
            "\n\n".join(
                [
                    _("<b>🔒 Your privacy, short and simple</b>"),
                    "\n".join(child),
                    _("If you are under 16, a parent says yes first."),
                ]
            )
        )
        profile = [
            _(OPTIONAL_FIELD).format(field=_(what)) if rules.skippable(name) else _(what)
            for name, what in PARENT_FIELDS
            if rules.asks(name)
        ]
        if rules.asks(FieldName.EMAIL):  # the password is set from a link sent to the e-mail
            profile.append(_(PASSWORD))
        retention = "\n".join(
            f"• {what}: {how_long}" for what, how_long in retention_periods(ctx.texts, ctx.settings)
        )
        ctx.say(
            "\n\n".join(
                [
                    _("<b>For parents and guardians</b>"),
                    _(
                        "We keep the profile ({fields}) and the quiz answers and results, "
                        "encrypted. They are used only to determine the play style and suggest "
                        "outdoor activities. Organisations (schools, clubs) see a profile only "
                        "after your explicit yes, and only get anonymous statistics otherwise. "
                        "Nothing is used for marketing or shared with anyone else."
                    ).format(fields=format_list(profile, locale=ctx.locale)),
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

    @staticmethod
    def _list(ctx: Context, msgids: Sequence[str]) -> str:
        """Translated items as one list: ``a, b and c``."""
        return format_list([ctx._(m) for m in msgids], locale=ctx.locale)

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
            rules=ctx.settings.fields,
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
        """/forget: what will happen, and a button to confirm (nothing is pre-selected).

        A young person reads three short sentences, with the details for grown-ups below; a
        parent reads the details, and whether the account goes depends on their choice.
        """
        own, people = await self._people(ctx)
        if ctx.account is None:
            ctx.say(ctx._("I keep nothing about you, so there is nothing to delete."))
            return
        ctx.go(CODE, "forget")
        ctx.new_screen()
        _ = ctx._
        rows = []
        if own is not None and own.role is Role.PARENT:
            children = len(people) > 1
            lines = [
                _("<b>Delete your data?</b>"),
                _(
                    "We delete the profile, consents and links to organisations. Organisations "
                    "you linked to hear that a member's data was erased."
                ),
                _(KEPT_ANONYMOUSLY),
                _(
                    "We send one e-mail to confirm. If you delete everything, your account and "
                    "e-mail address go too."
                )
                if children
                else _("We send one e-mail to confirm, then that address is deleted too."),
                _("This cannot be undone."),
            ]
        else:
            # Say what stays only when something will: a result (anonymous copies are made of
            # finished quizzes only).
            kept = [
                await ctx.uow.assessments.latest_complete(person.id) is not None
                for person in people
            ]
            grown_ups = [
                _(
                    "Consents and links to organisations go too, and those organisations hear "
                    "that a member's data was erased."
                ),
                *([_(KEPT_ANONYMOUSLY)] if any(kept) else []),
            ]
            mail = self._confirmation(ctx, own, people, people)
            if mail is not None and mail.reader is Reader.PARENT_OF_ALONE:
                grown_ups.append(
                    _("We e-mail the parent once to say so, then their address is deleted too.")
                )
            elif mail is not None:
                grown_ups.append(
                    _("We send one e-mail to confirm, then that address is deleted too.")
                )
            lines = [
                _("<b>Delete your data?</b>"),
                "\n".join(
                    [
                        _("I'll delete your name and everything else I know about you."),
                        *(
                            [
                                _(
                                    "Only your quiz answers stay, without your name. Nobody can "
                                    "tell they are yours."
                                )
                            ]
                            if any(kept)
                            else []
                        ),
                        _("You can't undo this."),
                    ]
                ),
                "<i>" + _("For grown-ups:") + " " + " ".join(grown_ups) + "</i>",
            ]
        if own is not None and own.role is Role.PARENT and len(people) > 1:
            lines.append(_("Delete one child, or everything?"))
            for index, child in enumerate(people[1:]):
                label = _("🗑️ Only {name}").format(name=child.nickname or "?")
                rows.append([ctx.button(label, CODE, "del", f"c{index}")])
            rows.append([ctx.button(_("🗑️ Everything (me and my children)"), CODE, "del", "all")])
        else:
            rows.append([ctx.button(_("🗑️ Yes, delete everything"), CODE, "del", "all")])
        rows.append([ctx.button(_("⬅️ No, keep it"), CODE, "keep")])
        ctx.say("\n\n".join(lines), keyboard(*rows))

    @staticmethod
    def _confirmation(
        ctx: Context, own: Profile | None, people: list[Profile], chosen: list[Profile]
    ) -> Confirmation | None:
        """Who gets the one erasure mail, and in which words (None: nobody).

        The address is the asking profile's: a young person's own from 16, the parent's for one
        under 16 who signed up alone, a parent's own. That parent is mailed only once they were
        asked for permission: an address the child typed but never confirmed may be a stranger's.
        """
        if own is None or not own.email:
            return None
        names = tuple(p.nickname or "" for p in chosen)
        if own.role is Role.PARENT and chosen != people:
            kept = tuple(p.nickname or "" for p in people[1:] if p not in chosen)
            return Confirmation(
                to=own.email,
                reader=Reader.PARENT_OF_ONE,
                locale=ctx.locale,
                erased=names,
                kept=kept,
            )
        if ctx.settings.fields.parent_decides(own):
            if own.status is ProfileStatus.DRAFT:
                return None
            return Confirmation(
                to=own.email,
                reader=Reader.PARENT_OF_ALONE,
                locale=ctx.locale,
                erased=names,
                waiting=own.status is ProfileStatus.AWAITING_CONSENT,
            )
        return Confirmation(to=own.email, reader=Reader.ASKER, locale=ctx.locale, erased=names)

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
        if everything:  # nobody can be answered any more: a waiting erasure wish is fulfilled,
            # and questions stop reminding the admins (their posts say the person left)
            await ctx.uow.requests.close_open(account.id, now=ctx.now)
        confirmation = self._confirmation(ctx, own, people, chosen)
        erased = await erase(
            ctx.uow,
            people=chosen,
            account_id=account.id if everything else None,
            user_key=self._user_key(ctx) if everything else None,
            confirmation=confirmation,
            translator=ctx.translator,
            now=ctx.now,
            admin_chat_id=ctx.settings.admin_chat_id,
        )
        ctx.effects.extend(erased.effects)
        log.info("data_erased", everything=everything, tables=len(erased.categories))
        about_child = self._delete_messages(ctx, None if everything else chosen[0])
        if everything:
            ctx.forget_state = True
            ctx.go(None)
            ctx.account = None
        _ = ctx._
        proof = "\n".join(
            [
                _("Proof number: {number}").format(number=f"<b>{erased.proof}</b>"),
                "<i>"
                + (
                    _("The full number: {receipt}")
                    if own is not None and own.role is Role.PARENT  # the grown-up reads it
                    else _("For grown-ups, the full number: {receipt}")
                ).format(receipt=f"<code>{erased.receipt_id}</code>")
                + "</i>",
            ]
        )
        if everything:
            done = [_("🗑️ Done. Your data is deleted.")]
            if confirmation is not None and confirmation.reader is Reader.PARENT_OF_ALONE:
                done.append(_("📧 I sent your parent an e-mail to tell them."))
            text = [
                "\n".join(done),
                proof,
                _(
                    "Telegram keeps this chat's history on your phone; I deleted my recent "
                    "messages that showed your data. To remove the rest, delete this chat in "
                    "Telegram."
                ),
            ]
        else:
            name = escape(chosen[0].nickname or "")
            kept = [escape(p.nickname or "") for p in people[1:] if p not in chosen]
            text = [
                _("🗑️ Done. {name}'s data is deleted.").format(name=name)
                + " "
                + staying(ctx.texts, kept),
                proof,
                (_(CHAT_CLEANED) if about_child else _(CHAT_STAYS)).format(child=name),
            ]
        ctx.edit_target = None
        ctx.say("\n\n".join(text))

    @staticmethod
    def _delete_messages(ctx: Context, child: Profile | None) -> bool:
        """Delete the bot's recent messages that showed the data being erased: all of them, or
        those about one ``child`` (the others stay remembered). True when there were any.
        """
        remembered = personal_messages(ctx.state)
        tag = None if child is None else person_tag(child.id)
        going = [entry for entry in remembered if tag is None or tag in entry.about]
        ctx.effects.extend(Delete(ctx.chat_id, entry.message_id) for entry in going)
        if tag is not None and going:
            keep_personal_messages(ctx.state, [e for e in remembered if e not in going])
        return bool(going)

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


KEPT_ANONYMOUSLY: Final = N_(
    "Quiz answers and results stay only anonymously: no name, number or exact date, only an age "
    "band and the month."
)
CHAT_STAYS: Final = N_(
    "Messages about {child} earlier in the chat stay in Telegram. You can delete them there."
)
CHAT_CLEANED: Final = N_(
    "I deleted my recent messages about {child}. Older ones stay in Telegram; you can delete "
    "them there."
)
OPTIONAL_FIELD: Final = N_("{field} (if given)")
PASSWORD: Final = N_("a scrambled form of the password that nobody can read back")
CHILD_FIELDS: Final = (
    (FieldName.NICKNAME, N_("your name")),
    (FieldName.AGE, N_("your age")),
    (FieldName.EMAIL, N_("an e-mail address")),
    (FieldName.LAST_NAME, N_("your last name")),
    (FieldName.ADDRESS, N_("your home address")),
    (FieldName.OUTDOOR, N_("how much you play outside")),
)
"""What a young person is asked, in their words (fields switched off are left out)."""
PARENT_FIELDS: Final = (
    (FieldName.NICKNAME, N_("first name")),
    (FieldName.LAST_NAME, N_("last name")),
    (FieldName.AGE, N_("age")),
    (FieldName.EMAIL, N_("e-mail")),
    (FieldName.ADDRESS, N_("home address")),
    (FieldName.OUTDOOR, N_("hours outside")),
)
"""The profile fields, for parents."""


def retention_periods(texts: Texts, settings: DialogSettings) -> list[tuple[str, str]]:
    """What /privacy says about how long things are kept, translated, with this deployment's
    periods (``DRAFT_DAYS``, ``CONSENT_DAYS``, ``REQUEST_DAYS``): the jobs in bot/jobs.py do it,
    and the README's table says the same with the defaults."""
    _ = texts.gettext
    draft, consent, request = (
        period.days
        for period in (settings.draft_kept, settings.consent_valid, settings.request_kept)
    )
    return [
        (
            _("Unfinished sign-ups"),
            texts.ngettext(
                "{days} day after the last answer", "{days} days after the last answer", draft
            ).format(days=draft),
        ),
        (
            _("A parent's consent request"),
            texts.ngettext(
                "{days} day, then everything is deleted",
                "{days} days, then everything is deleted",
                consent,
            ).format(days=consent),
        ),
        (_("Unfinished quizzes"), _("14 days after the last answer")),
        (_("Links in e-mails"), _("a few days; deleted a day after use or expiry")),
        (_("Sent e-mails"), _("the text is deleted once sent; the record after 7 days")),
        (_("Files kept on the server"), _("7 days")),
        (_("Your profile, answers and results"), _("until you use /forget")),
        (
            _("Questions and requests to our team"),
            texts.ngettext(
                "until you use /forget, or {days} day after they are closed",
                "until you use /forget, or {days} days after they are closed",
                request,
            ).format(days=request),
        ),
    ]

"""Organisation work shared by the chat and the command line: one implementation of each."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from dialogs.assessment.catalog import ContentCatalog, translate
from dialogs.assessment.content import AssessmentContent
from dialogs.assessment.scoring import Result
from dialogs.effects import Effect, Send
from dialogs.i18n import N_, Texts, Translator
from dialogs.markup import escape
from dialogs.organisations.statistics import OrganisationStatistics, build
from dialogs.spreadsheets import Cell
from storage.audit import Outcome
from storage.models import Role, RoleKind
from storage.organisations import Invite, Organisation
from storage.uow import UnitOfWork

CODE_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{1,31}$")
INVITE_TOKEN_BYTES: Final = 16
"""22 characters of A-Z a-z 0-9 _ -: fits Telegram's 64-character start payload with room."""


class MemberEvent(StrEnum):
    """What an organisation's admins are told about a member (art. 19: never who, or what)."""

    LEFT = "left"
    """The member withdrew their consent."""
    CORRECTED = "corrected"
    """The member corrected their profile."""
    ERASED = "erased"
    """The member's data was erased."""


async def notify_admins(
    uow: UnitOfWork, translator: Translator, organisation: Organisation, event: MemberEvent
) -> list[Effect]:
    """A message to each admin of the organisation, in their language, naming no member."""
    effects: list[Effect] = []
    for account_id in await uow.organisations.admins_of(organisation.id):
        account = await uow.accounts.by_id(account_id)
        texts = translator.texts(account.locale if account else None)
        if event is MemberEvent.LEFT:
            message = texts.gettext("A member left {org}. Their data is no longer shared.")
        elif event is MemberEvent.CORRECTED:
            message = texts.gettext(
                "A member of {org} corrected their profile. Ask for a new export if you keep one."
            )
        else:
            message = texts.gettext(
                "A member of {org} had their data erased. Delete any copies you keep."
            )
        chat = await uow.accounts.telegram_id(account_id)
        effects.append(Send(chat, message.format(org=escape(organisation.name))))
    return effects


class OrganisationError(ValueError):
    """A refused organisation operation, with a message for the person who asked.

    ``message`` is a msgid (marked with ``N_``) with ``{name}`` fields filled from ``params``;
    ``str()`` is the English text (the command line), :meth:`text` the asker's language.
    """

    def __init__(self, message: str, **params: str | int) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params

    def text(self, gettext: Callable[[str], str]) -> str:
        """The message translated with ``gettext`` (``ctx._``), its fields filled in."""
        translated = gettext(self.message)
        return translated.format(**self.params) if self.params else translated


def invite_link(bot_username: str, token: str) -> str:
    """The deep link people open: ``https://t.me/<bot>?start=<token>``."""
    return f"https://t.me/{bot_username}?start={token}"


async def create_organisation(
    uow: UnitOfWork, *, code: str, name: str, now: datetime, actor_id: uuid.UUID | None
) -> Organisation:
    """A new organisation with a short code for commands."""
    code = code.strip().lower()
    name = " ".join(name.split())
    if not CODE_PATTERN.match(code):
        raise OrganisationError(
            N_("The code needs 2 to 32 of a-z, 0-9, _ and -, starting with a letter or digit.")
        )
    if not 2 <= len(name) <= 100:
        raise OrganisationError(N_("The name needs 2 to 100 characters."))
    if await uow.organisations.by_code(code) is not None:
        raise OrganisationError(N_("The code {code} is taken. Please choose another."), code=code)
    organisation = await uow.organisations.create(name=name, code=code, now=now)
    await uow.audit.record(
        "organisation_created", actor_id=actor_id, now=now, subject=f"org:{organisation.id}"
    )
    return organisation


async def add_admin(
    uow: UnitOfWork,
    *,
    organisation: Organisation,
    telegram_id: int,
    now: datetime,
    actor_id: uuid.UUID | None,
) -> None:
    """Make a Telegram user an admin of an organisation (they need not have signed up)."""
    account = await uow.accounts.ensure(telegram_id)
    await uow.organisations.grant(
        account.id, RoleKind.ORG_ADMIN, organisation_id=organisation.id, now=now
    )
    await uow.audit.record(
        "org_admin_added", actor_id=actor_id, now=now, subject=f"org:{organisation.id}"
    )


async def add_platform_admin(uow: UnitOfWork, *, telegram_id: int, now: datetime) -> None:
    """Make a Telegram user a platform admin (start-up does this for ADMIN_IDS)."""
    account = await uow.accounts.ensure(telegram_id)
    await uow.organisations.grant(
        account.id, RoleKind.PLATFORM_ADMIN, organisation_id=None, now=now
    )


async def new_invite(
    uow: UnitOfWork,
    *,
    organisation: Organisation,
    now: datetime,
    days: int | None = None,
    uses: int | None = None,
    label: str | None = None,
    actor_id: uuid.UUID | None,
) -> Invite:
    """A new invite link for an organisation."""
    if days is not None and not 1 <= days <= 365:
        raise OrganisationError(N_("An invite can work for 1 to 365 days, like 30d."))
    if uses is not None and not 1 <= uses <= 100_000:
        raise OrganisationError(N_("An invite can be used 1 to 100000 times, like 100x."))
    invite = await uow.organisations.create_invite(
        organisation_id=organisation.id,
        token=secrets.token_urlsafe(INVITE_TOKEN_BYTES),
        now=now,
        expires_at=now + timedelta(days=days) if days else None,
        max_uses=uses,
        label=" ".join(label.split())[:60] if label else None,
    )
    await uow.audit.record(
        "invite_created", actor_id=actor_id, now=now, subject=f"invite:{invite.id}"
    )
    return invite


async def statistics(
    uow: UnitOfWork, *, organisation: Organisation, content: AssessmentContent, k: int
) -> OrganisationStatistics:
    """The organisation's anonymous statistics."""
    counts = await uow.statistics.organisation_counts(organisation.id)
    return build(
        counts,
        styles=content.styles.keys,
        tier_of_band={band.id: band.tier.value for band in content.tiers.bands},
        tiers=[info.tier.value for info in content.tiers.tiers],
        k=k,
    )


@dataclass(frozen=True, slots=True)
class Export:
    """What an organisation may see of its members: profiles and latest results."""

    header: list[Cell]
    rows: list[list[Cell]]


async def export(
    uow: UnitOfWork,
    *,
    organisation: Organisation,
    content: AssessmentContent,
    texts: Texts,
    now: datetime,
    actor_id: uuid.UUID | None,
) -> Export:
    """Members who consented (and did not withdraw), with their latest result; audited."""
    _ = texts.gettext
    catalog = ContentCatalog(texts)
    styles = content.styles
    header: list[Cell] = [
        _("First name"),
        _("Last name"),
        _("Age"),
        _("E-mail"),
        _("Address"),
        _("Hours outside a week"),
        _("Linked since"),
        _("Result"),
        *(translate(info.name, catalog) + " %" for info in styles.styles),
        _("Quiz finished"),
    ]
    rows: list[list[Cell]] = []
    for person_id in await uow.consents.members(organisation.id):
        person = await uow.people.get(person_id)
        contact = person
        if person.role is Role.CHILD and person.parent_id is not None:
            contact = await uow.people.get(person.parent_id)  # a child's contact is the parent
        consent = await uow.consents.active_for(person_id, organisation.id)
        session = await uow.assessments.latest_complete(person_id)
        band = (
            translate(content.tiers.band(person.outdoor_band).label, catalog)
            if person.outdoor_band
            else None
        )
        result_cells: list[Cell] = [None] * (len(styles.styles) + 2)
        if session is not None and session.result is not None:
            result = Result.from_dict(session.result)
            label = ", ".join(translate(styles.info(s).name, catalog) for s in result.primary)
            result_cells = [
                label or None,
                *(round(result.pct(info.key) * 100) for info in styles.styles),
                session.completed_at,
            ]
        rows.append(
            [
                person.nickname,
                person.last_name,
                person.age,
                contact.email,
                contact.address,
                band,
                consent.given_at if consent else None,
                *result_cells,
            ]
        )
    await uow.audit.record(
        "members_exported",
        actor_id=actor_id,
        now=now,
        subject=f"org:{organisation.id}",
        outcome=Outcome.DONE,
    )
    return Export(header=header, rows=rows)

"""A parent's answer, on the web page: may my child (under 16) share with this organisation?"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import structlog

from dialogs.effects import Effect, Send
from dialogs.i18n import Translator
from dialogs.markup import escape
from dialogs.settings import DialogSettings
from storage.consents import ConsentScope, GivenBy, Method
from storage.links import LinkProblem
from storage.models import LinkPurpose
from storage.uow import UnitOfWork

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class OrganisationConsentView:
    """What the page shows."""

    child: str
    organisation: str
    locale: str


@dataclass(frozen=True, slots=True)
class OrganisationConsentAnswered:
    """The outcome, and the message for the child."""

    approved: bool
    child: str
    organisation: str
    locale: str
    effects: list[Effect] = field(default_factory=list)


async def view(
    uow: UnitOfWork, token: str, *, now: datetime
) -> OrganisationConsentView | LinkProblem:
    """The request behind an organisation-consent link, if the link still works."""
    link = await uow.links.check(token, LinkPurpose.ORG_CONSENT, now=now)
    if isinstance(link, LinkProblem):
        return link
    assert link.organisation_id is not None
    child = await uow.people.get(link.person_id)
    organisation = await uow.organisations.get(link.organisation_id)
    return OrganisationConsentView(child.nickname or "", organisation.name, link.locale)


async def answer(
    uow: UnitOfWork,
    token: str,
    *,
    approve: bool,
    now: datetime,
    settings: DialogSettings,
    translator: Translator,
) -> OrganisationConsentAnswered | LinkProblem:
    """Record the parent's yes as a consent (given by the parent, by e-mail), or respect a no."""
    link = await uow.links.check(token, LinkPurpose.ORG_CONSENT, now=now)
    if isinstance(link, LinkProblem):
        return link
    if not await uow.links.use(link, now=now):
        return LinkProblem.USED
    assert link.organisation_id is not None
    child = await uow.people.get(link.person_id)
    organisation = await uow.organisations.get(link.organisation_id)
    account = await uow.accounts.by_id(child.account_id)
    texts = translator.texts((account.locale if account else None) or link.locale)
    names = {"org": escape(organisation.name), "name": escape(child.nickname or "")}
    if approve and await uow.consents.active_for(child.id, organisation.id) is None:
        await uow.consents.give(
            person_id=child.id,
            scope=ConsentScope.ORGANISATION,
            organisation_id=organisation.id,
            given_by=GivenBy.PARENT,
            method=Method.EMAIL,
            policy_version=settings.policy_version,
            now=now,
        )
        if account is not None and account.pending_invite_id is not None:
            invite = await uow.organisations.invite(account.pending_invite_id)
            if invite.organisation_id == organisation.id:
                await uow.organisations.count_use(invite.id)
                await uow.accounts.set_pending_invite(account.id, None)
        await uow.audit.record(
            "org_linked", actor_id=None, now=now, subject=f"org:{organisation.id}"
        )
        log.info("org_consent_given")
    message = (
        texts.gettext("🎉 Your parent said yes: {org} can now see your results, {name}.")
        if approve
        else texts.gettext("Your parent said no, so {org} sees nothing about you. That's okay!")
    ).format(**names)
    telegram_id = await uow.accounts.telegram_id(child.account_id)
    return OrganisationConsentAnswered(
        approved=approve,
        child=child.nickname or "",
        organisation=organisation.name,
        locale=link.locale,
        effects=[Send(telegram_id, message)],
    )

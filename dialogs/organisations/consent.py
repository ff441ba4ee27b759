"""A parent's answer, on the web page: may my child (under 16) share with this organisation?

The link only asks; the request it asks about lives in the chat: the child's pending invite of
that organisation. Once the child said no, withdrew, turned 16 (then they decide), or the invite
was switched off, ran out or is used up, the page says the request is no longer open and nothing
is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import structlog

from dialogs.effects import Effect, Send
from dialogs.i18n import Translator
from dialogs.markup import escape
from dialogs.settings import DialogSettings
from storage.accounts import Account
from storage.consents import ConsentScope, GivenBy, Method
from storage.errors import NotFound
from storage.links import Link, LinkProblem
from storage.models import LinkPurpose
from storage.organisations import Invite, Organisation
from storage.people import Profile
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


@dataclass(frozen=True, slots=True)
class _Request:
    link: Link
    child: Profile
    account: Account
    organisation: Organisation
    invite: Invite


async def _open_request(
    uow: UnitOfWork, token: str, *, now: datetime, settings: DialogSettings
) -> _Request | LinkProblem:
    """The request behind a link, if the link works and the request is still open."""
    link = await uow.links.check(token, LinkPurpose.ORG_CONSENT, now=now)
    if isinstance(link, LinkProblem):
        return link
    assert link.organisation_id is not None
    try:
        child = await uow.people.get(link.person_id)
        organisation = await uow.organisations.get(link.organisation_id)
    except NotFound:
        return LinkProblem.UNKNOWN
    account = await uow.accounts.by_id(child.account_id)
    if (
        account is None
        or account.pending_invite_id is None
        or not child.active
        or not settings.fields.parent_decides(child)
    ):
        return LinkProblem.CLOSED
    try:
        invite = await uow.organisations.invite(account.pending_invite_id)
    except NotFound:
        return LinkProblem.CLOSED
    if invite.organisation_id != organisation.id or not invite.usable(now):
        return LinkProblem.CLOSED
    return _Request(link, child, account, organisation, invite)


async def view(
    uow: UnitOfWork, token: str, *, now: datetime, settings: DialogSettings
) -> OrganisationConsentView | LinkProblem:
    """The request behind an organisation-consent link, if it can still be answered."""
    found = await _open_request(uow, token, now=now, settings=settings)
    if isinstance(found, LinkProblem):
        return found
    return OrganisationConsentView(
        found.child.nickname or "", found.organisation.name, found.link.locale
    )


async def answer(
    uow: UnitOfWork,
    token: str,
    *,
    approve: bool,
    now: datetime,
    settings: DialogSettings,
    translator: Translator,
) -> OrganisationConsentAnswered | LinkProblem:
    """Record the parent's yes as a consent (given by the parent, by e-mail), or respect a no.

    Either answer closes the request (the pending invite is taken, only if it is still there);
    a yes also counts one use of the invite. On a problem nothing is meant to be committed.
    """
    found = await _open_request(uow, token, now=now, settings=settings)
    if isinstance(found, LinkProblem):
        return found
    child, organisation, account = found.child, found.organisation, found.account
    # The account first, as the chat's "No, thanks" does: no lock-order deadlock.
    if not await uow.accounts.clear_pending_invite(account.id, found.invite.id):
        return LinkProblem.CLOSED
    linked = await uow.consents.active_for(child.id, organisation.id) is not None
    if approve and not linked and not await uow.organisations.count_use(found.invite.id, now=now):
        return LinkProblem.CLOSED
    if not await uow.links.use(found.link, now=now):
        return LinkProblem.USED
    if approve and not linked:
        await uow.consents.give(
            person_id=child.id,
            scope=ConsentScope.ORGANISATION,
            organisation_id=organisation.id,
            given_by=GivenBy.PARENT,
            method=Method.EMAIL,
            policy_version=settings.policy_version,
            now=now,
        )
        await uow.audit.record(
            "org_linked", actor_id=None, now=now, subject=f"org:{organisation.id}"
        )
        log.info("org_consent_given")
    elif not approve:
        log.info("org_consent_declined")
    texts = translator.texts(account.locale or found.link.locale)
    # No name: sent outside an update, this message is not remembered for /forget to delete.
    message = (
        texts.gettext("🎉 Your parent said yes: {org} can now see your results.")
        if approve
        else texts.gettext("Your parent said no, so {org} sees nothing about you. That's okay!")
    ).format(org=escape(organisation.name))
    telegram_id = await uow.accounts.telegram_id(child.account_id)
    return OrganisationConsentAnswered(
        approved=approve,
        child=child.nickname or "",
        organisation=organisation.name,
        locale=found.link.locale,
        effects=[Send(telegram_id, message)],
    )

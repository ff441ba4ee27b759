"""A parent's answer to a consent request, given on the web page behind the mailed link.

The web layer calls these inside one unit of work, commits, and then performs the returned effects
(telling the child in the chat), exactly as a runtime does for an update.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from dialogs.context import keyboard
from dialogs.effects import Button, Effect, Send
from dialogs.i18n import Texts, Translator
from dialogs.payload import Payload, PayloadCodec
from dialogs.registration import guardian, mails
from dialogs.registration.fields import FieldName
from dialogs.registration.steps import Step, following, steps_for
from dialogs.settings import DialogSettings
from storage.consents import ConsentScope, GivenBy, Method
from storage.errors import NotFound
from storage.links import Link, LinkProblem
from storage.models import LinkPurpose, ProfileStatus
from storage.people import Profile
from storage.uow import UnitOfWork

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ConsentView:
    """What the consent page shows about the request."""

    child: str
    age: int
    locale: str
    expires_at: datetime
    fields: tuple[FieldName, ...]
    """Profile fields the child will be asked after a yes (or keeps, for a renewal)."""
    renewal: bool = False
    """The child is signed up already; the parent is asked about a new policy version."""


@dataclass(frozen=True, slots=True)
class ConsentAnswered:
    """The outcome of a parent's answer."""

    approved: bool
    child: str
    locale: str
    password_token: str | None = None
    """A fresh set-password link for the child's account, after a yes."""
    effects: list[Effect] = field(default_factory=list)
    """Messages to perform after commit (telling the child)."""
    renewal: bool = False
    """The answer was about a new policy version, not about joining."""


async def _renewal_open(uow: UnitOfWork, child: Profile, settings: DialogSettings) -> bool:
    """A child whose parent decides and already said yes once (signed up, or still finishing
    the sign-up) has not agreed to this policy version yet."""
    if not settings.fields.parent_decides(child) or child.status not in (
        ProfileStatus.ACTIVE,
        ProfileStatus.DRAFT,
    ):
        return False
    if not await guardian.parent_said_yes(uow, child.id):
        return False
    account = await uow.accounts.by_id(child.account_id)
    return account is not None and account.policy_version not in (None, settings.policy_version)


async def _request(
    uow: UnitOfWork, token: str, *, now: datetime, settings: DialogSettings
) -> tuple[Link, Profile, bool] | LinkProblem:
    """The link, the child, and whether it is a renewal; or why the link cannot be answered."""
    link = await uow.links.check(token, LinkPurpose.CONSENT, now=now)
    if isinstance(link, LinkProblem):
        return link
    try:
        child = await uow.people.get(link.person_id)
    except NotFound:
        return LinkProblem.UNKNOWN
    if child.age is None:
        return LinkProblem.CLOSED
    if child.status is ProfileStatus.AWAITING_CONSENT:
        return link, child, False
    if await _renewal_open(uow, child, settings):
        return link, child, True
    return LinkProblem.CLOSED


async def view(
    uow: UnitOfWork, token: str, *, now: datetime, settings: DialogSettings
) -> ConsentView | LinkProblem:
    """The request behind a consent link, if the link still works and the request is open."""
    found = await _request(uow, token, now=now, settings=settings)
    if isinstance(found, LinkProblem):
        return found
    link, child, renewal = found
    assert child.age is not None
    rules = settings.fields
    asked = tuple(
        f
        for f in (
            FieldName.NICKNAME,
            FieldName.AGE,
            FieldName.EMAIL,
            FieldName.LAST_NAME,
            FieldName.ADDRESS,
            FieldName.OUTDOOR,
        )
        if rules.asks(f)
    )
    return ConsentView(
        child=child.nickname or "",
        age=child.age,
        locale=link.locale,
        expires_at=link.expires_at,
        fields=asked,
        renewal=renewal,
    )


async def answer(
    uow: UnitOfWork,
    token: str,
    *,
    approve: bool,
    now: datetime,
    settings: DialogSettings,
    translator: Translator,
    codec: PayloadCodec,
) -> ConsentAnswered | LinkProblem:
    """Record a yes (consent, the child goes on) or a no (everything about the child is purged).

    The child's status changes only if it is still the one read (the child may have pressed
    "send again" meanwhile); on a problem nothing is meant to be committed.
    """
    found = await _request(uow, token, now=now, settings=settings)
    if isinstance(found, LinkProblem):
        return found
    link, child, renewal = found
    telegram_id = await uow.accounts.telegram_id(child.account_id)
    account = await uow.accounts.by_id(child.account_id)
    locale = (account.locale if account else None) or link.locale
    texts = translator.texts(locale)
    if renewal:
        if not await uow.links.use(link, now=now):
            return LinkProblem.USED
        return await _renewal(uow, child, approve, texts, settings, now, link.locale, telegram_id)
    awaiting = ProfileStatus.AWAITING_CONSENT
    if not approve:
        # The row first (as the chat does), then the link: no lock-order deadlock.
        if not await uow.people.change_status(child.id, expected=awaiting, status=awaiting):
            return LinkProblem.CLOSED
        if not await uow.links.use(link, now=now):
            return LinkProblem.USED
        await discard(uow, child, status=awaiting)
        log.info("consent_declined")
        message = texts.gettext(
            "Your parent said no, so I've deleted what you told me. That's okay! "
            "You can still ask a grown-up to help you sign up later."
        )
        return ConsentAnswered(
            approved=False,
            child=child.nickname or "",
            locale=link.locale,
            effects=[Send(telegram_id, message)],
        )
    steps = steps_for(child, settings.fields, consented=True)
    after = following(steps, Step.SEND_CONSENT)
    if not await uow.people.change_status(child.id, expected=awaiting, status=ProfileStatus.DRAFT):
        return LinkProblem.CLOSED
    if not await uow.links.use(link, now=now):
        return LinkProblem.USED
    await uow.consents.give(
        person_id=child.id,
        scope=ConsentScope.SERVICE,
        given_by=GivenBy.PARENT,
        method=Method.EMAIL,
        policy_version=settings.policy_version,
        now=now,
    )
    await uow.accounts.set_policy_version(child.account_id, settings.policy_version)
    await uow.people.set_step(child.id, after.value if after else None)
    if after is None:
        await uow.people.set_status(child.id, ProfileStatus.ACTIVE, now=now)
    password_token = await uow.links.create(
        person_id=child.id,
        purpose=LinkPurpose.PASSWORD,
        locale=link.locale,
        now=now,
        valid_for=settings.password_link_valid,
    )
    # The page the parent is sent to next, and the same link by mail for later: the end of the
    # child's sign-up then makes no second link (which would stop this one under their hands).
    if child.email is not None:
        await uow.outbox.add(
            mails.password_link(
                translator.texts(link.locale),
                to=child.email,
                name=child.nickname or "",
                url=f"{settings.public_url}/password/{password_token}",
                valid=settings.password_link_valid,
                to_parent=True,
            ),
            purpose="password",
            person_id=child.id,
            now=now,
        )
    log.info("consent_given")
    go_on = Button(
        texts.gettext("▶️ Continue"),
        data=codec.encode(Payload(flow="reg", action="resume", screen=0), user_id=telegram_id),
    )
    # No name: sent outside an update, this message is not remembered for /forget to delete.
    message = texts.gettext("🎉 Your parent said yes! Let's finish signing you up.")
    return ConsentAnswered(
        approved=True,
        child=child.nickname or "",
        locale=link.locale,
        password_token=password_token,
        effects=[Send(telegram_id, message, keyboard([go_on]))],
    )


async def _renewal(
    uow: UnitOfWork,
    child: Profile,
    approve: bool,
    texts: Texts,
    settings: DialogSettings,
    now: datetime,
    locale: str,
    telegram_id: int,
) -> ConsentAnswered:
    """A parent's answer about a new policy version for a child who is already signed up.

    A yes is recorded; a no changes nothing yet (the child can still use /forget), and the bot
    keeps asking before anything else goes on.
    """
    if approve:
        await uow.consents.give(
            person_id=child.id,
            scope=ConsentScope.SERVICE,
            given_by=GivenBy.PARENT,
            method=Method.EMAIL,
            policy_version=settings.policy_version,
            now=now,
        )
        await uow.accounts.set_policy_version(child.account_id, settings.policy_version)
        log.info("policy_consent_given")
        message = texts.gettext("🎉 Your parent said yes to the new privacy promise!")
    else:
        log.info("policy_consent_declined")
        message = texts.gettext(
            "Your parent said no to the new privacy promise. Ask them about it, or use /forget "
            "to delete your data."
        )
    return ConsentAnswered(
        approved=approve,
        child=child.nickname or "",
        locale=locale,
        # No name: sent outside an update, this message is not remembered for /forget to delete.
        effects=[Send(telegram_id, message)],
        renewal=True,
    )


async def discard(
    uow: UnitOfWork, profile: Profile, *, status: ProfileStatus, before: datetime | None = None
) -> bool:
    """Delete an unfinished sign-up that is still in ``status`` (and, with ``before``, untouched
    since then); False when someone moved it on or deleted it first.

    The way /forget erases (``storage.erasure``): the .eml copies of its mails go first (the
    profile's delete takes their outbox rows with it), then the profile, and the account too
    when nothing else is on it (no other profile, role or open request).
    """
    mails = await uow.erasure.queued_mails([profile.id])
    if before is not None:
        claimed = await uow.people.delete_stale(profile.id, status=status, before=before)
    else:
        claimed = await uow.people.change_status(profile.id, expected=status, status=status)
    if not claimed:
        return False
    if uow.files is not None:
        uow.files.delete_mails(mails)
    keep = await uow.accounts.in_use(profile.account_id, besides=[profile.id])
    await uow.erasure.delete(
        person_ids=[profile.id], account_ids=[] if keep else [profile.account_id]
    )
    return True


async def expire(
    uow: UnitOfWork, person_id: uuid.UUID, *, before: datetime, translator: Translator
) -> list[Effect]:
    """An unanswered request ran out: purge the child's data and tell them kindly.

    Nothing happens if the parent answered, or another worker expired it, since it was found.
    """
    try:
        child = await uow.people.get(person_id)
    except NotFound:
        return []
    account = await uow.accounts.by_id(child.account_id)
    telegram_id = await uow.accounts.telegram_id(child.account_id)
    if not await discard(uow, child, status=ProfileStatus.AWAITING_CONSENT, before=before):
        return []
    texts = translator.texts(account.locale if account else None)
    return [
        Send(
            telegram_id,
            texts.gettext(
                "Your parent didn't answer the e-mail in time, so I've deleted what you told me. "
                "Tap /start to try again."
            ),
        )
    ]

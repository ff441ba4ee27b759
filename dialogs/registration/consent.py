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
from dialogs.markup import escape
from dialogs.payload import Payload, PayloadCodec
from dialogs.registration.fields import FieldName
from dialogs.registration.steps import Step, following, steps_for
from dialogs.settings import DialogSettings
from storage.consents import ConsentScope, GivenBy, Method
from storage.errors import NotFound
from storage.links import LinkProblem
from storage.models import LinkPurpose, ProfileStatus
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
    """Profile fields the child will be asked after a yes."""


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


async def view(
    uow: UnitOfWork, token: str, *, now: datetime, settings: DialogSettings
) -> ConsentView | LinkProblem:
    """The request behind a consent link, if the link still works."""
    link = await uow.links.check(token, LinkPurpose.CONSENT, now=now)
    if isinstance(link, LinkProblem):
        return link
    child = await uow.people.get(link.person_id)
    if child.status is not ProfileStatus.AWAITING_CONSENT or child.age is None:
        return LinkProblem.USED
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
    """Record a yes (consent, the child goes on) or a no (everything about the child is purged)."""
    link = await uow.links.check(token, LinkPurpose.CONSENT, now=now)
    if isinstance(link, LinkProblem):
        return link
    child = await uow.people.get(link.person_id)
    renewal = child.status is ProfileStatus.ACTIVE  # a new policy version to agree to
    if (
        child.status is not ProfileStatus.AWAITING_CONSENT and not renewal
    ) or not await uow.links.use(link, now=now):
        return LinkProblem.USED
    account = await uow.accounts.by_id(child.account_id)
    telegram_id = await uow.accounts.telegram_id(child.account_id)
    locale = (account.locale if account else None) or link.locale
    texts = translator.texts(locale)
    name = escape(child.nickname or "")
    if renewal:
        return await _renewal(
            uow,
            child.id,
            child.account_id,
            approve,
            texts,
            settings,
            now,
            link.locale,
            name,
            telegram_id,
        )
    if not approve:
        await uow.people.delete(child.id)
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
    await uow.consents.give(
        person_id=child.id,
        scope=ConsentScope.SERVICE,
        given_by=GivenBy.PARENT,
        method=Method.EMAIL,
        policy_version=settings.policy_version,
        now=now,
    )
    await uow.accounts.set_policy_version(child.account_id, settings.policy_version)
    steps = steps_for(child, settings.fields, consented=True)
    after = following(steps, Step.SEND_CONSENT)
    await uow.people.set_status(child.id, ProfileStatus.DRAFT)
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
    log.info("consent_given")
    go_on = Button(
        texts.gettext("▶️ Continue"),
        data=codec.encode(Payload(flow="reg", action="resume", screen=0), user_id=telegram_id),
    )
    message = texts.gettext("🎉 Your parent said yes, {name}! Let's finish signing you up.").format(
        name=name
    )
    return ConsentAnswered(
        approved=True,
        child=child.nickname or "",
        locale=link.locale,
        password_token=password_token,
        effects=[Send(telegram_id, message, keyboard([go_on]))],
    )


async def _renewal(
    uow: UnitOfWork,
    person_id: uuid.UUID,
    account_id: uuid.UUID,
    approve: bool,
    texts: Texts,
    settings: DialogSettings,
    now: datetime,
    locale: str,
    name: str,
    telegram_id: int,
) -> ConsentAnswered:
    """A parent's answer about a new policy version for a child who is already signed up.

    A yes is recorded; a no changes nothing yet (the child can still use /forget), and the bot
    keeps asking before anything else goes on.
    """
    if approve:
        await uow.consents.give(
            person_id=person_id,
            scope=ConsentScope.SERVICE,
            given_by=GivenBy.PARENT,
            method=Method.EMAIL,
            policy_version=settings.policy_version,
            now=now,
        )
        await uow.accounts.set_policy_version(account_id, settings.policy_version)
        message = texts.gettext("🎉 Your parent said yes to the new privacy promise, {name}!")
    else:
        message = texts.gettext(
            "Your parent said no to the new privacy promise, {name}. Ask them about it, or "
            "use /forget to delete your data."
        )
    return ConsentAnswered(
        approved=approve,
        child=name,
        locale=locale,
        effects=[Send(telegram_id, message.format(name=name))],
    )


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
    if not await uow.people.delete_stale(
        person_id, status=ProfileStatus.AWAITING_CONSENT, before=before
    ):
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

"""/forget: erase a person (or a parent's child, or a parent and all their children).

In one transaction: keep the quiz results anonymously (no id, age as a band, month only), tell
linked organisations that a member was erased (art. 19), queue at most one confirmation mail (the
caller says to whom and in which words, see ``mails.Reader``; the mail has no owner, so it
outlives the profile and is emptied once sent), delete every row, and keep a receipt with no
identifier. The receipt id is shown in full to adults, and as a short proof number (its first
eight characters) to children. Files on disk (.eml copies, saved chat
files) go first. Running it again finds nothing left and harms nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from dialogs.effects import Edit, Effect
from dialogs.i18n import N_, Translator
from dialogs.organisations.service import MemberEvent, notify_admins
from dialogs.organisations.statistics import age_band
from dialogs.privacy import mails
from storage.consents import ConsentScope
from storage.erasure import AnonymousResult
from storage.inventory import Subject
from storage.models import SessionStatus
from storage.people import Profile
from storage.uow import UnitOfWork

ERASED_POST: Final = N_("#{number}: the person asked to delete their data, so this text is gone.")
EXPIRED_POST: Final = N_("#{number}: closed long ago, so this text is gone.")


@dataclass(frozen=True, slots=True)
class Erased:
    """What an erasure did."""

    receipt_id: uuid.UUID
    categories: dict[str, int]
    effects: list[Effect] = field(default_factory=list)

    @property
    def proof(self) -> str:
        """The short proof number: the start of the receipt id."""
        return proof_number(self.receipt_id)


PROOF_LENGTH: Final = 8


def proof_number(receipt_id: uuid.UUID) -> str:
    """A short proof number a child can read out: the receipt id's first eight characters.

    Not a look-up key on its own (``receipt_exists`` takes the full id, shown next to it).
    """
    return str(receipt_id)[:PROOF_LENGTH]


async def erase(
    uow: UnitOfWork,
    *,
    people: Sequence[Profile],
    account_id: uuid.UUID | None,
    user_key: str | None,
    confirmation: mails.Confirmation | None,
    translator: Translator,
    now: datetime,
    admin_chat_id: int | None = None,
) -> Erased:
    """Erase ``people`` (and the account, when ``account_id`` is given).

    ``confirmation``: whom to mail and what to tell them, or None for no mail.

    With the account go the words the person wrote to the admins: the bot's posts of them in
    the admin chat, and the threads /request N showed admins in their own chats, are edited to
    a line without them (a bot may edit its own messages at any age).
    """
    person_ids = [p.id for p in people]
    subject = Subject(account_ids=[account_id] if account_id else [], person_ids=person_ids)
    categories = {k: v for k, v in (await uow.inventory.counts(subject)).items() if v}
    anonymous = []
    organisations: dict[uuid.UUID, None] = {}
    for person in people:
        for session in await uow.assessments.history(person.id):
            if session.status is not SessionStatus.COMPLETE or session.result is None:
                continue
            answers = await uow.assessments.answers(session.id)
            anonymous.append(
                AnonymousResult(
                    questionnaire=session.questionnaire,
                    questionnaire_version=session.questionnaire_version,
                    key_version=session.key_version,
                    age_band=age_band(session.age),
                    month=(session.completed_at or now).strftime("%Y-%m"),
                    answers={item: a.option_id for item, a in answers.items()},
                    result=session.result,
                    top_style=session.result.get("primary", [None])[0]
                    if session.result.get("primary")
                    else None,
                    looks_random=session.looks_random,
                )
            )
        for consent in await uow.consents.for_person(person.id):
            if consent.scope is ConsentScope.ORGANISATION and consent.organisation_id:
                organisations[consent.organisation_id] = None
    effects: list[Effect] = []
    for organisation_id in organisations:
        organisation = await uow.organisations.get(organisation_id)
        effects += await notify_admins(uow, translator, organisation, MemberEvent.ERASED)
    files = uow.files
    if files is not None:  # copies on disk go first: if the database step fails, retry finds it
        files.delete_mails(await uow.erasure.queued_mails(person_ids))
        if user_key is not None and account_id is not None:
            files.delete_chat_files(user_key)
    await uow.erasure.keep_anonymous(anonymous)
    receipt_id = await uow.erasure.receipt(categories, now=now)
    if confirmation is not None:
        await uow.outbox.add(
            mails.erasure_confirmation(
                translator.texts(confirmation.locale),
                confirmation,
                proof=proof_number(receipt_id),
                receipt=str(receipt_id),
                anonymous=bool(anonymous),
            ),
            purpose="erasure",
            # A parent erasing one child keeps their profile: the mail (naming the child) is
            # theirs, and goes with their own /forget. After a full erasure it belongs to nobody.
            person_id=None if account_id else _parent_of(people),
            now=now,
        )
    if subject.account_ids:
        requests = await uow.erasure.requests_of(subject.account_ids)
        effects += await _blank_posts(
            uow, requests, ERASED_POST, translator=translator, admin_chat_id=admin_chat_id
        )
    await uow.erasure.delete(person_ids=person_ids, account_ids=subject.account_ids)
    return Erased(receipt_id=receipt_id, categories=categories, effects=effects)


async def empty_closed_requests(
    uow: UnitOfWork,
    *,
    before: datetime,
    limit: int,
    translator: Translator,
    admin_chat_id: int | None,
) -> tuple[int, list[Effect]]:
    """Requests closed before ``before`` lose what the person wrote, their contact address and
    the link to their account; their posts in the admins' chats are blanked. The numbered record
    stays (type, dates), and an account that held nothing else goes with the unused-account job.

    Returns how many requests were emptied, and the edits to deliver after commit.
    """
    requests = await uow.requests.closed_before(before, limit=limit, claim=True)
    effects = await _blank_posts(
        uow, requests, EXPIRED_POST, translator=translator, admin_chat_id=admin_chat_id
    )
    await uow.erasure.empty_requests(requests)
    return len(requests), effects


async def _blank_posts(
    uow: UnitOfWork,
    requests: Sequence[uuid.UUID],
    note: str,
    *,
    translator: Translator,
    admin_chat_id: int | None,
) -> list[Effect]:
    """Edits that replace the person's words in the admins' chats with ``note`` (untranslated,
    with ``{number}``): the posts in the admin chat, and the threads /request N showed."""
    effects: list[Effect] = []
    if not requests:
        return effects
    if admin_chat_id is not None:
        shared = translator.texts(None).gettext(note)  # the admin chat is shared: the default
        effects += [
            Edit(admin_chat_id, message_id, shared.format(number=number))
            for number, message_id in await uow.erasure.admin_chat_posts(requests)
        ]
    for number, viewer, message_id in await uow.erasure.thread_copies(requests):
        admin = await uow.accounts.by_id(viewer)  # in the admin's own chat, in their language
        line = translator.texts(admin.locale if admin else None).gettext(note)
        chat = await uow.accounts.telegram_id(viewer)
        effects.append(Edit(chat, message_id, line.format(number=number)))
    return effects


def categories_text(categories: dict[str, int]) -> str:
    """The receipt's categories as stored (JSON), for logs and tests."""
    return json.dumps(categories, sort_keys=True)


def _parent_of(people: Sequence[Profile]) -> uuid.UUID | None:
    """The profile of the parent whose children these are, if they are children."""
    parents = {person.parent_id for person in people}
    return parents.pop() if len(parents) == 1 else None

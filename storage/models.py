"""SQL tables (SQLAlchemy 2 declarative models).

Personal values live only in ``*_enc`` columns (AES-GCM bound to row and column, see
``storage.crypto``); look-ups use ``*_index`` columns (keyed hashes, see ``storage.keys``). Every
column that holds personal data is described in the data inventory, and a test keeps the two in
step.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base of all tables."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        bytes: LargeBinary(),
        uuid.UUID: Uuid(),
    }


def personal(category: str, purpose: str, retention: str) -> dict[str, str]:
    """Column info for personal data: the data inventory reads it (export, erasure, /privacy)."""
    return {"personal": category, "purpose": purpose, "retention": retention}


def plain(why: str) -> dict[str, str]:
    """Column info for data that identifies nobody (ids, flags, timestamps of system events)."""
    return {"personal": "", "why": why}


UNTIL_FORGET = "until the person uses /forget (or the parent, for a child)"
UNTIL_REQUEST_KEPT = "until /forget, or REQUEST_DAYS (365) after the request was closed"


class AccountRow(Base):
    """A Telegram user who has told the bot something worth keeping (e.g. a language)."""

    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    tg_index: Mapped[bytes] = mapped_column(
        LargeBinary(32),
        unique=True,
        info=personal("telegram id (keyed hash)", "find the account of an update", UNTIL_FORGET),
    )
    """Blind index of the Telegram user id: how an update finds its account."""
    tg_id_enc: Mapped[bytes] = mapped_column(
        info=personal("telegram id", "write to the person later (answers, consent)", UNTIL_FORGET)
    )
    """The Telegram user id, encrypted: needed to write to the person later (e.g. a reply)."""
    locale: Mapped[str | None] = mapped_column(
        String(8), info=personal("language", "answer in the chosen language", UNTIL_FORGET)
    )
    """Language to write in: the one chatted in at sign-up, or the one picked with /language."""
    created_at: Mapped[datetime] = mapped_column(
        default=utcnow, info=personal("date", "know how old an account is", UNTIL_FORGET)
    )
    pending_invite_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, info=plain("an invite opened before signing up, offered after")
    )
    policy_version: Mapped[str | None] = mapped_column(
        String(20), info=plain("privacy policy version the account holder last agreed to")
    )


class Role(StrEnum):
    """Who a profile belongs to."""

    SELF = "self"
    """A young person chatting for themselves."""
    PARENT = "parent"
    """A parent or guardian who registers children."""
    CHILD = "child"
    """A child registered by a parent (managed from the parent's account)."""


class ProfileStatus(StrEnum):
    """Where a profile is in its life."""

    DRAFT = "draft"
    """Registration started, not finished; purged when abandoned."""
    AWAITING_CONSENT = "awaiting_consent"
    """Under 16, chatting for themselves: waiting for the parent's answer by e-mail."""
    ACTIVE = "active"
    """Registered with consent: may take the assessment."""


class PersonRow(Base):
    """A profile: a young person, a parent, or a parent's child."""

    __tablename__ = "people"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"),
        index=True,
        info=plain("the account that manages this profile"),
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"),
        index=True,
        info=plain("the parent profile of a child"),
    )
    role: Mapped[str] = mapped_column(String(8), info=plain("self, parent or child"))
    status: Mapped[str] = mapped_column(String(20), info=plain("draft, awaiting_consent, active"))
    step: Mapped[str | None] = mapped_column(
        String(20), info=plain("where an unfinished registration stopped")
    )
    nickname_enc: Mapped[bytes | None] = mapped_column(
        info=personal("name", "address the person; shown to linked organisations", UNTIL_FORGET)
    )
    last_name_enc: Mapped[bytes | None] = mapped_column(
        info=personal("name", "shown to linked organisations", UNTIL_FORGET)
    )
    email_enc: Mapped[bytes | None] = mapped_column(
        info=personal("e-mail", "consent, password and account recovery mails", UNTIL_FORGET)
    )
    email_index: Mapped[bytes | None] = mapped_column(
        LargeBinary(32),
        index=True,
        info=personal("e-mail (keyed hash)", "find profiles by e-mail", UNTIL_FORGET),
    )
    address_enc: Mapped[bytes | None] = mapped_column(
        info=personal("home address", "shown to linked organisations", UNTIL_FORGET)
    )
    age: Mapped[int | None] = mapped_column(
        SmallInteger,
        info=personal("age", "pick the questionnaire; decide on parental consent", UNTIL_FORGET),
    )
    outdoor_band: Mapped[str | None] = mapped_column(
        String(8), info=personal("outdoor time", "suggest outdoor activities", UNTIL_FORGET)
    )
    password_hash: Mapped[str | None] = mapped_column(
        String(200),
        info=personal(
            "password (Argon2id hash)", "move the profile to another Telegram account", UNTIL_FORGET
        ),
    )
    created_at: Mapped[datetime] = mapped_column(
        default=utcnow, info=personal("date", "purge abandoned registrations", UNTIL_FORGET)
    )
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow,
        onupdate=utcnow,
        index=True,
        info=personal("date", "purge abandoned registrations", UNTIL_FORGET),
    )
    registered_at: Mapped[datetime | None] = mapped_column(
        info=personal("date", "know when registration finished", UNTIL_FORGET)
    )


class ConsentRow(Base):
    """A consent given (and possibly withdrawn): to the service, or to one organisation."""

    __tablename__ = "consents"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"),
        index=True,
        info=plain("whose consent"),
    )
    scope: Mapped[str] = mapped_column(String(16), info=plain("service or organisation"))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"),
        index=True,
        info=plain("the organisation consented to"),
    )
    given_by: Mapped[str] = mapped_column(String(8), info=plain("self or parent"))
    method: Mapped[str] = mapped_column(String(8), info=plain("chat or e-mail link"))
    policy_version: Mapped[str] = mapped_column(String(20), info=plain("policy consented to"))
    given_at: Mapped[datetime] = mapped_column(
        default=utcnow, info=personal("date", "prove consent", UNTIL_FORGET)
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(
        info=personal("date", "prove withdrawal", UNTIL_FORGET)
    )


class LinkPurpose(StrEnum):
    """What a mailed link lets its holder do."""

    CONSENT = "consent"
    """A parent approves or declines a child's registration."""
    PASSWORD = "password"  # noqa: S105 - a link purpose, not a secret
    """Set (or reset) the password of a profile."""
    ORG_CONSENT = "org_consent"
    """A parent lets their child (under 16) share with an organisation."""
    MOVE = "move"
    """Move a profile to another Telegram account (a new phone, a new account), with its
    password."""


class LinkRow(Base):
    """A single-use, expiring web link; only a hash of its token is kept."""

    __tablename__ = "links"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"),
        index=True,
        info=plain("whose link; none once that profile is deleted (the link then says so)"),
    )
    purpose: Mapped[str] = mapped_column(
        String(12), info=plain("consent, password, org_consent or move")
    )
    token_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), unique=True, info=plain("hash of a random token")
    )
    locale: Mapped[str] = mapped_column(String(8), info=plain("language of the page"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=plain("when made"))
    expires_at: Mapped[datetime] = mapped_column(index=True, info=plain("when it stops working"))
    used_at: Mapped[datetime | None] = mapped_column(info=plain("when it was used"))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, info=plain("for a consent link: the organisation asked about, if any")
    )
    revoked: Mapped[str | None] = mapped_column(
        String(8), info=plain("why it stopped working before use: replaced, closed or locked")
    )
    target_account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"),
        info=plain("for a move link: the Telegram account the profile would move to"),
    )
    attempts: Mapped[int] = mapped_column(
        SmallInteger, default=0, server_default="0", info=plain("wrong passwords typed on its page")
    )


class MailStatus(StrEnum):
    """Where an outgoing mail is."""

    PENDING = "pending"
    """Waiting to be sent (again)."""
    SENDING = "sending"
    """Claimed by a sender; if it stays here the outcome is unknown and it is not resent."""
    SENT = "sent"
    """Delivered to the SMTP server (or written as a file); the contents are gone."""
    FAILED = "failed"
    """Refused for good, or its outcome is unknown; the contents are gone."""


class OutboxRow(Base):
    """An e-mail to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"),
        index=True,
        info=plain("who the mail is about (erased with them)"),
    )
    purpose: Mapped[str] = mapped_column(String(20), info=plain("kind of mail"))
    recipient_enc: Mapped[bytes | None] = mapped_column(
        info=personal("e-mail", "deliver the mail", "until sent, then removed")
    )
    subject_enc: Mapped[bytes | None] = mapped_column(
        info=personal("mail text", "deliver the mail", "until sent, then removed")
    )
    text_enc: Mapped[bytes | None] = mapped_column(
        info=personal("mail text", "deliver the mail", "until sent, then removed")
    )
    html_enc: Mapped[bytes | None] = mapped_column(
        info=personal("mail text", "deliver the mail", "until sent, then removed")
    )
    status: Mapped[str] = mapped_column(String(10), index=True, info=plain("delivery status"))
    attempts: Mapped[int] = mapped_column(default=0, info=plain("delivery attempts"))
    next_attempt_at: Mapped[datetime] = mapped_column(
        default=utcnow, index=True, info=plain("when to try again")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=plain("when queued"))
    finished_at: Mapped[datetime | None] = mapped_column(
        info=plain("when sent or given up (the row is purged later)")
    )


class SessionStatus(StrEnum):
    """Where an assessment session is."""

    OPEN = "open"
    """Questions are being answered."""
    COMPLETE = "complete"
    """Scored; the result is stored."""
    ABANDONED = "abandoned"
    """Replaced by a new session (/retake), expired unfinished, or ended without a result (still
    too many "not sure" answers after they were asked again)."""


class AssessmentRow(Base):
    """One run through a questionnaire: versions, seed and the stored (recomputable) result."""

    __tablename__ = "assessments"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True, info=plain("who answered")
    )
    questionnaire: Mapped[str] = mapped_column(String(12), info=plain("questionnaire id"))
    questionnaire_version: Mapped[str] = mapped_column(String(12), info=plain("its version"))
    key_version: Mapped[str] = mapped_column(String(12), info=plain("scoring key version"))
    locale: Mapped[str] = mapped_column(String(8), info=plain("language the questions were in"))
    seed: Mapped[str] = mapped_column(String(32), info=plain("seed of the option order shown"))
    status: Mapped[str] = mapped_column(
        String(10), index=True, info=plain("open, complete or abandoned")
    )
    age: Mapped[int] = mapped_column(
        SmallInteger, info=personal("age", "statistics by age band", UNTIL_FORGET)
    )
    outdoor_band: Mapped[str | None] = mapped_column(
        String(8), info=personal("outdoor time", "pick outdoor ideas", UNTIL_FORGET)
    )
    result: Mapped[str | None] = mapped_column(
        Text, info=personal("play-style result", "show the result", UNTIL_FORGET)
    )
    """``Result.to_dict()`` as JSON: a cache, recomputable from the answers."""
    suggestions: Mapped[str | None] = mapped_column(
        Text, info=personal("outdoor ideas shown", "show the result again", UNTIL_FORGET)
    )
    looks_random: Mapped[bool] = mapped_column(default=False, info=plain("left out of statistics"))
    top_style: Mapped[str | None] = mapped_column(
        String(16), info=personal("play-style result", "anonymous statistics", UNTIL_FORGET)
    )
    """The one leading style, or ``mixed`` for double styles and all-rounders (statistics)."""
    latest: Mapped[bool] = mapped_column(
        default=False, info=plain("the person's newest finished session (statistics)")
    )
    started_at: Mapped[datetime] = mapped_column(
        default=utcnow, info=personal("date", "statistics", UNTIL_FORGET)
    )
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow,
        onupdate=utcnow,
        index=True,
        info=personal("date", "resume the latest session; expire abandoned ones", UNTIL_FORGET),
    )
    completed_at: Mapped[datetime | None] = mapped_column(
        info=personal("date", "statistics", UNTIL_FORGET)
    )


class AnswerRow(Base):
    """One answer: the option id chosen, where it was shown, and how long it took."""

    __tablename__ = "answers"

    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"),
        primary_key=True,
        info=plain("the session"),
    )
    item_id: Mapped[str] = mapped_column(String(12), primary_key=True, info=plain("question id"))
    option_id: Mapped[str] = mapped_column(
        String(16), info=personal("answer", "work out the play style", UNTIL_FORGET)
    )
    position: Mapped[int] = mapped_column(
        SmallInteger, info=plain("button position shown (random-clicking check)")
    )
    seconds: Mapped[float | None] = mapped_column(info=plain("time to answer"))
    answered_at: Mapped[datetime] = mapped_column(
        default=utcnow, info=personal("date", "know when it was answered", UNTIL_FORGET)
    )


class OrganisationRow(Base):
    """A school, club or municipality that hands out invite links."""

    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    name: Mapped[str] = mapped_column(String(100), info=plain("the organisation's public name"))
    code: Mapped[str] = mapped_column(
        String(32), unique=True, info=plain("short name admins type in commands")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=plain("when made"))


class RoleKind(StrEnum):
    """Roles beyond being a member."""

    PLATFORM_ADMIN = "platform_admin"
    """Runs the service: organisations, admins, requests."""
    ORG_ADMIN = "org_admin"
    """Runs one organisation: invites, statistics, exports."""


class RoleRow(Base):
    """An account's role; roles are data, the environment only names the first platform admins."""

    __tablename__ = "roles"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True, info=plain("who")
    )
    role: Mapped[str] = mapped_column(String(16), info=plain("platform_admin or org_admin"))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"),
        index=True,
        info=plain("for an org_admin: which organisation"),
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=plain("when given"))

    __table_args__ = (UniqueConstraint("account_id", "role", "organisation_id"),)


class InviteRow(Base):
    """An invite link of an organisation: t.me/<bot>?start=<token>."""

    __tablename__ = "invites"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True, info=plain("whose")
    )
    token: Mapped[str] = mapped_column(
        String(64), unique=True, info=plain("random, shared publicly by the organisation")
    )
    label: Mapped[str | None] = mapped_column(String(60), info=plain("admin's note, e.g. a class"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=plain("when made"))
    expires_at: Mapped[datetime | None] = mapped_column(info=plain("when it stops working"))
    max_uses: Mapped[int | None] = mapped_column(info=plain("how many people may join with it"))
    uses: Mapped[int] = mapped_column(default=0, info=plain("how many joined with it"))
    revoked_at: Mapped[datetime | None] = mapped_column(info=plain("when switched off"))


class AuditRow(Base):
    """Who did what, when: append-only, and never with personal data in it."""

    __tablename__ = "audit_events"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True, info=plain("when"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, info=plain("account that acted (None: the system or the command line)")
    )
    action: Mapped[str] = mapped_column(String(40), info=plain("what was done"))
    subject: Mapped[str | None] = mapped_column(
        String(80), info=plain("what it was done to: a kind and a random id, never a name")
    )
    outcome: Mapped[str] = mapped_column(String(16), info=plain("done or refused"))


class AnonymousResultRow(Base):
    """What stays of a quiz after /forget: answers and scores with no id, age band, month."""

    __tablename__ = "anonymous_results"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id of this row only")
    )
    questionnaire: Mapped[str] = mapped_column(String(12), info=plain("questionnaire id"))
    questionnaire_version: Mapped[str] = mapped_column(String(12), info=plain("its version"))
    key_version: Mapped[str] = mapped_column(String(12), info=plain("scoring key version"))
    age_band: Mapped[str] = mapped_column(String(8), info=plain("age as a band, e.g. 10-12"))
    month: Mapped[str] = mapped_column(String(7), info=plain("year and month finished"))
    answers: Mapped[str] = mapped_column(Text, info=plain("option ids chosen (JSON)"))
    result: Mapped[str] = mapped_column(Text, info=plain("scores and label (JSON)"))
    top_style: Mapped[str | None] = mapped_column(String(16), info=plain("leading style"))
    looks_random: Mapped[bool] = mapped_column(info=plain("left out of statistics"))


class AnonymousPendingRow(Base):
    """An anonymous result waiting to be mixed with others, encrypted.

    Written in the erasure's transaction, a row could be matched to the receipt (by transaction
    id or insertion order); only once enough are waiting are they moved together, in random
    order, into ``anonymous_results``.
    """

    __tablename__ = "anonymous_pending"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id of this row only")
    )
    result_enc: Mapped[bytes] = mapped_column(
        info=plain("an anonymous result (as in anonymous_results), encrypted while it waits")
    )


class ErasureReceiptRow(Base):
    """Proof that an erasure happened: when and what kinds of data, never whose."""

    __tablename__ = "erasure_receipts"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("request id, told to the person")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, info=plain("when it was done"))
    categories: Mapped[str] = mapped_column(Text, info=plain("kinds of data erased, with counts"))


class RequestRow(Base):
    """A request that needs a person: a question, a privacy right, a complaint, a legal hold."""

    __tablename__ = "requests"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    number: Mapped[int] = mapped_column(unique=True, info=plain("number people and admins use"))
    type: Mapped[str] = mapped_column(String(16), info=plain("question, access, erasure, ..."))
    status: Mapped[str] = mapped_column(String(20), index=True, info=plain("lifecycle status"))
    extended: Mapped[bool] = mapped_column(default=False, info=plain("deadline extended once"))
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"),
        index=True,
        info=plain("who asked (None: asked by e-mail, or erased since)"),
    )
    contact_enc: Mapped[bytes | None] = mapped_column(
        info=personal("e-mail", "answer a request that came by e-mail", UNTIL_REQUEST_KEPT)
    )
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), info=plain("admin handling it")
    )
    received_at: Mapped[datetime] = mapped_column(default=utcnow, info=plain("when received"))
    due_at: Mapped[datetime] = mapped_column(index=True, info=plain("legal deadline"))
    closed_at: Mapped[datetime | None] = mapped_column(info=plain("when done or rejected"))
    admin_post_id: Mapped[int | None] = mapped_column(
        BigInteger, info=plain("the request's post in the admin chat (replies find it)")
    )


class RequestMessageRow(Base):
    """One message of a request's thread, from the person or from an admin."""

    __tablename__ = "request_messages"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True, info=plain("the request")
    )
    direction: Mapped[str] = mapped_column(
        String(4), info=plain("in (person), out (admin) or note (admin, not sent)")
    )
    text_enc: Mapped[bytes] = mapped_column(
        info=personal("message text", "answer the request", UNTIL_REQUEST_KEPT)
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, info=plain("when"))
    admin_message_id: Mapped[int | None] = mapped_column(
        BigInteger, index=True, info=plain("its copy in the admin chat (replies find it)")
    )


class RequestCopyRow(Base):
    """A request's thread as shown to an admin in their own chat (/request N): /forget blanks
    it there, as it blanks the posts in the admin chat."""

    __tablename__ = "request_copies"

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, info=plain("random id")
    )
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True, info=plain("the request")
    )
    viewer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"),
        index=True,
        info=plain("the admin's account: whose chat the copy is in"),
    )
    message_id: Mapped[int] = mapped_column(BigInteger, info=plain("the copy's message id"))


class RequestReminderRow(Base):
    """A reminder posted for a request on a day: the unique key makes it once per day."""

    __tablename__ = "request_reminders"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True, info=plain("request")
    )
    day: Mapped[str] = mapped_column(String(10), primary_key=True, info=plain("YYYY-MM-DD"))

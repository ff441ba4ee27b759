"""The small settings the dialogs need (the runtime builds them from its configuration)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from dialogs.registration.fields import FieldRules


@dataclass(frozen=True, slots=True)
class DialogSettings:
    """Behaviour switches for the conversations."""

    default_locale: str = "nl"
    """Language for people whose Telegram language is not supported."""
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    """Telegram ids of the first platform admins (more are kept in SQL)."""
    fields: FieldRules = field(default_factory=FieldRules)
    """Which profile fields are asked, and the supported ages."""
    policy_version: str = "1.0"
    """Version of the privacy policy people consent to."""
    public_url: str = "http://127.0.0.1:8080"
    """Base URL of the bot's web pages, for links in e-mails."""
    consent_valid: timedelta = timedelta(days=7)
    """How long a parent's consent link works; unanswered requests are then purged."""
    password_link_valid: timedelta = timedelta(days=3)
    """How long a set-password link works."""
    draft_kept: timedelta = timedelta(days=30)
    """How long an unfinished registration is kept before it is purged."""
    request_kept: timedelta = timedelta(days=365)
    """How long a closed request keeps the person's words, contact and account link."""
    bot_username: str = "playbot"
    """The bot's Telegram username, for invite links (the runtime sets it from getMe)."""
    stats_k: int = 10
    """Smallest group an organisation's statistics may show."""
    admin_chat_id: int | None = None
    """The group where requests are posted; the only group where admin commands work."""

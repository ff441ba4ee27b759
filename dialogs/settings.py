"""The small settings the dialogs need (the runtime builds them from its configuration)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DialogSettings:
    """Behaviour switches for the conversations."""

    default_locale: str = "nl"
    """Language for people whose Telegram language is not supported."""
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    """Telegram ids of the first platform admins (more are kept in SQL)."""

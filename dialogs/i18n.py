"""Translations: Babel catalogs from ``locales/``, with the locale always passed explicitly.

Two gettext domains: ``messages`` (strings in the code, extracted by ``pybabel extract``) and
``content`` (question and activity texts from the content files). Code marks strings with
``ctx._("...")`` for immediate use and ``N_("...")`` where the text is only rendered later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.support import NullTranslations, Translations

SUPPORTED: Final = ("nl", "en")
DOMAINS: Final = ("messages", "content")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


def negotiate(language_code: str | None, default: str) -> str:
    """Pick a supported locale from Telegram's ``language_code`` (``nl``, ``nl-BE``, ``en-GB``)."""
    if language_code:
        base = language_code.replace("_", "-").split("-")[0].lower()
        if base in SUPPORTED:
            return base
    return default


@dataclass(frozen=True, slots=True)
class Texts:
    """The catalogs of one locale."""

    locale: str
    _messages: NullTranslations
    _content: NullTranslations

    def gettext(self, message: str) -> str:
        """Translate a code string."""
        return self._messages.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a code string with a plural form."""
        return self._messages.ngettext(singular, plural, n)

    def content(self, message: str) -> str:
        """Translate a content string (questions, activities)."""
        return self._content.gettext(message)

    def pcontent(self, context: str, message: str) -> str:
        """Translate a content string that has a message context."""
        return str(self._content.pgettext(context, message))


class Translator:
    """Loads every catalog once at start-up; missing compiled catalogs fail loudly then."""

    def __init__(self, directory: Path, *, default: str = "nl") -> None:
        if default not in SUPPORTED:
            raise ValueError(f"default locale {default!r} is not one of {SUPPORTED}")
        self.default = default
        self._texts: dict[str, Texts] = {}
        for locale in SUPPORTED:
            loaded = [self._load(directory, locale, domain) for domain in DOMAINS]
            self._texts[locale] = Texts(locale, loaded[0], loaded[1])

    @staticmethod
    def _load(directory: Path, locale: str, domain: str) -> NullTranslations:
        mo = directory / locale / "LC_MESSAGES" / f"{domain}.mo"
        if not mo.exists():
            if (mo.with_suffix(".po")).exists():
                raise FileNotFoundError(
                    f"{mo} is missing: compile the catalogs (make i18n, or reinstall the package)"
                )
            return NullTranslations()  # a domain with no catalog yet
        with mo.open("rb") as fh:
            return Translations(fh, domain=domain)

    def texts(self, locale: str | None) -> Texts:
        """Catalogs of ``locale`` (the default locale when None or unsupported)."""
        return self._texts.get(locale or self.default, self._texts[self.default])

    def all(self) -> Iterable[Texts]:
        """Every supported locale's catalogs (e.g. for setMyCommands)."""
        return self._texts.values()


CALENDAR: Final = ZoneInfo("Europe/Amsterdam")
"""Days are Dutch days: a deadline or an expiry falls on the date people here see."""


DATE_LOCALES: Final = {"en": "en_GB", "nl": "nl_NL"}
"""Whose way of writing dates each language uses: Babel's plain "en" is American ("December
31, 2026"); the people reading this bot are in Europe."""


def long_date(texts: Texts, moment: datetime | date) -> str:
    """A date as people read it in their language: "31 december 2026", "31 December 2026"."""
    day = moment.astimezone(CALENDAR).date() if isinstance(moment, datetime) else moment
    return format_date(day, format="long", locale=DATE_LOCALES.get(texts.locale, texts.locale))

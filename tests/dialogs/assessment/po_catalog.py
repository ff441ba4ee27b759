"""A gettext-like catalog read straight from a .po file, so tests need no compiled .mo files."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog as BabelCatalog
from babel.messages.pofile import read_po

ROOT: Final = Path(__file__).resolve().parents[3]
LOCALES: Final = ROOT / "locales"
LANGUAGES: Final = ("nl", "en")


def read_catalog(language: str) -> BabelCatalog:
    """The parsed content.po of ``language``."""
    with (LOCALES / language / "LC_MESSAGES" / "content.po").open("rb") as file:
        return read_po(file, locale=language, domain="content")


def read_template() -> BabelCatalog:
    """The parsed content.pot."""
    with (LOCALES / "content.pot").open("rb") as file:
        return read_po(file, domain="content")


class PoCatalog:
    """Looks messages up like ``babel.support.Translations``: untranslated or fuzzy -> msgid."""

    def __init__(self, catalog: BabelCatalog) -> None:
        self._catalog = catalog

    def _lookup(self, message: str, context: str | None) -> str:
        entry = self._catalog.get(message, context=context)
        if entry is None or entry.fuzzy or not isinstance(entry.string, str) or not entry.string:
            return message
        return entry.string

    def gettext(self, message: str, /) -> str:
        return self._lookup(message, None)

    def pgettext(self, context: str, message: str, /) -> str:
        return self._lookup(message, context)

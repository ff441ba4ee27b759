"""Translation of content texts (gettext domain "content") and their Babel extractor.

The English text in the TOML files is the msgid. ``babel-content.cfg`` points ``pybabel extract`` at
``extract_content`` to build ``locales/content.pot``; translators fill ``locales/<lang>/LC_MESSAGES/
content.po``. At run time the caller passes a ``Catalog`` for the reader's locale explicitly: a
Babel ``Translations`` for domain "content", or ``ContentCatalog(texts)`` around the engine's
per-locale ``Texts``. Nothing here reads an ambient locale.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, Final, Protocol

from dialogs.assessment.content import Text

TEXT_FIELDS: Final = frozenset(
    {
        # questionnaires
        "title",
        "intro",
        "not_sure",
        "prompt",
        "text",
        # styles
        "name",
        "short_name",
        "description",
        "you_are",
        "leaning",
        "mostly",
        "double",
        "all_rounder",
        "incomplete",
        "join_and",
        "disclaimer",
        # tiers
        "label",
        "message",
        # activities
        "how_to",
        "materials",
        "safety_tip",
        "grown_up",
        "together",
        "safety",
        "minutes",
    }
)
"""TOML keys whose string values are user-facing texts; the loader reads texts only from these."""


class Catalog(Protocol):
    """The part of a gettext translations object we use (Babel ``Translations`` fits)."""

    def gettext(self, message: str, /) -> str:
        """Translate ``message``."""
        ...

    # Babel annotates its pgettext as returning ``str | object``; ``translate`` converts.
    def pgettext(self, context: str, message: str, /) -> object:
        """Translate ``message`` in ``context`` (msgctxt)."""
        ...


class ContentLookup(Protocol):
    """An object with content-domain lookups under other names, like ``dialogs.i18n.Texts``."""

    def content(self, message: str, /) -> str:
        """Translate a content string."""
        ...

    def pcontent(self, context: str, message: str, /) -> str:
        """Translate a content string that has a msgctxt."""
        ...


@dataclass(frozen=True, slots=True)
class ContentCatalog:
    """Adapts a ``ContentLookup`` (e.g. the engine's per-locale ``Texts``) to ``Catalog``."""

    texts: ContentLookup
    """The locale's catalogs."""

    def gettext(self, message: str, /) -> str:
        """Translate ``message`` in the content domain."""
        return self.texts.content(message)

    def pgettext(self, context: str, message: str, /) -> str:
        """Translate ``message`` with ``context`` in the content domain."""
        return self.texts.pcontent(context, message)


def translate(text: Text, catalog: Catalog) -> str:
    """The text in the catalog's language (the English msgid when untranslated)."""
    if text.context is None:
        return catalog.gettext(text.msgid)
    return str(catalog.pgettext(text.context, text.msgid))


def render(text: Text, catalog: Catalog, /, **params: str) -> str:
    """Translate, then fill ``{placeholders}``; params are already-rendered strings."""
    translated = translate(text, catalog)
    return translated.format_map(params) if params else translated


ExtractionResult = tuple[int, str | None, str | tuple[str, str], list[str]]


def extract_content(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[ExtractionResult]:
    """Babel extractor: yield every text field of a content TOML file as a message.

    A plain string is a message; a ``{ msgid = "...", context = "..." }`` table is a message with a
    msgctxt (reported as a ``pgettext`` call). The extracted comment names where the text is used
    (e.g. ``teen / T01 / T01_A / text``) so translators see whether a child or a parent reads it.
    """
    del keywords, comment_tags, options  # the file format is fixed; no keywords or tags apply
    source = fileobj.read().decode("utf-8")
    lines = source.splitlines()
    for path, value in _texts(tomllib.loads(source), ()):
        where = [" / ".join(path)]
        if isinstance(value, str):
            yield _line_of(lines, value), None, value, where
        else:
            context, msgid = value
            yield _line_of(lines, msgid), "pgettext", (context, msgid), where


def _texts(node: object, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, list):
        for child in node:
            yield from _texts(child, path)
        return
    if not isinstance(node, dict):
        return
    name = node.get("id", node.get("key"))
    here = (*path, name) if isinstance(name, str) else path
    for field, value in node.items():
        if field in TEXT_FIELDS and isinstance(value, str):
            yield (*here, field), value
        elif field in TEXT_FIELDS and isinstance(value, dict) and "msgid" in value:
            yield (*here, field), (str(value["context"]), str(value["msgid"]))
        else:
            yield from _texts(value, (*here, field) if isinstance(value, dict) else here)


def _line_of(lines: list[str], msgid: str) -> int:
    """First line holding ``msgid``; TOML parsing drops positions, and msgids are unique enough."""
    for number, line in enumerate(lines, start=1):
        if msgid in line:
            return number
    return 1

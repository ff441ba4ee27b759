"""Content texts are extracted by our Babel extractor, complete in both catalogs, and renderable."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator, Mapping
from configparser import ConfigParser
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.support import Translations

from dialogs.assessment.catalog import ContentCatalog, extract_content, render, translate
from dialogs.assessment.content import AssessmentContent, Text
from dialogs.assessment.validation import MAX_WORDS, word_count
from tests.dialogs.assessment.po_catalog import (
    LANGUAGES,
    ROOT,
    PoCatalog,
    read_catalog,
    read_template,
)

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
MAX_DUTCH_BUTTON_CHARS = 45
"""Dutch runs longer than English (40); longer labels get cut off on phones."""

MessageKey = tuple[str | None, str]


def texts_in(value: object) -> Iterator[Text]:
    """Every ``Text`` reachable from loaded content."""
    if isinstance(value, Text):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from texts_in(getattr(value, field.name))
    elif isinstance(value, Mapping):
        for child in value.values():
            yield from texts_in(child)
    elif isinstance(value, tuple | list):
        for child in value:
            yield from texts_in(child)


def content_keys(content: AssessmentContent) -> set[MessageKey]:
    return {(text.context, text.msgid) for text in texts_in(content)}


def catalog_keys(catalog: Any) -> set[MessageKey]:
    return {(message.context, message.id) for message in catalog if message.id}


def reextracted() -> set[MessageKey]:
    """Run the extraction that ``babel-content.cfg`` describes, in memory."""
    config = ConfigParser()
    config.read(ROOT / "babel-content.cfg")
    method = config["extractors"]["content"]
    pattern = next(
        section.split(":", 1)[1].strip()
        for section in config.sections()
        if section.startswith("content:")
    )
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), [(pattern, method)]
    ):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def test_pot_is_up_to_date_with_the_content_files() -> None:
    assert catalog_keys(read_template()) == reextracted()


def test_pot_holds_every_loaded_text(content: AssessmentContent) -> None:
    # Earlier questionnaire versions are loaded too (sessions begun on them go on with them). The
    # pot may hold more: texts of superseded styles, tiers or activities files, shown no more.
    assert content_keys(content) <= catalog_keys(read_template())
    earlier = {(t.context, t.msgid) for q in content.earlier for t in texts_in(q)}
    assert (None, "Ask your child: at the park, would you rather…") in earlier


def test_some_english_text_needs_a_context(content: AssessmentContent) -> None:
    assert ("kids", "👫 One friend") in content_keys(content)
    assert (None, "👫 One friend") in content_keys(content)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_content_text_is_translated(content: AssessmentContent, language: str) -> None:
    catalog = read_catalog(language)
    assert catalog_keys(catalog) == catalog_keys(read_template())
    problems = []
    for context, msgid in sorted(content_keys(content), key=str):
        message = catalog.get(msgid, context=context)
        if message is None or not message.string or message.fuzzy:
            problems.append((context, msgid))
    assert problems == []
    assert not catalog.fuzzy


def test_english_catalog_repeats_the_source() -> None:
    assert all(m.string == m.id for m in read_catalog("en") if m.id)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders(language: str) -> None:
    changed = [
        (m.id, m.string)
        for m in read_catalog(language)
        if m.id and set(PLACEHOLDER.findall(str(m.id))) != set(PLACEHOLDER.findall(str(m.string)))
    ]
    assert changed == []


def test_dutch_keeps_messages_short_and_buttons_emoji_first(
    content: AssessmentContent, catalogs: dict[str, PoCatalog]
) -> None:
    dutch = catalogs["nl"]
    buttons = [o.text for q in content.questionnaires for i in q.items for o in i.options]
    buttons += [band.label for band in content.tiers.bands]
    for text in buttons:
        translated = translate(text, dutch)
        assert len(translated) <= MAX_DUTCH_BUTTON_CHARS, translated
        assert translated.split(" ")[0] == text.msgid.split(" ")[0], translated
    messages = [item.prompt for q in content.questionnaires for item in q.items]
    messages += [activity.how_to for activity in content.catalogue.activities]
    assert max(word_count(translate(text, dutch)) for text in messages) <= MAX_WORDS


def test_context_picks_the_younger_dutch_words(catalogs: dict[str, PoCatalog]) -> None:
    dutch = catalogs["nl"]
    assert translate(Text("👫 One friend", "kids"), dutch) == "👫 Met één vriendje"
    assert translate(Text("👫 One friend"), dutch) == "👫 Met één vriend of vriendin"


def test_babel_translations_fit_the_catalog_protocol() -> None:
    mo = io.BytesIO()
    write_mo(mo, read_catalog("nl"))
    mo.seek(0)
    dutch = Translations(mo, domain="content")
    assert translate(Text("Explorer"), dutch) == "Ontdekker"
    assert translate(Text("👥 A group", "kids"), dutch) == "👥 Met een groepje"
    assert translate(Text("not in the catalog"), dutch) == "not in the catalog"


class FakeTexts:
    """Stands in for the engine's per-locale ``Texts`` (content()/pcontent())."""

    def content(self, message: str, /) -> str:
        return f"<{message}>"

    def pcontent(self, context: str, message: str, /) -> str:
        return f"<{context}|{message}>"


def test_content_catalog_adapts_the_engine_texts() -> None:
    catalog = ContentCatalog(FakeTexts())
    assert translate(Text("Hi"), catalog) == "<Hi>"
    assert translate(Text("Hi", "kids"), catalog) == "<kids|Hi>"


def test_render_fills_placeholders_after_translating(catalogs: dict[str, PoCatalog]) -> None:
    text = Text("⏱️ About {minutes} minutes")
    assert render(text, catalogs["nl"], minutes="15") == "⏱️ Ongeveer 15 minuten"
    assert render(text, catalogs["en"], minutes="15") == "⏱️ About 15 minutes"
    assert render(Text("{rest} and {last}"), catalogs["en"]) == "{rest} and {last}"


SOURCE = b"""
id = "demo"
title = "Demo"
not_sure = "\xf0\x9f\xa4\xb7 Not sure"

[[items]]
id = "D01"
prompt = "Which one?"
options = [
    { id = "D01_A", text = "\xf0\x9f\x8f\x83 Run" },
    { id = "D01_B", text = { msgid = "\xf0\x9f\x91\xab One friend", context = "kids" } },
]
key = "not a text"
"""


def test_extractor_yields_texts_with_context_line_and_place() -> None:
    found = list(extract_content(io.BytesIO(SOURCE), ["_"], [], {}))
    assert found == [
        (3, None, "Demo", ["demo / title"]),
        (4, None, "🤷 Not sure", ["demo / not_sure"]),
        (8, None, "Which one?", ["demo / D01 / prompt"]),
        (10, None, "🏃 Run", ["demo / D01 / D01_A / text"]),
        (11, "pgettext", ("kids", "👫 One friend"), ["demo / D01 / D01_B / text"]),
    ]

"""The catalogs are complete in Dutch and English, and in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dialogs.i18n import SUPPORTED
from locales import DIRECTORY

ROOT = DIRECTORY.parent
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?([a-z-]+)[^>]*>")


def catalogs() -> list[Path]:
    return sorted(DIRECTORY.glob("*/LC_MESSAGES/*.po"))


def load(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=path.parts[-3])


def strings(message: Message) -> list[str]:
    value = message.string
    return list(value) if isinstance(value, tuple | list) else [value]


def ids(message: Message) -> list[str]:
    value = message.id
    return list(value) if isinstance(value, tuple | list) else [value]


def test_every_locale_has_every_domain() -> None:
    domains = {(p.parts[-3], p.stem) for p in catalogs()}
    names = {stem for _, stem in domains}
    assert "messages" in names
    assert domains == {(locale, name) for locale in SUPPORTED for name in names}


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_catalog_is_complete(path: Path) -> None:
    catalog = load(path)
    untranslated = [m.id for m in catalog if m.id and not all(strings(m))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_translations_keep_placeholders_and_tags(path: Path) -> None:
    problems = []
    for message in load(path):
        if not message.id:
            continue
        source = ids(message)[-1]
        for text in strings(message):
            if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ: {source!r} -> {text!r}")
            if sorted(TAG.findall(text)) != sorted(TAG.findall(source)):
                problems.append(f"HTML tags differ: {source!r} -> {text!r}")
    assert problems == []


def _extracted_messages() -> set[str]:
    method_map = [
        ("bot/**.py", "python"),
        ("dialogs/**.py", "python"),
        ("bot/web/templates/**.html", "jinja2"),
    ]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_catalogs_are_in_step_with_the_code() -> None:
    in_code = _extracted_messages()
    with (DIRECTORY / "messages.pot").open("rb") as fh:
        template = {ids(m)[0] for m in read_po(fh) if m.id}
    assert in_code - template == set(), "run `make i18n`: the code has strings the .pot lacks"
    assert template - in_code == set(), "run `make i18n`: the .pot has strings the code dropped"
    for locale in SUPPORTED:
        catalog = {
            ids(m)[0] for m in load(DIRECTORY / locale / "LC_MESSAGES" / "messages.po") if m.id
        }
        assert catalog == template, f"{locale}: run `make i18n`"

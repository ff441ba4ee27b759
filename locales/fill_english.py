"""Make the English catalogs complete: English is the source language, so msgstr = msgid.

Run by ``make i18n`` after ``pybabel update``; entries that already have an English text (a
deliberate rewording) are left alone.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

from locales import DIRECTORY


def fill(path: Path) -> int:
    """Fill empty English entries of one catalog; return how many were filled."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            ids = message.id
            if not any(message.string or ()):
                message.string = (ids[0], ids[1])
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, sort_output=True)
    return filled


if __name__ == "__main__":
    for po in sorted((DIRECTORY / "en" / "LC_MESSAGES").glob("*.po")):
        print(f"{po.name}: filled {fill(po)}")

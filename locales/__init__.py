"""Babel catalogs (nl, en). ``DIRECTORY`` holds ``<locale>/LC_MESSAGES/<domain>.po`` and ``.mo``.

Compiled ``.mo`` files are build output: the wheel build (``hatch_build.py``), ``make i18n`` and
the test suite call ``compile_catalogs``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DIRECTORY: Final = Path(__file__).resolve().parent


def compile_catalogs(directory: Path = DIRECTORY) -> list[Path]:
    """Compile every ``<locale>/LC_MESSAGES/*.po`` to ``.mo`` next to it; return the .mo paths."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parts[-3])
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.read_bytes() != buffer.getvalue():
            # Write aside and rename: a process reading the catalog never sees half a file.
            partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
            partial.write_bytes(buffer.getvalue())
            partial.replace(mo_path)
        written.append(mo_path)
    return written

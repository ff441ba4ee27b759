"""Build hook: compile the Babel catalogs (.po -> .mo) into the wheel.

Compiled catalogs are build output, not source: a fresh clone has only .po files, and a plain
``pip install .`` (or an editable install) compiles them here, with ``locales.compile_catalogs``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _compile(root: Path) -> list[Path]:
    # Loaded by path: the build environment has babel but not the project on sys.path.
    spec = importlib.util.spec_from_file_location("_locales", root / "locales" / "__init__.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written: list[Path] = module.compile_catalogs(root / "locales")
    return written


class CompileCatalogs(BuildHookInterface):  # type: ignore[type-arg]
    """Runs for wheels and editable installs alike."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        written = _compile(root)
        if version == "editable":
            return  # the package is imported from the source tree, where the .mo files now are
        for mo_path in written:
            build_data["force_include"][str(mo_path)] = mo_path.relative_to(root).as_posix()

from __future__ import annotations

import pytest

from dialogs.assessment.content import AssessmentContent
from dialogs.assessment.loader import load_content
from tests.dialogs.assessment.po_catalog import LANGUAGES, PoCatalog, read_catalog


@pytest.fixture(scope="session")
def content() -> AssessmentContent:
    return load_content()


@pytest.fixture(scope="session")
def catalogs() -> dict[str, PoCatalog]:
    return {language: PoCatalog(read_catalog(language)) for language in LANGUAGES}

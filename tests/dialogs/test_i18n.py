"""Dates as the bot's readers write them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import locales
from dialogs.i18n import Translator, long_date


@pytest.mark.parametrize(
    ("locale", "expected"), [("en", "31 December 2026"), ("nl", "31 december 2026")]
)
def test_long_dates_are_written_the_european_way(locale: str, expected: str) -> None:
    texts = Translator(Path(locales.__file__).parent).texts(locale)
    assert long_date(texts, date(2026, 12, 31)) == expected
    # Half past eleven at night in UTC is already the next day in Amsterdam, whose calendar
    # the dates follow.
    assert long_date(texts, datetime(2026, 12, 31, 23, 30, tzinfo=UTC)).startswith("1 ")

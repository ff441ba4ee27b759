"""Name checks: the invisible characters a name may and may not have (pure, no storage)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.registration.fields import EMPTY, Problem, clean_address, clean_name

ZWNJ = "\u200c"
ZWJ = "\u200d"
LIMIT = 40

PERSIAN_LETTERS = st.text(
    alphabet=st.sampled_from("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"), min_size=1, max_size=8
)
LATIN_LETTERS = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzëéï"), min_size=1, max_size=20
)
INVISIBLE = [
    "\u3164",  # Hangul filler
    "\u115f",  # Hangul choseong filler
    "\u1160",  # Hangul jungseong filler
    "\uffa0",  # halfwidth Hangul filler
    "\u034f",  # combining grapheme joiner
    "\ufe0f",  # variation selector 16
    "\u200b",  # zero-width space
    "\u2060",  # word joiner
    "\u00ad",  # soft hyphen
]
DIRECTION_MARKS = ["\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202e", "\u2066", "\u2069"]


@pytest.mark.parametrize("name", ["مهر\u200cناز", "ب\u200cب", "Zo\u200dë"])
def test_a_joiner_between_letters_is_part_of_the_name(name: str) -> None:
    assert clean_name(name, limit=LIMIT) == name


@given(first=PERSIAN_LETTERS, second=PERSIAN_LETTERS, joiner=st.sampled_from([ZWNJ, ZWJ]))
def test_persian_names_with_a_joiner_are_kept_as_typed(
    first: str, second: str, joiner: str
) -> None:
    name = f"{first}{joiner}{second}"
    assert clean_name(f"  {name} ", limit=LIMIT) == unicodedata.normalize("NFC", name)


@pytest.mark.parametrize(
    "name", [f"{ZWNJ}مهر", f"مهر{ZWNJ}", f"مهر {ZWNJ}ناز", f"مهر{ZWNJ}{ZWNJ}ناز", f"Zo{ZWJ}-ë"]
)
def test_a_joiner_that_joins_no_two_letters_is_refused(name: str) -> None:
    assert clean_name(name, limit=LIMIT) == Problem("Please use only letters for a name.")


@given(name=LATIN_LETTERS, at=st.integers(min_value=0))
def test_direction_marks_and_other_invisibles_are_refused_anywhere(name: str, at: int) -> None:
    for mark in DIRECTION_MARKS + INVISIBLE:
        position = at % (len(name) + 1)
        result = clean_name(name[:position] + mark + name[position:], limit=LIMIT)
        assert isinstance(result, Problem)


@given(
    blank=st.lists(
        st.sampled_from([*INVISIBLE, *DIRECTION_MARKS, ZWNJ, ZWJ, " ", "\u3000"]), min_size=1
    )
)
def test_a_name_that_shows_nothing_is_no_name(blank: list[str]) -> None:
    assert clean_name("".join(blank), limit=LIMIT) == Problem(EMPTY)


def test_an_address_keeps_a_joiner_between_letters_and_refuses_a_filler() -> None:
    address = "خیابان\u200cآزادی 12, تهران"
    assert clean_address(address) == address
    assert isinstance(clean_address("Dorpsstraat\u3164 12, Utrecht"), Problem)

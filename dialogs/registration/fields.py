"""Profile fields: which are asked, and the pure checks that clean what people type.

A check returns the cleaned value or a ``Problem`` (a msgid to re-ask with). Nothing here raises
for bad input, and nothing here stores anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from email_validator import EmailNotValidError, validate_email

from dialogs.i18n import N_
from storage.models import Role
from storage.people import Profile


class FieldName(StrEnum):
    """The profile fields the privacy policy names (the password is set on a web page)."""

    NICKNAME = "nickname"
    """First name or nickname: how the bot and the organisation address the person."""
    LAST_NAME = "last_name"
    """Family name."""
    AGE = "age"
    """Whole years; picks the questionnaire and decides whether a parent must consent."""
    EMAIL = "email"
    """The person's e-mail, or the parent's for a child under 16: consent and password links."""
    ADDRESS = "address"
    """Home address."""
    OUTDOOR = "outdoor"
    """Hours per week playing outside, as a band."""


class Requirement(StrEnum):
    """How a deployment treats a field."""

    REQUIRED = "required"
    """Asked; the person cannot skip it."""
    OPTIONAL = "optional"
    """Asked with a Skip button."""
    OFF = "off"
    """Never asked, never stored."""


ALWAYS_REQUIRED: Final = frozenset({FieldName.NICKNAME, FieldName.AGE})
"""Without a name the bot cannot address anyone; without an age it cannot pick questions or know
whether a parent must consent."""


@dataclass(frozen=True, slots=True)
class FieldRules:
    """The deployment's choices about fields and ages."""

    requirements: Mapping[FieldName, Requirement] = field(
        default_factory=lambda: dict.fromkeys(FieldName, Requirement.REQUIRED)
    )
    min_age: int = 6
    max_age: int = 16
    consent_age: int = 16
    """Under this age a parent consents (the Netherlands: 16, GDPR art. 8 and UAVG art. 5)."""

    def __post_init__(self) -> None:
        for name in ALWAYS_REQUIRED:
            if self.requirement(name) is not Requirement.REQUIRED:
                raise ValueError(f"{name} cannot be made optional or switched off")
        if not 1 <= self.min_age <= self.max_age <= 120:
            raise ValueError("age range must satisfy 1 <= min <= max <= 120")

    def requirement(self, name: FieldName) -> Requirement:
        """How this deployment treats ``name`` (required when not configured)."""
        return self.requirements.get(name, Requirement.REQUIRED)

    def asks(self, name: FieldName) -> bool:
        """Whether the field is asked at all."""
        return self.requirement(name) is not Requirement.OFF

    def skippable(self, name: FieldName) -> bool:
        """Whether the person may skip it."""
        return self.requirement(name) is Requirement.OPTIONAL

    def needs_parent(self, age: int) -> bool:
        """Whether a parent must consent for someone of this age."""
        return age < self.consent_age

    def parent_decides(self, person: Profile) -> bool:
        """A young person under the consent age who signed up alone: their parent gives every
        permission, by e-mail, and the profile's e-mail is the parent's."""
        return person.role is Role.SELF and person.age is not None and self.needs_parent(person.age)


def email_label(gettext: Callable[[str], str], person: Profile, rules: FieldRules) -> str:
    """ "E-mail", or "Parent's e-mail" where the address on file is the parent's."""
    return gettext("Parent's e-mail") if rules.parent_decides(person) else gettext("E-mail")


def parse_requirements(text: str) -> dict[FieldName, Requirement]:
    """Parse ``last_name=optional,address=off`` (the ``PROFILE_FIELDS`` setting)."""
    result: dict[FieldName, Requirement] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        try:
            result[FieldName(name.strip())] = Requirement(value.strip())
        except ValueError as exc:
            known = ", ".join(f.value for f in FieldName)
            raise ValueError(
                f"{part!r} is not field=required|optional|off (fields: {known})"
            ) from exc
        if not sep:
            raise ValueError(f"{part!r} is not field=required|optional|off")
    return result


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a value was refused: a msgid and its parameters, shown to the person."""

    message: str
    params: Mapping[str, str | int] = field(default_factory=dict)


# --- the checks --------------------------------------------------------------------------------

MAX_NICKNAME: Final = 40
MAX_LAST_NAME: Final = 60
MAX_ADDRESS: Final = 200
MAX_EMAIL: Final = 254
_NAME_PUNCTUATION: Final = frozenset(" -'’.")
_ADDRESS_PUNCTUATION: Final = frozenset(" -'’.,/#()&")
_AGE: Final = re.compile(r"^\s*(\d{1,3})\s*(jaar|years?|yrs?|j)?\.?\s*$", re.IGNORECASE)

TOO_LONG: Final = N_("That's a bit long. Please use at most {limit} characters.")
EMPTY: Final = N_("I didn't get anything. Please type it again.")


def _normalise(text: str) -> str:
    """NFC, trimmed, inner runs of whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


JOINERS: Final = frozenset("\u200c\u200d")
"""Zero-width non-joiner and joiner: between two letters they are spelling (Persian, Kurdish,
Indic scripts), so a name such as "مهر\u200cناز" keeps them."""
_BLANK_LETTERS: Final = frozenset("\u115f\u1160\u3164\uffa0\u034f\u17b4\u17b5")
"""Hangul fillers, the combining grapheme joiner and the Khmer inherent vowels: Unicode calls
them letters or marks, yet they show nothing (a name of fillers looks blank)."""
_CONTROL: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _invisible(ch: str) -> bool:
    """A letter or mark that shows nothing: a filler or a variation selector."""
    code = ord(ch)
    return (
        ch in _BLANK_LETTERS
        or 0x180B <= code <= 0x180F  # Mongolian variation selectors
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF  # variation selectors supplement
    )


def _is_letter(ch: str) -> bool:
    """A visible letter or combining mark."""
    return unicodedata.category(ch)[0] in ("L", "M") and not _invisible(ch)


def _blank(ch: str) -> bool:
    """Shows nothing: white space, an invisible letter or mark, or a format character."""
    return ch.isspace() or _invisible(ch) or unicodedata.category(ch) == "Cf"


def _has_control(text: str) -> bool:
    """Control, format (direction marks, zero-width spaces, ...), surrogate, private-use or
    unassigned characters, or invisible letters. A zero-width (non-)joiner between two letters
    is spelling, not control."""
    for i, ch in enumerate(text):
        if _invisible(ch):
            return True
        if unicodedata.category(ch) not in _CONTROL:
            continue
        if (
            ch in JOINERS
            and 0 < i < len(text) - 1
            and _is_letter(text[i - 1])
            and _is_letter(text[i + 1])
        ):
            continue
        return True
    return False


def clean_name(text: str, *, limit: int) -> str | Problem:
    """A (nick)name: letters with spaces, hyphens, apostrophes and dots; no digits or symbols.

    A zero-width (non-)joiner between letters is kept (Persian names need it); a name that
    shows nothing (only fillers such as U+3164, or zero-width characters) is no name."""
    value = _normalise(text)
    if all(_blank(ch) for ch in value):  # nothing, or only fillers and zero-width characters
        return Problem(EMPTY)
    if len(value) > limit:
        return Problem(TOO_LONG, {"limit": limit})
    if _has_control(text.strip()):
        return Problem(N_("Please use only letters for a name."))
    if not any(ch.isalpha() and _is_letter(ch) for ch in value):
        return Problem(N_("Please use only letters for a name."))
    for ch in value:
        if ch in _NAME_PUNCTUATION or ch in JOINERS:  # joiners: checked by _has_control
            continue
        if unicodedata.category(ch)[0] not in ("L", "M"):
            return Problem(N_("Please use only letters for a name."))
    return value


TOO_OLD: Final = N_("The quiz is for ages {min} to {max}, so {age} is too old for it.")
TOO_YOUNG: Final = N_("The quiz is for ages {min} to {max}, so {age} is a bit young for it.")
NOT_AN_AGE: Final = N_("Please type a number from {min} to {max}.")


def clean_age(text: str, *, rules: FieldRules) -> int | Problem:
    """A whole number of years within the supported range; ``12``, ``12 jaar`` and ``12 years``.

    An age above the range is its own problem (``TOO_OLD``): asking again would not help. An age
    below it says the quiz's ages too (``TOO_YOUNG``), so a parent of a younger child knows why
    the question comes back. The texts fit both a child asked for their age and a parent asked
    for their child's: the question itself is shown again right after.
    """
    match = _AGE.match(text)
    limits = {"min": rules.min_age, "max": rules.max_age}
    if match is None:
        return Problem(NOT_AN_AGE, limits)
    age = int(match.group(1))
    if age > rules.max_age and age < 130:
        return Problem(TOO_OLD, {**limits, "age": age})
    if 0 < age < rules.min_age:
        return Problem(TOO_YOUNG, {**limits, "age": age})
    if not rules.min_age <= age <= rules.max_age:
        return Problem(NOT_AN_AGE, limits)
    return age


def clean_email(text: str) -> str | Problem:
    """An e-mail address (syntax only: no network look-up), normalised for look-ups."""
    value = text.strip()
    if not value:
        return Problem(EMPTY)
    if len(value) > MAX_EMAIL:
        return Problem(TOO_LONG, {"limit": MAX_EMAIL})
    if _has_control(value) or any(ch.isspace() for ch in value):
        return Problem(N_("That doesn't look like an e-mail address. Example: name@example.nl"))
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return Problem(N_("That doesn't look like an e-mail address. Example: name@example.nl"))
    return str(checked.normalized)


def email_lookup_key(email: str) -> str:
    """The form of an address used for look-ups: case does not matter."""
    return email.strip().lower()


def clean_address(text: str) -> str | Problem:
    """A home address: letters, a house number, and ordinary address punctuation."""
    value = _normalise(text)
    if not value:
        return Problem(EMPTY)
    if len(value) > MAX_ADDRESS:
        return Problem(TOO_LONG, {"limit": MAX_ADDRESS})
    example = N_("Please type street, house number and town, like: Dorpsstraat 12, Utrecht")
    if _has_control(text.strip()) or len(value) < 5:
        return Problem(example)
    if not any(ch.isdigit() for ch in value) or not any(ch.isalpha() for ch in value):
        return Problem(example)
    for ch in value:
        if ch.isalnum() or ch in _ADDRESS_PUNCTUATION or ch in JOINERS:
            continue
        if unicodedata.category(ch)[0] == "M":
            continue
        return Problem(example)
    return value


MIN_PASSWORD: Final = 10
MAX_PASSWORD: Final = 128


def check_password(password: str, repeated: str) -> Problem | None:
    """A new password: long enough, not absurdly long, typed the same twice."""
    if password != repeated:
        return Problem(N_("The two passwords are not the same."))
    if len(password) < MIN_PASSWORD or not password.strip():
        return Problem(N_("Please use at least {limit} characters."), {"limit": MIN_PASSWORD})
    if len(password) > MAX_PASSWORD:
        return Problem(TOO_LONG, {"limit": MAX_PASSWORD})
    if _has_control(password):
        return Problem(N_("Please use only letters, digits, spaces and punctuation."))
    if _easy_to_guess(password):
        return Problem(
            N_("That password is too easy to guess. Try a few words with a digit or a sign.")
        )
    return None


_COMMON: Final = frozenset(
    {"password", "wachtwoord", "welkom", "welcome", "qwerty", "azerty", "letmein", "iloveyou"}
)
_RUNS: Final = ("0123456789", "9876543210", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghij")


def _easy_to_guess(password: str) -> bool:
    """What every guessing list starts with (NIST SP 800-63B: refuse known-bad passwords):
    few different characters, one keyboard or number run, or a common word with digits."""
    folded = password.casefold().strip()
    if len(set(folded)) < 4:
        return True
    if any(folded in run * 3 for run in _RUNS):
        return True
    return folded.rstrip("0123456789!.?") in _COMMON

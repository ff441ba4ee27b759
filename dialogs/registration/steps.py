"""The order of registration questions, as a pure function of the profile and the rules.

The step is derived, never trusted from the conversation state: after a restart, a lost state or a
parent's answer by e-mail, the next question is simply the first one still to do.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from dialogs.registration.fields import FieldName, FieldRules
from storage.models import Role
from storage.people import Profile

CODE: Final = "reg"
"""The registration flow's code in button payloads and conversation states (here, not in
``flow``, so that flows it imports, such as the move, can send a person back to it)."""


class Step(StrEnum):
    """A registration screen. Stored in ``people.step``, so values must not change."""

    NICKNAME = "nickname"
    """First name or nickname."""
    AGE = "age"
    """Age in years."""
    PARENT_EMAIL = "parent_email"
    """The parent's e-mail (young person under 16)."""
    SEND_CONSENT = "send_consent"
    """Confirm sending the consent request to the parent."""
    EMAIL = "email"
    """The person's own e-mail (16 or older, or a parent)."""
    LAST_NAME = "last_name"
    """Family name."""
    ADDRESS = "address"
    """Home address."""
    OUTDOOR = "outdoor"
    """Hours a week outside."""
    CONFIRM = "confirm"
    """Check the details and agree."""


FIELD_OF: dict[Step, FieldName] = {
    Step.NICKNAME: FieldName.NICKNAME,
    Step.AGE: FieldName.AGE,
    Step.PARENT_EMAIL: FieldName.EMAIL,
    Step.EMAIL: FieldName.EMAIL,
    Step.LAST_NAME: FieldName.LAST_NAME,
    Step.ADDRESS: FieldName.ADDRESS,
    Step.OUTDOOR: FieldName.OUTDOOR,
}


def steps_for(profile: Profile, rules: FieldRules, *, consented: bool) -> list[Step]:
    """Every step this profile goes through, in order (fields switched off are left out).

    A young person under 16 gives only what is needed to ask their parent (name, age, the
    parent's e-mail) until the parent has said yes; the rest comes after.
    """
    steps: list[Step] = [Step.NICKNAME, Step.AGE]
    if profile.role is Role.SELF:
        if rules.parent_decides(profile):
            steps += [Step.PARENT_EMAIL, Step.SEND_CONSENT]
            if not consented:
                return steps
        elif rules.asks(FieldName.EMAIL):
            steps.append(Step.EMAIL)
        steps += [Step.LAST_NAME, Step.ADDRESS, Step.OUTDOOR, Step.CONFIRM]
    elif profile.role is Role.PARENT:
        steps = [Step.NICKNAME, Step.LAST_NAME, Step.EMAIL, Step.ADDRESS, Step.CONFIRM]
    else:  # a child added by a parent: the parent's confirmation is the consent
        steps = [Step.NICKNAME, Step.AGE, Step.LAST_NAME, Step.OUTDOOR, Step.CONFIRM]
    return [s for s in steps if s not in FIELD_OF or rules.asks(FIELD_OF[s])]


def is_answered(step: Step, profile: Profile) -> bool:
    """Whether a field step already has a value (skipped optional fields count as answered)."""
    match step:
        case Step.NICKNAME:
            return profile.nickname is not None
        case Step.AGE:
            return profile.age is not None
        case Step.PARENT_EMAIL | Step.EMAIL:
            return profile.email is not None
        case Step.LAST_NAME:
            return profile.last_name is not None
        case Step.ADDRESS:
            return profile.address is not None
        case Step.OUTDOOR:
            return profile.outdoor_band is not None
        case _:
            return False


def previous(steps: list[Step], current: Step) -> Step | None:
    """The step before ``current`` (None at the first one)."""
    if current not in steps:
        return None
    index = steps.index(current)
    return steps[index - 1] if index > 0 else None


def following(steps: list[Step], current: Step) -> Step | None:
    """The step after ``current`` (None after the last one)."""
    if current not in steps:
        return steps[0] if steps else None
    index = steps.index(current)
    return steps[index + 1] if index + 1 < len(steps) else None

"""Who gives permission for a young person who signed up alone, and what an age change moves.

Under the consent age a parent decides, by e-mail, and until the parent has said yes the bot
keeps only the name, the age and the parent's e-mail (README, docs/privacy.md). From the consent
age the young person decides and the e-mail on the profile is their own. An age that crosses
that line, at registration (Back to the age question) or with /edit, therefore changes what the
profile may hold and which questions are still to come; the functions here apply that, so the
registration and /edit cannot disagree about it.
"""

from __future__ import annotations

import uuid
from typing import Final

from dialogs.registration.fields import FieldRules
from dialogs.registration.steps import Step, following, steps_for
from storage.consents import ConsentScope, GivenBy
from storage.links import LinkProblem
from storage.models import LinkPurpose, ProfileStatus, Role
from storage.people import Profile
from storage.uow import UnitOfWork

ASKED_AFTER_THE_PARENTS_YES: Final = ("last_name", "address", "outdoor_band", "password")
"""What a young person under the consent age gives only once the parent has said yes (the
questions after ``Step.SEND_CONSENT``, and the password, whose link goes out after the yes)."""


async def parent_said_yes(uow: UnitOfWork, person_id: uuid.UUID) -> bool:
    """Whether a parent's consent to the service is on record and not withdrawn."""
    return any(
        c.scope is ConsentScope.SERVICE and c.given_by is GivenBy.PARENT and c.withdrawn_at is None
        for c in await uow.consents.for_person(person_id)
    )


async def consent_fits(uow: UnitOfWork, profile: Profile, rules: FieldRules) -> bool:
    """A standing consent to the service from whoever decides for ``profile`` now: the parent's
    for a young person under the consent age who signed up alone, anyone's otherwise.

    A young person's own yes, given while they said they were 16, does not count once they say
    they are younger: at that age it is not theirs to give (GDPR art. 8).
    """
    if rules.parent_decides(profile):
        return await parent_said_yes(uow, profile.id)
    return any(
        c.scope is ConsentScope.SERVICE and c.withdrawn_at is None
        for c in await uow.consents.for_person(profile.id)
    )


async def keep_only_what_asks_the_parent(
    uow: UnitOfWork, person_id: uuid.UUID, *, keep_email: bool
) -> None:
    """Drop what an under-age young person may not have on file before the parent's yes.

    ``keep_email``: the e-mail on file is already the parent's (it was given as such); otherwise
    it is the young person's own and goes too. Password links mailed to it stop working.
    """
    names = ASKED_AFTER_THE_PARENTS_YES if keep_email else (*ASKED_AFTER_THE_PARENTS_YES, "email")
    await uow.people.clear(person_id, *names)
    await uow.links.revoke(person_id, LinkPurpose.PASSWORD, because=LinkProblem.CLOSED)


async def change_age(uow: UnitOfWork, profile: Profile, age: int, rules: FieldRules) -> Profile:
    """Store ``age`` for ``profile`` (as read before the change) and return the profile after it.

    For a young person who signed up alone and has no parent's yes on record, an age that moves
    who decides also changes what the profile holds: under the consent age everything but name,
    age and the parent's e-mail is dropped; from the consent age the parent's e-mail is (it is
    not the young person's own). An unfinished sign-up then goes on at the question after the
    age (unless it has not got that far). With a parent's yes on record nothing else changes:
    the parent has agreed already.
    """
    await uow.people.set_age(profile.id, age)
    if profile.role is not Role.SELF or await parent_said_yes(uow, profile.id):
        return await uow.people.get(profile.id)
    parent_before = profile.age is not None and rules.needs_parent(profile.age)
    parent_now = rules.needs_parent(age)
    if parent_now:
        await keep_only_what_asks_the_parent(uow, profile.id, keep_email=parent_before)
    elif parent_before:
        await uow.people.clear(profile.id, "email")
    changed = await uow.people.get(profile.id)
    if (
        parent_before != parent_now
        and changed.status is not ProfileStatus.ACTIVE
        and changed.step not in (Step.NICKNAME.value, Step.AGE.value)
    ):
        after = following(steps_for(changed, rules, consented=False), Step.AGE)
        await uow.people.set_step(profile.id, after.value if after else None)
        changed = await uow.people.get(profile.id)
    return changed

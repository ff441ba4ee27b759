"""An age that moves who gives permission, at registration and with /edit.

Under 16 a parent decides, and until the parent says yes only name, age and the parent's e-mail
are kept; from 16 the young person decides. Whichever way the age is changed, no one under 16
plays without a parent's yes, and nothing is kept that the age does not allow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.services import Services, build_services
from dialogs.registration import consent
from dialogs.registration.fields import FieldName, FieldRules, Requirement
from storage.consents import ConsentScope, GivenBy
from storage.links import LinkProblem
from storage.models import ProfileStatus
from storage.people import Profile
from tests.chat import ChatDriver
from tests.dialogs.organisations.test_flow import (
    ADMIN_A,
    PLATFORM,
    new_link,
    setup_orgs,
    sign_up_teen,
)
from tests.dialogs.registration.test_consent_race import mailed_consent_tokens
from tests.dialogs.registration.test_flow import (
    outbox_count,
    own_profile,
    register_teen,
    with_rules,
)


@pytest.fixture
async def bot(make_settings: Callable[..., Settings]) -> AsyncIterator[Services]:
    services = await build_services(make_settings(admin_ids=frozenset({PLATFORM})))
    yield services
    await services.close()


async def profile_of(services: Services, chat: ChatDriver) -> Profile:
    profile = await own_profile(services, chat)
    assert profile is not None
    return profile


async def standing_consents(services: Services, profile: Profile) -> list[tuple[str, str]]:
    async with services.db.unit_of_work() as uow:
        return [
            (c.scope.value, c.given_by.value)
            for c in await uow.consents.for_person(profile.id)
            if c.withdrawn_at is None
        ]


def only_name_and_age(profile: Profile) -> bool:
    return (
        profile.email,
        profile.last_name,
        profile.address,
        profile.outdoor_band,
        profile.has_password,
    ) == (None, None, None, None, False)


async def edit_age(chat: ChatDriver, age: str) -> None:
    await chat.send("/edit")
    await chat.press("Age")
    await chat.send(age)


# --- /edit: younger than 16 after signing up alone as 16 -----------------------------------------


async def test_saying_you_are_younger_after_signing_up_goes_the_parents_way(bot: Services) -> None:
    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a)
    zoe = ChatDriver(bot.engine, user_id=5_700_001, language_code="en")
    await zoe.send(f"/start {token}")
    await sign_up_teen(zoe)
    await zoe.press("✅ Yes")  # linked to De Regenboog, on her own yes

    await edit_age(zoe, "12")
    assert zoe.last_text.startswith("Under 16, a parent has to say yes first.")
    assert "I'll delete everything except your name and age" in zoe.last_text
    assert "De Regenboog stops seeing your details." in zoe.last_text  # what goes, by name
    assert "quiz result" not in zoe.last_text  # she has none
    before = await profile_of(bot, zoe)
    assert (before.age, before.status) == (16, ProfileStatus.ACTIVE)  # nothing yet: asked first

    effects = await zoe.press("Yes, I'm 12")
    after = await profile_of(bot, zoe)
    assert (after.nickname, after.age, after.status, after.step) == (
        "Zoë",
        12,
        ProfileStatus.DRAFT,
        "parent_email",
    )
    assert only_name_and_age(after)
    assert await standing_consents(bot, after) == []  # her own yes was not hers to give at 12
    told = [e for e in effects if getattr(e, "chat_id", None) == ADMIN_A]
    assert len(told) == 1 and "Zoë" not in told[0].text  # type: ignore[attr-defined]
    assert zoe.last_text.startswith("What is your parent's e-mail address?")

    await zoe.send("/retake")
    assert zoe.last_text.startswith("You can start the quiz once you're signed up.")
    await zoe.send("/start")
    assert zoe.last_text.startswith("What is your parent's e-mail address?")
    await zoe.send("mum@example.nl")
    await zoe.press("Yes, send it")
    waiting = await profile_of(bot, zoe)
    assert (waiting.status, waiting.email) == (ProfileStatus.AWAITING_CONSENT, "mum@example.nl")
    assert await outbox_count(bot, "consent") == 1
    await zoe.send("/mydata")  # the withdrawn yes stays on record, marked as no longer in force
    summary = next(t for t in reversed(zoe.texts()) if "Everything I keep" in t)
    assert "(no longer in force)" in summary and "-20" not in summary  # dates read as words


async def test_no_keeps_the_age_and_everything_else(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await register_teen(chat)
    await chat.press("Yes, sign me up")
    await edit_age(chat, "15")
    await chat.press("No, I'm 16")
    assert chat.last_text == "Okay, I didn't change anything."
    profile = await profile_of(embedded, chat)
    assert (profile.age, profile.status, profile.email) == (
        16,
        ProfileStatus.ACTIVE,
        "zoe@example.nl",
    )
    await chat.send("/retake")
    assert "Question 1 of" in chat.last_text


async def test_younger_before_confirming_asks_the_parent_instead(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await register_teen(chat)  # at "Please check your details"
    await edit_age(chat, "12")
    await chat.press("Yes, I'm 12")
    assert chat.last_text.startswith("What is your parent's e-mail address?")
    profile = await profile_of(embedded, chat)
    assert (profile.age, profile.status, profile.step) == (12, ProfileStatus.DRAFT, "parent_email")
    assert only_name_and_age(profile)
    await chat.press("Yes, sign me up")  # the old summary's button: gone stale
    assert (await profile_of(embedded, chat)).status is ProfileStatus.DRAFT
    assert await standing_consents(embedded, profile) == []


async def test_confirm_never_signs_up_an_under_16_without_the_parents_yes(
    embedded: Services,
) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await register_teen(chat)
    draft = await profile_of(embedded, chat)
    async with embedded.db.unit_of_work() as uow:  # the age changed by any way at all
        await uow.people.set_age(draft.id, 12)
        await uow.commit()
    await chat.send("/start")
    assert "Age: <b>12</b>" in chat.last_text
    await chat.press("Yes, sign me up")
    assert chat.last_text.startswith("What is your parent's e-mail address?")
    profile = await profile_of(embedded, chat)
    assert (profile.status, profile.step) == (ProfileStatus.DRAFT, "parent_email")
    assert only_name_and_age(profile)
    assert await standing_consents(embedded, profile) == []
    assert await outbox_count(embedded, "password") == 0


async def test_without_e_mail_a_younger_age_is_refused_and_explained(embedded: Services) -> None:
    with_rules(embedded, fields=FieldRules(requirements={FieldName.EMAIL: Requirement.OFF}))
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Zoë")
    await chat.press("16")
    await chat.send("de Vries")
    await chat.send("Dorpsstraat 12, Utrecht")
    await chat.press("2 to 4")
    await chat.press("Yes, sign me up")
    await edit_age(chat, "12")
    assert "a parent has to sign you up" in chat.last_text
    profile = await profile_of(embedded, chat)
    assert (profile.age, profile.status) == (16, ProfileStatus.ACTIVE)


# --- Back to the age question during registration -----------------------------------------------


async def test_back_to_a_younger_age_drops_what_waits_for_the_parents_yes(
    embedded: Services,
) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await register_teen(chat)
    for _ in range(5):
        await chat.press("Back")
    assert chat.last_text.startswith("How old are you, Zoë?")
    await chat.press("12")
    await chat.send("mum@example.nl")
    await chat.press("Yes, send it")
    profile = await profile_of(embedded, chat)
    assert profile.status is ProfileStatus.AWAITING_CONSENT
    assert (profile.nickname, profile.age, profile.email) == ("Zoë", 12, "mum@example.nl")
    assert (profile.last_name, profile.address, profile.outdoor_band) == (None, None, None)


async def test_back_to_16_drops_the_parents_address(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")
    await chat.press("12")
    await chat.send("mum@example.nl")
    await chat.press("Change the address")
    await chat.press("Back")
    await chat.press("16")
    assert chat.last_text.startswith("What is your e-mail address?")
    assert (await profile_of(embedded, chat)).email is None  # it was the parent's, not Sam's


# --- /edit while the parent has not answered ----------------------------------------------------


async def waiting_for_the_parent(services: Services) -> ChatDriver:
    chat = ChatDriver(services.engine, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")
    await chat.press("15")
    await chat.send("mum@example.nl")
    await chat.press("Yes, send it")
    return chat


async def test_turning_16_while_waiting_closes_the_request_and_sam_goes_on(
    embedded: Services,
) -> None:
    chat = await waiting_for_the_parent(embedded)
    [token] = await mailed_consent_tokens(embedded)
    await edit_age(chat, "16")
    assert "📧 Your parent gets an e-mail about this change." in chat.texts()[-3]
    assert chat.texts()[-2].startswith("You're 16 now, so you decide yourself.")
    assert chat.last_text.startswith("What is your e-mail address?")
    assert await outbox_count(embedded, "parent_notice") == 1
    async with embedded.db.unit_of_work() as uow:  # read, not sent: rolled back
        queued = await uow.outbox.claim_due(
            now=embedded.engine.clock() + timedelta(minutes=1),
            limit=10,
            lease=timedelta(minutes=5),
        )
    [notice] = [q.mail for q in queued if q.purpose == "parent_notice"]
    assert "gave your address to ask for your permission" in notice.text
    assert "you gave permission" not in notice.text  # the parent never answered
    profile = await profile_of(embedded, chat)
    assert (profile.age, profile.status, profile.step, profile.email) == (
        16,
        ProfileStatus.DRAFT,
        "email",
        None,  # the parent's address is not Sam's
    )
    async with embedded.db.unit_of_work() as uow:  # the parent's link no longer works
        engine = embedded.engine
        seen = await consent.view(uow, token, now=engine.clock(), settings=engine.settings)
    assert isinstance(seen, LinkProblem)

    await chat.send("/start")
    assert chat.last_text.startswith("What is your e-mail address?")
    await chat.send("sam@example.nl")
    await chat.send("Jansen")
    await chat.send("Dorpsstraat 1, Ede")
    await chat.press("Less than 1 hour")
    await chat.press("Yes, sign me up")
    profile = await profile_of(embedded, chat)
    assert profile.active and profile.email == "sam@example.nl"
    assert await standing_consents(embedded, profile) == [
        (ConsentScope.SERVICE.value, GivenBy.SELF.value)
    ]
    await chat.send("/retake")
    assert "Question 1 of" in chat.last_text


async def test_while_waiting_edit_offers_only_what_is_kept_before_the_yes(
    embedded: Services,
) -> None:
    chat = await waiting_for_the_parent(embedded)
    await chat.send("/edit")
    labels = [b.text for row in chat.mine()[-1].keyboard or () for b in row]
    assert labels == ["✏️ Name", "✏️ Age", "✏️ Parent's e-mail"]


async def test_a_parent_is_not_offered_an_age_or_hours_outside(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.sign_up_as_parent()
    await chat.send("/edit")
    labels = [b.text for row in chat.mine()[-1].keyboard or () for b in row]
    assert labels == [
        "✏️ Name",
        "✏️ Last name",
        "✏️ E-mail",
        "✏️ Address",
        "🔑 New password link",
    ]


# --- Back from the first question ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["young person", "parent or guardian"])
async def test_back_from_the_first_question_then_typing_asks_for_a_button(
    embedded: Services, role: str
) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    await chat.press(role)
    await chat.press("Back")
    assert "<b>Who is chatting?</b>" in chat.last_text
    assert await own_profile(embedded, chat) is None
    await chat.send("Hello")
    assert chat.texts()[-2] == "Please tap one of the buttons."
    assert "<b>Who is chatting?</b>" in chat.last_text
    assert await own_profile(embedded, chat) is None


async def test_a_child_waiting_for_the_parent_hears_what_comes_first(
    embedded: Services,
) -> None:
    chat = await waiting_for_the_parent(embedded)
    for command in ("/retake", "/result"):
        await chat.send(command)
        assert chat.last_text == "First your parent has to say yes. Then you can do the quiz. 🙂"


async def test_a_younger_age_withdraws_what_they_shared_on_their_own_yes(bot: Services) -> None:
    """Signed up at 15 with the parent's yes, 16 later, joined a school alone, then 14 again:
    the parent said yes to the bot, not to the school, so the school stops seeing Sam."""
    from tests.dialogs.registration.test_consent_race import parent_says_yes

    _, admin_a, _ = await setup_orgs(bot)
    token = await new_link(admin_a)
    sam = await waiting_for_the_parent(bot)
    [consent_token] = await mailed_consent_tokens(bot)
    assert not isinstance(await parent_says_yes(bot, consent_token), LinkProblem)
    await sam.send("/start")
    await sam.send("Jansen")
    await sam.send("Dorpsstraat 1, Ede")
    await sam.press("Less than 1 hour")
    await sam.press("Yes")
    await edit_age(sam, "16")
    await sam.send(f"/start {token}")
    await sam.press("✅ Yes")
    profile = await profile_of(bot, sam)
    assert ("organisation", "self") in await standing_consents(bot, profile)

    await sam.send("/edit")
    await sam.press("Age")
    effects = await sam.send("14")
    assert "De Regenboog no longer sees your details: under 16, your parent says yes first." in (
        sam.last_text
    )
    assert await standing_consents(bot, profile) == [("service", "parent")]
    told = [getattr(e, "text", "") for e in effects if getattr(e, "chat_id", None) == ADMIN_A]
    assert told == ["A member left De Regenboog. Their data is no longer shared."]
    async with bot.db.unit_of_work() as uow:  # out of the export and the statistics
        school = await uow.organisations.by_code("school-a")
        assert school is not None and profile.id not in await uow.consents.members(school.id)

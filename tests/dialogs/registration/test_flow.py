"""Registration through the engine, with real storage, as a person would chat."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.services import Services, build_services
from dialogs.registration.fields import FieldName, FieldRules, Requirement
from storage.consents import ConsentScope, GivenBy, Method
from storage.models import ProfileStatus, Role
from storage.people import Profile
from tests.chat import ChatDriver


async def own_profile(services: Services, chat: ChatDriver) -> Profile | None:
    async with services.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
        return None if account is None else await uow.people.own(account.id)


async def outbox_count(services: Services, purpose: str) -> int:
    async with services.db.unit_of_work() as uow:
        return await uow.outbox.count(purpose=purpose)


def with_rules(services: Services, **changes: object) -> None:
    """Change the engine's dialog settings for one test."""
    services.engine.settings = replace(services.engine.settings, **changes)  # type: ignore[arg-type]


async def register_teen(chat: ChatDriver, *, age: str = "16") -> None:
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Zoë")
    await chat.press(age)
    await chat.send("zoe@example.nl")
    await chat.send("de Vries")
    await chat.send("Dorpsstraat 12, Utrecht")
    await chat.press("2 to 4")


async def test_teen_signs_up_and_consents_in_the_chat(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await register_teen(chat)
    summary = chat.last_text
    for value in ("Zoë", "de Vries", "16", "zoe@example.nl", "Dorpsstraat 12, Utrecht", "2 to 4"):
        assert value in summary
    await chat.press("Yes, sign me up")
    assert chat.texts()[-2] == (
        "🎉 You're signed up, Zoë!\nI've e-mailed you a link to set a password. You can skip it."
    )
    assert chat.last_text.startswith("Ready for the quiz?")
    profile = await own_profile(embedded, chat)
    assert profile is not None
    assert (profile.role, profile.status, profile.step) == (Role.SELF, ProfileStatus.ACTIVE, None)
    assert (profile.nickname, profile.last_name, profile.age) == ("Zoë", "de Vries", 16)
    assert (profile.email, profile.address, profile.outdoor_band) == (
        "zoe@example.nl",
        "Dorpsstraat 12, Utrecht",
        "h2_4",
    )
    async with embedded.db.unit_of_work() as uow:
        consents = await uow.consents.for_person(profile.id)
    assert [(c.scope, c.given_by, c.method, c.policy_version) for c in consents] == [
        (ConsentScope.SERVICE, GivenBy.SELF, Method.CHAT, "1.0")
    ]
    assert await outbox_count(embedded, "password") == 1
    assert await outbox_count(embedded, "consent") == 0


async def test_child_under_16_gives_only_what_is_needed_to_ask_the_parent(
    embedded: Services,
) -> None:
    chat = ChatDriver(embedded.engine, language_code="nl")
    await chat.send("/start")
    await chat.press("Ik speel zelf")
    await chat.send("Sam")
    await chat.press("12")
    assert "e-mailadres van je ouder" in chat.last_text
    await chat.send("ouder@example.nl")
    assert "ouder@example.nl" in chat.last_text
    await chat.press("Ja, verstuur maar")
    assert chat.last_text.startswith("📨 Verstuurd!")
    profile = await own_profile(embedded, chat)
    assert profile is not None
    assert profile.status is ProfileStatus.AWAITING_CONSENT
    assert (profile.nickname, profile.age, profile.email) == ("Sam", 12, "ouder@example.nl")
    assert (profile.last_name, profile.address, profile.outdoor_band) == (None, None, None)
    assert await outbox_count(embedded, "consent") == 1
    await chat.send("/start")
    assert chat.last_text.startswith("We wachten tot je ouder")
    await chat.press("Stuur de e-mail nog eens")  # straight away: the first link must stay good
    assert await outbox_count(embedded, "consent") == 1
    clock = embedded.engine.clock
    embedded.engine.clock = lambda: clock() + timedelta(minutes=11)
    await chat.press("Stuur de e-mail nog eens")
    assert await outbox_count(embedded, "consent") == 2


async def test_parent_signs_up_and_adds_two_children(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    await chat.press("parent or guardian")
    await chat.send("Anna")
    await chat.send("Jansen")
    await chat.send("anna@example.nl")
    await chat.send("Kerkstraat 1, Zwolle")
    await chat.press("I agree, sign me up")
    assert "Now add your child" in chat.last_text
    for name, age in (("Tim", "8"), ("Mila", "11")):
        await chat.press("Add")
        await chat.send(name)
        await chat.press(age)
        await chat.press("Same as mine: Jansen")
        await chat.press("Less than 1 hour")
        assert f"Please check {name}'s details" in chat.last_text
        await chat.press("Add my child")
        assert chat.texts()[-2] == f"🎉 {name} is added!"
        assert chat.last_text.startswith(f"Ready for {name}'s quiz?")
    await chat.press("That's all")
    parent = await own_profile(embedded, chat)
    assert parent is not None and parent.role is Role.PARENT and parent.active
    async with embedded.db.unit_of_work() as uow:
        children = await uow.people.children(parent.id)
        child_consents = [await uow.consents.for_person(c.id) for c in children]
    assert [(c.nickname, c.age, c.last_name, c.status) for c in children] == [
        ("Tim", 8, "Jansen", ProfileStatus.ACTIVE),
        ("Mila", 11, "Jansen", ProfileStatus.ACTIVE),
    ]
    assert all(
        [(c.given_by, c.method) for c in consents] == [(GivenBy.PARENT, Method.CHAT)]
        for consents in child_consents
    )
    assert await outbox_count(embedded, "password") == 1  # the parent's


BAD_INPUTS = [
    ("", "I didn't get anything"),
    ("x" * 5000, "That's a bit long"),
    ("Zoë 😀", "Please use only letters"),
    ("<b>Zoë</b>", "Please use only letters"),
    ("Robert'); DROP TABLE people;--", "Please use only letters"),
    ("12345", "Please use only letters"),
    ("Zo\u0000ë", "Please use only letters"),
]


@pytest.mark.parametrize(("text", "answer"), BAD_INPUTS)
async def test_bad_names_are_asked_again_and_nothing_is_stored(
    embedded: Services, text: str, answer: str
) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send(text or " ")
    assert chat.texts()[-2].startswith(answer)
    assert chat.last_text.startswith("What's your first name or nickname?")
    profile = await own_profile(embedded, chat)
    assert profile is not None and profile.nickname is None and profile.step == "nickname"


@pytest.mark.parametrize(
    "text",
    ["twelve", "0", "-3", "12.5", "1e3", "<b>12</b>", "12; DROP TABLE", "🔟", "x" * 4000],
)
async def test_bad_ages_are_asked_again(embedded: Services, text: str) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Zoë")
    await chat.send(text)
    assert chat.texts()[-2] == "Please type a number from 6 to 16."
    assert chat.last_text.startswith("How old are you, Zoë?")
    profile = await own_profile(embedded, chat)
    assert profile is not None and profile.age is None


@pytest.mark.parametrize("text", ["12", "12 jaar", " 12 years "])
async def test_typed_ages_are_understood(embedded: Services, text: str) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Zoë")
    await chat.send(text)
    profile = await own_profile(embedded, chat)
    assert profile is not None and profile.age == 12


@pytest.mark.parametrize(
    "text",
    ["zoe", "zoe@", "@example.nl", "zoe@@example.nl", "zoe example@x.nl", "<a>@x.nl", "a" * 300],
)
async def test_bad_emails_are_asked_again(embedded: Services, text: str) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Zoë")
    await chat.press("16")
    await chat.send(text)
    assert chat.last_text.startswith("What is your e-mail address?")
    profile = await own_profile(embedded, chat)
    assert profile is not None and profile.email is None


@pytest.mark.parametrize(
    "text", ["Utrecht", "12", "<script>1</script> straat", "Straat 1 😀", "x" * 300 + " 1"]
)
async def test_bad_addresses_are_asked_again(embedded: Services, text: str) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await register_teen_until_address(chat)
    await chat.send(text)
    assert chat.last_text.startswith("What is your home address?")
    profile = await own_profile(embedded, chat)
    assert profile is not None and profile.address is None


async def register_teen_until_address(chat: ChatDriver) -> None:
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Zoë")
    await chat.press("16")
    await chat.send("zoe@example.nl")
    await chat.send("de Vries")


async def test_typing_at_a_button_step_asks_for_a_button(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await register_teen_until_address(chat)
    await chat.send("Dorpsstraat 12, Utrecht")
    await chat.send("lots")
    assert chat.texts()[-2] == "Please tap one of the buttons."
    assert chat.last_text.startswith("About how many hours a week")


async def test_html_is_escaped_when_shown_back(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await register_teen_until_address(chat)
    await chat.send("O'Brien & Zonen 5 (achter), Den Haag")
    await chat.press("7 hours or more")
    assert "O'Brien &amp; Zonen 5 (achter), Den Haag" in chat.last_text
    assert "& Zonen" not in chat.last_text


async def test_back_goes_to_the_previous_question_at_every_step(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await register_teen(chat)
    expected = [
        "About how many hours a week",
        "What is your home address?",
        "What is your last name?",
        "What is your e-mail address?",
        "How old are you, Zoë?",
        "What's your first name or nickname?",
        "<b>Who is chatting?</b>",
    ]
    for start in expected[:-1]:
        await chat.press("Back")
        assert start in chat.last_text
    profile = await own_profile(embedded, chat)
    assert profile is not None and profile.nickname == "Zoë"  # answers are kept when going back
    await chat.press("Back")  # back from the first question: the draft goes
    assert expected[-1] in chat.last_text
    assert await own_profile(embedded, chat) is None


async def test_optional_field_can_be_skipped_and_off_field_is_never_asked(
    embedded: Services,
) -> None:
    rules = FieldRules(
        requirements={FieldName.ADDRESS: Requirement.OFF, FieldName.LAST_NAME: Requirement.OPTIONAL}
    )
    with_rules(embedded, fields=rules)
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Zoë")
    await chat.press("16")
    await chat.send("zoe@example.nl")
    assert chat.last_text.startswith("What is your last name?")
    await chat.press("Skip")
    assert chat.last_text.startswith("About how many hours a week")  # no address question
    await chat.press("Less than 1 hour")
    await chat.press("Yes, sign me up")
    profile = await own_profile(embedded, chat)
    assert profile is not None and profile.active
    assert (profile.last_name, profile.address) == (None, None)


async def test_under_16_cannot_sign_up_alone_without_email(embedded: Services) -> None:
    with_rules(embedded, fields=FieldRules(requirements={FieldName.EMAIL: Requirement.OFF}))
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    await chat.press("young person")
    await chat.send("Sam")
    await chat.press("10")
    assert "a parent has to sign you up" in chat.last_text
    assert await own_profile(embedded, chat) is None


async def test_registration_resumes_after_the_state_is_lost(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await register_teen_until_address(chat)
    await embedded.states.forget(embedded.engine.user_key(chat.user.id))
    await chat.send("Dorpsstraat 12, Utrecht")  # the answer still lands at the right question
    assert chat.last_text.startswith("About how many hours a week")
    profile = await own_profile(embedded, chat)
    assert profile is not None and profile.address == "Dorpsstraat 12, Utrecht"


async def test_registration_resumes_after_a_restart(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    first = await build_services(settings)
    chat = ChatDriver(first.engine, language_code="en")
    await register_teen_until_address(chat)
    await first.close()
    second = await build_services(settings)  # same SQLite file, fresh in-memory state
    try:
        restarted = ChatDriver(second.engine, user_id=chat.user.id, language_code="en")
        await restarted.send("/start")
        assert restarted.last_text.startswith("What is your home address?")
        await restarted.send("Dorpsstraat 12, Utrecht")
        assert restarted.last_text.startswith("About how many hours a week")
        profile = await own_profile(second, restarted)
        assert profile is not None and profile.last_name == "de Vries"
    finally:
        await second.close()


async def test_cancel_keeps_the_draft_and_start_continues(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await register_teen_until_address(chat)
    await chat.send("/cancel")
    assert chat.last_text.startswith("Okay, I've stopped. I keep your answers so far for 30 days")
    await chat.send("Dorpsstraat 12, Utrecht")
    assert chat.last_text.startswith("I didn't understand that")
    await chat.send("/start")
    assert chat.last_text.startswith("What is your home address?")


@pytest.fixture
async def on_every_backend(services: Services) -> AsyncIterator[Services]:
    yield services


async def test_full_registration_on_every_backend(on_every_backend: Services) -> None:
    chat = ChatDriver(on_every_backend.engine, language_code="en")
    await register_teen(chat, age="16")
    await chat.press("Yes, sign me up")
    profile = await own_profile(on_every_backend, chat)
    assert profile is not None and profile.active and profile.nickname == "Zoë"


async def test_someone_too_old_is_told_once_and_nothing_is_kept(embedded: Services) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.send("/start")
    assert "The quiz is for ages 6 to 16." in chat.last_text
    await chat.press("young person")
    await chat.send("Daan")
    await chat.send("17")
    said = chat.last_text
    assert said.startswith("The quiz is for ages 6 to 16, so 17 is too old for it.")
    assert "I've deleted what you typed" in said and chat.mine()[-1].keyboard is None
    assert await own_profile(embedded, chat) is None  # no draft left behind
    await chat.send("hello")  # no question is asked again
    assert "How old are you" not in chat.last_text


async def test_a_parent_who_types_a_too_high_age_for_a_child_may_correct_it(
    embedded: Services,
) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.sign_up_as_parent()
    await chat.press("Add a child")
    await chat.send("Tim")
    await chat.send("61")  # a slip of the finger
    assert "61 is too old" in chat.texts()[-2]
    await chat.press("8")  # asked again, and it goes on
    assert "Tim" in chat.last_text


async def test_a_parent_who_types_a_wrong_age_for_a_child_is_not_told_about_their_own_age(
    embedded: Services,
) -> None:
    chat = ChatDriver(embedded.engine, language_code="en")
    await chat.sign_up_as_parent()
    await chat.press("Add a child")
    await chat.send("Tim")
    await chat.send("eight")
    assert chat.texts()[-2] == "Please type a number from 6 to 16."
    await chat.send("4")  # a younger brother: the parent learns why it is asked again
    assert chat.texts()[-2] == "The quiz is for ages 6 to 16, so 4 is a bit young for it."
    assert chat.last_text.startswith("How old is Tim?")
    assert all("your age" not in text for text in chat.texts())
    await chat.send("8")
    assert "Tim" in chat.last_text and "How old" not in chat.last_text

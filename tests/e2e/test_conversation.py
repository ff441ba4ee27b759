"""Both runtimes, on both state backends and both SQL backends, hold the same conversation.

The real aiogram and python-telegram-bot clients long-poll a fake Bot API server that checks
every call against Telegram's limits (text length, callback data, HTML, unanswered buttons).
"""

from __future__ import annotations

import pytest

from bot.services import Services
from tests.e2e.bot_session import RUNTIMES, Person, polling
from tests.fake_telegram.server import FakeTelegram


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_the_whole_conversation(services: Services, tg: FakeTelegram, runtime: str) -> None:
    async with polling(services, tg, runtime):
        zoe = Person(tg, user_id=51_001, language_code="nl")
        await zoe.say("/start", "Wie is er aan het chatten?")
        await zoe.say("/help", "Dit kan ik allemaal")
        await zoe.say("/language", "Welke taal zullen we gebruiken?")
        await zoe.click("English", "Okay! I'll speak English from now on.")
        await zoe.click("young person", "What's your first name or nickname?")
        await zoe.say("Zoë", "How old are you, Zoë?")
        await zoe.click("16", "What is your e-mail address?")
        await zoe.say("zoe@example.nl", "What is your last name?")
        await zoe.say("de Vries", "What is your home address?")
        await zoe.say("Dorpsstraat 12, Utrecht", "About how many hours a week")
        await zoe.click("2 to 4", "Please check your details")
        await zoe.click("Yes, sign me up", "Ready for the quiz?")
        await zoe.click("Start the quiz", "Question 1 of 14")
        for number in range(2, 15):
            question = next(m for m in reversed(zoe.visible()) if m.buttons)
            first = question.buttons[0][0][0]
            await zoe.click(first, f"Question {number} of 14")
        question = next(m for m in reversed(zoe.visible()) if m.buttons)
        await zoe.click(question.buttons[0][0][0], "Ideas to try")
        await zoe.click("Why this result?", "Why this result?")
        await zoe.say("/cancel", "There's nothing to stop right now")
        photos = [m for m in zoe.visible() if m.kind == "photo"]
        attempts = [(c.method, c.status) for c in tg.calls_of("sendPhoto")]
        assert len(photos) == 1 and photos[0].file is not None, (attempts, tg.violations)
        assert photos[0].file.content.startswith(b"\xff\xd8\xff")  # a JPEG

        sam = Person(tg, user_id=51_002, language_code="en-GB")
        await sam.say("/start", "Who is chatting?")
        await sam.say("hello", "Please tap one of the buttons.")
        await sam.say("/nonsense", "I don't know that command")

    commands = tg.command_sets()
    assert {lang for _scope, lang in commands} >= {"nl", "en", ""}
    assert ("start", "Beginnen of verdergaan") in commands[("default", "nl")]
    assert ("start", "Start or continue") in commands[("default", "en")]
    assert not await tg.wait_answered()
    tg.assert_clean()


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_a_parent_signs_up_a_child_who_does_the_short_quiz_in_dutch(
    embedded: Services, tg: FakeTelegram, runtime: str
) -> None:
    async with polling(embedded, tg, runtime):
        anna = Person(tg, user_id=52_001, language_code="nl")
        await anna.say("/start", "Wie is er aan het chatten?")
        await anna.click("ouder of verzorger", "Wat is je voornaam?")
        await anna.say("Anna", "Wat is je achternaam?")
        await anna.say("Jansen", "Wat is je e-mailadres?")
        await anna.say("anna@example.nl", "Wat is je woonadres?")
        await anna.say("Kerkstraat 1, Zwolle", "Kijk je gegevens even na")
        await anna.click("Akkoord, meld me aan", "Voeg nu je kind toe")
        await anna.click("Kind toevoegen", "voornaam of bijnaam van je kind")
        await anna.say("Tim", "Hoe oud is Tim?")
        await anna.click("8", "achternaam van Tim")
        await anna.click("Dezelfde als de mijne", "Hoeveel uur per week speelt Tim")
        await anna.click("Minder dan 1 uur", "Kijk de gegevens van Tim even na")
        await anna.click("Voeg mijn kind toe", "Klaar voor de quiz van Tim?")
        await anna.click("Quiz voor Tim", "Vraag 1 van 10")
        # The 6-9 form, for Tim holding the phone or hearing it read aloud.
        assert any("Tim is aan de beurt" in m.text for m in anna.visible() if m.text)
        assert "Vraag je kind" not in anna.last_text
        for number in range(2, 11):
            question = next(m for m in reversed(anna.visible()) if m.buttons)
            await anna.click(question.buttons[0][0][0], f"Vraag {number} van 10")
        question = next(m for m in reversed(anna.visible()) if m.buttons)
        await anna.click(question.buttons[0][0][0], "Uitslag van Tim")
        assert any(m.kind == "photo" for m in anna.visible())
    assert not await tg.wait_answered()
    tg.assert_clean()

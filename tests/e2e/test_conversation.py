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
        assert photos[0].file.content.startswith(b"\x89PNG")

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

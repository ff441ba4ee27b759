"""Random walks through the bot: whatever a person presses or types, in whatever order, no handler
crashes, every button press is answered once, and every message is one Telegram would accept.

The walks are seeded, so a failure repeats: the assertion message names the seed and the steps
that led there. They press the newest buttons most, old ones sometimes (stale screens), and type
names, numbers, e-mail addresses, commands and junk in between. A walk from nothing rarely gets
far, so walks also start from a young person with a result and from a parent with two children.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from bot.config import Settings
from bot.services import Services, build_services
from dialogs.engine import APOLOGY
from dialogs.i18n import Translator
from tests.chat import ChatDriver
from tests.privacy.markers import ZOE
from tests.privacy.test_forget_texts import parent_with_noor_and_tim
from tests.privacy.test_rights import teen_with_quiz

TYPED = [
    "Sam",
    "Zoë-Lynn",
    "de Vries",
    "12",
    "6",
    "16",
    "99",
    "0",
    "sam@example.org",
    "not an e-mail",
    "Kerkstraat 1, 8011 AB Zwolle",
    "🙂",
    "<b>bold</b> & <i>",
    "$5 {name} %s",
    "ja",
    "x" * 5000,
    " ",
]
COMMANDS = [
    "/start",
    "/help",
    "/cancel",
    "/language",
    "/result",
    "/retake",
    "/mydata",
    "/edit",
    "/organisations",
    "/privacy",
    "/forget",
    "/nothing",
    "/start bogus-invite",
]
STEPS = 200


async def newcomer(services: Services, user_id: int, language: str) -> ChatDriver:
    chat = ChatDriver(services.engine, user_id=user_id, language_code=language)
    await chat.send("/start")
    return chat


async def teen_with_result(services: Services, user_id: int, language: str) -> ChatDriver:
    markers = replace(ZOE, telegram_id=user_id)
    chat = await teen_with_quiz(services, markers)
    await chat.send("/language")
    await chat.press("Nederlands" if language == "nl" else "English")
    return chat


async def parent_of_two(services: Services, user_id: int, language: str) -> ChatDriver:
    chat = await parent_with_noor_and_tim(services)
    await chat.send("/language")
    await chat.press("Nederlands" if language == "nl" else "English")
    return chat


STARTS: dict[str, Callable[[Services, int, str], Awaitable[ChatDriver]]] = {
    "newcomer": newcomer,
    "teen with a result": teen_with_result,
    "parent of two": parent_of_two,
}


def apologies(translator: Translator) -> set[str]:
    return {translator.texts(locale).gettext(APOLOGY) for locale in ("nl", "en")}


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("start", list(STARTS))
async def test_a_random_walk_never_crashes_a_handler(
    start: str, seed: int, make_settings: Callable[..., Settings]
) -> None:
    services = await build_services(make_settings())
    try:
        rnd = random.Random(f"{start}:{seed}")
        chat = await STARTS[start](services, 9_900_000 + seed, rnd.choice(["nl", "en"]))
        sorry = apologies(services.translator)
        steps: list[str] = []
        for _ in range(STEPS):
            pressable = [
                (message, button.data)
                for message in chat.mine()
                for row in message.keyboard or ()
                for button in row
                if button.data is not None
            ]
            newest = [p for p in pressable if p[0] is chat.mine()[-1]] or pressable[-4:]
            roll = rnd.random()
            answers = len(chat.messenger.answers)
            before = len(chat.messenger.messages)
            if pressable and roll < 0.6:
                message, data = rnd.choice(newest if roll < 0.5 else pressable)
                steps.append(f"press {data[:24]} on #{message.message_id}")
                await chat.press_data(data, message.message_id)
                assert len(chat.messenger.answers) == answers + 1, steps[-12:]
            elif roll < 0.9:
                text = rnd.choice(TYPED)
                steps.append(f"type {text[:24]!r}")
                await chat.send(text)
            else:
                command = rnd.choice(COMMANDS)
                steps.append(command)
                await chat.send(command)
            shown = [m.text for m in chat.messenger.messages[before:]] + [
                a[1] or "" for a in chat.messenger.answers[answers:]
            ]
            assert not any(line in text for text in shown for line in sorry), (
                f"{start}, seed {seed}: a handler failed after {steps[-12:]}"
            )
    finally:
        await services.close()

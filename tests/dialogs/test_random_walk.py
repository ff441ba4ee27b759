"""Random walks through the bot: whatever a person presses or types, in whatever order, no handler
crashes, every button press is answered once, and every message is one Telegram would accept.

The walks are seeded, so a failure repeats: the assertion message names the seed and the steps
that led there. They press the newest buttons most, old ones sometimes (stale screens), and type
names, numbers, e-mail addresses, commands and junk in between. A walk from nothing rarely gets
far, so walks also start from an invite link, from a young person with a result and from a
parent with two children.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from bot.config import Settings
from bot.services import Services, build_services
from dialogs.engine import APOLOGY
from dialogs.events import ButtonPressed, ChatKind, Incoming, parse_command
from dialogs.i18n import Translator
from tests.chat import ChatDriver
from tests.dialogs.organisations.test_flow import PLATFORM, new_link, setup_orgs
from tests.messenger import RecordingMessenger
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


async def invited_newcomer(services: Services, user_id: int, language: str) -> ChatDriver:
    """Opens an organisation's invite link (a parent may link children, a teen themselves)."""
    _, school, _ = await setup_orgs(services)
    code = await new_link(school)
    chat = ChatDriver(services.engine, user_id=user_id, language_code=language)
    await chat.send(f"/start {code}")
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
    "invited newcomer": invited_newcomer,
    "teen with a result": teen_with_result,
    "parent of two": parent_of_two,
}


def apologies(translator: Translator) -> set[str]:
    return {translator.texts(locale).gettext(APOLOGY) for locale in ("nl", "en")}


async def walk(services: Services, start: str, seed: int, steps_to_take: int = STEPS) -> None:
    """One seeded walk from ``start``; fails naming the seed and the last steps."""
    rnd = random.Random(f"{start}:{seed}")
    chat = await STARTS[start](services, 9_900_000 + seed, rnd.choice(["nl", "en"]))
    sorry = apologies(services.translator)
    steps: list[str] = []
    for _ in range(steps_to_take):
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


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("start", list(STARTS))
async def test_a_random_walk_never_crashes_a_handler(
    start: str, seed: int, make_settings: Callable[..., Settings]
) -> None:
    services = await build_services(make_settings(admin_ids=frozenset({PLATFORM})))
    try:
        await walk(services, start, seed)
    finally:
        await services.close()


@pytest.mark.parametrize("start", ["teen with a result", "parent of two"])
async def test_a_random_walk_on_every_backend(
    start: str,
    make_settings: Callable[..., Settings],
    database_url: str,
    state_backend: str | None,
    request: pytest.FixtureRequest,
) -> None:
    """Shorter walks on PostgreSQL and Redis too: their locking and state code differ."""
    overrides: dict[str, object] = {
        "database_url": database_url,
        "redis_url": state_backend,
        "admin_ids": frozenset({PLATFORM}),
    }
    if state_backend is not None:
        overrides["redis_prefix"] = request.getfixturevalue("redis_prefix")
    services = await build_services(make_settings(**overrides))
    try:
        await walk(services, start, seed=3, steps_to_take=100)
    finally:
        await services.close()


ADMIN = 9_800_001
ADMIN_CHAT = -1_009_800_000
ARGS = ["1", "2", "3", "99", "0", "-1", "abc", "", "1 " + "x" * 300, "2 because the law says so"]
ADMIN_COMMANDS = [
    "/requests",
    "/request {n}",
    "/assign {n}",
    "/reply {n} Yes, you may.",
    "/done {n}",
    "/reject {n} We cannot do that.",
    "/extend {n} It takes longer.",
    "/hold {n} A court asked us to keep it.",
    "/release {n}",
    "/newrequest access ouder@example.nl Please send me my data.",
    "/newrequest {n}",
    "/neworg SCHOOL De Regenboog",
    "/neworg {n}",
    "/orgadmin SCHOOL 9900100",
    "/orgadmin {n}",
    "/invite SCHOOL 30d 5x Group 7",
    "/invite {n}",
    "/invites",
    "/stats",
    "/stats SCHOOL",
    "/export SCHOOL",
    "/export {n}",
    "/help",
]


@pytest.mark.parametrize("seed", [1, 2])
async def test_a_random_walk_of_an_admin_never_crashes_a_handler(
    seed: int, make_settings: Callable[..., Settings]
) -> None:
    """An admin types admin commands with good and bad arguments, in a private chat and in the
    admin chat, presses what comes back, while people keep asking things."""
    services = await build_services(
        make_settings(admin_ids=frozenset({ADMIN}), admin_chat_id=ADMIN_CHAT)
    )
    try:
        rnd = random.Random(f"admin:{seed}")
        messenger = RecordingMessenger()
        admin = ChatDriver(services.engine, user_id=ADMIN, language_code="en", messenger=messenger)
        people = [
            ChatDriver(services.engine, user_id=9_800_100 + i, language_code=language)
            for i, language in enumerate(("nl", "en"))
        ]
        for person in people:
            person.messenger = messenger
        sorry = apologies(services.translator)
        steps: list[str] = []
        for step in range(STEPS):
            before, answers = len(messenger.messages), len(messenger.answers)
            roll = rnd.random()
            pressable = [
                (message, button.data)
                for message in messenger.messages
                if message.chat_id in (ADMIN, ADMIN_CHAT)
                for row in message.keyboard or ()
                for button in row
                if button.data is not None
            ]
            if roll < 0.15:
                person = rnd.choice(people)
                steps.append(f"{person.user.id} asks")
                await person.send("/help")
                await person.press_data(
                    person.button("🙋")[1].data or "", person.mine()[-1].message_id
                )
                kinds = person.mine()[-1]
                _, kind = rnd.choice([(kinds, b) for row in kinds.keyboard or () for b in row])
                await person.press_data(kind.data or "", kinds.message_id)
                await person.send(rnd.choice(["Mag ik dit?", "Please delete me.", "🙂"]))
            elif pressable and roll < 0.45:
                message, data = rnd.choice(pressable[-6:])
                steps.append(f"press {data[:24]} on #{message.message_id}")
                in_group = message.chat_id == ADMIN_CHAT
                await services.engine.handle(
                    Incoming(
                        update_id=None,
                        user=admin.user,
                        chat_id=message.chat_id,
                        event=ButtonPressed(
                            data=data, message_id=message.message_id, callback_id=f"a{step}"
                        ),
                        chat_kind=ChatKind.GROUP if in_group else ChatKind.PRIVATE,
                    ),
                    messenger,
                )
                assert len(messenger.answers) == answers + 1, steps[-12:]
            else:
                command = rnd.choice(ADMIN_COMMANDS).format(n=rnd.choice(ARGS))
                in_group = rnd.random() < 0.4
                steps.append(f"{command[:40]}{' (group)' if in_group else ''}")
                parsed = parse_command(command)
                assert parsed is not None
                await services.engine.handle(
                    Incoming(
                        update_id=None,
                        user=admin.user,
                        chat_id=ADMIN_CHAT if in_group else ADMIN,
                        event=parsed,
                        chat_kind=ChatKind.GROUP if in_group else ChatKind.PRIVATE,
                    ),
                    messenger,
                )
            shown = [m.text for m in messenger.messages[before:]] + [
                a[1] or "" for a in messenger.answers[answers:]
            ]
            assert not any(line in text for text in shown for line in sorry), (
                f"admin, seed {seed}: a handler failed after {steps[-12:]}"
            )
    finally:
        await services.close()

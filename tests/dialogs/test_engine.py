"""The engine with real storage (embedded SQLite + memory state) and a recording messenger."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from unittest.mock import ANY

import pytest

from bot.services import Services
from dialogs.app import build_dialogs
from dialogs.context import (
    PERSONAL_KEY,
    CommandSpec,
    Context,
    PersonalMessage,
    keyboard,
    person_tag,
    personal_messages,
)
from dialogs.delivery import Delivered, perform
from dialogs.effects import AnswerCallback, Edit, Send, SendPhoto
from dialogs.engine import PERSONAL_KEPT_SECONDS, Engine, mark_personal, remember_personal
from dialogs.errors import CannotEdit, NotModified, RateLimited
from dialogs.events import ChatKind, Incoming, OtherSent, UserRef
from dialogs.payload import Payload
from storage.state import ConversationState
from tests.chat import ChatDriver
from tests.messenger import RecordingMessenger


class CounterFlow:
    """A tiny flow with screens, to exercise the engine's rules."""

    code = "cnt"

    async def start(self, ctx: Context, _args: str) -> None:
        ctx.go(self.code, "counting", n=0)
        ctx.new_screen()
        await self.resume(ctx)

    async def resume(self, ctx: Context) -> None:
        n = ctx.state.data["n"]
        ctx.show(
            f"Count: {n}",
            keyboard(
                [ctx.button("+1", self.code, "inc")],
                [ctx.button("boom", self.code, "boom"), ctx.button("save+boom", self.code, "sb")],
            ),
        )

    async def on_button(self, ctx: Context, payload: Payload) -> None:
        if payload.action == "boom":
            raise RuntimeError("flow bug with secret text Zoë")
        if payload.action == "sb":
            account = await ctx.uow.accounts.ensure(ctx.user_id)
            await ctx.uow.accounts.set_locale(account.id, "en")
            raise RuntimeError("after a write")
        n = ctx.state.data["n"]
        assert isinstance(n, int)
        ctx.state.data["n"] = n + 1
        ctx.new_screen()
        await self.resume(ctx)

    async def on_text(self, ctx: Context, text: str) -> None:
        ctx.say(f"typed while counting ({len(text)} chars)")


@pytest.fixture
async def engine(embedded: Services) -> AsyncIterator[Engine]:
    dialogs = build_dialogs()
    counter = CounterFlow()
    yield Engine(
        db=embedded.db,
        states=embedded.states,
        translator=embedded.translator,
        keys=embedded.keys,
        flows=(*dialogs.flows, counter),
        commands=(*dialogs.commands, CommandSpec("count", "count", counter.start, menu=False)),
        settings=embedded.engine.settings,
    )


async def test_start_greets_in_the_users_language(engine: Engine) -> None:
    dutch = ChatDriver(engine, user_id=1, language_code="nl")
    english = ChatDriver(engine, user_id=2, language_code="en-GB")
    other = ChatDriver(engine, user_id=3, language_code="de")
    await dutch.send("/start")
    await english.send("/start")
    await other.send("/start")
    assert "Speelstijl" in dutch.texts()[0]
    assert "Play Style" in english.texts()[0]
    assert "Speelstijl" in other.texts()[0]  # unsupported language: DEFAULT_LOCALE (nl)


async def test_help_lists_the_menu_commands(engine: Engine) -> None:
    chat = ChatDriver(engine, language_code="en")
    await chat.send("/help")
    for command in ("/start", "/help", "/language", "/cancel"):
        assert command in chat.last_text
    assert "/count" not in chat.last_text  # not a menu command


async def test_language_choice_is_kept_in_sql(engine: Engine, embedded: Services) -> None:
    chat = ChatDriver(engine, language_code="nl")
    await chat.send("/language")
    assert chat.last_text == "Welke taal zullen we gebruiken?"
    effects = await chat.press("English")
    assert isinstance(effects[0], AnswerCallback)
    assert chat.messenger.by_id(1).text == "Okay! I'll speak English from now on."
    await chat.send("/start")
    assert (
        "Play Style" in chat.last_text.replace("Tap /help", "") or "Play Style" in chat.texts()[-2]
    )
    async with embedded.db.unit_of_work() as uow:
        account = await uow.accounts.by_telegram(chat.user.id)
    assert account is not None and account.locale == "en"


async def test_language_change_resumes_the_current_flow(engine: Engine) -> None:
    chat = ChatDriver(engine, language_code="nl")
    await chat.send("/count")
    await chat.press("+1")
    await chat.send("/language")
    await chat.press("English")
    assert chat.last_text == "Count: 1"  # the counter is shown again, still usable
    await chat.press("+1")
    assert chat.last_text == "Count: 2"


async def test_stale_button_is_refused_politely(engine: Engine) -> None:
    chat = ChatDriver(engine, language_code="en")
    await chat.send("/count")
    first = chat.messenger.last
    _, old_button = chat.button("+1", first)
    await chat.press("+1")
    assert chat.last_text == "Count: 1"
    assert old_button.data is not None
    await chat.press_data(old_button.data, first.message_id)  # same button, pressed again
    assert chat.last_text == "Count: 1"  # nothing counted twice
    assert chat.messenger.answers[-1][1] == (
        "That button is from an older message. Please use the newest one."
    )


async def test_forged_button_is_refused_politely(engine: Engine) -> None:
    chat = ChatDriver(engine, language_code="en")
    await chat.send("/count")
    _, button = chat.button("+1")
    assert button.data is not None
    forged = button.data[:-3] + "AAA"
    await chat.press_data(forged, chat.messenger.last.message_id)
    await chat.press_data("1cnt.0.inc..xxxxxxxx", chat.messenger.last.message_id)
    assert [a[1] for a in chat.messenger.answers] == ["Sorry, I can't use that button."] * 2
    assert chat.last_text == "Count: 0"


async def test_button_of_another_user_is_refused(engine: Engine) -> None:
    alice = ChatDriver(engine, user_id=10, language_code="en")
    mallory = ChatDriver(engine, user_id=11, language_code="en", messenger=alice.messenger)
    await alice.send("/count")
    _, button = alice.button("+1")
    assert button.data is not None
    await mallory.press_data(button.data, alice.messenger.last.message_id)
    assert alice.messenger.answers[-1][1] == "Sorry, I can't use that button."


async def test_repeated_update_is_handled_once(engine: Engine) -> None:
    chat = ChatDriver(engine, language_code="en")
    await chat.send("/help", update_id=10_000)
    await chat.send("/help", update_id=10_000)
    assert len(chat.texts()) == 1


async def test_cancel_leaves_the_flow_and_makes_its_buttons_stale(engine: Engine) -> None:
    chat = ChatDriver(engine, language_code="en")
    await chat.send("/count")
    counter = chat.messenger.last
    await chat.send("/cancel")
    assert chat.last_text == "Okay, I've stopped. Tap /start to begin again."
    await chat.press("+1", counter)
    assert chat.messenger.answers[-1][1].startswith("That button is from an older message")
    await chat.send("/cancel")
    assert chat.last_text.startswith("There's nothing to stop right now.")


async def test_crash_in_a_flow_apologises_and_keeps_nothing(
    engine: Engine, embedded: Services, captured_logs: Callable[[], str]
) -> None:
    chat = ChatDriver(engine, language_code="en")
    await chat.send("/count")
    counter = chat.messenger.last
    await chat.press("save+boom")
    assert chat.last_text == "Oops, something went wrong on my side. Please try again in a moment."
    assert len(chat.messenger.answers) == 1  # the spinner stops even on a crash
    async with embedded.db.unit_of_work() as uow:
        assert await uow.accounts.by_telegram(chat.user.id) is None  # rolled back
    await chat.press("+1")  # the state was left as it was: the same screen still works
    assert chat.messenger.by_id(counter.message_id).text == "Count: 1"
    logged = captured_logs()
    assert '"error": "RuntimeError"' in logged
    assert "Zoë" not in logged and "secret" not in logged


async def test_text_and_other_messages(engine: Engine) -> None:
    chat = ChatDriver(engine, language_code="en")
    await chat.send("hello")
    assert chat.last_text == "I didn't understand that. Tap /help to see what I can do."
    await chat.send("/nonsense")
    assert chat.last_text == "I don't know that command. /help shows what I can do."
    await chat.send("/count")
    await chat.deliver(OtherSent("sticker"))
    assert chat.texts()[-2] == "I can only read text messages and buttons."
    assert chat.last_text == "Count: 0"


async def test_in_a_group_chatter_and_other_bots_commands_get_no_answer(engine: Engine) -> None:
    chat = ChatDriver(engine, language_code="en")
    assert await chat.send("just talking", chat_kind=ChatKind.GROUP) == []
    assert await chat.send("/poll what shall we play?", chat_kind=ChatKind.GROUP) == []
    effects = await chat.send("/help", chat_kind=ChatKind.GROUP)
    assert [e.text for e in effects if isinstance(e, Send)] == [
        "I only answer that in a private chat. Open a chat with me: @playbot"
    ]


async def test_a_press_while_the_last_one_is_still_busy_is_answered(engine: Engine) -> None:
    chat = ChatDriver(engine, language_code="en")
    await chat.send("/count")
    engine.states.wait_timeout = 0.05
    stuck = await engine.states.claim(engine.user_key(chat.user.id), None)  # a slow update
    assert stuck is not None
    effects = await chat.press("+1")
    assert effects == [
        AnswerCallback(ANY, "I'm still busy with your last message. Please try again in a moment.")
    ]
    assert chat.messenger.answers[-1][1] == effects[0].text  # the spinner stopped, with a word
    sent = await chat.send("hello")
    assert [e.text for e in sent if isinstance(e, Send)] == [effects[0].text]
    await engine.states.release(stuck, stuck.state)
    await chat.press("+1")
    assert "Count: 1" in chat.texts()  # the counter message, edited in place


async def test_waiting_on_rate_limits_stays_within_one_budget_per_update() -> None:
    messenger = RecordingMessenger(failures=[RateLimited(0.03), RateLimited(0.03)])
    started = time.monotonic()
    delivered = await perform(messenger, [Send(1, "first"), Send(1, "second")], retry_budget=0.05)
    # The first message waited 0.03 s and was refused again: another 0.03 s would overrun the
    # budget, so it is given up (and logged) and the next message goes.
    assert [d.message_id is not None for d in delivered] == [False, True]
    assert [m.text for m in messenger.messages] == ["second"]
    assert time.monotonic() - started < 0.5


async def test_delivery_problems_are_survived(engine: Engine) -> None:
    chat = ChatDriver(engine, language_code="en")
    await chat.send("/count")
    chat.messenger.failures = [NotModified("same")]
    await chat.press("+1")  # the edit is refused as "not modified": fine
    chat.messenger.failures = [CannotEdit("too old")]
    await chat.press("+1")  # the edit cannot happen: the screen comes as a new message
    assert chat.last_text == "Count: 2"
    chat.messenger.failures = [RateLimited(0.01)]
    await chat.send("/help")
    assert "/start" in chat.last_text


async def test_lost_state_starts_fresh_with_old_buttons_stale(
    engine: Engine, embedded: Services
) -> None:
    chat = ChatDriver(engine, language_code="en")
    await chat.send("/count")
    counter = chat.messenger.last
    await embedded.states.forget(engine.user_key(chat.user.id))
    await chat.press("+1", counter)
    assert chat.messenger.answers[-1][1].startswith("That button is from an older message")


async def test_state_holds_no_telegram_id(engine: Engine, embedded: Services) -> None:
    chat = ChatDriver(engine, user_id=987_654_321_012, language_code="en")
    await chat.send("/count")
    stored = await embedded.states.peek(engine.user_key(chat.user.id))
    assert stored is not None
    assert "987654321012" not in stored.to_json()
    assert "987654321012" not in engine.user_key(chat.user.id)


TOM = uuid.UUID("7011a000-0000-4000-8000-000000000001")
ANNA = uuid.UUID("a22a0000-0000-4000-8000-000000000002")


def test_messages_to_the_sender_that_name_them_are_personal_and_about_those_named() -> None:
    effects = [
        Send(1, "✅ Tom &amp; Jerry is linked to De Regenboog."),  # escaped in HTML
        Send(1, "Question 3 of 12"),
        Send(2, "Tom &amp; Jerry asked a question."),  # another chat: not theirs to delete
        SendPhoto(1, b"jpg", "chart.jpg", caption="Tom &amp; Jerry's play style"),
        Send(1, "x", personal=True),  # the flow knows it is personal, not whose
        Send(1, "Anna, here is Tom &amp; Jerry's result", personal=True),
    ]
    private = Incoming(None, UserRef(1), 1, OtherSent("sticker"))
    shown = {"Tom & Jerry": {TOM}, "Anna": {ANNA}, " ": {ANNA}}
    marked = mark_personal(effects, private, shown)
    assert [getattr(e, "personal", None) for e in marked] == [True, False, False, True, True, True]
    tom, anna = person_tag(TOM), person_tag(ANNA)
    assert [getattr(e, "about", None) for e in marked] == [
        (tom,),
        (),
        (),
        (tom,),
        (),
        tuple(sorted((tom, anna))),
    ]
    assert mark_personal(effects, private, {}) == effects
    # In a group the remembered ids would be the group's, and /forget deletes in the private chat.
    group = Incoming(None, UserRef(1), 1, OtherSent("sticker"), chat_kind=ChatKind.GROUP)
    assert mark_personal(effects, group, shown) == effects


def test_remembered_messages_keep_whose_they_are_and_read_older_entries() -> None:
    state = ConversationState()
    state.data[PERSONAL_KEY] = [[10, 1_000], [11, 1_000, "x"], ["bad", 1], [12]]  # older forms
    now = 1_000 + 60
    sent = [
        Delivered(Send(1, "Tom", personal=True, about=(person_tag(TOM),)), 20),
        Delivered(Send(1, "not personal"), 21),
        Delivered(Send(1, "failed", personal=True), None),
    ]

    remember_personal(state, sent, now=now)

    assert personal_messages(state) == [
        PersonalMessage(10, 1_000, ()),
        PersonalMessage(11, 1_000, ("x",)),
        PersonalMessage(20, now, (person_tag(TOM),)),
    ]
    # A message edited in place shows only its new text; one that could not be edited (a new
    # message came instead) still shows the old.
    remember_personal(
        state,
        [Delivered(Edit(1, 10, "Question 2 of 12"), 10), Delivered(Edit(1, 11, "Hi"), 30)],
        now=now,
    )
    assert [entry.message_id for entry in personal_messages(state)] == [11, 20]
    later = now + PERSONAL_KEPT_SECONDS - 1  # too late to delete the first, not the second
    remember_personal(state, [], now=later)
    assert personal_messages(state) == [PersonalMessage(20, now, (person_tag(TOM),))]

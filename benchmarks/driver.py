"""Simulated users, closed loop, against the fake Bot API server (in the benchmark's process).

Each user sends one update, waits until the bot has handled it, then sends the next. "Handled" is
decided from what the bot does in that user's chat, seen through the fake's ``on_call`` hook:

1. the expected reply arrived (the echoed text; the next question; the result card...), so the
   next press always finds the current buttons, and
2. the bot then made no further call for that chat for ``quiet`` seconds (trailing messages of
   the same update, e.g. the card after the chart picture, are not mistaken for the next one's).

Latency is measured from pushing the update to the bot's first reply call for the chat other than
answerCallbackQuery (the time the fake received it); time to answerCallbackQuery is kept apart.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from tests.fake_telegram.models import Call
from tests.fake_telegram.server import FakeTelegram

Rows = list[list[tuple[str, str]]]
Expect = Callable[[str, Rows], bool]

QUESTION: Final = re.compile(r"Question (\d+) of (\d+)")
RESULT_BUTTON: Final = "quiz again"
"""A label on the result card's keyboard ("🔁 Do the quiz again"): the quiz is over."""
KEYBOARDS_KEPT: Final = 8
REPLY_METHODS: Final = frozenset(
    {"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "editMessageCaption"}
)


class ExchangeTimeout(Exception):
    """The bot did not give the expected reply in time."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One update, from push to handled (``time.monotonic()`` seconds)."""

    kind: str
    pushed: float
    reply: float
    """Seconds from the push to the bot's first reply call in the chat."""
    answered: float | None
    """Seconds from the push to answerCallbackQuery (button presses only)."""
    done: float
    photos: int


def _rows(markup: object) -> Rows:
    if not isinstance(markup, dict):
        return []
    return [
        [(str(b.get("text", "")), str(b.get("callback_data") or b.get("url") or "")) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]


class Chat:
    """One simulated user's private chat, followed through the fake's call hook."""

    def __init__(
        self, tg: FakeTelegram, user_id: int, *, quiet: float, timeout: float, share: float = 0.0
    ) -> None:
        self.tg = tg
        self.user_id = user_id
        self.share = share
        """Where in the quiz this user starts the measured loop (0 = first question)."""
        self.quiet = quiet
        self.timeout = timeout
        self.keyboards: OrderedDict[int, tuple[str, Rows]] = OrderedDict()
        """Recent messages with buttons: message id -> (text, rows), newest last."""
        self.last_call = 0.0
        self.notices: Counter[str] = Counter()
        """Callback answers with a text (e.g. "that button is no longer valid")."""
        self._expect: Expect | None = None
        self._matched = asyncio.Event()
        self._first_reply: float | None = None
        self._answered: float | None = None
        self._photos = 0

    # --- fed by the hook ---

    def on_call(self, call: Call) -> None:
        """Record one answered Bot API call of the bot in this chat."""
        self.last_call = time.monotonic()
        if call.method == "answerCallbackQuery":
            if self._answered is None:
                self._answered = call.time
            text = call.params.get("text")
            if text:
                self.notices[str(text)] += 1
            return
        if call.status != 200 or call.method not in REPLY_METHODS:
            return
        if self._first_reply is None:
            self._first_reply = call.time
        result = call.result
        if not isinstance(result, dict):
            return
        text = str(result.get("text") or result.get("caption") or "")
        rows = _rows(result.get("reply_markup"))
        if "photo" in result:
            self._photos += 1
        if rows:
            message_id = int(result["message_id"])
            self.keyboards[message_id] = (text, rows)
            self.keyboards.move_to_end(message_id)
            while len(self.keyboards) > KEYBOARDS_KEPT:
                self.keyboards.popitem(last=False)
        if self._expect is not None and self._expect(text, rows):
            self._expect = None
            self._matched.set()

    # --- used by the simulated user ---

    def _start(self, expect: Expect) -> None:
        self._expect = expect
        self._matched.clear()
        self._first_reply = self._answered = None
        self._photos = 0

    async def exchange(self, kind: str, push: Callable[[], object], expect: Expect) -> Sample:
        """Push one update and wait until the bot has handled it (see the module docstring)."""
        self._start(expect)
        pushed = time.monotonic()
        push()
        try:
            async with asyncio.timeout(self.timeout):
                await self._matched.wait()
        except TimeoutError:
            self._expect = None
            raise ExchangeTimeout(f"user {self.user_id}: no expected reply to {kind}") from None
        # The end of the quiet period moves with every call, so sleep to the earliest possible
        # end and look again: cheaper than an Event per call for every user.
        while (idle := time.monotonic() - self.last_call) < self.quiet:  # noqa: ASYNC110
            await asyncio.sleep(self.quiet - idle)
        first_reply = self._first_reply
        assert first_reply is not None  # the expected reply is a reply
        return Sample(
            kind=kind,
            pushed=pushed,
            reply=first_reply - pushed,
            answered=None if self._answered is None else self._answered - pushed,
            done=time.monotonic(),
            photos=self._photos,
        )

    def button(self, label: str) -> tuple[int, str]:
        """(message id, callback data) of the newest button whose label contains ``label``."""
        for message_id, (_text, rows) in reversed(self.keyboards.items()):
            for row in rows:
                for text, data in row:
                    if label in text:
                        return message_id, data
        raise LookupError(f"user {self.user_id}: no button {label!r}")

    def current_question(self) -> tuple[int, int, int, str]:
        """(message id, number, total, callback data of the first answer) of the newest question."""
        for message_id, (text, rows) in reversed(self.keyboards.items()):
            found = QUESTION.search(text)
            if found and rows:
                return message_id, int(found[1]), int(found[2]), rows[0][0][1]
        raise LookupError(f"user {self.user_id}: no question on screen")

    def say(self, text: str) -> Callable[[], object]:
        """A push that sends ``text`` (a ``/command`` gets its entity, as Telegram adds it)."""
        return lambda: self.tg.push_message(self.user_id, text)

    def press(self, message_id: int, data: str) -> Callable[[], object]:
        """A push that presses a button."""
        return lambda: self.tg.push_callback(self.user_id, message_id, data)


def contains(expected: str, *, with_buttons: bool = False) -> Expect:
    """A reply whose visible text contains ``expected`` (and has buttons, if asked)."""
    return lambda text, rows: expected in text and (bool(rows) or not with_buttons)


def _same(expected: str) -> Expect:
    return lambda text, _rows: text == expected


def shows_result(text: str, rows: Rows) -> bool:
    """The result card: a keyboard offering to do the quiz again."""
    return any(RESULT_BUTTON in label for row in rows for label, _ in row)


@dataclass
class Driver:
    """All simulated users of one phase, their samples and the errors seen on the wire."""

    tg: FakeTelegram
    quiet: float
    timeout: float
    chats: dict[int, Chat] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    timeouts: int = 0
    polled: asyncio.Event = field(default_factory=asyncio.Event)
    stop_at: float = float("inf")

    def __post_init__(self) -> None:
        self.tg.on_call(self._on_call)

    def _on_call(self, call: Call) -> None:
        if call.status != 200:
            self.errors[f"{call.method} {call.status}: {call.description}"] += 1
        if call.method == "getUpdates":
            self.polled.set()
            return
        chat = self.chats.get(call.chat_id) if call.chat_id is not None else None
        if chat is not None:
            chat.on_call(call)

    def add_users(self, count: int, first_id: int = 700_001) -> list[Chat]:
        """``count`` users in private chats with the bot."""
        chats = [
            Chat(self.tg, first_id + i, quiet=self.quiet, timeout=self.timeout, share=i / count)
            for i in range(count)
        ]
        self.chats.update((c.user_id, c) for c in chats)
        return chats

    @property
    def running(self) -> bool:
        """Whether users should send another update."""
        return time.monotonic() < self.stop_at

    async def _loop(self, chat: Chat, body: Callable[[Chat], Any]) -> None:
        try:
            await body(chat)
        except ExchangeTimeout:
            self.timeouts += 1
        except LookupError as exc:  # the expected buttons were not there: a bot or driver bug
            self.errors[f"driver: {exc}"] += 1

    async def run(self, chats: list[Chat], body: Callable[[Chat], Any]) -> None:
        """Run ``body`` for every user concurrently; errors are counted, never raised."""
        await asyncio.gather(*(self._loop(chat, body) for chat in chats))

    # --- the scenarios ---

    async def echo(self, chat: Chat) -> None:
        """Text messages, each answered with the same text."""
        number = 0
        while self.running:
            number += 1
            text = f"hello {chat.user_id} #{number}"
            self.samples.append(await chat.exchange("echo", chat.say(text), _same(text)))

    async def prepare(self, chat: Chat) -> None:
        """Sign up as a 16-year-old young person, start the quiz and answer a few questions.

        Not measured. Each user stops at a different question (``chat.share`` of the way), so
        the measured loop sees the steady mix of answers, results (with a chart) and retakes
        from its first second, not every user finishing at once after a lock-step start.
        """
        steps: list[tuple[str, str, str]] = [
            ("say", "/start", "Who is chatting?"),
            ("click", "young person", "What's your first name or nickname?"),
            ("say", "Sam", "How old are you"),
            ("click", "16", "What is your e-mail address?"),
            ("say", f"bench{chat.user_id}@example.org", "What is your last name?"),
            ("say", "Jansen", "What is your home address?"),
            ("say", "Dorpsstraat 12, Utrecht", "About how many hours a week"),
            ("click", "2 to 4", "Please check your details"),
            ("click", "Yes, sign me up", "Ready for the quiz?"),
            ("click", "Start the quiz", "Question 1 of"),
        ]
        for action, what, expect in steps:
            push = chat.say(what) if action == "say" else chat.press(*chat.button(what))
            await chat.exchange("prepare", push, contains(expect))
        _, _, total, _ = chat.current_question()
        for _ in range(int(chat.share * total)):
            await self._answer(chat)

    async def _answer(self, chat: Chat) -> Sample:
        """Press the first answer of the current question; the next question or the result."""
        message_id, number, total, data = chat.current_question()
        if number < total:
            expect = contains(f"Question {number + 1} of {total}", with_buttons=True)
            return await chat.exchange("answer", chat.press(message_id, data), expect)
        return await chat.exchange("finish", chat.press(message_id, data), shows_result)

    async def floor(self, chat: Chat) -> None:
        """Press the first answer of the current question, again and again (the floor bot)."""
        first = contains("Question 1 of", with_buttons=True)
        await chat.exchange("prepare", chat.say("/start"), first)
        while self.running:
            message_id, number, total, data = chat.current_question()
            expect = contains(f"Question {number % total + 1} of {total}", with_buttons=True)
            self.samples.append(await chat.exchange("answer", chat.press(message_id, data), expect))

    async def quiz(self, chat: Chat) -> None:
        """Loop the quiz: answer with the first button each time; /retake after the result."""
        first = contains("Question 1 of", with_buttons=True)
        while self.running:
            sample = await self._answer(chat)
            self.samples.append(sample)
            if sample.kind == "finish" and self.running:
                self.samples.append(await chat.exchange("retake", chat.say("/retake"), first))

"""What one update costs in round trips: at most one SQL transaction, and exactly two Redis round
trips (claim + release) when the state is in Redis. Issue 2's targets, checked update by update
on a whole conversation; ``make bench`` prints the same figures under load."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.services import Services
from dialogs.effects import Effect
from dialogs.events import Event
from tests.chat import ChatDriver
from tests.conftest import redis_store_of
from tests.dialogs.assessment.test_flow import signed_up_teen


@contextmanager
def counting(services: Services) -> Iterator[Counter[str]]:
    """Count SQL transactions begun and committed, and Redis commands, while inside."""
    seen: Counter[str] = Counter()
    sync_engine = services.sql.sync_engine

    def on_begin(_conn: Any) -> None:
        seen["begin"] += 1

    def on_commit(_conn: Any) -> None:
        seen["commit"] += 1

    event.listen(sync_engine, "begin", on_begin)
    event.listen(sync_engine, "commit", on_commit)
    store = redis_store_of(services)
    original = store.redis.execute_command if store is not None else None

    async def redis_command(*args: Any, **kwargs: Any) -> Any:
        if args[0] != "SCRIPT LOAD":  # once per script and connection, not per update
            seen["redis"] += 1
        assert original is not None
        return await original(*args, **kwargs)

    if store is not None:
        store.redis.execute_command = redis_command  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        event.remove(sync_engine, "begin", on_begin)
        event.remove(sync_engine, "commit", on_commit)
        if store is not None:
            store.redis.execute_command = original  # type: ignore[method-assign]


class CountingChat(ChatDriver):
    """A chat that records what each update it sends costs."""

    def __init__(self, services: Services) -> None:
        super().__init__(services.engine, language_code="en")
        self.services = services
        self.costs: list[tuple[str, Counter[str]]] = []

    async def deliver(self, event: Event, **kwargs: Any) -> list[Effect]:
        with counting(self.services) as seen:
            effects = await super().deliver(event, **kwargs)
        self.costs.append((type(event).__name__, seen))
        return effects

    def first_answer(self) -> Awaitable[object]:
        """Press the first button of the newest message (a question's first answer)."""
        keyboard = self.mine()[-1].keyboard
        assert keyboard, self.last_text
        return self.press(keyboard[0][0].text)


async def test_every_update_is_one_transaction_and_two_redis_round_trips(
    services: Services,
) -> None:
    chat = CountingChat(services)
    await signed_up_teen(chat, age="16")
    await chat.press("Start the quiz")
    while "Why this result?" not in str(chat.mine()[-1].keyboard):
        await chat.first_answer()
    for command in ("/result", "/retake"):
        await chat.send(command)
    await chat.first_answer()
    await chat.press("Back")
    for text in ("/mydata", "hello", "/edit", "/help", "/cancel"):
        await chat.send(text)

    assert len(chat.costs) > 25
    for what, seen in chat.costs:
        assert seen["begin"] <= 1 and seen["commit"] <= 1, (what, seen)
        if redis_store_of(services) is not None:
            assert seen["redis"] == 2, (what, seen)
    written = sum(seen["commit"] for _, seen in chat.costs)
    assert written >= len(chat.costs) // 2  # most updates write: the counting works

"""The bot under test, in its own process: the real bot or a bare aiogram echo bot, instrumented.

The bot code does not know it is measured. Everything the report needs is counted here, from the
outside, after ``build_services()`` and before the runtime starts:

* SQL statements, transactions (commits), rollbacks and pool checkouts: SQLAlchemy events on the
  engine (a checkout costs one ``pool_pre_ping`` round trip to PostgreSQL on top of the statements);
* Redis round trips: the client's ``execute_command`` is wrapped, so a Lua script call counts as
  one trip and the commands Lua runs inside Redis do not (``INFO commandstats`` would count those);
* updates handled and time inside ``Engine.handle``: the engine instance's ``handle`` is wrapped;
* the result chart: ``style_chart`` as the assessment flow sees it is wrapped to time each render
  (wall time, and CPU time of the worker thread it runs in).

The parent talks to this process over a ``multiprocessing`` pipe: ``("snapshot", mark)`` answers the
counters now (mark "start" / "end" also switch the optional profiler on and off), ``("stop",)``
stops polling the way SIGTERM does, after which the final counters are sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import gc
import os
import threading
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

    from bot.services import Services

Phase = Literal["echo", "floor", "bot"]


@dataclass(frozen=True, slots=True)
class BotConfig:
    """What the bot process needs; plain values, because it crosses a spawn boundary."""

    phase: Phase
    api_url: str
    token: str
    log_file: str
    log_level: str = "INFO"
    cpu: int | None = None
    settings: dict[str, str] = field(default_factory=dict)
    """Keyword arguments for ``bot.config.load_settings`` (bot phase only)."""
    stub_chart: bool = False
    """What-if: the chart renderer returns one fixed picture, to see the cost without it."""
    profile_file: str | None = None
    """Write cProfile stats of the event-loop thread, over the measured window, here."""


_USAGE: ContextVar[Counter[str] | None] = ContextVar("benchmark_usage", default=None)
"""What the update being handled in this task has used so far (None outside updates)."""

SPREAD: Final = ("sql_statements", "sql_commits", "redis_round_trips")
"""Counts whose distribution over updates is kept ("how many updates took 3 round trips")."""


@dataclass(slots=True)
class Counters:
    """Cumulative counts; the parent subtracts two snapshots to get a window's figures.

    ``totals`` counts everything, wherever it happened. The other tables add up what each
    *completed* update used (attributed through a context variable that follows the update's task
    into SQLAlchemy's greenlets and the chart's worker thread), so a window's per-update figures
    are exact even though updates are in flight when a snapshot is taken.
    """

    totals: Counter[str] = field(default_factory=Counter)
    updates: Counter[str] = field(default_factory=Counter)
    by_event: dict[str, Counter[str]] = field(default_factory=dict)
    spread: dict[str, Counter[int]] = field(default_factory=dict)
    sql_kinds: Counter[str] = field(default_factory=Counter)
    redis_commands: Counter[str] = field(default_factory=Counter)

    def count(self, name: str, amount: float = 1) -> None:
        """Add to the process total and to the current update's usage, if any."""
        self.totals[name] += amount  # type: ignore[assignment]
        usage = _USAGE.get()
        if usage is not None:
            usage[name] += amount  # type: ignore[assignment]

    def finish(self, event: str, usage: Counter[str]) -> None:
        """An update is done: add what it used to the per-update tables."""
        self.updates.update(usage)
        self.by_event.setdefault(event, Counter()).update(usage)
        for name in SPREAD:
            self.spread.setdefault(name, Counter())[usage[name]] += 1

    def snapshot(self) -> dict[str, Any]:
        """The counters plus this process's clock, CPU time and GC activity."""
        return {
            "time": time.monotonic(),
            "cpu_seconds": time.process_time(),  # all threads: the chart worker too
            "gc_collections": sum(s["collections"] for s in gc.get_stats()),
            "totals": dict(self.totals),
            "updates": dict(self.updates),
            "by_event": {k: dict(v) for k, v in self.by_event.items()},
            "spread": {k: {str(n): c for n, c in v.items()} for k, v in self.spread.items()},
            "sql_kinds": dict(self.sql_kinds),
            "redis_commands": dict(self.redis_commands),
        }


def pin_to(cpu: int | None) -> int | None:
    """Pin this process to one core (where the OS allows it); the core actually used, or None."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return None
    try:  # a spawned child inherits its parent's mask, so widen-and-pin rather than test it
        os.sched_setaffinity(0, {cpu})
    except (OSError, ValueError):
        return None
    return cpu


# --- instrumentation ---------------------------------------------------------------------------


def instrument(services: Services, counters: Counters, *, stub_chart: bool = False) -> None:
    """Count SQL, Redis, updates and chart renders of the real bot, without touching its code."""
    from sqlalchemy import event
    from sqlalchemy.engine.default import CACHE_HIT

    from storage.redis_state import RedisStateStore

    sync_engine = services.sql.sync_engine

    def on_statement(*args: Any) -> None:
        statement: str = args[2]
        counters.count("sql_statements")
        if getattr(args[4], "cache_hit", None) is not CACHE_HIT:  # compiled for this call
            counters.count("sql_compiles")
        counters.sql_kinds[statement.lstrip().split(None, 1)[0].upper()] += 1

    def on_begin(*_: Any) -> None:
        counters.count("sql_begins")

    def on_commit(*_: Any) -> None:
        counters.count("sql_commits")

    def on_rollback(*_: Any) -> None:
        counters.count("sql_rollbacks")

    def on_checkout(*_: Any) -> None:
        counters.count("sql_checkouts")

    event.listen(sync_engine, "before_cursor_execute", on_statement)
    event.listen(sync_engine, "begin", on_begin)
    event.listen(sync_engine, "commit", on_commit)
    event.listen(sync_engine, "rollback", on_rollback)
    event.listen(sync_engine, "checkout", on_checkout)  # pool event, via the engine's pool

    states = services.states
    if isinstance(states, RedisStateStore):
        _count_redis(states.redis, counters)

    _count_updates(services, counters)
    _time_chart(counters, stub=stub_chart)


def _count_redis(redis: Any, counters: Counters) -> None:
    """One network round trip per ``execute_command`` (EVALSHA included) or pipeline execute."""
    execute = redis.execute_command

    async def counted(*args: Any, **options: Any) -> Any:
        counters.count("redis_round_trips")
        counters.redis_commands[str(args[0]).upper()] += 1
        return await execute(*args, **options)

    make_pipeline = redis.pipeline

    def pipeline(*args: Any, **kwargs: Any) -> Any:
        pipe = make_pipeline(*args, **kwargs)
        run = pipe.execute

        async def counted_execute(*e_args: Any, **e_kwargs: Any) -> Any:
            counters.count("redis_round_trips")
            counters.redis_commands["PIPELINE"] += 1
            return await run(*e_args, **e_kwargs)

        pipe.execute = counted_execute
        return pipe

    # Instance attributes shadow the methods, so the store's scripts (which call
    # ``client.evalsha`` -> ``self.execute_command``) go through the counter too.
    redis.execute_command = counted
    redis.pipeline = pipeline


def _count_updates(services: Services, counters: Counters) -> None:
    engine = services.engine
    handle = engine.handle

    async def counted(incoming: Any, messenger: Any) -> Any:
        usage: Counter[str] = Counter()
        token = _USAGE.set(usage)
        started = time.perf_counter()
        try:
            return await handle(incoming, messenger)
        finally:
            _USAGE.reset(token)
            usage["updates"] = 1
            usage["handle_seconds"] += time.perf_counter() - started  # type: ignore[assignment]
            counters.finish(type(incoming.event).__name__, usage)

    # run_aiogram looks ``engine.handle`` up on every update, so the instance attribute is used.
    engine.handle = counted  # type: ignore[method-assign]


def _time_chart(counters: Counters, *, stub: bool) -> None:
    """Wrap the renderer the assessment flow calls (it runs in a worker thread via to_thread)."""
    from dialogs.assessment import flow

    render: Callable[..., bytes] = flow.style_chart  # type: ignore[attr-defined]
    fixed: bytes | None = None
    if stub:
        fixed = render([("explorer", "Explorer", 60.0), ("maker", "Maker", 40.0)], title="Stub")

    def timed(*args: Any, **kwargs: Any) -> bytes:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return fixed if fixed is not None else render(*args, **kwargs)
        finally:  # asyncio.to_thread copies the context: this lands on the update too
            counters.count("chart_renders")
            counters.count("chart_seconds", time.perf_counter() - wall)
            counters.count("chart_cpu_seconds", time.thread_time() - cpu)

    flow.style_chart = timed  # type: ignore[attr-defined]


# --- the three bots ----------------------------------------------------------------------------


async def run_echo(config: BotConfig, stop: asyncio.Event, counters: Counters) -> None:
    """The baseline: bare aiogram 3, one handler that answers the text, polling the same fake."""
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    bot = Bot(config.token, session=AiohttpSession(api=TelegramAPIServer.from_base(config.api_url)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        started = time.perf_counter()
        await message.answer(message.text or "?")
        _handled(counters, "TextSent", started)

    await _poll(dispatcher, bot, stop)


FLOOR_QUESTIONS: Final = 14
FLOOR_TEXT: Final = (
    "<b>Question {number} of {total}</b>\n\n"
    "It is a free afternoon and the sun is out. What would you like to do most?"
)
FLOOR_ANSWERS: Final = (
    "🌳 Explore the woods",
    "🔨 Build a hut",
    "⚽ Play a game with friends",
    "🎭 Make up a story and play it",
)


async def run_floor(config: BotConfig, stop: asyncio.Event, counters: Counters) -> None:
    """The floor of the quiz: bare aiogram 3 making the Bot API calls of a quiz press, nothing else.

    ``/start`` shows question 1; a press answers the button and edits the message into the next
    question with its four buttons, as the real bot does for an answer (answerCallbackQuery +
    editMessageText), with no state, storage or texts to look up. No bot that makes those two
    calls per press can be faster than this one, so bot/floor says how much the rest costs and
    floor/echo how far the calls alone let any such bot come.
    """
    from aiogram import Bot, Dispatcher, F
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import (
        CallbackQuery,
        InaccessibleMessage,
        InlineKeyboardButton,
        InlineKeyboardMarkup,
        Message,
    )

    bot = Bot(
        config.token,
        session=AiohttpSession(api=TelegramAPIServer.from_base(config.api_url)),
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    dispatcher = Dispatcher()

    def question(number: int) -> tuple[str, InlineKeyboardMarkup]:
        rows = [
            [InlineKeyboardButton(text=label, callback_data=f"v1:q:{number}:{i}")]
            for i, label in enumerate(FLOOR_ANSWERS)
        ]
        text = FLOOR_TEXT.format(number=number, total=FLOOR_QUESTIONS)
        return text, InlineKeyboardMarkup(inline_keyboard=rows)

    @dispatcher.message(F.text == "/start")
    async def start(message: Message) -> None:
        text, markup = question(1)
        await message.answer(text, reply_markup=markup)

    @dispatcher.callback_query()
    async def press(query: CallbackQuery) -> None:
        started = time.perf_counter()
        await query.answer()
        number = int((query.data or "v1:q:1:0").split(":")[2])
        if query.message is not None and not isinstance(query.message, InaccessibleMessage):
            text, markup = question(number % FLOOR_QUESTIONS + 1)
            await query.message.edit_text(text, reply_markup=markup)
        _handled(counters, "ButtonPressed", started)

    await _poll(dispatcher, bot, stop)


def _handled(counters: Counters, event: str, started: float) -> None:
    """A bare bot handled one update: count it as the real bot's wrapped ``handle`` is counted."""
    usage: Counter[str] = Counter(updates=1)
    usage["handle_seconds"] += time.perf_counter() - started  # type: ignore[assignment]
    counters.finish(event, usage)


async def _poll(dispatcher: Dispatcher, bot: Bot, stop: asyncio.Event) -> None:
    """Poll the fake with a bare bot until ``stop``."""
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
    )
    await _until_stopped(polling, stop, dispatcher.stop_polling)


async def _until_stopped(
    polling: asyncio.Task[None], stop: asyncio.Event, stop_polling: Callable[[], Awaitable[None]]
) -> None:
    stopping = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if polling in done:
        stopping.cancel()
        polling.result()  # polling ended on its own: surface why
        return
    await stop_polling()
    await polling


async def run_real_bot(
    config: BotConfig, stop: asyncio.Event, counters: Counters
) -> Callable[[], Awaitable[None]]:
    """Build the real bot's services, instrument them; return the coroutine that runs it."""
    from bot.config import load_settings
    from bot.runtimes.aiogram_app import run_aiogram
    from bot.services import build_services

    settings = load_settings(_env_file=None, **config.settings)
    services = await build_services(settings)
    instrument(services, counters, stub_chart=config.stub_chart)

    async def run() -> None:
        try:
            await run_aiogram(
                services, token=config.token, api_url=config.api_url, stop=stop, polling_timeout=1
            )
        finally:
            await services.close()

    return run


# --- process entry point -----------------------------------------------------------------------


def serve(config: BotConfig, conn: Connection) -> None:
    """Entry point of the bot process (``multiprocessing`` spawn target)."""
    pin_to(config.cpu)
    try:
        from bot.lifecycle import new_event_loop  # the loop of `playbot run`, for all three bots

        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            runner.run(_serve(config, conn))
    except BaseException:
        with contextlib.suppress(OSError):
            conn.send({"error": traceback.format_exc()})
        raise SystemExit(1) from None
    finally:
        conn.close()


async def _serve(config: BotConfig, conn: Connection) -> None:
    from bot.cli import _tune_gc  # the same GC tuning as `playbot run`, so figures match
    from bot.logs import setup_logging

    # Logged as in production (JSON lines at LOG_LEVEL), to a file instead of stderr.
    setup_logging(config.log_level, file=Path(config.log_file))
    counters = Counters()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    profiler = cProfile.Profile() if config.profile_file else None
    run: Callable[[], Awaitable[None]]
    if config.phase == "bot":
        run = await run_real_bot(config, stop, counters)
    else:
        baseline = run_echo if config.phase == "echo" else run_floor

        def run() -> Awaitable[None]:
            return baseline(config, stop, counters)

    _tune_gc()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    conn.send({"ready": True, "cpus": cpus})
    control = threading.Thread(
        target=_control, args=(conn, loop, stop, counters, profiler), daemon=True
    )
    control.start()
    await run()
    control.join(timeout=5)
    if profiler is not None and config.profile_file:
        profiler.dump_stats(config.profile_file)
    conn.send({"done": counters.snapshot()})


def _control(
    conn: Connection,
    loop: asyncio.AbstractEventLoop,
    stop: asyncio.Event,
    counters: Counters,
    profiler: cProfile.Profile | None,
) -> None:
    """Answer the parent from a thread, so the event loop never blocks on the pipe."""
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the parent is gone: stop like on SIGTERM
            loop.call_soon_threadsafe(stop.set)
            return
        if message[0] == "snapshot":
            if profiler is not None and message[1] == "start":
                loop.call_soon_threadsafe(profiler.enable)  # profiles the loop's thread
            if profiler is not None and message[1] == "end":
                loop.call_soon_threadsafe(profiler.disable)
            conn.send({"snapshot": counters.snapshot()})
        elif message[0] == "stop":
            loop.call_soon_threadsafe(stop.set)
            return

"""Load benchmark: the real bot on Redis + PostgreSQL beside two bare aiogram bots, same run.

    .venv/bin/python -m benchmarks.load [--users 50] [--seconds 20] [--json report.json]

Three phases, each with a fresh fake Bot API server (all tokens on one fake share one update
stream) and a fresh bot process:

* ``echo``: bare aiogram 3, one handler answering the text; users send text messages;
* ``floor``: bare aiogram 3 making a quiz press's two Bot API calls (answer the button, edit the
  question) and nothing else; users press the first answer again and again;
* ``bot``: the real bot (``build_services`` + ``run_aiogram``) on a fresh PostgreSQL database and a
  private Redis key prefix; users sign up (not measured), then loop the quiz (measured).

The bot process is pinned to CPU 0, this process (driver + fake server) to CPU 1; Redis and
PostgreSQL are not pinned. The first ``--warmup`` seconds of each phase are left out. See
``benchmarks/README.md`` for how to read the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]

from benchmarks.botside import BotConfig, Phase, pin_to, serve
from benchmarks.driver import Driver
from benchmarks.system import ServerCpu, core_busy, core_times

TOKEN: Final = "123456:BENCH-token"
PHASES: Final[tuple[Phase, ...]] = ("echo", "floor", "bot")
BOT_CPU: Final = 0
DRIVER_CPU: Final = 1
TARGET_RATIO: Final = 0.5
TARGET_REDIS: Final = 2.0
TARGET_TRANSACTIONS: Final = 1.0


@dataclass(frozen=True, slots=True)
class Options:
    """Command-line options."""

    users: int = 50
    seconds: float = 20.0
    warmup: float = 2.0
    quiet_ms: float = 5.0
    timeout: float = 30.0
    phases: tuple[Phase, ...] = PHASES
    redis_url: str = "redis://127.0.0.1:6379/0"
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    log_level: str = "INFO"
    json_path: Path | None = None
    profile: Path | None = None
    stub_chart: bool = False


# --- the bot process ---------------------------------------------------------------------------


class BotFailed(Exception):
    """The bot process crashed or stopped answering."""


class BotProcess:
    """The bot under test in a spawned process, driven over a pipe (see ``benchmarks.botside``)."""

    def __init__(self, config: BotConfig) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._child: Connection | None = child
        self.process = context.Process(
            target=serve, args=(config, child), name=f"bench-{config.phase}", daemon=True
        )

    async def _receive(self, seconds: float) -> dict[str, Any]:
        def wait() -> dict[str, Any]:  # in a thread: the fake server shares this event loop
            if not self._conn.poll(seconds):
                raise BotFailed(f"no answer from the bot process within {seconds} s")
            try:
                message: dict[str, Any] = self._conn.recv()
            except EOFError:
                raise BotFailed(f"bot process exited ({self.process.exitcode})") from None
            if "error" in message:
                raise BotFailed(f"bot process failed:\n{message['error']}")
            return message

        return await asyncio.to_thread(wait)

    async def start(self, seconds: float = 120) -> dict[str, Any]:
        """Start the process; return once services are built and the runtime is starting."""
        self.process.start()
        assert self._child is not None
        self._child.close()  # ours is the only other end: EOF when the child dies
        self._child = None
        return await self._receive(seconds)

    async def snapshot(self, mark: str) -> dict[str, Any]:
        """The bot's counters now (``mark`` "start"/"end" also drive the optional profiler)."""
        self._conn.send(("snapshot", mark))
        snap: dict[str, Any] = (await self._receive(10))["snapshot"]
        return snap

    async def stop(self, seconds: float = 30) -> dict[str, Any]:
        """Stop polling like SIGTERM does; return the final counters."""
        self._conn.send(("stop",))
        final: dict[str, Any] = (await self._receive(seconds))["done"]
        await asyncio.to_thread(self.process.join, seconds)
        return final

    def kill(self) -> None:
        """Make sure our child is gone (only this process object, nothing else)."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self._conn.close()


# --- measuring ---------------------------------------------------------------------------------


def _percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (NaN when empty)."""
    if not values:
        return math.nan
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def _latency(values: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values)
    return {
        "p50": _percentile(ms, 0.50),
        "p95": _percentile(ms, 0.95),
        "p99": _percentile(ms, 0.99),
        "max": ms[-1] if ms else math.nan,
        "mean": sum(ms) / len(ms) if ms else math.nan,
    }


def _per(value: float, updates: int) -> float:
    return value / updates if updates else math.nan


def _delta(end: dict[str, Any], start: dict[str, Any]) -> dict[str, Any]:
    """``end - start`` for nested dicts of numbers (a key missing at the start counts as 0)."""
    out: dict[str, Any] = {}
    for key, value in end.items():
        before = start.get(key)
        if isinstance(value, dict):
            nested = _delta(value, before if isinstance(before, dict) else {})
            out[key] = {k: v for k, v in nested.items() if v}
        else:
            out[key] = value - (before or 0)
    return out


def _costs(used: dict[str, float]) -> dict[str, float]:
    """Per-update averages from the sums over completed updates."""
    handled = int(used.get("updates", 0))
    names = (
        "sql_statements",
        "sql_commits",
        "sql_begins",
        "sql_rollbacks",
        "sql_compiles",
        "sql_checkouts",
        "redis_round_trips",
        "chart_renders",
    )
    costs = {name: _per(used.get(name, 0), handled) for name in names}
    costs["handler_ms"] = _per(used.get("handle_seconds", 0) * 1000, handled)
    costs["updates"] = handled
    return costs


@dataclass
class Window:
    """What was measured between the end of the warm-up and the end of the run."""

    started: float
    ended: float
    bot: dict[str, Any]
    """Difference of the bot process's counters (``benchmarks.botside.Counters``)."""
    driver_cpu: float
    cores: dict[str, float] = field(default_factory=dict)
    servers: dict[str, float] = field(default_factory=dict)
    """CPU seconds of Redis (shared with anything else using it) and of our PostgreSQL backends."""


class Probe:
    """Takes the readings at both ends of the measured window."""

    def __init__(self, bot: BotProcess, servers: ServerCpu | None) -> None:
        self.bot = bot
        self.servers = servers

    async def read(self, mark: str) -> dict[str, Any]:
        """Bot counters, this process's CPU, per-core and per-server CPU, and the time."""
        return {
            "bot": await self.bot.snapshot(mark),
            "cpu": time.process_time(),
            "cores": core_times(),
            "servers": await self.servers.sample() if self.servers else {},
            "time": time.monotonic(),
        }

    @staticmethod
    def window(start: dict[str, Any], end: dict[str, Any]) -> Window:
        """The window between two readings."""
        return Window(
            started=start["time"],
            ended=end["time"],
            bot=_delta(end["bot"], start["bot"]),
            driver_cpu=end["cpu"] - start["cpu"],
            cores=core_busy(start["cores"], end["cores"]),
            servers=ServerCpu.used(start["servers"], end["servers"]),
        )


def summarise(
    phase: Phase, driver: Driver, window: Window, problems: dict[str, int]
) -> dict[str, Any]:
    """The figures of one phase (see the README for what each one means)."""
    seconds = window.ended - window.started
    measured = [s for s in driver.samples if window.started <= s.pushed < window.ended]
    completed = sum(1 for s in driver.samples if window.started <= s.done < window.ended)
    bot = window.bot
    used: dict[str, float] = bot["updates"]
    costs = _costs(used)
    handled = int(costs["updates"])
    kinds: dict[str, dict[str, Any]] = {}
    for kind in sorted({s.kind for s in measured}):
        of_kind = [s for s in measured if s.kind == kind]
        kinds[kind] = {"count": len(of_kind), **_latency([s.reply for s in of_kind])}
    answered = [s.answered for s in measured if s.answered is not None]
    totals: dict[str, float] = bot["totals"]
    renders = int(totals.get("chart_renders", 0))
    bot_cpu = float(bot["cpu_seconds"])
    chart_cpu = float(totals.get("chart_cpu_seconds", 0.0))
    servers = {name: cpu / seconds for name, cpu in window.servers.items()}
    cores_used = sum(window.cores.values())
    detail = {"timeouts": driver.timeouts, **dict(driver.errors), **problems}
    return {
        "phase": phase,
        "window_seconds": seconds,
        "updates": completed,
        "updates_per_second": completed / seconds,
        "latency_ms": _latency([s.reply for s in measured]),
        "answer_callback_ms": _latency(answered) if answered else None,
        "latency_by_kind_ms": kinds,
        "bot_updates_handled": handled,
        "bot_ms_in_handler_per_update": costs["handler_ms"],
        "bot_cpu_ms_per_update": _per(bot_cpu * 1000, handled),
        "sql_statements_per_update": costs["sql_statements"],
        "sql_transactions_per_update": costs["sql_commits"],
        "sql_begins_per_update": costs["sql_begins"],
        "sql_rollbacks_per_update": costs["sql_rollbacks"],
        "sql_compiles_per_update": costs["sql_compiles"],
        "sql_pool_checkouts_per_update": costs["sql_checkouts"],
        "sql_statement_kinds_per_update": {
            k: v / handled for k, v in sorted(bot["sql_kinds"].items()) if handled
        },
        "redis_round_trips_per_update": costs["redis_round_trips"],
        "redis_commands_per_update": {
            k: v / handled for k, v in sorted(bot["redis_commands"].items()) if handled
        },
        "spread_per_update": bot["spread"],
        "by_event": {event: _costs(sums) for event, sums in sorted(bot["by_event"].items())},
        "chart": {
            "renders": renders,
            "photos_delivered": sum(s.photos for s in measured),
            "ms_per_render": _per(totals.get("chart_seconds", 0.0) * 1000, renders),
            "cpu_ms_per_render": _per(chart_cpu * 1000, renders),
            "share_of_bot_cpu": chart_cpu / bot_cpu if bot_cpu else math.nan,
        },
        "bot_cpu_share": bot_cpu / seconds,
        "driver_cpu_share": window.driver_cpu / seconds,
        "server_cpu_share": servers,
        "other_cpu_share": (
            cores_used - (bot_cpu + window.driver_cpu) / seconds - sum(servers.values())
            if window.cores
            else math.nan
        ),
        "core_busy_share": window.cores,
        "gc_collections": bot["gc_collections"],
        "errors": sum(detail.values()),
        "error_detail": {k: v for k, v in detail.items() if v},
    }


async def _sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


async def run_phase(
    phase: Phase, options: Options, config: BotConfig, servers: ServerCpu | None = None
) -> dict[str, Any]:
    """One fresh fake, one fresh bot process, warm-up, a measured window, a clean stop."""
    from tests.fake_telegram.server import FakeTelegram

    async with FakeTelegram(record=False, callback_timeout=None) as tg:
        config = replace(config, api_url=tg.base_url)
        driver = Driver(tg, quiet=options.quiet_ms / 1000, timeout=options.timeout)
        bot = BotProcess(config)
        probe = Probe(bot, servers)
        try:
            ready = await bot.start()
            say(f"  {phase}: bot process pid {bot.process.pid} on CPUs {ready.get('cpus')}")
            async with asyncio.timeout(30):
                await driver.polled.wait()
            chats = driver.add_users(options.users)
            if phase == "bot":
                say(
                    f"  {phase}: signing up {options.users} users and spreading them over the "
                    "quiz (not measured)..."
                )
                await driver.run(chats, driver.prepare)
                if driver.timeouts or driver.errors:
                    raise BotFailed(f"sign-up failed: {dict(driver.errors)} {driver.timeouts=}")
            start_at = time.monotonic() + options.warmup
            driver.stop_at = start_at + options.seconds
            scenario = {"echo": driver.echo, "floor": driver.floor, "bot": driver.quiz}[phase]
            users = asyncio.create_task(driver.run(chats, scenario))
            say(f"  {phase}: {options.warmup:g} s warm-up, {options.seconds:g} s measured...")
            await _sleep_until(start_at)
            first = await probe.read("start")
            await _sleep_until(driver.stop_at)
            last = await probe.read("end")
            await users
            await tg.settle(quiet=0.05, timeout=10)
            final = await bot.stop()
        finally:
            bot.kill()
        problems = {
            # every violation is also a non-200 answer, already counted by the driver
            "unanswered_callbacks": len(tg.unanswered_callbacks()),
            "bot_log_errors": _log_errors(Path(config.log_file)),
            "refused_buttons": sum(sum(c.notices.values()) for c in chats),
        }
        result = summarise(phase, driver, Probe.window(first, last), problems)
        result["bot_updates_total"] = final["updates"].get("updates", 0)
        if tg.violations:
            result["violations"] = sorted(set(tg.violations))[:10]
        return result


def _log_errors(path: Path) -> int:
    """Lines the bot logged at error level or worse (handler crashes, delivery failures)."""
    if not path.exists():
        return 0
    count = 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if '"level": "error"' in line or '"level": "critical"' in line:
                count += 1
    return count


# --- set-up and clean-up of the servers --------------------------------------------------------


async def create_database(admin_url: str, name: str) -> str:
    """A fresh database; returns its ``postgresql+asyncpg://`` URL."""
    from sqlalchemy.engine import make_url

    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = make_url(admin_url).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


async def drop_database(admin_url: str, name: str) -> None:
    """Drop the benchmark database (connections of a killed bot are closed by FORCE)."""
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def delete_redis_keys(url: str, prefix: str) -> int:
    """Delete every key under the benchmark's prefix; returns how many there were."""
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        for start in range(0, len(keys), 1000):
            await client.delete(*keys[start : start + 1000])
        return len(keys)
    finally:
        await client.aclose()


# --- reporting ---------------------------------------------------------------------------------


def say(line: str) -> None:
    """Progress and report lines, unbuffered."""
    print(line, flush=True)


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def targets(report: dict[str, Any]) -> dict[str, Any]:
    """The first targets of the issue, checked against this run (printed, never enforced)."""
    phases = report["phases"]
    if "echo" not in phases or "bot" not in phases:
        return {}
    bot, echo = phases["bot"], phases["echo"]
    ratio = bot["updates_per_second"] / echo["updates_per_second"]
    floor = phases.get("floor")
    return {
        "throughput_ratio": ratio,
        # What the quiz's two Bot API calls per press allow any bot, and what the rest costs.
        "floor_ratio": floor["updates_per_second"] / echo["updates_per_second"] if floor else None,
        "bot_floor_ratio": bot["updates_per_second"] / floor["updates_per_second"]
        if floor
        else None,
        # The same comparison from CPU per update: barely moved by other work on the machine.
        "cpu_cost_ratio": echo["bot_cpu_ms_per_update"] / bot["bot_cpu_ms_per_update"],
        "throughput_ratio_met": ratio >= TARGET_RATIO,
        "redis_round_trips_met": bot["redis_round_trips_per_update"] <= TARGET_REDIS,
        "sql_transactions_met": bot["sql_transactions_per_update"] <= TARGET_TRANSACTIONS,
    }


def render(report: dict[str, Any]) -> str:
    """The side-by-side table and the target lines."""
    phases: dict[str, dict[str, Any]] = report["phases"]
    names = list(phases)
    config = report["config"]
    lines = [
        f"playbot load benchmark: {config['users']} users, closed loop, "
        f"{config['warmup']:g} s warm-up + {config['seconds']:g} s measured per phase, "
        f"quiet {config['quiet_ms']:g} ms"
        + (" [chart stubbed: what-if]" if config["stub_chart"] else "")
        + (" [profiled: slower]" if config["profile"] else ""),
        f"bot process on CPU {BOT_CPU}, driver + fake Bot API on CPU {DRIVER_CPU} "
        f"(Redis and PostgreSQL not pinned); log level {config['log_level']}",
        "",
        f"{'':34}" + "".join(f"{n:>12}" for n in names),
    ]

    def row(label: str, get: Any, digits: int = 1) -> None:
        lines.append(
            f"{label:34}" + "".join(f"{_fmt(get(p), digits):>12}" for p in phases.values())
        )

    row("updates handled", lambda p: p["updates"])
    row("updates/s", lambda p: p["updates_per_second"])
    for q in ("p50", "p95", "p99", "max"):
        row(f"latency {q} (ms)", lambda p, q=q: p["latency_ms"][q])
    row("answerCallbackQuery p50 (ms)", lambda p: (p["answer_callback_ms"] or {}).get("p50"))
    row("answerCallbackQuery p99 (ms)", lambda p: (p["answer_callback_ms"] or {}).get("p99"))
    row("SQL statements / update", lambda p: p["sql_statements_per_update"], 2)
    row("SQL transactions / update", lambda p: p["sql_transactions_per_update"], 2)
    row("SQL compiles (cache misses) / update", lambda p: p["sql_compiles_per_update"], 2)
    row("SQL pool checkouts (pings) / update", lambda p: p["sql_pool_checkouts_per_update"], 2)
    row("Redis round trips / update", lambda p: p["redis_round_trips_per_update"], 2)
    row("bot ms in Engine.handle / update", lambda p: p["bot_ms_in_handler_per_update"], 2)
    row("chart renders", lambda p: p["chart"]["renders"])
    row("chart ms / render (CPU)", lambda p: p["chart"]["cpu_ms_per_render"])
    row("chart share of bot CPU %", lambda p: 100 * p["chart"]["share_of_bot_cpu"])
    row("bot CPU ms / update", lambda p: p["bot_cpu_ms_per_update"], 2)
    row("bot process CPU %", lambda p: 100 * p["bot_cpu_share"])
    row("driver + fake process CPU %", lambda p: 100 * p["driver_cpu_share"])
    row("Redis server CPU % (shared)", lambda p: 100 * p["server_cpu_share"].get("redis", 0.0))
    row("PostgreSQL backends CPU %", lambda p: 100 * p["server_cpu_share"].get("postgres", 0.0))
    row("other processes CPU %", lambda p: 100 * p["other_cpu_share"])
    for core in sorted({c for p in phases.values() for c in p["core_busy_share"]}):
        row(f"{core} busy %", lambda p, c=core: 100 * p["core_busy_share"].get(c, math.nan))
    row("errors + timeouts (must be 0)", lambda p: p["errors"])
    if "bot" in phases:
        lines.append("")
        lines.append("bot phase by update kind (latency to first reply, ms):")
        for kind, figures in phases["bot"]["latency_by_kind_ms"].items():
            lines.append(
                f"  {kind:8} n={figures['count']:<7} p50 {_fmt(figures['p50']):>8}  "
                f"p99 {_fmt(figures['p99']):>8}  max {_fmt(figures['max']):>8}"
            )
        lines.append("bot phase cost by event (per update, bot side):")
        for event, costs in phases["bot"]["by_event"].items():
            lines.append(
                f"  {event:14} n={costs['updates']:<7} SQL {_fmt(costs['sql_statements'], 2):>5}"
                f"  commits {_fmt(costs['sql_commits'], 2):>4}"
                f"  Redis {_fmt(costs['redis_round_trips'], 2):>4}"
                f"  charts {_fmt(costs['chart_renders'], 3):>5}"
            )
        spread = phases["bot"]["spread_per_update"]
        for name in ("redis_round_trips", "sql_commits"):
            seen = sorted(spread.get(name, {}).items(), key=lambda item: int(item[0]))
            counts = ", ".join(f"{n}: {c}" for n, c in seen)
            lines.append(f"  updates by {name.replace('_', ' ')}: {counts}")
    for phase in phases.values():
        if phase["errors"]:
            lines.append(f"{phase['phase']} errors: {phase['error_detail']}")
    checks = report.get("targets") or {}
    if checks:
        bot = phases["bot"]

        def verdict(ok: bool) -> str:
            return "met" if ok else "NOT met"

        lines += [
            "",
            f"throughput bot/echo = {checks['throughput_ratio']:.3f}  (target >= {TARGET_RATIO}):"
            f" {verdict(checks['throughput_ratio_met'])}"
            f"  [from CPU per update: {checks['cpu_cost_ratio']:.3f}]",
        ]
        if checks.get("floor_ratio") is not None:
            lines += [
                f"  floor/echo = {checks['floor_ratio']:.3f}: the most a bot making the quiz's"
                " two Bot API calls per press reaches, with nothing else to do",
                f"  bot/floor = {checks['bot_floor_ratio']:.3f}: the real bot against that floor",
            ]
        lines += [
            f"Redis round trips / update = {bot['redis_round_trips_per_update']:.2f}"
            f"  (target <= {TARGET_REDIS:g}): {verdict(checks['redis_round_trips_met'])}",
            f"SQL transactions / update = {bot['sql_transactions_per_update']:.2f}"
            f"  (target <= {TARGET_TRANSACTIONS:g}): {verdict(checks['sql_transactions_met'])}",
        ]
    return "\n".join(lines)


# --- command line ------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None = None) -> Options:
    """Options from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load",
        description="Drive simulated users through the fake Bot API against the real bot "
        "(Redis + PostgreSQL) and a bare aiogram echo bot; print throughput, latency and "
        "Redis/SQL cost per update.",
    )
    defaults = Options()
    parser.add_argument("--users", type=int, default=defaults.users, help="simulated users")
    parser.add_argument("--seconds", type=float, default=defaults.seconds, help="measured s/phase")
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="left-out s/phase")
    parser.add_argument(
        "--quiet-ms",
        type=float,
        default=defaults.quiet_ms,
        help="no call for the chat this long after the expected reply = update handled",
    )
    parser.add_argument("--timeout", type=float, default=defaults.timeout, help="s per update")
    parser.add_argument(
        "--phases", default=",".join(defaults.phases), help="comma-separated: echo,floor,bot"
    )
    parser.add_argument("--redis-url", default=defaults.redis_url)
    parser.add_argument(
        "--postgres-url",
        default=defaults.postgres_url,
        help="admin connection used to create and drop the benchmark database",
    )
    parser.add_argument("--log-level", default=defaults.log_level, help="the bot's LOG_LEVEL")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    parser.add_argument(
        "--profile", type=Path, default=None, help="cProfile the bot phase's window into this file"
    )
    parser.add_argument(
        "--stub-chart",
        action="store_true",
        help="what-if: a fixed picture instead of rendering the result chart",
    )
    args = parser.parse_args(argv)
    names = [p.strip() for p in args.phases.split(",") if p.strip()]
    phases: tuple[Phase, ...] = tuple(p for p in PHASES if p in names)
    if not phases or len(phases) != len(set(names)):
        parser.error("--phases takes a comma-separated choice of echo, floor and bot")
    if args.users < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--users must be >= 1, --seconds > 0 and --warmup >= 0")
    return Options(
        users=args.users,
        seconds=args.seconds,
        warmup=args.warmup,
        quiet_ms=args.quiet_ms,
        timeout=args.timeout,
        phases=phases,
        redis_url=args.redis_url,
        postgres_url=args.postgres_url,
        log_level=args.log_level.upper(),
        json_path=args.json,
        profile=args.profile,
        stub_chart=args.stub_chart,
    )


async def benchmark(options: Options) -> dict[str, Any]:
    """Run the phases and build the report."""
    from storage.keys import new_key, new_key_id

    report: dict[str, Any] = {
        "config": {
            "users": options.users,
            "seconds": options.seconds,
            "warmup": options.warmup,
            "quiet_ms": options.quiet_ms,
            "log_level": options.log_level,
            "stub_chart": options.stub_chart,
            "profile": str(options.profile) if options.profile else None,
            "cpu_count": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "phases": {},
    }
    with tempfile.TemporaryDirectory(prefix="playbot-bench-") as scratch:
        base = BotConfig(
            phase="echo",
            api_url="",
            token=TOKEN,
            log_file=str(Path(scratch) / "echo.log"),
            log_level=options.log_level,
            cpu=BOT_CPU,
        )
        if "echo" in options.phases:
            report["phases"]["echo"] = await run_phase("echo", options, base)
        if "floor" in options.phases:
            floor = replace(base, phase="floor", log_file=str(Path(scratch) / "floor.log"))
            report["phases"]["floor"] = await run_phase("floor", options, floor)
        if "bot" in options.phases:
            name = f"playbot_bench_{os.getpid()}_{secrets.token_hex(3)}"
            prefix = f"pbbench-{os.getpid()}-{secrets.token_hex(3)}"
            database_url = await create_database(options.postgres_url, name)
            try:
                config = replace(
                    base,
                    phase="bot",
                    log_file=str(Path(scratch) / "bot.log"),
                    stub_chart=options.stub_chart,
                    profile_file=str(options.profile) if options.profile else None,
                    settings={
                        "bot_token": TOKEN,
                        "database_url": database_url,
                        "redis_url": options.redis_url,
                        "redis_prefix": prefix,
                        "data_dir": str(Path(scratch) / "data"),
                        "data_keys": f"{new_key_id()}:{new_key()}",
                        "index_key": new_key(),
                        "log_level": options.log_level,
                    },
                )
                servers = ServerCpu(options.redis_url, options.postgres_url, name)
                report["phases"]["bot"] = await run_phase("bot", options, config, servers)
            finally:
                await drop_database(options.postgres_url, name)
                await delete_redis_keys(options.redis_url, prefix)
    report["targets"] = targets(report)
    return report


def profile_summary(path: Path, top: int = 15) -> str:
    """Self time of the bot's event-loop thread by package (cProfile; see the README caveats)."""
    import pstats

    stats: dict[Any, Any] = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    by_package: Counter[str] = Counter()
    for (filename, _line, function), (_cc, _nc, self_time, _cum, _callers) in stats.items():
        if "site-packages/" in filename:
            where = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif filename.startswith(str(Path.cwd())):
            where = Path(filename).relative_to(Path.cwd()).parts[0]
        elif filename == "~":
            where = f"builtin {function.split(' of ')[0].strip('<>')}"
        else:
            where = "stdlib " + Path(filename).stem
        by_package[where] += self_time
    total = sum(by_package.values()) or 1.0
    lines = [f"cProfile of the bot's event-loop thread over the window ({path}), self time:"]
    lines += [f"  {100 * t / total:5.1f}%  {name}" for name, t in by_package.most_common(top)]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: ``python -m benchmarks.load``."""
    options = parse(argv)
    pinned = pin_to(DRIVER_CPU)
    if pinned is None:
        say("note: could not pin the driver to a CPU; figures are less trustworthy")
    before = core_times()
    time.sleep(1.0)
    elsewhere = sum(core_busy(before, core_times()).values())
    if elsewhere > 0.2:
        say(
            f"note: before the run other processes kept {100 * elsewhere:.0f}% of a core busy "
            f"({os.cpu_count()} cores); expect noisy figures"
        )
    report = asyncio.run(benchmark(options))
    report["config"]["busy_before_run"] = elsewhere
    say("")
    say(render(report))
    if options.profile is not None and options.profile.exists():
        say("")
        say(profile_summary(options.profile))
    if options.json_path is not None:
        options.json_path.write_text(json.dumps(report, indent=2, default=str) + "\n")
        say(f"\nJSON report: {options.json_path}")


if __name__ == "__main__":
    main()

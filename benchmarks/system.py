"""Where the machine's CPU went during a window: per core, and per server process.

On a 2-core box the bot, the driver, Redis and PostgreSQL share two cores, and other work may run
too. The report shows who used what, so a low figure can be told apart from a busy machine:
``/proc/stat`` for each core, ``/proc/<pid>/stat`` for Redis (its pid from ``INFO server``) and for
the PostgreSQL backends serving the benchmark database (from ``pg_stat_activity``). Where ``/proc``
is missing (not Linux) the figures are simply left out.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def core_times() -> dict[str, tuple[float, float]]:
    """Per-core (busy, total) jiffies since boot; empty where there is no /proc/stat."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return {}
    times = {}
    for line in lines:
        name, *values = line.split()
        if name.startswith("cpu") and name != "cpu":
            numbers = [float(v) for v in values[:8]]
            idle = numbers[3] + numbers[4]  # idle + iowait
            times[name] = (sum(numbers) - idle, sum(numbers))
    return times


def core_busy(
    start: dict[str, tuple[float, float]], end: dict[str, tuple[float, float]]
) -> dict[str, float]:
    """Share (0..1) of each core that was busy between two ``core_times()`` readings."""
    return {
        name: (end[name][0] - busy) / (end[name][1] - total)
        for name, (busy, total) in start.items()
        if name in end and end[name][1] > total
    }


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process (all threads), or None if it cannot be read."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()  # the command name may contain spaces
    return (int(fields[11]) + int(fields[12])) / _TICKS


class ServerCpu:
    """CPU seconds used by Redis and by the PostgreSQL backends of one database."""

    def __init__(self, redis_url: str, postgres_url: str, database: str) -> None:
        self.redis_url = redis_url
        self.postgres_url = postgres_url
        self.database = database

    async def _redis_pid(self) -> int | None:
        from redis.asyncio import Redis

        client = Redis.from_url(self.redis_url)
        try:
            info: dict[str, Any] = await client.info("server")
            pid = info.get("process_id")
            return int(pid) if pid is not None else None
        except Exception:  # a managed Redis may refuse INFO: leave the figure out
            return None
        finally:
            await client.aclose()

    async def _postgres_pids(self) -> list[int]:
        import asyncpg  # type: ignore[import-untyped]

        conn = await asyncpg.connect(self.postgres_url)
        try:
            rows = await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1", self.database
            )
        finally:
            await conn.close()
        return [int(row["pid"]) for row in rows]

    async def sample(self) -> dict[str, dict[int, float]]:
        """``{"redis": {pid: seconds}, "postgres": {pid: seconds}}`` now."""
        redis_pid = await self._redis_pid()
        sample: dict[str, dict[int, float]] = {"redis": {}, "postgres": {}}
        if redis_pid is not None and (seconds := process_cpu(redis_pid)) is not None:
            sample["redis"][redis_pid] = seconds
        for pid in await self._postgres_pids():
            if (seconds := process_cpu(pid)) is not None:
                sample["postgres"][pid] = seconds
        return sample

    @staticmethod
    def used(
        start: dict[str, dict[int, float]], end: dict[str, dict[int, float]]
    ) -> dict[str, float]:
        """CPU seconds between two samples (a backend born in between counts from zero)."""
        return {
            name: sum(seconds - start.get(name, {}).get(pid, 0.0) for pid, seconds in pids.items())
            for name, pids in end.items()
        }

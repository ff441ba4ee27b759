"""Conversation state: where each person is in a flow, with a per-user lock and de-duplication.

The state is a fast cache, never the truth: everything a person typed is in SQL before the bot
answers, and a lost state is rebuilt from SQL. It holds no personal data (step names, counters and
ids only) and is keyed by a pseudonymous user key, never by the Telegram id.

One update costs two calls on the store, which the Redis backend makes two round trips:

* ``claim`` — skip a repeated ``update_id``, take the user's lock, load the state;
* ``release`` — save the state (revision + 1) and drop the lock, only if we still hold it, or if
  the lock ran out but nobody took it and the state we loaded is still stored, untouched.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any, Final

from storage.errors import StateBusy

JSONValue = str | int | float | bool | None | list[Any] | dict[str, Any]

DEFAULT_STATE_TTL: Final = 14 * 24 * 3600
"""Seconds an untouched conversation is kept (unfinished sessions expire after about 14 days)."""
LOCK_TTL_MS: Final = 30_000
"""A crashed worker's lock frees itself after this long."""
SEEN_TTL: Final = 24 * 3600
"""Telegram re-delivers an update for at most about a day."""


@dataclass(slots=True)
class ConversationState:
    """Where one person is. ``data`` holds step scratch values only: never personal data."""

    flow: str | None = None
    """Code of the flow the person is in, or None when idle."""
    step: str | None = None
    """Step inside the flow."""
    screen: int = 0
    """Bumped whenever a new set of buttons is drawn; older buttons become stale."""
    rev: int = 0
    """Revision: one more than the loaded state's on every save. A state saved where none was
    loaded starts at a random number, so a state deleted and made again never repeats one."""
    data: dict[str, JSONValue] = field(default_factory=dict)
    """Small, non-personal scratch values of the current step."""

    def to_json(self) -> str:
        """Compact JSON for the store."""
        return json.dumps(
            {"f": self.flow, "s": self.step, "n": self.screen, "r": self.rev, "d": self.data},
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> ConversationState:
        """Parse what ``to_json`` wrote."""
        raw = json.loads(text)
        return cls(
            flow=raw.get("f"),
            step=raw.get("s"),
            screen=int(raw.get("n", 0)),
            rev=int(raw.get("r", 0)),
            data=dict(raw.get("d") or {}),
        )

    def copy(self) -> ConversationState:
        """A deep-enough copy for a handler to change freely."""
        return replace(self, data=json.loads(json.dumps(self.data)))


@dataclass(frozen=True, slots=True)
class Claim:
    """Proof that this worker holds the user's lock, with the state loaded under it."""

    user_key: str
    token: str
    state: ConversationState | None
    """None when nothing is stored: a new person, an expired state or a lost cache."""
    rev: int = -1
    """Revision of the loaded state (-1: none), so a late release can tell nobody saved since."""


class ClaimStatus(IntEnum):
    """What a single claim attempt found."""

    DUPLICATE = 0
    """The update id was seen before: do nothing."""
    BUSY = 1
    """Another worker holds the user's lock: wait and retry."""
    CLAIMED = 2
    """The lock is ours."""


class StateStore(ABC):
    """Backend-independent claim/release with in-process fairness and bounded waiting."""

    def __init__(self, *, state_ttl: int = DEFAULT_STATE_TTL, wait_timeout: float = 35.0) -> None:
        self.state_ttl = state_ttl
        """Seconds an untouched state is kept."""
        self.lock_ttl_ms = LOCK_TTL_MS
        """Milliseconds after which a lock frees itself (a crashed worker's lock)."""
        self.wait_timeout = wait_timeout
        """Seconds a claim waits for a busy lock before giving up with ``StateBusy``."""
        self._local: dict[str, asyncio.Lock] = {}
        self._waiters: dict[str, int] = {}

    async def claim(self, user_key: str, update_id: int | None) -> Claim | None:
        """Take the user's lock and load their state; None if ``update_id`` was handled already.

        Updates of one user queue on an in-process lock first, so a double tap costs no extra
        round trips; the backend lock then keeps other processes out.
        """
        lock = self._local.setdefault(user_key, asyncio.Lock())
        self._waiters[user_key] = self._waiters.get(user_key, 0) + 1
        try:
            await asyncio.wait_for(lock.acquire(), self.wait_timeout)
        except TimeoutError as exc:
            self._drop_waiter(user_key)
            raise StateBusy(user_key) from exc
        try:
            claim = await self._claim_remote(user_key, update_id)
        except BaseException:
            lock.release()
            self._drop_waiter(user_key)
            raise
        if claim is None:
            lock.release()
            self._drop_waiter(user_key)
        return claim

    async def _claim_remote(self, user_key: str, update_id: int | None) -> Claim | None:
        token = secrets.token_hex(8)
        deadline = time.monotonic() + self.wait_timeout
        pause = 0.005
        while True:
            status, wait_ms, state = await self._try_claim(user_key, update_id, token)
            if status is ClaimStatus.DUPLICATE:
                return None
            if status is ClaimStatus.CLAIMED:
                rev = -1 if state is None else state.rev
                return Claim(user_key=user_key, token=token, state=state, rev=rev)
            if time.monotonic() >= deadline:
                raise StateBusy(user_key)
            await asyncio.sleep(min(pause, max(wait_ms, 1) / 1000))
            pause = min(pause * 2, 0.1)

    async def release(self, claim: Claim, state: ConversationState | None) -> bool:
        """Save ``state`` (None deletes it) and drop the lock; False if nothing was saved.

        An update slower than the lock's TTL still saves when nobody took the lock meanwhile and
        the stored state is the one it loaded, untouched: its messages already showed new
        buttons, and without its state they would all be "old". When another worker did move on
        (or the update loaded no state, so a deletion meanwhile could not be told), nothing is
        saved, which is safe because SQL holds the truth.
        """
        try:
            if state is not None:
                state.rev = claim.rev + 1 if claim.rev >= 0 else secrets.randbelow(1 << 30)
            return await self._release(claim, state)
        finally:
            lock = self._local.get(claim.user_key)
            if lock is not None and lock.locked():
                lock.release()
            self._drop_waiter(claim.user_key)

    def _drop_waiter(self, user_key: str) -> None:
        left = self._waiters.get(user_key, 1) - 1
        if left <= 0:
            self._waiters.pop(user_key, None)
            self._local.pop(user_key, None)
        else:
            self._waiters[user_key] = left

    @abstractmethod
    async def _try_claim(
        self, user_key: str, update_id: int | None, token: str
    ) -> tuple[ClaimStatus, int, ConversationState | None]:
        """One claim attempt: status, milliseconds the lock stays taken, and the state."""

    @abstractmethod
    async def _release(self, claim: Claim, state: ConversationState | None) -> bool:
        """Save and unlock if the lock is still ours, or free with ``claim.rev`` still stored."""

    @abstractmethod
    async def peek(self, user_key: str) -> ConversationState | None:
        """The stored state without locking (tests and tools)."""

    @abstractmethod
    async def forget(self, user_key: str) -> None:
        """Remove everything stored for this user (erasure)."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


class MemoryStateStore(StateStore):
    """In-process twin of the Redis store for the embedded default and for tests."""

    def __init__(self, *, state_ttl: int = DEFAULT_STATE_TTL, max_seen: int = 100_000) -> None:
        super().__init__(state_ttl=state_ttl)
        self._states: dict[str, tuple[float, str]] = {}
        self._locks: dict[str, tuple[float, str]] = {}
        self._seen: OrderedDict[tuple[str, int], float] = OrderedDict()
        self._max_seen = max_seen

    def _prune_seen(self, now: float) -> None:
        while self._seen:
            _, expires = next(iter(self._seen.items()))
            if expires > now and len(self._seen) <= self._max_seen:
                break
            self._seen.popitem(last=False)

    async def _try_claim(
        self, user_key: str, update_id: int | None, token: str
    ) -> tuple[ClaimStatus, int, ConversationState | None]:
        now = time.monotonic()
        self._prune_seen(now)
        if update_id is not None and (user_key, update_id) in self._seen:
            return ClaimStatus.DUPLICATE, 0, None
        held = self._locks.get(user_key)
        if held is not None and held[0] > now:
            return ClaimStatus.BUSY, int((held[0] - now) * 1000), None
        self._locks[user_key] = (now + self.lock_ttl_ms / 1000, token)
        if update_id is not None:
            self._seen[(user_key, update_id)] = now + SEEN_TTL
        stored = self._states.get(user_key)
        if stored is None or stored[0] <= now:
            self._states.pop(user_key, None)
            return ClaimStatus.CLAIMED, 0, None
        return ClaimStatus.CLAIMED, 0, ConversationState.from_json(stored[1])

    async def _release(self, claim: Claim, state: ConversationState | None) -> bool:
        now = time.monotonic()
        held = self._locks.get(claim.user_key)
        if held is None or held[0] <= now:  # our lock ran out and nobody holds it now
            # As the Redis script: only over the state we loaded, untouched since.
            stored = self._states.get(claim.user_key)
            if claim.rev < 0 or stored is None or stored[0] <= now:
                return False
            if ConversationState.from_json(stored[1]).rev != claim.rev:
                return False  # someone saved since we loaded
        elif held[1] != claim.token:
            return False  # another update holds the lock now
        if state is None:
            self._states.pop(claim.user_key, None)
        else:
            self._states[claim.user_key] = (now + self.state_ttl, state.to_json())
        self._locks.pop(claim.user_key, None)
        return True

    async def peek(self, user_key: str) -> ConversationState | None:
        stored = self._states.get(user_key)
        if stored is None or stored[0] <= time.monotonic():
            return None
        return ConversationState.from_json(stored[1])

    async def forget(self, user_key: str) -> None:
        self._states.pop(user_key, None)
        for key in [k for k in self._seen if k[0] == user_key]:
            del self._seen[key]

    def dump(self) -> list[str]:
        """Every stored value as text (tests search it for personal data)."""
        return [value for _, value in self._states.values()] + list(self._states)

"""Redis backend of the conversation-state store: two Lua scripts, one round trip each.

Keys share the user's hash tag, so they land in one slot on a Redis Cluster::

    {prefix}:{<user key>}:lock          lock token, PX = LOCK_TTL_MS
    {prefix}:{<user key>}:state         state JSON, PX = state TTL
    {prefix}:{<user key>}:seen:<id>     update id already taken, EX = SEEN_TTL
"""

from __future__ import annotations

from typing import Any, Final

from redis.asyncio import Redis

from storage.state import (
    SEEN_TTL,
    Claim,
    ClaimStatus,
    ConversationState,
    StateStore,
)

# KEYS: lock, state, seen ("" when the update has no id). ARGV: token, lock ms, seen s.
_CLAIM: Final = """
if KEYS[3] ~= '' and redis.call('EXISTS', KEYS[3]) == 1 then return {0, 0, false} end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('PTTL', KEYS[1]), false}
end
if KEYS[3] ~= '' then redis.call('SET', KEYS[3], '1', 'EX', ARGV[3]) end
return {2, 0, redis.call('GET', KEYS[2])}
"""

# KEYS: lock, state. ARGV: token, state JSON ("" deletes), state ttl ms, revision loaded (-1: none).
# A lock that ran out with nobody else taking it still saves, if a state was loaded and nobody
# saved since. Without a loaded state nothing tells "never saved" from "saved and deleted since"
# (a /forget meanwhile): no late save then.
_RELEASE: Final = """
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return 0 end
if not held then
  local stored = redis.call('GET', KEYS[2])
  if not stored or tonumber(ARGV[4]) < 0 then return 0 end
  if tonumber(cjson.decode(stored)['r']) ~= tonumber(ARGV[4]) then return 0 end
end
if ARGV[2] == '' then redis.call('DEL', KEYS[2])
else redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
if held then redis.call('DEL', KEYS[1]) end
return 1
"""


class RedisStateStore(StateStore):
    """Conversation state shared by every worker through one Redis."""

    def __init__(
        self, redis: Redis, *, prefix: str = "playbot", state_ttl: int | None = None
    ) -> None:
        if state_ttl is None:
            super().__init__()
        else:
            super().__init__(state_ttl=state_ttl)
        self.redis = redis
        self.prefix = prefix
        self._claim_script = redis.register_script(_CLAIM)
        self._release_script = redis.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "playbot") -> RedisStateStore:
        """A store on the Redis at ``url`` (``redis://host:port/db``)."""
        return cls(Redis.from_url(url, decode_responses=False), prefix=prefix)

    def _key(self, user_key: str, suffix: str) -> str:
        return f"{self.prefix}:{{{user_key}}}:{suffix}"

    async def _try_claim(
        self, user_key: str, update_id: int | None, token: str
    ) -> tuple[ClaimStatus, int, ConversationState | None]:
        seen = "" if update_id is None else self._key(user_key, f"seen:{update_id}")
        result: list[Any] = await self._claim_script(
            keys=[self._key(user_key, "lock"), self._key(user_key, "state"), seen],
            args=[token, self.lock_ttl_ms, SEEN_TTL],
        )
        status = ClaimStatus(int(result[0]))
        raw = result[2] if len(result) > 2 else None
        state = ConversationState.from_json(raw) if raw else None
        return status, int(result[1]), state

    async def _release(self, claim: Claim, state: ConversationState | None) -> bool:
        done = await self._release_script(
            keys=[self._key(claim.user_key, "lock"), self._key(claim.user_key, "state")],
            args=[
                claim.token,
                "" if state is None else state.to_json(),
                self.state_ttl * 1000,
                claim.rev,
            ],
        )
        return bool(done)

    async def peek(self, user_key: str) -> ConversationState | None:
        raw = await self.redis.get(self._key(user_key, "state"))
        return None if raw is None else ConversationState.from_json(raw)

    async def forget(self, user_key: str) -> None:
        # Not the lock: it holds nothing about the person, expires by itself, and may already
        # belong to the person's next update.
        lock = self._key(user_key, "lock").encode()
        keys = [
            key async for key in self.redis.scan_iter(match=self._key(user_key, "*")) if key != lock
        ]
        if keys:
            await self.redis.delete(*keys)

    async def close(self) -> None:
        await self.redis.aclose()

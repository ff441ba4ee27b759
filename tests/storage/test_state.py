"""One contract, two backends: the in-memory store and the Redis store behave the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis

from storage.errors import StateBusy
from storage.redis_state import RedisStateStore
from storage.state import ConversationState, MemoryStateStore, StateStore
from tests.backends import TEST_REDIS_URL

StoreFactory = Callable[[], StateStore]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def new_store(request: pytest.FixtureRequest) -> AsyncIterator[StoreFactory]:
    """Builds stores that share one backend, like several worker processes would.

    In memory there is one process, so every call returns the same store.
    """
    made: list[StateStore] = []
    if request.param == "memory":
        shared = MemoryStateStore()

        def factory() -> StateStore:
            return shared

    else:
        request.getfixturevalue("redis_url")
        prefix: str = request.getfixturevalue("redis_prefix")

        def factory() -> StateStore:
            store = RedisStateStore.from_url(TEST_REDIS_URL, prefix=prefix)
            made.append(store)
            return store

    yield factory
    for store in made:
        await store.close()


@pytest.fixture
async def two_redis_workers(
    redis_client: aioredis.Redis, redis_prefix: str
) -> AsyncIterator[tuple[RedisStateStore, RedisStateStore]]:
    """Two stores on one Redis: two processes, each with its own in-process locks."""
    stores = (
        RedisStateStore.from_url(TEST_REDIS_URL, prefix=redis_prefix),
        RedisStateStore.from_url(TEST_REDIS_URL, prefix=redis_prefix),
    )
    yield stores
    for store in stores:
        await store.close()


async def test_claim_loads_nothing_for_a_new_user(new_store: StoreFactory) -> None:
    store = new_store()
    claim = await store.claim("u1", 1)
    assert claim is not None
    assert claim.state is None
    assert await store.release(claim, ConversationState(flow="reg", step="age", screen=5))
    claim = await store.claim("u1", 2)
    assert claim is not None and claim.state is not None
    assert (claim.state.flow, claim.state.step, claim.state.screen) == ("reg", "age", 5)
    await store.release(claim, claim.state)


async def test_revision_counts_saves(new_store: StoreFactory) -> None:
    """Each save is one more than the state it loaded, whatever revision the handler passes."""
    store = new_store()
    revisions = []
    for update_id in range(1, 5):
        claim = await store.claim("u1", update_id)
        assert claim is not None
        await store.release(claim, ConversationState(flow="x"))  # a handler's fresh state
        state = await store.peek("u1")
        assert state is not None
        revisions.append(state.rev)
    assert [rev - revisions[0] for rev in revisions] == [0, 1, 2, 3]


async def test_a_state_made_again_does_not_repeat_a_revision(new_store: StoreFactory) -> None:
    """After a delete, the next state starts at a random revision, not at the same one again."""
    store = new_store()
    first: set[int] = set()
    for update_id in range(1, 41, 2):
        claim = await store.claim("u1", update_id)
        assert claim is not None
        await store.release(claim, ConversationState(flow="x"))
        state = await store.peek("u1")
        assert state is not None
        first.add(state.rev)
        claim = await store.claim("u1", update_id + 1)
        assert claim is not None
        await store.release(claim, None)
    assert len(first) > 15  # twenty fresh states, (nearly) all different


async def test_repeated_update_id_is_skipped(new_store: StoreFactory) -> None:
    store = new_store()
    claim = await store.claim("u1", 7)
    assert claim is not None
    await store.release(claim, ConversationState())
    assert await store.claim("u1", 7) is None
    assert await new_store().claim("u1", 7) is None  # another worker sees it too
    other = await store.claim("u2", 7)  # ids are per user key
    assert other is not None
    await store.release(other, None)


async def test_one_users_updates_never_run_together(new_store: StoreFactory) -> None:
    running = 0
    overlaps = 0
    order: list[int] = []

    async def handle(store: StateStore, update_id: int) -> None:
        nonlocal running, overlaps
        claim = await store.claim("same-user", update_id)
        assert claim is not None
        running += 1
        overlaps += running > 1
        await asyncio.sleep(0.01)
        order.append(update_id)
        running -= 1
        state = claim.state or ConversationState()
        state.data["n"] = int(state.data.get("n", 0) or 0) + 1  # type: ignore[call-overload]
        await store.release(claim, state)

    workers = [new_store(), new_store()]
    await asyncio.gather(*(handle(workers[i % 2], i) for i in range(1, 11)))
    assert overlaps == 0
    final = await workers[0].peek("same-user")
    assert final is not None and final.data["n"] == 10  # no lost update


async def test_different_users_run_in_parallel(new_store: StoreFactory) -> None:
    store = new_store()
    a = await store.claim("a", 1)
    b = await asyncio.wait_for(store.claim("b", 1), 1)
    assert a is not None and b is not None
    await store.release(a, None)
    await store.release(b, None)


@pytest.mark.redis
async def test_release_after_losing_the_lock_saves_nothing(
    two_redis_workers: tuple[RedisStateStore, RedisStateStore],
) -> None:
    slow, fast = two_redis_workers
    slow.lock_ttl_ms = 100
    claim = await slow.claim("u1", 1)
    assert claim is not None
    await asyncio.sleep(0.15)  # the slow worker's lock expires
    takeover = await fast.claim("u1", 2)
    assert takeover is not None
    assert not await slow.release(claim, ConversationState(flow="stale"))
    assert await fast.release(takeover, ConversationState(flow="fresh"))
    state = await slow.peek("u1")
    assert state is not None and state.flow == "fresh"


async def test_a_late_release_saves_when_nobody_took_the_lock(new_store: StoreFactory) -> None:
    """An update slower than the lock's TTL keeps its state if nobody moved on meanwhile.

    Its messages already drew new buttons; without the state they would all be "old".
    """
    store = new_store()
    claim = await store.claim("u1", 1)
    assert claim is not None
    await store.release(claim, ConversationState(flow="quiz", screen=3))
    store.lock_ttl_ms = 100
    slow = await store.claim("u1", 2)
    assert slow is not None and slow.state is not None
    await asyncio.sleep(0.15)  # its lock runs out; nobody else wants it
    assert await store.release(slow, ConversationState(flow="quiz", screen=4))
    state = await store.peek("u1")
    assert state is not None and state.screen == 4
    follow = await store.claim("u1", 3)  # and the lock is free for the next update
    assert follow is not None
    await store.release(follow, None)


@pytest.mark.redis
async def test_a_late_release_never_brings_back_a_deleted_state(
    two_redis_workers: tuple[RedisStateStore, RedisStateStore],
) -> None:
    """Loaded nothing, ran out; meanwhile another update saved and /forget deleted: the empty
    store looks as it did, but the stale state must not come back."""
    slow, fast = two_redis_workers
    slow.lock_ttl_ms = 100
    claim = await slow.claim("u1", 1)
    assert claim is not None and claim.state is None
    await asyncio.sleep(0.15)
    other = await fast.claim("u1", 2)
    assert other is not None
    await fast.release(other, ConversationState(flow="reg"))
    erasure = await fast.claim("u1", 3)
    assert erasure is not None
    await fast.release(erasure, None)
    await fast.forget("u1")
    assert not await slow.release(claim, ConversationState(flow="stale"))
    assert await slow.peek("u1") is None


async def test_a_late_release_over_no_state_saves_nothing(new_store: StoreFactory) -> None:
    store = new_store()
    store.lock_ttl_ms = 100
    claim = await store.claim("u1", 1)
    assert claim is not None and claim.state is None
    await asyncio.sleep(0.15)
    assert not await store.release(claim, ConversationState(flow="quiz"))
    assert await store.peek("u1") is None
    assert await store.claim("u1", 2) is not None  # and the lock is free


@pytest.mark.redis
@pytest.mark.parametrize("fast_saves", [ConversationState(flow="fresh"), None])
async def test_a_late_release_saves_nothing_after_someone_else_saved(
    two_redis_workers: tuple[RedisStateStore, RedisStateStore],
    fast_saves: ConversationState | None,
) -> None:
    slow, fast = two_redis_workers
    first = await slow.claim("u1", 1)
    assert first is not None
    await slow.release(first, ConversationState(flow="start"))
    slow.lock_ttl_ms = 100
    claim = await slow.claim("u1", 2)
    assert claim is not None
    await asyncio.sleep(0.15)  # the slow worker's lock runs out
    takeover = await fast.claim("u1", 3)
    assert takeover is not None
    assert await fast.release(takeover, fast_saves)  # saved (or deleted) and unlocked
    assert not await slow.release(claim, ConversationState(flow="stale"))
    state = await slow.peek("u1")
    assert (state and state.flow) == (fast_saves and fast_saves.flow)


@pytest.mark.redis
async def test_busy_lock_times_out(
    two_redis_workers: tuple[RedisStateStore, RedisStateStore],
) -> None:
    first, second = two_redis_workers
    claim = await first.claim("u1", 1)
    assert claim is not None
    second.wait_timeout = 0.2
    with pytest.raises(StateBusy):
        await second.claim("u1", 2)
    await first.release(claim, None)
    assert await second.claim("u1", 3) is not None


async def test_in_process_waiter_gets_the_lock_when_it_is_released(
    new_store: StoreFactory,
) -> None:
    store = new_store()
    first = await store.claim("u1", 1)
    assert first is not None
    waiting = asyncio.create_task(store.claim("u1", 2))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await store.release(first, ConversationState(flow="x"))
    second = await asyncio.wait_for(waiting, 1)
    assert second is not None and second.state is not None and second.state.flow == "x"
    await store.release(second, None)


async def test_release_with_none_deletes_state(new_store: StoreFactory) -> None:
    store = new_store()
    claim = await store.claim("u1", 1)
    assert claim is not None
    await store.release(claim, ConversationState(flow="x"))
    claim = await store.claim("u1", 2)
    assert claim is not None
    await store.release(claim, None)
    assert await store.peek("u1") is None


async def test_state_expires_after_its_ttl(new_store: StoreFactory) -> None:
    store = new_store()
    store.state_ttl = 1
    claim = await store.claim("u1", 1)
    assert claim is not None
    await store.release(claim, ConversationState(flow="x"))
    assert await store.peek("u1") is not None
    await asyncio.sleep(1.2)
    assert await store.peek("u1") is None


async def test_forget_removes_everything_of_the_user(new_store: StoreFactory) -> None:
    store = new_store()
    for user in ("gone", "kept"):
        claim = await store.claim(user, 1)
        assert claim is not None
        await store.release(claim, ConversationState(flow="x"))
    await store.forget("gone")
    assert await store.peek("gone") is None
    assert await store.peek("kept") is not None
    assert await store.claim("gone", 1) is not None  # the seen-marker went too


async def test_forget_leaves_the_lock_of_the_next_update_alone(new_store: StoreFactory) -> None:
    store = new_store()
    first = await store.claim("gone", 1)
    assert first is not None
    await store.release(first, ConversationState(flow="x"))
    held = await store.claim("gone", 2)  # the person's next update is already being handled
    assert held is not None
    await store.forget("gone")
    assert await store.release(held, ConversationState(flow="y"))  # its lock was still its own
    assert await store.peek("gone") is not None


@pytest.mark.redis
async def test_redis_costs_two_round_trips_per_update(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    store = RedisStateStore(redis_client, prefix=redis_prefix)
    calls: list[Any] = []
    original = redis_client.execute_command

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return await original(*args, **kwargs)

    redis_client.execute_command = counting  # type: ignore[method-assign]
    try:
        for update_id in range(1, 6):
            claim = await store.claim("u1", update_id)
            assert claim is not None
            await store.release(claim, claim.state or ConversationState())
    finally:
        redis_client.execute_command = original  # type: ignore[method-assign]
    script_calls = [c for c in calls if c in ("EVALSHA", "EVAL")]
    assert len(script_calls) == 10
    assert len([c for c in calls if c not in ("SCRIPT LOAD",)]) <= 10 + 2  # first-use script loads

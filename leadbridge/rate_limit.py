"""Token buckets, one per user: in this process's memory, or in Redis so that every worker
shares them. Each request spends its query cost before it runs and settles the difference
with its actual cost once it has run, which may leave the bucket below zero; the bucket
refills at a steady rate."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

from schema.limits import Throttle

logger = logging.getLogger("leadbridge.rate_limit")

MAX_MEMORY_BUCKETS = 10_000

TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local settle = ARGV[4] == '1'
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1])
local at = tonumber(state[2])
if level == nil or at == nil then
  level = capacity
  at = now
end
level = math.min(capacity, level + math.max(0, now - at) * rate)
local admitted = 0
if settle then
  level = math.min(capacity, level - cost)
  admitted = 1
elseif cost <= level then
  level = level - cost
  admitted = 1
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((capacity - level) / rate * 1000)) + 1000)
return {admitted, tostring(level)}
"""


class Buckets(Protocol):
    capacity: int
    restore_rate: float

    async def take(self, key: str, cost: int) -> Throttle | None:
        """Spend `cost` from the bucket `key` when it holds that much; None when the buckets
        cannot be reached (the request is then let through)."""
        ...

    async def settle(self, key: str, difference: int) -> Throttle | None:
        """Take `difference` from the bucket `key` whatever it holds (give it back, up to the
        capacity, when negative); None when the buckets cannot be reached."""
        ...

    async def close(self) -> None: ...


class MemoryBuckets:
    """The buckets of one process."""

    def __init__(self, capacity: int, restore_rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate
        self.clock = clock
        self.levels: dict[str, tuple[float, float]] = {}
        self.prune_above = MAX_MEMORY_BUCKETS

    def level(self, key: str, now: float) -> float:
        level, at = self.levels.get(key, (self.capacity, now))
        return min(self.capacity, level + max(0.0, now - at) * self.restore_rate)

    async def take(self, key: str, cost: int) -> Throttle:
        return self.update(key, cost, settle=False)

    async def settle(self, key: str, difference: int) -> Throttle:
        return self.update(key, difference, settle=True)

    def update(self, key: str, cost: int, *, settle: bool) -> Throttle:
        now = self.clock()
        level = self.level(key, now)
        admitted = settle or cost <= level
        if admitted:
            level = min(self.capacity, level - cost)
        self.levels[key] = (level, now)
        if len(self.levels) > self.prune_above:
            self.forget_full(now)
            self.prune_above = max(MAX_MEMORY_BUCKETS, 2 * len(self.levels))
        return Throttle(admitted, self.capacity, level, self.restore_rate)

    def forget_full(self, now: float) -> None:
        """A full bucket is the same as none: drop those to bound memory."""
        for key in [key for key in self.levels if self.level(key, now) >= self.capacity]:
            del self.levels[key]

    async def close(self) -> None:
        self.levels.clear()


class RedisBuckets:
    """Buckets shared by every worker, updated atomically by one Lua script."""

    def __init__(self, url: str, capacity: int, restore_rate: float, key_prefix: str) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate
        self.key_prefix = key_prefix
        self.client = redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.script = self.client.register_script(TAKE_SCRIPT)

    async def take(self, key: str, cost: int) -> Throttle | None:
        return await self.update(key, cost, settle=False)

    async def settle(self, key: str, difference: int) -> Throttle | None:
        return await self.update(key, difference, settle=True)

    async def update(self, key: str, cost: int, *, settle: bool) -> Throttle | None:
        try:
            admitted, level = await self.script(
                keys=[self.key_prefix + key], args=[self.capacity, self.restore_rate, cost, "1" if settle else "0"]
            )
        except (RedisError, OSError) as error:
            logger.warning("rate limiting skipped: Redis does not answer (%s)", type(error).__name__)
            return None
        return Throttle(bool(int(admitted)), self.capacity, float(level), self.restore_rate)

    async def close(self) -> None:
        await self.client.aclose()


def buckets(capacity: int, restore_rate: float, redis_url: str | None, key_prefix: str) -> Buckets:
    if redis_url:
        return RedisBuckets(redis_url, capacity, restore_rate, key_prefix)
    return MemoryBuckets(capacity, restore_rate)


@dataclass
class UserBudget:
    """One request's view of its user's bucket (schema.limits.CostBudget)."""

    buckets: Buckets
    user_id: int
    throttle: Throttle | None = None

    @property
    def maximum(self) -> int:
        return self.buckets.capacity

    async def spend(self, cost: int) -> Throttle | None:
        self.throttle = await self.buckets.take(str(self.user_id), cost)
        return self.throttle

    async def settle(self, difference: int) -> Throttle | None:
        self.throttle = await self.buckets.settle(str(self.user_id), difference)
        return self.throttle

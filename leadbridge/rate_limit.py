"""Token buckets, one per user: in this process's memory, or in Redis so that every worker
shares them. Each request spends its query cost before it runs and settles the difference
with its actual cost once it has run, which may leave the bucket below zero; the bucket
refills at a steady rate. RateLimiter, the schema's QueryLimiter in the served schema, does
the charging; the costs themselves are counted by schema.limits."""

import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as redis
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from redis.exceptions import RedisError
from strawberry.types import ExecutionResult

from schema.limits import QueryLimiter, limit_error, refusal_cost, work_done

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


@dataclass(frozen=True)
class Throttle:
    """A client's rate-limit bucket after a request, as Shopify reports it."""

    admitted: bool
    maximum_available: float
    currently_available: float
    restore_rate: float

    def seconds_until(self, cost: int) -> int:
        """Whole seconds until the bucket holds `cost` points again."""
        missing = cost - self.currently_available
        return max(1, math.ceil(missing / self.restore_rate)) if missing > 0 else 0

    def as_extension(self) -> dict[str, float]:
        return {
            "maximumAvailable": float(self.maximum_available),
            "currentlyAvailable": math.floor(self.currently_available),
            "restoreRate": float(self.restore_rate),
        }


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


class CostBudget(Protocol):
    """A client's rate-limit budget for one request, which RateLimiter charges."""

    maximum: int

    async def spend(self, cost: int) -> Throttle | None:
        """Take `cost` points when the bucket holds them; None when the bucket cannot be reached."""
        ...

    async def settle(self, difference: int) -> Throttle | None:
        """Take `difference` more points (give them back when negative) for work already done,
        even when that leaves the bucket below zero; None when the bucket cannot be reached."""
        ...


@dataclass
class UserBudget:
    """One request's view of its user's bucket (a CostBudget)."""

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


class RateLimiter(QueryLimiter):
    """The QueryLimiter that also charges each operation's cost to the context's CostBudget
    (`cost_budget`; none, no rate limiting), and reports it in the response's `extensions.cost`.

    Before running, the operation's requested cost is taken from the bucket; once it has run,
    the bucket is settled to its actual cost: what it returned, plus the work its reports and
    imports did. A refused document is charged `refusal_cost`; one the bucket cannot pay for
    is answered RATE_LIMITED instead, and so is an operation that costs more than the bucket
    holds (MAX_COST_EXCEEDED when it costs more than the bucket may ever hold).
    """

    def __init__(self) -> None:
        super().__init__()
        self.requested = 0
        self.actual = 0
        self.throttle: Throttle | None = None
        self.charged = False
        self.throttled: GraphQLError | None = None

    @property
    def budget(self) -> CostBudget | None:
        return getattr(self.execution_context.context, "cost_budget", None)

    def on_operation(self) -> Iterator[None]:
        yield from super().on_operation()
        result = self.execution_context.result
        if isinstance(result, (GraphQLExecutionResult, ExecutionResult)) and self.throttled is not None:
            result.errors = [self.throttled]

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        refusal = self.refusal()
        assert self.cost is not None
        self.requested = self.cost.cost
        budget = self.budget
        work = work_done(context.context)
        if budget is not None:
            if refusal is None and self.cost.cost > budget.maximum:
                refusal = limit_error(
                    f"This query costs {self.cost.cost:,} points, more than the {budget.maximum:,} "
                    "a client may spend at once",
                    "MAX_COST_EXCEEDED",
                )
            self.charged = True
            if refusal is not None:
                fee = refusal_cost(context.query, context.graphql_document, budget.maximum)
                refusal = await self.charge(budget, fee) or refusal
            else:
                refusal = await self.charge(budget, self.cost.cost)
        if refusal is not None:
            context.result = GraphQLExecutionResult(data=None, errors=[refusal])
            yield
            return
        yield
        if budget is not None:
            await self.settle(budget, work)

    async def charge(self, budget: CostBudget, cost: int) -> GraphQLError | None:
        """Take `cost` from the bucket; the RATE_LIMITED refusal when it does not hold that much."""
        self.throttle = await budget.spend(cost)
        if self.throttle is None or self.throttle.admitted:
            self.actual = cost
            return None
        return limit_error(
            f"Rate limit exceeded: this query costs {cost:,} points and "
            f"{math.floor(self.throttle.currently_available):,} are available, restored at "
            f"{self.throttle.restore_rate:g} per second; retry in {self.throttle.seconds_until(cost)} seconds",
            "RATE_LIMITED",
        )

    async def settle(self, budget: CostBudget, work_before: tuple[int, int]) -> None:
        """Charge the actual cost of what ran in place of the requested one."""
        actual = self.actual_cost(work_before, budget.maximum)
        if actual is None:
            return
        self.actual = actual
        if self.actual != self.requested:
            self.throttle = await budget.settle(self.actual - self.requested) or self.throttle

    async def get_results(self) -> dict[str, Any]:
        budget = self.budget
        if budget is None:
            return {}
        if not self.charged:
            self.charged = True
            context = self.execution_context
            self.requested = refusal_cost(context.query, context.graphql_document, budget.maximum)
            self.throttled = await self.charge(budget, self.requested)
        return {
            "cost": {
                "requestedQueryCost": self.requested,
                "actualQueryCost": self.actual,
                "throttleStatus": self.throttle.as_extension() if self.throttle else None,
            }
        }

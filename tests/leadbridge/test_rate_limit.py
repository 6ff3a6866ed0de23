"""The rate limit's parts on their own, in memory: a bucket's report (Throttle), the buckets of one
process, and RateLimiter charging documents that read nothing from the database."""

from dataclasses import dataclass
from typing import Any

import pytest

from leadbridge.rate_limit import MemoryBuckets, RateLimiter, Throttle, UserBudget
from schema.limits import QueryLimits
from schema.root import build_schema

SCHEMA = build_schema(query_limiter=RateLimiter)
TYPENAME = "{ __typename }"
UNKNOWN_FIELD = "{ nickname }"
SYNTAX_ERROR = "{ __typename"
OVERSIZED_PAGE = "{ leads(first: 500) { totalCount } }"
TWENTY_LEADS = "{ leads(first: 20) { edges { node { id } } } }"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class LimitedContext:
    """What RateLimiter reads from a request's context, and no viewer: nothing here resolves one."""

    cost_budget: UserBudget | None
    query_limits: QueryLimits = QueryLimits()


def status(available: float, maximum: float = 30.0, rate: float = 0.5) -> dict[str, float]:
    return {"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": rate}


def cost(requested: int, actual: int, available: float) -> dict[str, Any]:
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status(available)}}


async def run(query: str, budget: UserBudget | None) -> dict[str, Any]:
    result = await SCHEMA.execute(query, context_value=LimitedContext(budget))
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        answer["extensions"] = result.extensions
    return answer


@pytest.mark.parametrize(
    ("available", "cost_", "seconds"),
    [(30.0, 10, 0), (10.0, 10, 0), (9.5, 10, 1), (0.0, 10, 20), (-5.0, 10, 30), (2.0, 3, 2)],
)
def test_a_throttle_tells_the_whole_seconds_until_the_bucket_holds_a_cost(available, cost_, seconds):
    throttle = Throttle(admitted=False, maximum_available=30, currently_available=available, restore_rate=0.5)

    assert throttle.seconds_until(cost_) == seconds


def test_a_throttle_reports_whole_points_available_as_shopify_does():
    throttle = Throttle(admitted=True, maximum_available=30, currently_available=12.75, restore_rate=0.5)

    assert throttle.as_extension() == {"maximumAvailable": 30.0, "currentlyAvailable": 12, "restoreRate": 0.5}


async def test_a_bucket_admits_what_it_holds_and_refills_at_its_rate():
    clock = Clock()
    buckets = MemoryBuckets(capacity=30, restore_rate=0.5, clock=clock)

    first = await buckets.take("1", 25)
    refused = await buckets.take("1", 10)
    other_user = await buckets.take("2", 10)
    clock.now += 10
    refilled = await buckets.take("1", 10)
    clock.now += 1000
    full = await buckets.take("1", 0)

    assert first == Throttle(True, 30, 5.0, 0.5)
    assert refused == Throttle(False, 30, 5.0, 0.5)
    assert other_user == Throttle(True, 30, 20.0, 0.5)
    assert refilled == Throttle(True, 30, 0.0, 0.5)
    assert full == Throttle(True, 30, 30.0, 0.5)


async def test_settling_may_leave_a_bucket_below_zero_and_gives_back_no_more_than_its_capacity():
    clock = Clock()
    buckets = MemoryBuckets(capacity=30, restore_rate=0.5, clock=clock)

    await buckets.take("1", 20)
    overdrawn = await buckets.settle("1", 25)
    refused = await buckets.take("1", 1)
    given_back = await buckets.settle("1", -100)

    assert overdrawn == Throttle(True, 30, -15.0, 0.5)
    assert refused == Throttle(False, 30, -15.0, 0.5)
    assert given_back == Throttle(True, 30, 30.0, 0.5)


async def test_full_buckets_are_forgotten_once_there_are_too_many():
    clock = Clock()
    buckets = MemoryBuckets(capacity=30, restore_rate=0.5, clock=clock)
    buckets.prune_above = 3

    for user_id in range(3):
        await buckets.take(str(user_id), 0)
    await buckets.take("spent", 30)

    assert list(buckets.levels) == ["spent"]


async def test_an_operation_is_charged_its_cost_and_reports_it():
    budget = UserBudget(MemoryBuckets(capacity=30, restore_rate=0.5, clock=Clock()), user_id=1)

    answers = [await run(TYPENAME, budget) for _ in range(2)]

    assert answers == [
        {"data": {"__typename": "Query"}, "extensions": cost(1, 1, 29)},
        {"data": {"__typename": "Query"}, "extensions": cost(1, 1, 28)},
    ]
    assert budget.throttle == Throttle(True, 30, 28.0, 0.5)


async def test_refused_documents_pay_for_their_parsing_and_validation():
    budget = UserBudget(MemoryBuckets(capacity=30, restore_rate=0.5, clock=Clock()), user_id=1)

    unparsed = await run(SYNTAX_ERROR, budget)
    invalid = await run(UNKNOWN_FIELD, budget)
    oversized = await run(OVERSIZED_PAGE, budget)

    assert unparsed["errors"][0]["message"] == "Syntax Error: Expected Name, found <EOF>."
    assert unparsed["extensions"] == cost(10, 10, 20)
    assert [error["message"] for error in invalid["errors"]] == ["Cannot query field 'nickname' on type 'Query'."]
    assert invalid["extensions"] == cost(10, 10, 10)
    assert oversized == {
        "data": None,
        "errors": [
            {
                "message": "'first' may be at most 100, got 500",
                "locations": [{"line": 1, "column": 9}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
        "extensions": cost(2, 10, 0),
    }


async def test_a_bucket_that_cannot_pay_answers_rate_limited_and_charges_nothing():
    budget = UserBudget(MemoryBuckets(capacity=30, restore_rate=0.5, clock=Clock()), user_id=1)
    await budget.spend(25)

    expensive = await run(TWENTY_LEADS, budget)
    invalid = await run(UNKNOWN_FIELD, budget)

    message = (
        "Rate limit exceeded: this query costs {} points and 5 are available, restored at 0.5 per second; "
        "retry in {} seconds"
    )
    assert expensive == {
        "data": None,
        "errors": [{"message": message.format(22, 34), "extensions": {"code": "RATE_LIMITED"}}],
        "extensions": cost(22, 0, 5),
    }
    assert invalid == {
        "data": None,
        "errors": [{"message": message.format(10, 10), "extensions": {"code": "RATE_LIMITED"}}],
        "extensions": cost(10, 0, 5),
    }
    assert budget.throttle == Throttle(False, 30, 5.0, 0.5)


async def test_an_operation_over_the_whole_bucket_is_refused_and_charged_as_a_refusal():
    budget = UserBudget(MemoryBuckets(capacity=20, restore_rate=0.5, clock=Clock()), user_id=1)

    answer = await run(TWENTY_LEADS, budget)

    assert answer == {
        "data": None,
        "errors": [
            {
                "message": "This query costs 22 points, more than the 20 a client may spend at once",
                "extensions": {"code": "MAX_COST_EXCEEDED"},
            }
        ],
        "extensions": {
            "cost": {"requestedQueryCost": 22, "actualQueryCost": 10, "throttleStatus": status(10, maximum=20)}
        },
    }


async def test_without_a_budget_nothing_is_charged_or_reported():
    answer = await run(TYPENAME, None)
    oversized = await run(OVERSIZED_PAGE, None)

    assert answer == {"data": {"__typename": "Query"}}
    assert [error["extensions"]["code"] for error in oversized["errors"]] == ["BAD_USER_INPUT"]
    assert "extensions" not in oversized

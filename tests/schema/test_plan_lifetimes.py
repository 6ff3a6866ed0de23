"""What a plan and a failed planned run leave behind: plans kept with their document are bounded
and counted, and a failed level stops everything it started before the generic executor answers."""

import asyncio

from graphql import parse

from schema.documents import BYTES_PER_PLANNED_FIELD, MAX_PLANS_PER_DOCUMENT, DocumentCache
from schema.planner import Plan, _all

QUERY = "query ($a: Boolean!) { viewer @include(if: $a) { id } }"


def test_a_document_keeps_a_bounded_number_of_plans_and_counts_their_bytes():
    cache = DocumentCache()
    document = cache.parse(QUERY, {})
    held = cache.held_bytes

    for n in range(3 * MAX_PLANS_PER_DOCUMENT):
        cache.keep_plan(QUERY, {}, document, ("plan", n), Plan(root=None, fields=10))

    plans = cache.plans_of(QUERY, {}, document)
    assert len(plans) == MAX_PLANS_PER_DOCUMENT
    assert cache.held_bytes == held + MAX_PLANS_PER_DOCUMENT * 10 * BYTES_PER_PLANNED_FIELD


def test_plans_of_a_document_the_cache_does_not_keep_are_not_kept():
    cache = DocumentCache()
    other = parse(QUERY)

    cache.keep_plan(QUERY, {}, other, "key", Plan(root=None, fields=1))

    assert cache.plans_of(QUERY, {}, other) == {}
    assert cache.held_bytes == 0


async def test_when_one_awaitable_of_a_level_fails_the_others_are_stopped_before_the_error_goes_up():
    stopped: list[str] = []

    async def fails() -> None:
        raise LookupError("refused")

    async def still_loading() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            stopped.append("still loading")

    try:
        await _all([still_loading(), fails()])
    except* LookupError:
        pass

    assert stopped == ["still loading"]


async def test_a_level_of_one_awaitable_is_awaited_without_a_task():
    async def answer() -> int:
        return asyncio.current_task() is task

    task = asyncio.current_task()

    assert await _all([answer()]) == [True]

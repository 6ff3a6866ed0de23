"""The request's DataLoaders, without a database: what a failed batch leaves behind."""

import asyncio
import gc
import weakref

import pytest
from strawberry.dataloader import WrongNumberOfResultsReturned

from resolvers.loaders import DataLoader


class Failed(Exception):
    pass


async def failing(keys: list[int]) -> list[str]:
    await asyncio.sleep(0)
    raise Failed(f"batch of {keys} failed")


def unretrieved_errors(loop: asyncio.AbstractEventLoop) -> list[str]:
    """What the loop reports from now on as errors no one retrieved."""
    reported: list[str] = []
    loop.set_exception_handler(lambda _, context: reported.append(context["message"]))
    return reported


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)
    gc.collect()


@pytest.mark.parametrize("shielded", [True, False])
async def test_a_failed_batch_whose_awaiters_went_away_is_not_reported_as_never_retrieved(shielded):
    loop = asyncio.get_running_loop()
    reported = unretrieved_errors(loop)
    loader: DataLoader[int, str] = DataLoader(load_fn=failing)
    loader.shielded = shielded
    waiting = [loader.load(key) for key in (1, 2, 3)]

    # The first awaiter sees the error. The others are cancelled, as graphql-core cancels the
    # resolvers under a nulled field, or, on the planned path, dropped with the failed run.
    with pytest.raises(Failed, match=r"batch of \[1, 2, 3\] failed"):
        await waiting[0]
    if shielded:
        for awaiter in waiting[1:]:
            awaiter.cancel()
    del waiting, loader  # as the request's loaders go with the request
    await settle()

    assert reported == []


async def test_a_failed_batch_still_answers_its_error_to_every_later_awaiter():
    loader: DataLoader[int, str] = DataLoader(load_fn=failing)
    first, second = loader.load(1), loader.load(2)

    with pytest.raises(Failed):
        await first
    await settle()

    with pytest.raises(Failed):
        await second
    with pytest.raises(Failed):
        await loader.load(1)


async def test_a_batch_that_succeeds_gives_each_key_its_value():
    async def names(keys: list[int]) -> list[str]:
        return [f"record {key}" for key in keys]

    loader: DataLoader[int, str] = DataLoader(load_fn=names)

    assert await loader.load_many([3, 1, 3]) == ["record 3", "record 1", "record 3"]


async def test_a_loader_is_freed_as_soon_as_nothing_holds_it():
    """A request's loaders, and every record they hold, go by reference counting when the request
    ends: a server runs the cyclic collector seldom, so a loader in a cycle would wait for it."""

    async def names(keys: list[int]) -> list[str]:
        return [f"record {key}" for key in keys]

    loader: DataLoader[int, str] = DataLoader(load_fn=names)
    assert await loader.load(1) == "record 1"
    await settle()
    gone = weakref.ref(loader)
    gc.disable()
    try:
        del loader
        assert gone() is None
    finally:
        gc.enable()


async def test_a_batch_with_too_few_values_is_not_reported_as_never_retrieved():
    """Strawberry refuses a batch whose load function answers fewer values than keys, after that
    function has returned: its error is read as any other failed batch's."""
    reported = unretrieved_errors(asyncio.get_running_loop())

    async def short(keys: list[int]) -> list[str]:
        return ["only one"]

    loader: DataLoader[int, str] = DataLoader(load_fn=short)
    loader.shielded = False
    waiting = [loader.load(1), loader.load(2)]
    with pytest.raises(WrongNumberOfResultsReturned):
        await waiting[0]
    del waiting, loader
    await settle()

    assert reported == []

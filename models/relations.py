"""Reading a nullable relation of a record."""

from typing import TypeVar

from tortoise.models import Model

M = TypeVar("M", bound=Model)


async def related(relation: M | None) -> M | None:
    """The record a nullable relation points at: the one fetched already, else fetched now (an
    unfetched relation reads as an awaitable of its record, which Tortoise types as the record)."""
    return await relation if relation is not None else None

"""Loading records by the node part of their global ID, through the request's scoped loaders."""

from collections.abc import Iterable
from typing import TypeVar

from strawberry.dataloader import DataLoader

from models import Company, User
from resolvers.context import Info
from resolvers.ids import node_pk

T = TypeVar("T")


async def _load_by_node_ids(loader: DataLoader[int, T | None], node_ids: Iterable[str]) -> list[T | None]:
    """One batch for all ids; an id that is not a whole number loads as None."""
    keys: list[int | None] = []
    for node_id in node_ids:
        keys.append(node_pk(node_id))
    loaded = iter(await loader.load_many([key for key in keys if key is not None]))
    return [None if key is None else next(loaded) for key in keys]


async def companies(info: Info, node_ids: Iterable[str]) -> list[Company | None]:
    return await _load_by_node_ids(info.context.loaders.company, node_ids)


async def users(info: Info, node_ids: Iterable[str]) -> list[User | None]:
    return await _load_by_node_ids(info.context.loaders.user, node_ids)

"""Loading records by the node part of their global ID, through the request's scoped loaders."""

from collections.abc import Iterable
from typing import TypeVar

from models import Company, User
from models.rows import Row
from resolvers.context import Info
from resolvers.ids import node_pk
from resolvers.loaders import DataLoader

T = TypeVar("T")


async def load_nodes(loader: DataLoader[int, T], node_ids: Iterable[str]) -> list[T | None]:
    """Records by the node part of their global IDs, in one batch through a scoped loader; a part
    that cannot name a record loads as None."""
    keys = [node_pk(node_id) for node_id in node_ids]
    loaded = iter(await loader.load_many([key for key in keys if key is not None]))
    return [None if key is None else next(loaded) for key in keys]


async def companies(info: Info, node_ids: Iterable[str]) -> list[Company | Row | None]:
    return await load_nodes(info.context.loaders.company, node_ids)


async def users(info: Info, node_ids: Iterable[str]) -> list[User | None]:
    return await load_nodes(info.context.loaders.user, node_ids)

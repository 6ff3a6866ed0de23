"""Relay `node` and `nodes`: a malformed, foreign or unknown ID reads as null, like a missing record."""

import base64
import binascii
import inspect
from collections import defaultdict
from typing import Annotated

import strawberry
from strawberry import relay

from resolvers.context import Info


def _decode(global_id: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(global_id, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, node_id = decoded.partition(":")
    if not sep or not type_name or not node_id:
        return None
    return type_name, node_id


def _node_type(info: Info, type_name: str) -> type[relay.Node] | None:
    definition = info.schema.get_type_by_name(type_name)
    origin = getattr(definition, "origin", None)
    if isinstance(origin, type) and issubclass(origin, relay.Node):
        return origin
    return None


async def resolve_nodes(info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
    wanted: dict[type[relay.Node], list[tuple[int, str]]] = defaultdict(list)
    for index, global_id in enumerate(ids):
        decoded = _decode(global_id)
        node_type = _node_type(info, decoded[0]) if decoded else None
        if decoded and node_type:
            wanted[node_type].append((index, decoded[1]))
    results: list[relay.Node | None] = [None] * len(ids)
    for node_type, entries in wanted.items():
        loaded = node_type.resolve_nodes(info=info, node_ids=[node_id for _, node_id in entries], required=False)
        if inspect.isawaitable(loaded):
            loaded = await loaded
        for (index, _), record in zip(entries, loaded, strict=True):
            results[index] = record
    return results


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Fetches an object given its ID; null when it does not exist for the viewer.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of a record of any type.")],
    ) -> relay.Node | None:
        return (await resolve_nodes(info, [id]))[0]

    @strawberry.field(
        description="Fetches objects given their IDs, in order; null where one does not exist for the viewer."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs of records of any types.")],
    ) -> list[relay.Node | None]:
        return await resolve_nodes(info, ids)

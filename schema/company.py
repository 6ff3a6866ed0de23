from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

import models
from models.rows import is_row_of
from resolvers import nodes
from resolvers.context import Info


@strawberry.type(description="A vendor or partner company of the network: every signed-in user sees every company.")
class Company(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The company's name.")
    domain: str | None = strawberry.field(
        description='The company\'s web domain, such as "northwind.example"; null when unknown.'
    )

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.Company)) or is_row_of(obj, models.Company)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await nodes.companies(info, node_ids)

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

import models
from resolvers import nodes
from resolvers.context import Info
from resolvers.loaders import load_now
from schema.company import Company


@strawberry.type(description="A person who signs in.")
class User(relay.Node):
    id: relay.NodeID[int]
    email: str
    name: str
    is_admin: bool
    can_edit_converted_leads: bool = strawberry.field(
        description="Whether the user may still edit the fields of converted leads."
    )

    @strawberry.field
    def company(self, info: Info) -> Company:
        return load_now(info.context.loaders.company, self.company_id)  # type: ignore[attr-defined]

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.User))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[models.User | None]:
        return await nodes.users(info, node_ids)

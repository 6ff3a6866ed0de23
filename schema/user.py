from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

import models
from models.rows import Row, is_row_of
from resolvers import nodes
from resolvers.context import Info
from resolvers.loaders import Loaded, company_of, load_now, references
from schema.company import Company
from schema.planner import batched


@strawberry.type(
    description="A person who signs in, a member of exactly one company. Visible to the users of their company, of the "
    "companies they share a visible record with, and to those who see a record they are a direct member of."
)
class User(relay.Node):
    id: relay.NodeID[int]
    email: str = strawberry.field(description="The user's email address, in lowercase; they sign in with it.")
    name: str = strawberry.field(description="The user's name.")
    is_admin: bool = strawberry.field(
        description="Whether the user administers their company: OWNER on every record the company sources or partners "
        "on, and may create catalog entries, templates, access policies and conversion settings."
    )
    can_edit_converted_leads: bool = strawberry.field(
        description="Whether the user may still edit the fields of converted leads."
    )

    @strawberry.field(
        graphql_type=Company,
        description="The company the user belongs to.",
        metadata=batched(references(company_of, "company_id")),
    )
    def company(self, user: strawberry.Parent[models.User], info: Info) -> Loaded[models.Company | Row | None]:
        return load_now(info.context.loaders.company, user.company_id)

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.User)) or is_row_of(obj, models.User)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await nodes.users(info, node_ids)

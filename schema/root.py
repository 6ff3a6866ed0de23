import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

from resolvers.context import Info
from schema.company import Company
from schema.errors import MaskInternalErrors
from schema.node import NodeQuery
from schema.user import User


@strawberry.type
class ViewerQuery:
    @strawberry.field(description="The signed-in user.")
    def viewer(self, info: Info) -> User:
        return info.context.viewer  # type: ignore[return-value]


@strawberry.type
class Query(NodeQuery, ViewerQuery):
    pass


schema = strawberry.Schema(
    query=Query,
    types=[Company, User],
    config=StrawberryConfig(),
    extensions=[
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        MaskInternalErrors,
    ],
)

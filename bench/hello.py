"""The framework's floor for `{ viewer { email } }`: a bare Strawberry schema answering a constant,
on the same stack as `leadbridge serve` (uvicorn, Starlette, Strawberry), with no auth and no database.

Served by `uvicorn bench.hello:app`.
"""

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL


@strawberry.type
class Viewer:
    email: str


@strawberry.type
class Query:
    @strawberry.field
    def viewer(self) -> Viewer:
        return Viewer(email="ada@northwind.example")


schema = strawberry.Schema(query=Query)
app = Starlette(routes=[Route("/graphql", GraphQL(schema, graphql_ide=None), methods=["POST"])])

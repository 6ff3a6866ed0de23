"""The Starlette application: lifespan, routes and error handling."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from leadbridge import graphiql
from leadbridge.database import connected, database_answers
from leadbridge.http import error_body, execute, json_response, wants_html
from leadbridge.settings import Settings
from schema import schema


def create_app(settings: Settings, *, demo_token: str | None = None) -> Starlette:
    """The ASGI app for these settings; `demo_token` pre-fills GraphiQL's Authorization header."""
    secret_key = settings.resolved_secret_key()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with connected(settings):
            yield

    async def graphql(request: Request) -> Response:
        if request.method == "GET" and settings.graphiql_enabled and wants_html(request):
            return graphiql.page(request, demo_token=demo_token)
        return await execute(schema, request, secret_key)

    async def healthz(request: Request) -> Response:
        if await database_answers(settings):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable"}, status_code=503)

    async def internal_error(request: Request, exc: Exception) -> Response:
        """The client's view of a crash; Starlette re-raises it afterwards for the server to log."""
        return json_response(error_body("Internal server error", "INTERNAL"), 500, "application/json")

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    if settings.graphiql_enabled:
        routes.append(Mount(graphiql.ASSETS_PATH, app=graphiql.assets(), name="graphiql-assets"))
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={Exception: internal_error})


def create_app_from_env() -> Starlette:
    """Factory for uvicorn workers: settings from the environment."""
    return create_app(Settings.from_env())

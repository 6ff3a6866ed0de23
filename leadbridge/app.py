"""The Starlette application: lifespan, routes and error handling."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute

from leadbridge import events, graphiql, request_log
from leadbridge.database import connected, database_ready, migration_names
from leadbridge.header_limit import HeaderSizeLimit
from leadbridge.http_rules import error_body, json_response, negotiate, wants_html
from leadbridge.rate_limit import RateLimiter, buckets
from leadbridge.settings import Settings
from leadbridge.transport import GraphQLEndpoint, GraphQLWebSocket
from resolvers import outage
from resolvers.pagination import Cursors
from schema.limits import QueryLimits
from schema.root import build_schema

logger = logging.getLogger("leadbridge.database")

SCHEMA = build_schema(query_limiter=RateLimiter)
"""The schema the app serves: the exported one, charging each operation to its user's rate limit."""


def query_limits(settings: Settings) -> QueryLimits:
    return QueryLimits(
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_nodes=settings.max_nodes,
        introspection=not settings.is_production,
        suggestions=not settings.is_production,
    )


def create_app(settings: Settings, *, demo_token: str | None = None) -> Starlette:
    """The ASGI app for these settings; `demo_token` pre-fills GraphiQL's Authorization header."""
    rate_limit_buckets = (
        buckets(
            settings.effective_rate_limit_capacity,
            settings.rate_limit_restore_rate,
            settings.redis_url,
            settings.redis_key_prefix,
        )
        if settings.rate_limit_enabled
        else None
    )
    endpoint = GraphQLEndpoint(
        schema=SCHEMA,
        secret_key=settings.resolved_secret_key(),
        query_limits=query_limits(settings),
        max_body_bytes=settings.max_body_bytes,
        buckets=rate_limit_buckets,
        planned_reads=settings.planned_reads,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with connected(settings), events.running(app, settings):
            try:
                yield
            finally:
                if rate_limit_buckets is not None:
                    await rate_limit_buckets.close()

    migrations = migration_names()

    async def graphql(request: Request) -> Response:
        if request.method == "GET" and settings.graphiql_enabled and wants_html(request):
            return graphiql.page(request, demo_token=demo_token)
        try:
            return await endpoint(request)
        except Exception as error:
            if not outage.is_outage(error):
                raise
            return unavailable(request, error)

    def unavailable(request: Request, error: Exception) -> Response:
        """The database failed before the operation ran (checking the token): come back later."""
        logger.warning("database unavailable: %s", error)
        record = request_log.record_of(request)
        if record is not None:
            record.error_codes = ["SERVICE_UNAVAILABLE"]
        headers = {"Retry-After": str(outage.RETRY_AFTER_SECONDS)}
        media_type = negotiate(request.headers.get("accept")) or "application/json"
        return json_response(error_body(outage.MESSAGE, "SERVICE_UNAVAILABLE"), 503, media_type, headers)

    async def healthz(request: Request) -> Response:
        if await database_ready(settings, migrations):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable"}, status_code=503)

    async def internal_error(request: Request, exc: Exception) -> Response:
        """The client's view of a crash; Starlette re-raises it afterwards for the server to log."""
        request_id = request_log.request_id_of(request)
        headers = {request_log.HEADER: request_id} if request_id else None
        return json_response(error_body("Internal server error", "INTERNAL"), 500, "application/json", headers)

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        WebSocketRoute("/graphql", GraphQLWebSocket(endpoint)),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    if settings.graphiql_enabled:
        routes.append(Mount(graphiql.ASSETS_PATH, app=graphiql.assets(), name="graphiql-assets"))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(HeaderSizeLimit), Middleware(request_log.RequestLog)],
        exception_handlers={Exception: internal_error},
    )
    app.state.cursors = Cursors.signed_with(settings.resolved_secret_key())
    return app


GC_THRESHOLDS = (10_000, 20, 20)
"""The collector's thresholds in a server process; Python's own are (700, 10, 10)."""


def settle_memory() -> None:
    """Tune the cyclic garbage collector for a server, once its code and schema are loaded.

    `gc.freeze()` leaves what exists now (modules, the schema, the ORM's metadata), which lives as
    long as the process, out of every later collection; the higher first threshold lets the
    records and dicts of a request go by reference counting before a collection walks them (a
    partner-portal page makes tens of thousands; with the defaults, collections walked everything
    loaded each time)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_app_from_env() -> Starlette:
    """Factory for uvicorn workers: settings from the environment, requests logged to stderr."""
    request_log.configure()
    app = create_app(Settings.from_env())
    settle_memory()
    return app

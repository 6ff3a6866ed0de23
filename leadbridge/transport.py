"""GraphQL at /graphql: over HTTP (GET, JSON POST and multipart uploads) by the rules of
leadbridge.http_rules, and over websockets (graphql-transport-ws) by Strawberry's ASGI view and
protocol handler. Every transport runs the same schema with one Context type, RequestContext,
built by GraphQLEndpoint.new_context and signed in by GraphQLEndpoint.sign_in; each document is
parsed once, through the schema's document cache (schema.documents).

Over websockets the bearer token travels in the `connection_init` payload,
`{"Authorization": "Bearer ..."}`; without a valid one the socket closes with 4403 Forbidden before
anything is sent. It closes the same way when the token expires, and once the user is deactivated
or their tokens revoked: at the next operation the client starts, or the next event a
subscription would deliver.
"""

import asyncio
import json
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, overload

import jwt
from graphql import OperationType
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from leadbridge.auth import AuthenticationError, authenticate, bearer_token
from leadbridge.client_json import UnreadableJSON, load_json
from leadbridge.http_rules import (
    ALLOWED_METHODS,
    GRAPHQL_RESPONSE,
    JSON,
    HTTPError,
    encode_json,
    error_body,
    error_codes,
    is_request_error,
    json_response,
    negotiate,
    read_params,
    refusal_status,
    result_body,
    result_status,
    select_operation,
)
from leadbridge.rate_limit import Buckets, UserBudget
from leadbridge.request_log import RequestRecord, record_of
from models import User
from resolvers import outage
from resolvers.context import Context
from resolvers.loaders import Loaders
from schema.limits import QueryLimits

CONNECTION_INIT_TIMEOUT = timedelta(seconds=15)


@dataclass
class RequestContext(Context):
    """The resolvers' Context for every transport: one per HTTP request (a GET, a JSON POST or a
    multipart upload), one per websocket connection shared by its operations. It carries what
    leadbridge.rate_limit.RateLimiter and schema.planner read. Its viewer is known once `sign_in` has
    run: before the request is read over HTTP, on `connection_init` over a websocket (Strawberry
    runs no operation before that)."""

    viewer: User = field(init=False)
    query_limits: QueryLimits = QueryLimits()
    planned_reads: bool = False
    """Whether schema.planner may run the operation (Settings.planned_reads)."""
    cost_budget: UserBudget | None = field(default=None, init=False)
    authorization: str | None = field(default=None, init=False)
    """The Authorization the viewer signed in with."""
    secret_key: str = field(default="", init=False)
    connection_params: dict[str, object] = field(default_factory=dict)
    """The `connection_init` payload of a websocket (Strawberry sets it); empty over HTTP."""
    transport: "SignedInTransport | None" = field(default=None, init=False)
    """The protocol handler of a websocket; None over HTTP."""

    def __post_init__(self) -> None:
        return None

    def sign_in(self, viewer: User, budget: UserBudget | None, authorization: str | None, secret_key: str) -> None:
        self.viewer = viewer
        self.loaders = Loaders(viewer)
        self.cost_budget = budget
        self.authorization = authorization
        self.secret_key = secret_key

    async def still_signed_in(self) -> bool:
        """Checks the token again as a request's is checked; signs out when it is no longer good."""
        try:
            await authenticate(self.authorization, self.secret_key)
        except AuthenticationError as error:
            await self.sign_out(str(error))
            return False
        return True

    async def sign_out(self, reason: str) -> None:
        """A websocket closes with 4403; over HTTP each request signs in anew."""
        if self.transport is not None:
            await self.transport.close_forbidden(reason)


@dataclass(frozen=True)
class GraphQLEndpoint:
    """POST and GET /graphql: authenticate, read the request, run it within the limits."""

    schema: Schema
    secret_key: str
    query_limits: QueryLimits
    max_body_bytes: int
    buckets: Buckets | None = None
    planned_reads: bool = True

    def new_context(self, connection: HTTPConnection, *, planned_reads: bool) -> RequestContext:
        """The context of a request or websocket connection, before it signs in."""
        return RequestContext(
            request=connection,
            events=connection.app.state.lead_events,
            query_limits=self.query_limits,
            planned_reads=planned_reads,
        )

    def sign_in(self, context: RequestContext, viewer: User, authorization: str | None) -> None:
        """The viewer `authenticate` accepted, with their share of the rate limit."""
        budget = UserBudget(self.buckets, viewer.id) if self.buckets else None
        context.sign_in(viewer, budget, authorization, self.secret_key)

    async def __call__(self, request: Request) -> Response:
        record = record_of(request) or RequestRecord(request_id="", method=request.method, path=request.url.path)
        accepted = negotiate(request.headers.get("accept"))
        media_type = accepted or JSON
        authorization = request.headers.get("authorization")
        try:
            if request.method not in ("GET", "POST"):
                raise HTTPError(405, "GraphQL accepts GET for queries and POST", {"Allow": ALLOWED_METHODS})
            if accepted is None:
                raise HTTPError(406, f"Accept {GRAPHQL_RESPONSE} or {JSON}")
            viewer = await authenticate(authorization, self.secret_key)
            record.user_id = viewer.id
            params = await read_params(request, self.max_body_bytes)
            operation = select_operation(params, self.query_limits.max_tokens)
            if operation is not None:
                record.operation_type = operation.operation.value
                record.operation_name = operation.name.value if operation.name else None
                if operation.operation is OperationType.SUBSCRIPTION:
                    raise HTTPError(
                        400,
                        "Subscriptions run over websockets: open /graphql with graphql-transport-ws",
                        graphql_error=True,
                        code="BAD_USER_INPUT",
                    )
                if request.method == "GET" and operation.operation in (
                    OperationType.MUTATION,
                    OperationType.SUBSCRIPTION,
                ):
                    raise HTTPError(
                        405, "Only queries may be sent with GET: send mutations with POST", {"Allow": "POST"}
                    )
        except AuthenticationError as error:
            record.error_codes = ["UNAUTHENTICATED"]
            return json_response(
                error_body(str(error), "UNAUTHENTICATED"), 401, media_type, {"WWW-Authenticate": "Bearer"}
            )
        except HTTPError as error:
            if error.code:
                record.error_codes = [error.code]
            status = refusal_status(error, media_type)
            if status == 200:
                record.outcome = "refused"
            return json_response(error_body(error.message, error.code), status, media_type, error.headers)
        context = self.new_context(request, planned_reads=self.planned_reads)
        self.sign_in(context, viewer, authorization)
        result = await self.schema.execute(
            params.query,
            variable_values=params.variables,
            context_value=context,
            operation_name=params.operation_name,
        )
        return self.response(result, media_type, record, context.cost_budget)

    def response(
        self, result: ExecutionResult, media_type: str, record: RequestRecord, budget: UserBudget | None
    ) -> Response:
        body = result_body(result)
        record.error_codes = error_codes(body.get("errors", ()))
        cost = (result.extensions or {}).get("cost")
        if cost:
            record.cost = cost["actualQueryCost"]
        throttle = budget.throttle if budget is not None else None
        request_error = is_request_error(result)
        status = result_status(
            record.error_codes, request_error=request_error, throttled=throttle is not None, media_type=media_type
        )
        headers: dict[str, str] | None = None
        if status == 503:
            headers = {"Retry-After": str(outage.RETRY_AFTER_SECONDS)}
        elif status == 429:
            assert throttle is not None
            headers = {"Retry-After": str(throttle.seconds_until(cost["requestedQueryCost"] if cost else 1))}
        elif request_error:
            record.outcome = "refused"
        return json_response(body, status, media_type, headers)


class SignedInTransport(BaseGraphQLTransportWSHandler[RequestContext, None]):
    """Strawberry's graphql-transport-ws handler, checking the token again before each
    operation the client starts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context.transport = self

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and not await self.context.still_signed_in():
            return
        await super().handle_subscribe(message)

    async def close_forbidden(self, reason: str) -> None:
        """Close with 4403; the operations still running send nothing more."""
        for operation in self.operations.values():
            operation.completed = True
        with suppress(Exception):  # already closed
            await self.websocket.close(code=4403, reason=reason)


def authorization_of(connection_params: dict[str, object]) -> str | None:
    """The Authorization entry of a connection_init payload, whatever its case."""
    for key, value in connection_params.items():
        if key.lower() == "authorization" and isinstance(value, str):
            return value
    return None


def expires_at(authorization: str) -> float:
    """The Unix time at which a token `authenticate` has just accepted expires."""
    claims = jwt.decode(bearer_token(authorization), options={"verify_signature": False})
    return float(claims["exp"])


async def close_when_expired(context: RequestContext, at: float) -> None:
    await asyncio.sleep(max(0.0, at - time.time()))
    await context.sign_out("Token has expired")


class GraphQLWebSocket(GraphQL[RequestContext, None]):
    """Strawberry's ASGI app, for the websocket scope only, speaking graphql-transport-ws;
    the schema, context, token check and limits are those of the HTTP endpoint."""

    graphql_transport_ws_handler_class = SignedInTransport

    def __init__(self, endpoint: GraphQLEndpoint) -> None:
        super().__init__(
            endpoint.schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=CONNECTION_INIT_TIMEOUT,
        )
        self.endpoint = endpoint

    def encode_json(self, data: object) -> str:
        """A message written as HTTP bodies are (`http_rules.encode_json`), as text."""
        return encode_json(data).decode("utf-8")

    def decode_json(self, data: str | bytes) -> object:
        """A message read as HTTP bodies are (bounded nesting, no unpaired surrogate); one that is
        not closes the socket with 4400, as Strawberry closes it for text that is not JSON."""
        try:
            return load_json(data if isinstance(data, str) else data.decode("utf-8", "replace"))
        except UnreadableJSON as error:
            raise json.JSONDecodeError(str(error), data if isinstance(data, str) else "", 0) from None

    async def get_context(self, request: WebSocket, response: WebSocket) -> RequestContext:  # type: ignore[override]  # websockets only
        # Operations over a websocket run on the generic executor, as they always have.
        return self.endpoint.new_context(request, planned_reads=False)

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        token = authorization_of(context.connection_params)
        try:
            viewer = await authenticate(token, self.endpoint.secret_key)
        except AuthenticationError:
            raise ConnectionRejectionError from None
        self.endpoint.sign_in(context, viewer, token)
        assert token is not None
        context.request.state.expiry = asyncio.create_task(close_when_expired(context, expires_at(token)))
        return UNSET

    @overload
    async def run(self, request: Request, context: RequestContext = UNSET, root_value: None = UNSET) -> Response: ...

    @overload
    async def run(self, request: WebSocket, context: RequestContext = UNSET, root_value: None = UNSET) -> WebSocket: ...

    async def run(
        self, request: Request | WebSocket, context: RequestContext = UNSET, root_value: None = UNSET
    ) -> Response | WebSocket:
        try:
            return await super().run(request, context, root_value)
        finally:
            expiry: asyncio.Task[None] | None = getattr(request.state, "expiry", None)
            if expiry is not None:
                expiry.cancel()

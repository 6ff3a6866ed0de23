"""GraphQL over websockets (graphql-transport-ws), served by Strawberry's own protocol handler.

The bearer token travels in the `connection_init` payload, `{"Authorization": "Bearer ..."}`;
without a valid one the socket closes with 4403 Forbidden before anything is sent. It closes
the same way when the token expires, and once the user is deactivated or their tokens revoked:
at the next operation the client starts, or the next event a subscription would deliver.
"""

import asyncio
import json
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, overload

import jwt
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types.unset import UNSET, UnsetType

from leadbridge.auth import AuthenticationError, authenticate, bearer_token
from leadbridge.client_json import UnreadableJSON, load_json
from leadbridge.http import GraphQLEndpoint, RequestContext
from leadbridge.rate_limit import UserBudget
from models import User
from resolvers.loaders import Loaders

CONNECTION_INIT_TIMEOUT = timedelta(seconds=15)


@dataclass
class ConnectionContext(RequestContext):
    """The context of one websocket connection, shared by its operations. Its viewer is known
    once `connection_init` carries a valid token; Strawberry runs no operation before that.
    Operations obey the same query limits and rate limits as over HTTP."""

    viewer: User = field(init=False)
    connection_params: dict[str, object] = field(default_factory=dict)
    transport: "SignedInTransport | None" = None
    authorization: str | None = None
    secret_key: str = ""

    def __post_init__(self) -> None:
        return None

    def sign_in(self, viewer: User, budget: UserBudget | None, authorization: str | None, secret_key: str) -> None:
        self.viewer = viewer
        self.loaders = Loaders(viewer)
        self.cost_budget = budget
        self.authorization = authorization
        self.secret_key = secret_key

    async def still_signed_in(self) -> bool:
        """Checks the connection's token as a request's is checked; closes the socket when it is
        no longer good."""
        try:
            await authenticate(self.authorization, self.secret_key)
        except AuthenticationError as error:
            await self.sign_out(str(error))
            return False
        return True

    async def sign_out(self, reason: str) -> None:
        if self.transport is not None:
            await self.transport.close_forbidden(reason)


class SignedInTransport(BaseGraphQLTransportWSHandler[ConnectionContext, None]):
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


def authorization(connection_params: dict[str, object]) -> str | None:
    """The Authorization entry of a connection_init payload, whatever its case."""
    for key, value in connection_params.items():
        if key.lower() == "authorization" and isinstance(value, str):
            return value
    return None


def expires_at(authorization: str) -> float:
    """The Unix time at which a token `authenticate` has just accepted expires."""
    claims = jwt.decode(bearer_token(authorization), options={"verify_signature": False})
    return float(claims["exp"])


async def close_when_expired(context: ConnectionContext, at: float) -> None:
    await asyncio.sleep(max(0.0, at - time.time()))
    await context.sign_out("Token has expired")


class GraphQLWebSocket(GraphQL[ConnectionContext, None]):
    """Strawberry's ASGI app, for the websocket scope only, speaking graphql-transport-ws;
    the schema, token check and limits are those of the HTTP endpoint."""

    graphql_transport_ws_handler_class = SignedInTransport

    def __init__(self, endpoint: GraphQLEndpoint) -> None:
        super().__init__(
            endpoint.schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=CONNECTION_INIT_TIMEOUT,
        )
        self.endpoint = endpoint

    def decode_json(self, data: str | bytes) -> object:
        """A message read as HTTP bodies are (bounded nesting, no unpaired surrogate); one that is
        not closes the socket with 4400, as Strawberry closes it for text that is not JSON."""
        try:
            return load_json(data if isinstance(data, str) else data.decode("utf-8", "replace"))
        except UnreadableJSON as error:
            raise json.JSONDecodeError(str(error), data if isinstance(data, str) else "", 0) from None

    async def get_context(self, request: WebSocket, response: WebSocket) -> ConnectionContext:  # type: ignore[override]  # websockets only
        return ConnectionContext(
            request=request, events=request.app.state.lead_events, query_limits=self.endpoint.query_limits
        )

    async def on_ws_connect(self, context: ConnectionContext) -> UnsetType | dict[str, object] | None:
        token = authorization(context.connection_params)
        try:
            viewer = await authenticate(token, self.endpoint.secret_key)
        except AuthenticationError:
            raise ConnectionRejectionError from None
        buckets = self.endpoint.buckets
        context.sign_in(viewer, UserBudget(buckets, viewer.id) if buckets else None, token, self.endpoint.secret_key)
        assert token is not None
        context.request.state.expiry = asyncio.create_task(close_when_expired(context, expires_at(token)))
        return UNSET

    @overload
    async def run(self, request: Request, context: ConnectionContext = UNSET, root_value: None = UNSET) -> Response: ...

    @overload
    async def run(
        self, request: WebSocket, context: ConnectionContext = UNSET, root_value: None = UNSET
    ) -> WebSocket: ...

    async def run(
        self, request: Request | WebSocket, context: ConnectionContext = UNSET, root_value: None = UNSET
    ) -> Response | WebSocket:
        try:
            return await super().run(request, context, root_value)
        finally:
            expiry: asyncio.Task[None] | None = getattr(request.state, "expiry", None)
            if expiry is not None:
                expiry.cancel()

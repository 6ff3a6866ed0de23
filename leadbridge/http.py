"""GraphQL over HTTP, as its specification says, in front of the Strawberry schema."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType, get_operation_ast
from starlette.requests import Request
from starlette.responses import Response
from strawberry import Schema
from strawberry.types import ExecutionResult

from leadbridge.auth import AuthenticationError, authenticate
from leadbridge.client_json import UnreadableJSON, load_json
from leadbridge.multipart import MultipartError, is_multipart, read_operations
from leadbridge.rate_limit import Buckets, UserBudget
from leadbridge.request_log import RequestRecord, record_of
from resolvers import outage
from resolvers.context import Context
from schema.documents import parse_document
from schema.limits import QueryLimits

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
ALLOWED_METHODS = "GET, POST"
OFFERS = {  # media range -> (response media type, specificity)
    GRAPHQL_RESPONSE: (GRAPHQL_RESPONSE, 1),
    JSON: (JSON, 1),
    "application/*": (JSON, 0),
    "*/*": (JSON, 0),
}


class HTTPError(Exception):
    """A request refused before GraphQL execution, with its status and one message."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        *,
        graphql_error: bool = False,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.graphql_error = graphql_error
        self.code = code


@dataclass
class RequestContext(Context):
    """The resolvers' Context, with what leadbridge.rate_limit.RateLimiter reads."""

    query_limits: QueryLimits = QueryLimits()
    cost_budget: UserBudget | None = None
    planned_reads: bool = False
    """Whether schema.planner may run the operation (Settings.planned_reads)."""


@dataclass(frozen=True)
class GraphQLParams:
    query: str
    operation_name: str | None
    variables: dict[str, Any] | None


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header; None when it accepts neither JSON type.

    No Accept header and wildcards get application/json, as the spec asks while clients move
    to application/graphql-response+json.
    """
    if not accept or not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None
    for part in accept.split(","):
        media_range, *parameters = (piece.strip().lower() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = (piece.strip() for piece in parameter.partition("="))
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
            elif name == "charset" and value.strip('"') != "utf-8":
                quality = 0.0
        offer = OFFERS.get(media_range)
        if offer is None or not 0 < quality <= 1:
            continue
        media_type, specificity = offer
        if best is None or (quality, specificity) > best[:2]:
            best = (quality, specificity, media_type)
    return best[2] if best else None


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "query" not in request.query_params


def json_response(
    body: dict[str, Any], status: int, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(content, status_code=status, headers=headers, media_type=f"{media_type}; charset=utf-8")


def error_body(message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if code:
        error["extensions"] = {"code": code}
    return {"errors": [error]}


def _optional_string(value: object, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise HTTPError(400, f"The '{name}' parameter must be a string")


def _optional_object(value: object, name: str, *, encoded: bool) -> dict[str, Any] | None:
    if encoded and isinstance(value, str):
        try:
            value = load_json(value)
        except UnreadableJSON as error:
            raise HTTPError(400, error.explain(f"The '{name}' parameter must be a JSON-encoded object")) from None
    if value is None or isinstance(value, dict):
        return value
    raise HTTPError(400, f"The '{name}' parameter must be an object")


async def read_params(request: Request, max_body_bytes: int) -> GraphQLParams:
    """The GraphQL request parameters of a GET query string, a JSON POST body or a multipart
    upload (GraphQL multipart request spec, leadbridge/multipart.py)."""
    if is_multipart(request):
        try:
            raw: dict[str, Any] = await read_operations(request)
        except MultipartError as error:
            raise HTTPError(error.status, error.message) from None
        encoded = False
    elif request.method == "GET":
        raw = dict(request.query_params)
        encoded = True
    else:
        content_type = request.headers.get("content-type", "")
        media_type, *parameters = (piece.strip().lower() for piece in content_type.split(";"))
        if media_type != JSON:
            raise HTTPError(415, "Send the request body as application/json")
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name == "charset" and value.strip('"') != "utf-8":
                raise HTTPError(415, "The request body must be encoded as utf-8")
        body = await read_body(request, max_body_bytes)
        try:
            raw = load_json(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise HTTPError(400, "The request body is not valid JSON") from None
        except UnreadableJSON as error:
            raise HTTPError(400, error.explain("The request body is not valid JSON")) from None
        if isinstance(raw, list):
            raise HTTPError(
                400, "Batched requests are not supported: send one operation per request", code="BATCHING_NOT_SUPPORTED"
            )
        if not isinstance(raw, dict):
            raise HTTPError(400, "The request body must be a JSON object")
        encoded = False
    query = raw.get("query")
    if not isinstance(query, str) or not query.strip():
        raise HTTPError(400, "The 'query' parameter must be a non-empty string")
    _optional_object(raw.get("extensions"), "extensions", encoded=encoded)
    return GraphQLParams(
        query=query,
        operation_name=_optional_string(raw.get("operationName"), "operationName"),
        variables=_optional_object(raw.get("variables"), "variables", encoded=encoded),
    )


def byte_size(size: int) -> str:
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


async def read_body(request: Request, max_body_bytes: int) -> bytes:
    too_large = HTTPError(413, f"The request body is larger than {byte_size(max_body_bytes)}")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_body_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_body_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def select_operation(params: GraphQLParams, max_tokens: int) -> OperationDefinitionNode | None:
    """The operation to run; None when the document does not parse (the schema reports why).
    HTTPError 400 when it parses but names no single operation to run."""
    try:
        document = parse_document(params.query, max_tokens)
    except GraphQLError:
        return None
    operation = get_operation_ast(document, params.operation_name)
    if operation is None:
        if params.operation_name:
            raise HTTPError(
                400, f"Unknown operation named '{params.operation_name}'", graphql_error=True, code="BAD_USER_INPUT"
            )
        raise HTTPError(
            400,
            "Must provide operation name if query contains multiple operations",
            graphql_error=True,
            code="BAD_USER_INPUT",
        )
    return operation


def is_request_error(result: ExecutionResult) -> bool:
    """Parse, validation and variable errors: the request failed before execution began."""
    return result.data is None and bool(result.errors) and all(error.path is None for error in result.errors or ())


def error_codes(errors: Sequence[Mapping[str, Any]]) -> list[str]:
    return [str((error.get("extensions") or {}).get("code") or "GRAPHQL_ERROR") for error in errors]


@dataclass(frozen=True)
class GraphQLEndpoint:
    """POST and GET /graphql: authenticate, read the request, run it within the limits."""

    schema: Schema
    secret_key: str
    query_limits: QueryLimits
    max_body_bytes: int
    buckets: Buckets | None = None
    planned_reads: bool = True

    async def __call__(self, request: Request) -> Response:
        record = record_of(request) or RequestRecord(request_id="", method=request.method, path=request.url.path)
        accepted = negotiate(request.headers.get("accept"))
        media_type = accepted or JSON
        try:
            if request.method not in ("GET", "POST"):
                raise HTTPError(405, "GraphQL accepts GET for queries and POST", {"Allow": ALLOWED_METHODS})
            if accepted is None:
                raise HTTPError(406, f"Accept {GRAPHQL_RESPONSE} or {JSON}")
            viewer = await authenticate(request.headers.get("authorization"), self.secret_key)
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
            status = 200 if error.graphql_error and media_type == JSON else error.status
            if status == 200:
                record.outcome = "refused"
            return json_response(error_body(error.message, error.code), status, media_type, error.headers)
        budget = UserBudget(self.buckets, viewer.id) if self.buckets else None
        context = RequestContext(
            viewer=viewer,
            request=request,
            events=request.app.state.lead_events,
            query_limits=self.query_limits,
            cost_budget=budget,
            planned_reads=self.planned_reads,
        )
        result = await self.schema.execute(
            params.query,
            variable_values=params.variables,
            context_value=context,
            operation_name=params.operation_name,
        )
        return self.response(result, media_type, record, budget)

    def response(
        self, result: ExecutionResult, media_type: str, record: RequestRecord, budget: UserBudget | None
    ) -> Response:
        errors = [error.formatted for error in result.errors or ()]
        record.error_codes = error_codes(errors)
        cost = (result.extensions or {}).get("cost")
        if cost:
            record.cost = cost["actualQueryCost"]
        body: dict[str, Any] = {} if is_request_error(result) else {"data": result.data}
        if errors:
            body["errors"] = errors
        if result.extensions:
            body["extensions"] = result.extensions
        if "SERVICE_UNAVAILABLE" in record.error_codes:
            return json_response(body, 503, media_type, {"Retry-After": str(outage.RETRY_AFTER_SECONDS)})
        if "RATE_LIMITED" in record.error_codes and budget is not None and budget.throttle is not None:
            seconds = budget.throttle.seconds_until(cost["requestedQueryCost"] if cost else 1)
            return json_response(body, 429, media_type, {"Retry-After": str(seconds)})
        if is_request_error(result):
            record.outcome = "refused"
            return json_response(body, 400 if media_type == GRAPHQL_RESPONSE else 200, media_type)
        return json_response(body, 200, media_type)

"""The rules of GraphQL over HTTP that Strawberry's ASGI view does not follow, in one place: content
negotiation, reading a GET query string, a JSON body or a multipart upload (the GraphQL multipart
request spec), choosing the operation, and the status and body of each answer.

Strawberry's view answers its refusals in plain text, reads any body whose type contains
`application/json`, treats no Accept header specially and answers every executed request 200;
the answers here are JSON, with the statuses the GraphQL-over-HTTP specification gives for
`application/graphql-response+json`. leadbridge.transport runs the requests through these rules.

Forms can be posted across sites without a CORS preflight, but every GraphQL request needs a
bearer token in its Authorization header, which such a form cannot send.
"""

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, get_operation_ast
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message
from strawberry.file_uploads.utils import replace_placeholders_with_files
from strawberry.types import ExecutionResult

from leadbridge.client_json import UnreadableJSON, load_json
from schema.documents import parse_document

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
MULTIPART = "multipart/form-data"
ALLOWED_METHODS = "GET, POST"
OFFERS = {  # media range -> (response media type, specificity)
    GRAPHQL_RESPONSE: (GRAPHQL_RESPONSE, 1),
    JSON: (JSON, 1),
    "application/*": (JSON, 0),
    "*/*": (JSON, 0),
}
MIB = 1024 * 1024
MAX_UPLOAD_BYTES = 201 * MIB
MAX_FILES = 10
MAX_FIELDS = 100
MAX_FIELD_BYTES = MIB


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


def encode_json(body: Any) -> bytes:
    """A response body or a websocket message as UTF-8 JSON, compact, the same on every transport."""
    try:
        return orjson.dumps(body)
    except TypeError:  # what orjson refuses (an int beyond 64 bits), the standard library writes
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(
    body: dict[str, Any], status: int, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    return Response(encode_json(body), status_code=status, headers=headers, media_type=f"{media_type}; charset=utf-8")


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
    upload."""
    if is_multipart(request):
        raw: dict[str, Any] = await read_operations(request)
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


def is_multipart(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return request.method == "POST" and content_type.split(";")[0].strip().lower() == MULTIPART


def _upload_too_large() -> HTTPError:
    return HTTPError(413, f"The request body is larger than {MAX_UPLOAD_BYTES // MIB} MiB")


def _limited(receive: Callable[[], Awaitable[Message]]) -> Callable[[], Awaitable[Message]]:
    """The request's receive, refusing once the body passes MAX_UPLOAD_BYTES: what a client
    sends beyond it is never spooled to disk."""
    received = 0

    async def limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > MAX_UPLOAD_BYTES:
                raise _upload_too_large()
        return message

    return limited


def _json_field(form: FormData, name: str) -> Any:
    value = form.get(name)
    if not isinstance(value, str):
        raise HTTPError(400, f"The multipart request needs a '{name}' field holding JSON")
    try:
        return load_json(value)
    except UnreadableJSON as error:
        raise HTTPError(400, error.explain(f"The '{name}' field is not valid JSON")) from None


def _files(form: FormData, files_map: Any) -> dict[str, UploadFile]:
    if not isinstance(files_map, dict) or not all(
        isinstance(paths, list) and all(isinstance(path, str) and path.startswith("variables.") for path in paths)
        for paths in files_map.values()
    ):
        raise HTTPError(400, "The 'map' field must map each file field to a list of paths into variables")
    files = {}
    for name in files_map:
        file = form.get(name)
        if not isinstance(file, UploadFile):
            raise HTTPError(400, f"The 'map' field names a file '{name}' that the request does not hold")
        files[name] = file
    return files


async def read_operations(request: Request) -> dict[str, Any]:
    """The parameters (`query`, `variables`, ...) of a multipart upload: the `operations` and
    `map` fields and the file parts, each file in place of the null its path names in
    `variables`. HTTPError when the body is too large or does not follow the spec; batched
    operations (a JSON array) are not supported."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise _upload_too_large()
    limited = Request(request.scope, _limited(request.receive))
    try:
        form = await limited.form(max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    except MultiPartException as error:
        raise HTTPError(400, f"The multipart body cannot be read: {error.message}") from None
    operations = _json_field(form, "operations")
    if not isinstance(operations, dict):
        raise HTTPError(400, "The 'operations' field must be a JSON object; batched operations are not supported")
    files_map = _json_field(form, "map")
    files = _files(form, files_map)
    for value in form.values():
        if isinstance(value, UploadFile) and value not in files.values():
            await value.close()
    try:
        return replace_placeholders_with_files(operations, files_map, files)
    except (KeyError, IndexError, ValueError, TypeError):
        raise HTTPError(400, "A path in the 'map' field does not lead to a variable in 'operations'") from None


def select_operation(params: GraphQLParams, max_tokens: int) -> OperationDefinitionNode | None:
    """The operation to run; None when the document does not parse (the schema reports why).
    HTTPError 400 when it parses but names no single operation to run. The document is parsed
    through the schema's document cache, so that the schema finds it parsed."""
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


def refusal_status(error: HTTPError, media_type: str) -> int:
    """The status of a refusal: one GraphQL itself would have answered (no single operation to
    run) is 200 to a client of application/json, which reads the errors from the body."""
    return 200 if error.graphql_error and media_type == JSON else error.status


def result_status(codes: Sequence[str], *, request_error: bool, throttled: bool, media_type: str) -> int:
    """The status of an executed request: 503 when the database failed, 429 when the rate limit
    refused it (`throttled`: its bucket answered), 400 for a request error to a client of
    application/graphql-response+json, 200 otherwise."""
    if "SERVICE_UNAVAILABLE" in codes:
        return 503
    if "RATE_LIMITED" in codes and throttled:
        return 429
    if request_error and media_type == GRAPHQL_RESPONSE:
        return 400
    return 200


def result_body(result: ExecutionResult) -> dict[str, Any]:
    """`data` (absent after a request error), then `errors` and `extensions` when there are any."""
    errors = [error.formatted for error in result.errors or ()]
    body: dict[str, Any] = {} if is_request_error(result) else {"data": result.data}
    if errors:
        body["errors"] = errors
    if result.extensions:
        body["extensions"] = result.extensions
    return body

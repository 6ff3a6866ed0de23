"""The rules of GraphQL over HTTP (leadbridge.http_rules): content negotiation, reading the
parameters of a GET, a JSON POST and a multipart upload, choosing the operation, and the status
and body of each answer."""

import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from graphql import GraphQLError
from starlette.datastructures import UploadFile
from starlette.requests import Request
from strawberry.types import ExecutionResult

from leadbridge.http_rules import (
    GRAPHQL_RESPONSE,
    JSON,
    MAX_UPLOAD_BYTES,
    GraphQLParams,
    HTTPError,
    error_body,
    is_request_error,
    json_response,
    negotiate,
    read_params,
    refusal_status,
    result_body,
    result_status,
    select_operation,
)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("", JSON),
        ("   ", JSON),
        ("application/json", JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE),
        ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE),
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/json, application/graphql-response+json", JSON),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE),
        ("application/graphql-response+json;q=0.5, application/json", JSON),
        ("*/*, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/graphql-response+json; charset=utf-8", GRAPHQL_RESPONSE),
        ('application/json; charset="UTF-8"', JSON),
        ("text/html, application/json;q=0.1", JSON),
        ("application/json;q=bad, application/graphql-response+json;q=0.2", GRAPHQL_RESPONSE),
    ],
)
def test_the_best_accepted_json_type_answers(accept, media_type):
    assert negotiate(accept) == media_type


@pytest.mark.parametrize(
    "accept",
    [
        "text/html",
        "application/xml",
        "application/json;q=0",
        "application/json;q=1.5",
        "application/json; charset=latin-1",
        "application/graphql-response+json; charset=utf-16, text/plain",
    ],
)
def test_an_accept_header_without_a_usable_json_type_gets_none(accept):
    assert negotiate(accept) is None


def request_of(
    method: str = "POST",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    query_string: str = "",
    *,
    chunk: int | None = None,
) -> Request:
    """A Starlette request as the app receives it, its body sent in chunks of `chunk` bytes."""
    size = chunk or max(1, len(body))
    pieces = [body[start : start + size] for start in range(0, len(body), size)] or [b""]
    messages = [
        {"type": "http.request", "body": piece, "more_body": index < len(pieces) - 1}
        for index, piece in enumerate(pieces)
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "method": method,
        "path": "/graphql",
        "query_string": query_string.encode(),
        "headers": [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
    }
    return Request(scope, receive)


def json_post(body: object, content_type: str = "application/json") -> Request:
    return request_of(headers={"content-type": content_type}, body=json.dumps(body).encode())


def multipart_post(data: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None = None) -> Request:
    encoded = httpx.Request("POST", "http://test/graphql", data=data, files=files or {})
    return request_of(headers=dict(encoded.headers), body=encoded.read())


async def refusal(request: Request, max_body_bytes: int = 1024) -> tuple[int, str, str | None]:
    with pytest.raises(HTTPError) as raised:
        await read_params(request, max_body_bytes)
    return raised.value.status, raised.value.message, raised.value.code


async def test_a_json_post_gives_its_query_operation_name_and_variables():
    request = json_post({"query": "{ viewer { id } }", "operationName": "Me", "variables": {"a": 1}, "extensions": {}})

    params = await read_params(request, 1024)

    assert params == GraphQLParams(query="{ viewer { id } }", operation_name="Me", variables={"a": 1})


async def test_a_get_reads_its_variables_json_encoded_from_the_query_string():
    query_string = urlencode({"query": "{ viewer { id } }", "variables": '{"a": [1]}'})

    params = await read_params(request_of("GET", query_string=query_string), 1024)

    assert params == GraphQLParams(query="{ viewer { id } }", operation_name=None, variables={"a": [1]})


@pytest.mark.parametrize(
    ("request_factory", "expected"),
    [
        (
            lambda: json_post({"query": "{ a }"}, "text/plain"),
            (415, "Send the request body as application/json", None),
        ),
        (
            lambda: json_post({"query": "{ a }"}, "application/json; charset=latin-1"),
            (415, "The request body must be encoded as utf-8", None),
        ),
        (
            lambda: request_of(headers={"content-type": "application/json"}, body=b"{"),
            (400, "The request body is not valid JSON", None),
        ),
        (
            lambda: request_of(headers={"content-type": "application/json"}, body=b'"\xff"'),
            (400, "The request body is not valid JSON", None),
        ),
        (
            lambda: request_of(headers={"content-type": "application/json"}, body=b'{"query": "\\ud800"}'),
            (
                400,
                "The request body is not valid JSON: a string holds an unpaired surrogate escape (\\ud800 to \\udfff)",
                None,
            ),
        ),
        (
            lambda: json_post([{"query": "{ a }"}, {"query": "{ b }"}]),
            (400, "Batched requests are not supported: send one operation per request", "BATCHING_NOT_SUPPORTED"),
        ),
        (lambda: json_post(3), (400, "The request body must be a JSON object", None)),
        (lambda: json_post({"query": "  "}), (400, "The 'query' parameter must be a non-empty string", None)),
        (lambda: json_post({"variables": {}}), (400, "The 'query' parameter must be a non-empty string", None)),
        (
            lambda: json_post({"query": "{ a }", "operationName": 1}),
            (400, "The 'operationName' parameter must be a string", None),
        ),
        (
            lambda: json_post({"query": "{ a }", "variables": "{}"}),
            (400, "The 'variables' parameter must be an object", None),
        ),
        (
            lambda: json_post({"query": "{ a }", "extensions": []}),
            (400, "The 'extensions' parameter must be an object", None),
        ),
        (
            lambda: request_of("GET", query_string=urlencode({"query": "{ a }", "variables": "{"})),
            (400, "The 'variables' parameter must be a JSON-encoded object", None),
        ),
        (
            lambda: request_of("GET", query_string=urlencode({"query": "{ a }", "variables": "[1]"})),
            (400, "The 'variables' parameter must be an object", None),
        ),
    ],
)
async def test_a_request_that_breaks_the_rules_is_refused_with_its_status_and_message(request_factory, expected):
    assert await refusal(request_factory()) == expected


async def test_a_body_over_the_limit_is_refused_whether_declared_or_streamed():
    body = json.dumps({"query": "{ viewer { id } }", "pad": "x" * 3000}).encode()
    declared = request_of(headers={"content-type": "application/json", "content-length": str(len(body))}, body=body)
    streamed = request_of(headers={"content-type": "application/json"}, body=body, chunk=100)
    fits = request_of(headers={"content-type": "application/json"}, body=body, chunk=100)

    assert await refusal(declared, 2048) == (413, "The request body is larger than 2 KiB", None)
    assert await refusal(streamed, 3000) == (413, "The request body is larger than 3000 bytes", None)
    assert (await read_params(fits, len(body))).query == "{ viewer { id } }"


async def test_a_multipart_upload_puts_each_file_in_place_of_its_variable():
    operations = {"query": "mutation ($f: Upload!) { a(f: $f) }", "variables": {"f": None, "n": 2}}
    request = multipart_post(
        {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        {"0": ("leads.csv", b"a,b\n", "text/csv")},
    )

    params = await read_params(request, 10)

    assert params.query == operations["query"]
    assert params.variables is not None and params.variables["n"] == 2
    upload = params.variables["f"]
    assert isinstance(upload, UploadFile)
    assert (upload.filename, await upload.read()) == ("leads.csv", b"a,b\n")


FILE = {"0": ("leads.csv", b"a,b\n", "text/csv")}
OPERATIONS = json.dumps({"query": "mutation ($f: Upload!) { a(f: $f) }", "variables": {"f": None}})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"map": json.dumps({"0": ["variables.f"]})}, "The multipart request needs a 'operations' field holding JSON"),
        ({"operations": OPERATIONS}, "The multipart request needs a 'map' field holding JSON"),
        ({"operations": "{", "map": "{}"}, "The 'operations' field is not valid JSON"),
        (
            {"operations": json.dumps([json.loads(OPERATIONS)]), "map": "{}"},
            "The 'operations' field must be a JSON object; batched operations are not supported",
        ),
        (
            {"operations": OPERATIONS, "map": json.dumps({"0": ["f"]})},
            "The 'map' field must map each file field to a list of paths into variables",
        ),
        (
            {"operations": OPERATIONS, "map": json.dumps({"1": ["variables.f"]})},
            "The 'map' field names a file '1' that the request does not hold",
        ),
        (
            {"operations": OPERATIONS, "map": json.dumps({"0": ["variables.f.x.y"]})},
            "A path in the 'map' field does not lead to a variable in 'operations'",
        ),
    ],
)
async def test_a_multipart_upload_off_the_spec_is_refused_with_400(data, message):
    assert await refusal(multipart_post(data, FILE)) == (400, message, None)


async def test_a_multipart_upload_declared_over_its_limit_is_refused_before_reading():
    request = request_of(
        headers={"content-type": "multipart/form-data; boundary=x", "content-length": str(MAX_UPLOAD_BYTES + 1)}
    )

    assert await refusal(request) == (413, "The request body is larger than 201 MiB", None)


def test_the_named_operation_is_selected_from_the_document():
    query = "query A { viewer { id } } query B { viewer { name } }"

    operation = select_operation(GraphQLParams(query, "B", None), 2000)

    assert operation is not None and operation.name is not None and operation.name.value == "B"


@pytest.mark.parametrize(
    ("operation_name", "message"),
    [
        ("C", "Unknown operation named 'C'"),
        (None, "Must provide operation name if query contains multiple operations"),
    ],
)
def test_a_document_naming_no_single_operation_is_a_graphql_error(operation_name, message):
    query = "query A { viewer { id } } query B { viewer { name } }"

    with pytest.raises(HTTPError) as raised:
        select_operation(GraphQLParams(query, operation_name, None), 2000)

    error = raised.value
    assert (error.status, error.message, error.code, error.graphql_error) == (400, message, "BAD_USER_INPUT", True)
    assert refusal_status(error, JSON) == 200
    assert refusal_status(error, GRAPHQL_RESPONSE) == 400


def test_a_document_that_does_not_parse_is_left_for_the_schema_to_report():
    assert select_operation(GraphQLParams("{ viewer {", None, None), 2000) is None
    assert select_operation(GraphQLParams("{ a b c }", None, None), 2) is None


def test_a_refusal_before_graphql_keeps_its_status_for_every_media_type():
    error = HTTPError(415, "Send the request body as application/json")

    assert refusal_status(error, JSON) == refusal_status(error, GRAPHQL_RESPONSE) == 415


@pytest.mark.parametrize(
    ("codes", "request_error", "throttled", "media_type", "status"),
    [
        ([], False, False, JSON, 200),
        ([], False, False, GRAPHQL_RESPONSE, 200),
        (["GRAPHQL_VALIDATION_FAILED"], True, False, JSON, 200),
        (["GRAPHQL_VALIDATION_FAILED"], True, False, GRAPHQL_RESPONSE, 400),
        (["FORBIDDEN"], False, False, GRAPHQL_RESPONSE, 200),
        (["NOT_FOUND", "SERVICE_UNAVAILABLE"], False, True, JSON, 503),
        (["RATE_LIMITED"], True, True, GRAPHQL_RESPONSE, 429),
        (["RATE_LIMITED"], True, False, GRAPHQL_RESPONSE, 400),
        (["RATE_LIMITED"], True, False, JSON, 200),
    ],
)
def test_an_executed_request_answers_the_status_its_errors_call_for(
    codes, request_error, throttled, media_type, status
):
    assert result_status(codes, request_error=request_error, throttled=throttled, media_type=media_type) == status


def test_a_request_error_has_no_data_and_a_field_error_keeps_it():
    refused = ExecutionResult(data=None, errors=[GraphQLError("Cannot query field 'a' on type 'Query'.")])
    failed = ExecutionResult(data={"a": None}, errors=[GraphQLError("No", path=["a"])], extensions={"cost": 1})

    assert is_request_error(refused) and not is_request_error(failed)
    assert result_body(refused) == {"errors": [{"message": "Cannot query field 'a' on type 'Query'."}]}
    assert result_body(failed) == {
        "data": {"a": None},
        "errors": [{"message": "No", "path": ["a"]}],
        "extensions": {"cost": 1},
    }
    assert result_body(ExecutionResult(data={"a": 1}, errors=None)) == {"data": {"a": 1}}


def test_an_answer_is_compact_utf8_json_of_the_negotiated_type():
    response = json_response({"data": {"name": "Zoë"}}, 200, GRAPHQL_RESPONSE, {"X-A": "b"})

    assert response.body == '{"data":{"name":"Zoë"}}'.encode()
    assert response.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
    assert response.headers["x-a"] == "b"
    assert error_body("No", "FORBIDDEN") == {"errors": [{"message": "No", "extensions": {"code": "FORBIDDEN"}}]}
    assert error_body("No") == {"errors": [{"message": "No"}]}

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager

from leadbridge.app import create_app
from leadbridge.settings import Settings
from tests.factories import client_as, make_user, token_for

VIEWER_EMAIL = "query { viewer { email } }"
UNKNOWN_FIELD = "query { doesNotExist }"
MUTATION = "mutation { __typename }"

GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"
JSON = "application/json; charset=utf-8"
UNKNOWN_FIELD_ERRORS = [
    {
        "message": "Cannot query field 'doesNotExist' on type 'Query'.",
        "locations": [{"line": 1, "column": 9}],
        "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
    }
]


def assert_unauthenticated(response: httpx.Response, message: str) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == JSON
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}


def claims(user_id: int, token_version: int = 0) -> dict[str, object]:
    return {"sub": str(user_id), "ver": token_version, "exp": datetime.now(UTC) + timedelta(hours=1)}


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Missing Authorization header: send 'Authorization: Bearer <token>'"),
        ("Basic xyz", "Malformed Authorization header: expected 'Bearer <token>'"),
        ("Bearer", "Malformed Authorization header: expected 'Bearer <token>'"),
        ("Bearer not-a-jwt", "Invalid token"),
    ],
    ids=["missing", "basic", "bearer-alone", "garbage"],
)
async def test_a_request_without_a_usable_bearer_token_is_unauthenticated(
    anonymous_client: httpx.AsyncClient, authorization: str | None, message: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = await anonymous_client.post("/graphql", json={"query": VIEWER_EMAIL}, headers=headers)

    assert_unauthenticated(response, message)


async def test_a_token_signed_with_another_key_is_unauthenticated(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()
    token = token_for(user, secret_key="another-secret-key-that-is-long-enough-for-hs256")

    response = await anonymous_client.post(
        "/graphql", json={"query": VIEWER_EMAIL}, headers={"Authorization": f"Bearer {token}"}
    )

    assert_unauthenticated(response, "Invalid token")


async def test_an_unsigned_token_is_unauthenticated(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()
    token = jwt.encode(claims(user.id), None, algorithm="none")

    response = await anonymous_client.post(
        "/graphql", json={"query": VIEWER_EMAIL}, headers={"Authorization": f"Bearer {token}"}
    )

    assert_unauthenticated(response, "Invalid token")


async def test_an_expired_token_is_unauthenticated(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()
    token = token_for(user, ttl_hours=-1)

    response = await anonymous_client.post(
        "/graphql", json={"query": VIEWER_EMAIL}, headers={"Authorization": f"Bearer {token}"}
    )

    assert_unauthenticated(response, "Token has expired")


async def test_a_token_that_answered_is_refused_once_it_expires(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()
    token = token_for(user, ttl_hours=1.5 / 3600)
    headers = {"Authorization": f"Bearer {token}"}

    answered = await anonymous_client.post("/graphql", json={"query": VIEWER_EMAIL}, headers=headers)
    await asyncio.sleep(1.6)
    refused = await anonymous_client.post("/graphql", json={"query": VIEWER_EMAIL}, headers=headers)

    assert answered.json() == {"data": {"viewer": {"email": user.email}}}
    assert_unauthenticated(refused, "Token has expired")


async def test_a_revoked_token_is_unauthenticated(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()
    token = token_for(user)
    user.token_version += 1
    await user.save()

    response = await anonymous_client.post(
        "/graphql", json={"query": VIEWER_EMAIL}, headers={"Authorization": f"Bearer {token}"}
    )

    assert_unauthenticated(response, "Token has been revoked")


async def test_a_deactivated_user_is_unauthenticated(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user(is_active=False)

    async with client_as(anonymous_client, user) as client:
        response = await client.post("/graphql", json={"query": VIEWER_EMAIL})

    assert_unauthenticated(response, "User is deactivated")


async def test_a_query_over_get_is_answered(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user(email="grace@example.com")

    async with client_as(anonymous_client, user) as client:
        response = await client.get("/graphql", params={"query": VIEWER_EMAIL})

    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": {"email": "grace@example.com"}}}


async def test_a_mutation_over_get_is_refused_with_405(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await client.get("/graphql", params={"query": MUTATION})

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {"errors": [{"message": "Only queries may be sent with GET: send mutations with POST"}]}


async def test_other_methods_are_refused_with_405(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await client.put("/graphql", json={"query": VIEWER_EMAIL})

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json() == {"errors": [{"message": "GraphQL accepts GET for queries and POST"}]}


async def test_graphql_response_json_answers_a_validation_error_with_400_and_no_data(
    anonymous_client: httpx.AsyncClient,
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await client.post(
            "/graphql", json={"query": UNKNOWN_FIELD}, headers={"Accept": "application/graphql-response+json"}
        )

    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == {"errors": UNKNOWN_FIELD_ERRORS}


async def test_application_json_answers_a_validation_error_with_200(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await client.post("/graphql", json={"query": UNKNOWN_FIELD}, headers={"Accept": "application/json"})

    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json() == {"errors": UNKNOWN_FIELD_ERRORS}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": VIEWER_EMAIL, "operationName": "Viewer"}, "Unknown operation named 'Viewer'"),
        (
            {"query": "query A { viewer { id } } query B { viewer { email } }"},
            "Must provide operation name if query contains multiple operations",
        ),
    ],
    ids=["unknown-name", "ambiguous"],
)
@pytest.mark.parametrize(("accept", "status"), [("application/graphql-response+json", 400), ("application/json", 200)])
async def test_an_operation_name_that_selects_nothing_is_a_request_error(
    anonymous_client: httpx.AsyncClient, body: dict[str, str], message: str, accept: str, status: int
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await client.post("/graphql", json=body, headers={"Accept": accept})

    assert response.status_code == status
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]}


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE),
        ("application/json", JSON),
        ("*/*", JSON),
        ("text/html, */*;q=0.8", JSON),
    ],
)
async def test_the_response_media_type_follows_accept(
    anonymous_client: httpx.AsyncClient, accept: str, content_type: str
) -> None:
    user = await make_user(email="ada@example.com")

    async with client_as(anonymous_client, user) as client:
        response = await client.post("/graphql", json={"query": VIEWER_EMAIL}, headers={"Accept": accept})

    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.json() == {"data": {"viewer": {"email": "ada@example.com"}}}


async def test_an_unsupported_accept_is_refused_with_406(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await client.post("/graphql", json={"query": VIEWER_EMAIL}, headers={"Accept": "text/plain"})

    assert response.status_code == 406
    assert response.json() == {"errors": [{"message": "Accept application/graphql-response+json or application/json"}]}


async def test_a_post_without_a_json_content_type_is_refused_with_415(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await client.post("/graphql", content=VIEWER_EMAIL, headers={"Content-Type": "text/plain"})

    assert response.status_code == 415
    assert response.json() == {"errors": [{"message": "Send the request body as application/json"}]}


async def test_a_body_over_1_mib_is_refused_with_413(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()
    padding = " " * (1024 * 1024)

    async with client_as(anonymous_client, user) as client:
        response = await client.post("/graphql", json={"query": VIEWER_EMAIL + padding})

    assert response.status_code == 413
    assert response.json() == {"errors": [{"message": "The request body is larger than 1 MiB"}]}


async def test_the_body_limit_comes_from_settings(settings: Settings) -> None:
    app = create_app(settings.with_overrides(max_body_bytes=64 * 1024))
    padding = " " * (64 * 1024)

    async with LifespanManager(app):
        user = await make_user()
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous_client,
            client_as(anonymous_client, user) as client,
        ):
            response = await client.post("/graphql", json={"query": VIEWER_EMAIL + padding})

    assert response.status_code == 413
    assert response.json() == {"errors": [{"message": "The request body is larger than 64 KiB"}]}


async def test_invalid_json_is_refused_with_400(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await client.post("/graphql", content=b'{"query": "{', headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "The request body is not valid JSON"}]}


async def test_healthz_answers_ok(anonymous_client: httpx.AsyncClient) -> None:
    response = await anonymous_client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}

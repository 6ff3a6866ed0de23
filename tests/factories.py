"""Small async factories for test data, and clients that act as a given user."""

import itertools
from typing import Any

import httpx

from leadbridge.auth import issue_token
from models import Company, User
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"
_sequence = itertools.count(1)


async def make_company(**overrides: Any) -> Company:
    n = next(_sequence)
    fields: dict[str, Any] = {"name": f"Company {n}", "domain": f"company{n}.example"}
    fields.update(overrides)
    return await Company.create(**fields)


async def make_user(**overrides: Any) -> User:
    n = next(_sequence)
    if "company" not in overrides and "company_id" not in overrides:
        overrides["company"] = await make_company()
    fields: dict[str, Any] = {"email": f"user{n}@example.com", "name": f"User {n}"}
    fields.update(overrides)
    user = await User.create(**fields)
    await user.fetch_related("company")
    return user


def token_for(user: User, ttl_hours: float = 1.0, secret_key: str = TEST_SECRET_KEY) -> str:
    return issue_token(user, secret_key, ttl_hours)


def client_as(anonymous_client: httpx.AsyncClient, user: User) -> httpx.AsyncClient:
    """A client sharing the app's transport that sends the user's bearer token."""
    return httpx.AsyncClient(
        transport=anonymous_client._transport,
        base_url=anonymous_client.base_url,
        headers={"Authorization": f"Bearer {token_for(user)}"},
    )


async def graphql(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a GraphQL document and return the decoded body, asserting the HTTP status is 200."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    return response.json()

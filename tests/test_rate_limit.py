"""Rate limiting by query cost: a token bucket per user, reported on every response as Shopify
does; over the limit, HTTP 429 with Retry-After and nothing run. Buckets live in memory, or in
Redis (LEADBRIDGE_REDIS_URL) where the limit holds across workers.

The buckets here hold 30 points and refill by 0.01 a second, so nothing measurable refills
during a test."""

import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
import redis

from leadbridge.settings import Settings
from models import Lead
from tests.factories import client_as, make_user, serving
from tests.live import LiveServer, cli_env, live_server, run_cli

REDIS_URL = os.environ.get("LEADBRIDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
VIEWER_ID = "{ viewer { id } }"
LEADS = "{ leads(first: 10) { edges { node { id owner { id } } } } }"
FEW_LEADS = "{ leads(first: 5) { edges { node { id owner { id } } } } }"
EXPENSIVE = "{ leads(first: 20) { edges { node { id owner { id } } } } }"
CREATE_LEAD = """
mutation ($input: CreateLeadInput!) {
  createLead(input: $input) { lead { id } userErrors { code } }
}
"""
UNKNOWN_FIELD = "{ viewer { nickname } }"


def throttle(available: int, maximum: float = 30.0, rate: float = 0.01) -> dict[str, float]:
    return {"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": rate}


def cost(requested: int, available: int) -> dict[str, Any]:
    return {"cost": {"requestedQueryCost": requested, "throttleStatus": throttle(available)}}


def redis_unavailable_reason() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except (redis.RedisError, OSError) as error:
        return f"Redis at {REDIS_URL} does not answer ({type(error).__name__}): Redis tests skipped"
    return None


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own, whose keys are removed afterwards."""
    reason = redis_unavailable_reason()
    if reason:
        pytest.skip(reason)
    prefix = f"leadbridge-test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_overrides(rate_limit_capacity=30, rate_limit_restore_rate=0.01)


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables or {}})


def new_lead(topic: str) -> dict[str, Any]:
    return {"input": {"topic": topic, "lastName": "Doe"}}


async def test_every_response_carries_the_query_cost_and_the_throttle_status(
    anonymous_client: httpx.AsyncClient,
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        viewer = await post(client, VIEWER_ID)
        created = await post(client, CREATE_LEAD, new_lead("Cost"))
        leads = await post(client, FEW_LEADS)

    assert viewer.json() == {"data": {"viewer": {"id": viewer.json()["data"]["viewer"]["id"]}}, "extensions": cost(1, 29)}
    assert created.json()["extensions"] == cost(13, 16)
    lead = {"id": created.json()["data"]["createLead"]["lead"]["id"], "owner": viewer.json()["data"]["viewer"]}
    assert leads.json() == {"data": {"leads": {"edges": [{"node": lead}]}}, "extensions": cost(12, 4)}


async def test_a_request_refused_before_running_is_charged_nothing(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        refused = await post(client, UNKNOWN_FIELD)
        viewer = await post(client, VIEWER_ID)

    assert refused.json()["extensions"] == cost(0, 30)
    assert viewer.json()["extensions"] == cost(1, 29)


async def test_over_the_limit_a_request_is_refused_with_429_and_writes_nothing(
    anonymous_client: httpx.AsyncClient,
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        first = await post(client, CREATE_LEAD, new_lead("First"))
        second = await post(client, CREATE_LEAD, new_lead("Second"))
        third = await post(client, CREATE_LEAD, new_lead("Third"))

    assert [first.status_code, second.status_code] == [200, 200]
    assert third.status_code == 429
    assert third.headers["retry-after"] == "900"
    assert third.json() == {
        "errors": [
            {
                "message": "Rate limit exceeded: this query costs 13 points and 4 are available, "
                "restored at 0.01 per second; retry in 900 seconds",
                "extensions": {"code": "RATE_LIMITED"},
            }
        ],
        "extensions": cost(13, 4),
    }
    assert sorted(await Lead.all().values_list("topic", flat=True)) == ["First", "Second"]


async def test_each_user_has_a_bucket_of_their_own(anonymous_client: httpx.AsyncClient) -> None:
    spender = await make_user()
    other = await make_user()

    async with client_as(anonymous_client, spender) as client:
        await post(client, LEADS)
        refused = await post(client, LEADS)
    async with client_as(anonymous_client, other) as client:
        answered = await post(client, LEADS)

    assert refused.status_code == 429
    assert answered.status_code == 200
    assert answered.json()["extensions"] == cost(22, 8)


async def test_a_query_costing_more_than_a_full_bucket_is_refused_and_charged_nothing(
    anonymous_client: httpx.AsyncClient,
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await post(client, EXPENSIVE)

    assert response.status_code == 200
    assert response.json() == {
        "errors": [
            {
                "message": "This query costs 42 points, more than the 30 a client may spend at once",
                "extensions": {"code": "MAX_COST_EXCEEDED"},
            }
        ],
        "extensions": cost(42, 30),
    }


async def test_rate_limiting_is_on_by_default_with_a_thousand_points(settings: Settings) -> None:
    async with serving(replace(settings, rate_limit_capacity=None)) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            response = await post(client, VIEWER_ID)

    assert response.json()["extensions"]["cost"]["requestedQueryCost"] == 1
    assert response.json()["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 1000


async def test_a_capacity_of_zero_turns_rate_limiting_off(settings: Settings) -> None:
    async with serving(replace(settings, rate_limit_capacity=0)) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            response = await post(client, VIEWER_ID)

    assert "extensions" not in response.json()


async def test_when_redis_does_not_answer_requests_are_let_through(settings: Settings) -> None:
    async with serving(settings.with_overrides(redis_url="redis://127.0.0.1:1/0")) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            response = await post(client, VIEWER_ID)

    assert response.status_code == 200
    assert response.json()["extensions"] == {"cost": {"requestedQueryCost": 1, "throttleStatus": None}}


async def test_buckets_in_redis_refuse_over_the_limit(settings: Settings, redis_prefix: str) -> None:
    async with serving(settings.with_overrides(redis_url=REDIS_URL, redis_key_prefix=redis_prefix)) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            first = await post(client, CREATE_LEAD, new_lead("First"))
            second = await post(client, CREATE_LEAD, new_lead("Second"))
            third = await post(client, CREATE_LEAD, new_lead("Third"))
        topics = sorted(await Lead.all().values_list("topic", flat=True))

    assert [first.json()["extensions"], second.json()["extensions"]] == [cost(13, 17), cost(13, 4)]
    assert third.status_code == 429
    assert third.headers["retry-after"] == "900"
    assert third.json()["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
    assert topics == ["First", "Second"]


def request_log(server: LiveServer, path: str, count: int) -> list[dict[str, Any]]:
    """The server's request log lines for `path`, once there are `count` of them (each is
    written after its response)."""
    for _ in range(100):
        lines = [json.loads(line) for line in server.output().splitlines() if line.startswith('{"event":"request"')]
        entries = [entry for entry in lines if entry["path"] == path]
        if len(entries) >= count:
            break
        time.sleep(0.05)
    return entries


def test_with_redis_the_limit_holds_across_two_workers(backend: str, database_url: str, redis_prefix: str) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite is served by one worker: `leadbridge serve --workers 2` needs PostgreSQL")
    env = cli_env(
        database_url,
        LEADBRIDGE_REDIS_URL=REDIS_URL,
        LEADBRIDGE_REDIS_KEY_PREFIX=redis_prefix,
        LEADBRIDGE_RATE_LIMIT_CAPACITY="5",
        LEADBRIDGE_RATE_LIMIT_RESTORE_RATE="0.001",
    )
    created = run_cli("users", "create", "--email", "ada@example.com", "--name", "Ada", "--company", "Acme", env=env)
    assert created.returncode == 0, created.stderr
    issued = run_cli("token", "--email", "ada@example.com", env=env)
    assert issued.returncode == 0, issued.stderr
    headers = {"Authorization": f"Bearer {issued.stdout.strip()}"}

    with live_server(env, "--workers", "2") as server:
        statuses = []
        for _ in range(20):
            with httpx.Client(headers=headers, timeout=10) as client:
                statuses.append(client.post(server.graphql_url, json={"query": VIEWER_ID}).status_code)
        graphql_log = request_log(server, path="/graphql", count=20)

    assert statuses == [200] * 5 + [429] * 15
    assert len({entry["pid"] for entry in graphql_log}) == 2, "both workers should have answered"
    assert sorted(entry["outcome"] for entry in graphql_log) == ["ok"] * 5 + ["rate_limited"] * 15

"""Rate limiting by query cost: a token bucket per user, reported on every response as Shopify
does (the requested cost taken before running, settled to the actual cost after); refused
documents are paid for; over the limit, HTTP 429 with Retry-After and nothing run. Buckets live
in memory, or in Redis (LEADBRIDGE_REDIS_URL) where the limit holds across workers.

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
from models import Lead, Opportunity
from tests.factories import client_as, make_user, serving, stage_named
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
LONG_UNKNOWN_FIELD = "{ viewer { nickname" + " id" * 243 + " } }"
WIDE_VIEWER = "{ viewer {" + " id" * 293 + " } }"
COMMENTED_VIEWER = "# " + "x" * 4500 + "\n{ viewer { id } }"
SYNTAX_ERROR = "{ viewer { id }"
PAGE_OF_LEADS = "query ($first: Int) { leads(first: $first) { totalCount } }"
LEAD_FUNNEL = "{ leadFunnel { leadCount } }"
PIPELINE = "{ pipeline { opportunityCount } }"
IMPORT_LEADS = """
mutation ($input: ImportLeadsInput!) {
  importLeads(input: $input) { createdCount userErrors { code } }
}
"""


def throttle(available: int, maximum: float = 30.0, rate: float = 0.01) -> dict[str, float]:
    return {"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": rate}


def cost(requested: int, actual: int, available: int) -> dict[str, Any]:
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": throttle(available)}}


def costs(response: httpx.Response) -> tuple[int, int]:
    charged = response.json()["extensions"]["cost"]
    return charged["requestedQueryCost"], charged["actualQueryCost"]


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

    assert viewer.json() == {
        "data": {"viewer": {"id": viewer.json()["data"]["viewer"]["id"]}},
        "extensions": cost(1, 1, 29),
    }
    assert created.json()["extensions"] == cost(13, 13, 16)
    lead = {"id": created.json()["data"]["createLead"]["lead"]["id"], "owner": viewer.json()["data"]["viewer"]}
    assert leads.json() == {"data": {"leads": {"edges": [{"node": lead}]}}, "extensions": cost(12, 4, 12)}


async def test_the_actual_cost_counts_the_records_returned_and_the_rest_is_given_back(
    anonymous_client: httpx.AsyncClient,
) -> None:
    owner = await make_user()
    for topic in ("First", "Second", "Third"):
        await Lead.create(topic=topic, sourced_by_id=owner.company_id, owner=owner)
    admin = await make_user(company=owner.company, is_admin=True)
    outsider = await make_user()

    async with client_as(anonymous_client, admin) as client:
        page = await post(client, LEADS)
    async with client_as(anonymous_client, outsider) as client:
        empty = await post(client, "{ leads(first: 10) { edges { node { id } } } }")

    assert len(page.json()["data"]["leads"]["edges"]) == 3
    assert page.json()["extensions"] == cost(22, 2 + 3 * 2, 22)
    assert empty.json() == {"data": {"leads": {"edges": []}}, "extensions": cost(12, 2, 28)}


async def test_a_refused_document_is_charged_by_its_size(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        refused = await post(client, UNKNOWN_FIELD)
        unparsed = await post(client, SYNTAX_ERROR)
        viewer = await post(client, VIEWER_ID)
    async with client_as(anonymous_client, await make_user()) as client:
        long_refused = await post(client, LONG_UNKNOWN_FIELD)
    async with client_as(anonymous_client, await make_user()) as client:
        uncoerced = await post(client, PAGE_OF_LEADS, {"first": "twenty"})

    assert [error["message"] for error in refused.json()["errors"]] == [
        "Cannot query field 'nickname' on type 'User'. Did you mean 'name'?"
    ]
    assert refused.json()["extensions"] == cost(10, 10, 20)
    assert unparsed.json()["extensions"] == cost(10, 10, 10)
    assert viewer.json()["extensions"] == cost(1, 1, 9)
    assert long_refused.json()["extensions"] == cost(25, 25, 5)
    assert [error["message"] for error in uncoerced.json()["errors"]] == [
        "Variable '$first' has invalid value: Int cannot represent non-integer value: 'twenty'"
    ]
    assert uncoerced.json()["extensions"] == cost(2, 10, 20)


async def test_every_document_costs_a_point_per_10_tokens_and_per_1000_characters(
    anonymous_client: httpx.AsyncClient,
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        wide = await post(client, WIDE_VIEWER)
        commented = await post(client, COMMENTED_VIEWER)

    assert wide.json()["data"] == {"viewer": {"id": wide.json()["data"]["viewer"]["id"]}}
    assert wide.json()["extensions"] == cost(30, 30, 0)
    assert commented.status_code == 429
    assert commented.json()["extensions"] == cost(5, 0, 0)


async def test_a_refused_document_the_bucket_cannot_pay_for_is_rate_limited(
    anonymous_client: httpx.AsyncClient,
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        answered = [await post(client, UNKNOWN_FIELD) for _ in range(3)]
        refused = await post(client, UNKNOWN_FIELD)

    assert [response.status_code for response in answered] == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1000"
    assert refused.json() == {
        "errors": [
            {
                "message": "Rate limit exceeded: this query costs 10 points and 0 are available, "
                "restored at 0.01 per second; retry in 1000 seconds",
                "extensions": {"code": "RATE_LIMITED"},
            }
        ],
        "extensions": cost(10, 0, 0),
    }


async def test_400_invalid_queries_in_a_row_meet_a_429_with_the_default_bucket(settings: Settings) -> None:
    async with serving(replace(settings, rate_limit_capacity=None, rate_limit_restore_rate=50.0)) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            responses = []
            for _ in range(400):
                responses.append(await post(client, UNKNOWN_FIELD))
                if responses[-1].status_code == 429:
                    break

    limited = responses[-1]
    assert limited.status_code == 429, "400 invalid queries were all answered"
    assert int(limited.headers["retry-after"]) >= 1
    assert [error["extensions"]["code"] for error in limited.json()["errors"]] == ["RATE_LIMITED"]
    assert {response.status_code for response in responses[:-1]} == {200}
    assert {response.json()["errors"][0]["message"] for response in responses[:-1]} == {
        "Cannot query field 'nickname' on type 'User'. Did you mean 'name'?"
    }


async def test_lead_funnel_and_pipeline_cost_a_point_more_per_100_records_they_count(settings: Settings) -> None:
    async with serving(settings.with_overrides(rate_limit_capacity=10_000)) as anonymous_client:
        admin = await make_user(is_admin=True)
        async with client_as(anonymous_client, admin) as client:
            empty_funnel = await post(client, LEAD_FUNNEL)
            empty_pipeline = await post(client, PIPELINE)
            stage = await stage_named()
            await Lead.bulk_create(
                [Lead(topic=f"Lead {n}", sourced_by_id=admin.company_id, owner=admin) for n in range(250)]
            )
            await Opportunity.bulk_create(
                [
                    Opportunity(name=f"Opportunity {n}", stage=stage, sourced_by_id=admin.company_id, owner=admin)
                    for n in range(101)
                ]
            )
            funnel = await post(client, LEAD_FUNNEL)
            pipeline = await post(client, PIPELINE)

    assert funnel.json()["data"] == {"leadFunnel": {"leadCount": 250}}
    assert pipeline.json()["data"] == {"pipeline": {"opportunityCount": 101}}
    assert [costs(empty_funnel), costs(empty_pipeline)] == [(1, 1), (1, 1)]
    assert [costs(funnel), costs(pipeline)] == [(1, 1 + 3), (1, 1 + 2)]


def upload(content: str) -> dict[str, Any]:
    """The keyword arguments of an httpx POST of `importLeads` by the GraphQL multipart request spec."""
    operations = {"query": IMPORT_LEADS, "variables": {"input": {"file": None}}}
    return {
        "data": {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        "files": {"0": ("leads.csv", content.encode(), "text/csv")},
    }


async def test_an_import_costs_a_point_more_per_4_kib_of_its_file(settings: Settings) -> None:
    small = "topic\nFleet renewal\n"
    large = "topic\n" + "".join(f"Fleet renewal number {n:05}\n" for n in range(1000))
    async with serving(settings.with_overrides(rate_limit_capacity=10_000)) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            small_import = await client.post("/graphql", **upload(small))
            large_import = await client.post("/graphql", **upload(large))
        imported = await Lead.all().count()

    assert len(large) == 27_006
    assert small_import.json()["data"] == {"importLeads": {"createdCount": 1, "userErrors": []}}
    assert large_import.json()["data"] == {"importLeads": {"createdCount": 1000, "userErrors": []}}
    assert costs(small_import) == (12, 12 + 1)
    assert costs(large_import) == (12, 12 + 7)
    assert imported == 1001


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
        "extensions": cost(13, 0, 4),
    }
    assert sorted(await Lead.all().values_list("topic", flat=True)) == ["First", "Second"]


async def test_each_user_has_a_bucket_of_their_own(anonymous_client: httpx.AsyncClient) -> None:
    spender = await make_user()
    other = await make_user()

    async with client_as(anonymous_client, spender) as client:
        await post(client, CREATE_LEAD, new_lead("First"))
        await post(client, CREATE_LEAD, new_lead("Second"))
        refused = await post(client, LEADS)
    async with client_as(anonymous_client, other) as client:
        answered = await post(client, LEADS)

    assert refused.status_code == 429
    assert answered.status_code == 200
    assert answered.json()["extensions"] == cost(22, 3, 27)


async def test_a_query_costing_more_than_a_full_bucket_is_refused_and_charged_as_a_refusal(
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
        "extensions": cost(42, 10, 20),
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
    assert response.json()["extensions"] == {
        "cost": {"requestedQueryCost": 1, "actualQueryCost": 1, "throttleStatus": None}
    }


async def test_buckets_in_redis_refuse_over_the_limit(settings: Settings, redis_prefix: str) -> None:
    async with serving(settings.with_overrides(redis_url=REDIS_URL, redis_key_prefix=redis_prefix)) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            first = await post(client, CREATE_LEAD, new_lead("First"))
            second = await post(client, CREATE_LEAD, new_lead("Second"))
            third = await post(client, CREATE_LEAD, new_lead("Third"))
        topics = sorted(await Lead.all().values_list("topic", flat=True))

    assert [first.json()["extensions"], second.json()["extensions"]] == [cost(13, 13, 17), cost(13, 13, 4)]
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

"""Query limits: depth 10, aliases 15, tokens 2,000 and nodes 50,000 by default, from settings;
each refusal is a request error with its code and the limit in the message, and runs nothing."""

from typing import Any

import httpx
import pytest

from leadbridge.settings import Settings
from models import Lead
from tests.factories import client_as, graphql, make_lead, make_user, serving
from tests.live import cli_env, live_server, run_cli

DEPTH_10 = """
{ leads { edges { node { opportunities { edges { node { leads { edges { node { owner { id } } } } } } } } } } }
"""
DEPTH_11 = """
{ leads { edges { node { opportunities { edges { node { leads { edges { node { owner { company { id } } } } } } } } } } } }
"""
SELECTION_11_DEEP = "leads { edges { node { opportunities { edges { node { leads { edges { node { owner { company { id } } } } } } } } } } }"
VIEWER_ID = "{ viewer { id } }"
NODES_60_100 = """
{ leads(first: 100) { edges { node { opportunities(first: 100) { edges { node { leads(first: 5) { totalCount } } } } } } } }
"""
NODES_40_100 = """
{ leads(first: 100) { edges { node { opportunities(first: 100) { edges { node { leads(first: 3) { totalCount } } } } } } } }
"""
NODES_BY_VARIABLES = """
query Portal($leads: Int, $opportunities: Int, $linked: Int = 5) {
  leads(first: $leads) { edges { node { opportunities(first: $opportunities) { edges { node {
    leads(first: $linked) { totalCount }
  } } } } } }
}
"""
NODES_BY_DEFAULT_PAGE_SIZE = """
{ leads { edges { node { opportunities(first: 100) { edges { node { leads(first: 25) { totalCount } } } } } } } }
"""
NODES_THROUGH_FRAGMENTS = """
query { ...Leads }
fragment Leads on Query { leads(first: 100) { edges { node { ...Opportunities } } } }
fragment Opportunities on Lead { opportunities(first: 100) { edges { node { leads(first: 6) { totalCount } } } } }
"""
CREATE_LEAD = """
mutation ($input: CreateLeadInput!) {
  createLead(input: $input) {
    lead { opportunities(first: 100) { edges { node { leads(first: 100) { edges { node { opportunities(first: 100) { totalCount } } } } } } } }
    userErrors { code }
  }
}
"""


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{n}: viewer {{ id }}" for n in range(count)) + " }"


def tokens(count: int) -> str:
    """A document of `count` tokens: `{ viewer { id } }` and a line of comment for each other
    token (comments count, as for Strawberry's MaxTokensLimiter)."""
    return "{ viewer { id } }" + "\n#" * (count - 6)


def fragment_chain(length: int, selection: str = "viewer { id }") -> str:
    """Fragments nested `length` deep, each spreading the next twice: 2**length spreads when
    expanded, `length` fragments to check."""
    fragments = [f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(length)]
    return "\n".join(["{ ...F0 }", *fragments, f"fragment F{length} on Query {{ {selection} }}"])


def refused(message: str, code: str, **location: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if location:
        error["locations"] = [location]
    error["extensions"] = {"code": code}
    return {"errors": [error]}


async def test_a_query_10_levels_deep_is_answered(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, DEPTH_10)

    assert body == {"data": {"leads": {"edges": []}}}


async def test_a_query_11_levels_deep_is_refused(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, DEPTH_11)

    assert body == refused("'anonymous' exceeds maximum operation depth of 10", "MAX_DEPTH_EXCEEDED", line=2, column=98)


async def test_15_aliases_are_answered(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, aliases(15))

    assert body == {"data": {f"a{n}": {"id": body["data"]["a0"]["id"]} for n in range(15)}}


async def test_16_aliases_are_refused(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, aliases(16))

    assert body == refused("16 aliases found. Allowed: 15", "MAX_ALIASES_EXCEEDED")


async def test_a_document_of_2000_tokens_is_answered(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, tokens(2000))

    assert body["data"]["viewer"] == {"id": body["data"]["viewer"]["id"]}


async def test_a_document_over_2000_tokens_is_refused(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, tokens(2001))

    assert body == refused(
        "Syntax Error: Document contains more than 2000 tokens. Parsing aborted.",
        "MAX_TOKENS_EXCEEDED",
        line=1996,
        column=1,
    )


async def test_a_query_that_may_return_more_than_50000_nodes_is_refused(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, NODES_60_100)

    assert body == refused(
        "This query may return up to 60,100 nodes, more than the limit of 50,000", "MAX_NODE_LIMIT_EXCEEDED"
    )


async def test_a_query_within_the_node_limit_is_answered(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()
    await make_lead(user)

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, NODES_40_100)

    assert body == {"data": {"leads": {"edges": [{"node": {"opportunities": {"edges": []}}}]}}}


@pytest.mark.parametrize(
    ("variables", "nodes"),
    [
        ({"leads": 100, "opportunities": 100}, "60,100"),
        ({"leads": 100, "opportunities": 100, "linked": 10}, "110,100"),
    ],
    ids=["variable-default", "variables"],
)
async def test_the_node_limit_counts_page_sizes_given_in_variables(
    anonymous_client: httpx.AsyncClient, variables: dict[str, int], nodes: str
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        refusal = await graphql(client, NODES_BY_VARIABLES, variables)
        answer = await graphql(client, NODES_BY_VARIABLES, {**variables, "opportunities": 10})

    assert refusal == refused(
        f"This query may return up to {nodes} nodes, more than the limit of 50,000", "MAX_NODE_LIMIT_EXCEEDED"
    )
    assert answer == {"data": {"leads": {"edges": []}}}


async def test_a_document_answered_before_is_measured_again_with_other_variables(
    anonymous_client: httpx.AsyncClient,
) -> None:
    user = await make_user()
    small = {"leads": 100, "opportunities": 10}

    async with client_as(anonymous_client, user) as client:
        answered = [await graphql(client, NODES_BY_VARIABLES, small) for _ in range(2)]
        too_many = await graphql(client, NODES_BY_VARIABLES, {**small, "opportunities": 100})
        too_large = await graphql(client, NODES_BY_VARIABLES, {**small, "leads": 101})
        again = await graphql(client, NODES_BY_VARIABLES, small)

    assert answered == [{"data": {"leads": {"edges": []}}}] * 2
    assert too_many == refused(
        "This query may return up to 60,100 nodes, more than the limit of 50,000", "MAX_NODE_LIMIT_EXCEEDED"
    )
    assert [error["extensions"]["code"] for error in too_large["errors"]] == ["BAD_USER_INPUT"]
    assert again == answered[0]


async def test_the_node_limit_counts_a_missing_first_as_the_default_page_of_20(
    anonymous_client: httpx.AsyncClient,
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, NODES_BY_DEFAULT_PAGE_SIZE)

    assert body == refused(
        "This query may return up to 52,020 nodes, more than the limit of 50,000", "MAX_NODE_LIMIT_EXCEEDED"
    )


async def test_the_node_limit_counts_through_fragments(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, NODES_THROUGH_FRAGMENTS)

    assert body == refused(
        "This query may return up to 70,100 nodes, more than the limit of 50,000", "MAX_NODE_LIMIT_EXCEEDED"
    )


async def test_a_mutation_over_the_node_limit_writes_nothing(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, CREATE_LEAD, {"input": {"topic": "Too big to answer", "lastName": "Doe"}})

    assert body == refused(
        "This query may return up to 1,010,100 nodes, more than the limit of 50,000", "MAX_NODE_LIMIT_EXCEEDED"
    )
    assert await Lead.all().count() == 0


async def test_fragments_spread_twice_at_each_of_60_levels_are_checked_once(
    anonymous_client: httpx.AsyncClient,
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        answered = await graphql(client, fragment_chain(60))
        too_deep = await graphql(client, fragment_chain(60, SELECTION_11_DEEP))
        aliased = await graphql(client, fragment_chain(60, "me: viewer { id }"))

    assert answered == {"data": {"viewer": {"id": answered["data"]["viewer"]["id"]}}}
    assert too_deep == refused(
        "'anonymous' exceeds maximum operation depth of 10", "MAX_DEPTH_EXCEEDED", line=62, column=120
    )
    assert aliased == refused(f"{2**60} aliases found. Allowed: 15", "MAX_ALIASES_EXCEEDED")


async def test_graphql_response_json_answers_a_limit_refusal_with_400(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await client.post(
            "/graphql", json={"query": aliases(16)}, headers={"Accept": "application/graphql-response+json"}
        )

    assert response.status_code == 400
    assert response.json() == refused("16 aliases found. Allowed: 15", "MAX_ALIASES_EXCEEDED")


async def test_a_spread_of_an_unknown_fragment_is_a_validation_error(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, "{ ...Missing }")

    assert body == {
        "errors": [
            {
                "message": "Unknown fragment 'Missing'.",
                "locations": [{"line": 1, "column": 6}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ]
    }


async def test_a_batch_of_operations_is_refused(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await client.post("/graphql", json=[{"query": VIEWER_ID}, {"query": VIEWER_ID}])

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "Batched requests are not supported: send one operation per request",
                "extensions": {"code": "BATCHING_NOT_SUPPORTED"},
            }
        ]
    }


@pytest.mark.parametrize(
    ("override", "document", "expected"),
    [
        (
            {"max_depth": 2},
            "{ leads { edges { node { id } } } }",
            refused("'anonymous' exceeds maximum operation depth of 2", "MAX_DEPTH_EXCEEDED", line=1, column=26),
        ),
        ({"max_aliases": 1}, aliases(2), refused("2 aliases found. Allowed: 1", "MAX_ALIASES_EXCEEDED")),
        (
            {"max_tokens": 6},
            tokens(7),
            refused(
                "Syntax Error: Document contains more than 6 tokens. Parsing aborted.",
                "MAX_TOKENS_EXCEEDED",
                line=2,
                column=1,
            ),
        ),
        (
            {"max_nodes": 100},
            "{ leads(first: 100) { edges { node { opportunities(first: 1) { totalCount } } } } }",
            refused("This query may return up to 200 nodes, more than the limit of 100", "MAX_NODE_LIMIT_EXCEEDED"),
        ),
    ],
    ids=["depth", "aliases", "tokens", "nodes"],
)
async def test_the_limits_come_from_settings(
    settings: Settings, override: dict[str, int], document: str, expected: dict[str, Any]
) -> None:
    async with serving(settings.with_overrides(**override)) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            body = await graphql(client, document)

    assert body == expected


def test_a_limit_from_the_environment_that_is_not_a_number_stops_serve(database_url: str) -> None:
    env = cli_env(database_url, LEADBRIDGE_MAX_DEPTH="ten")

    result = run_cli("serve", env=env)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "leadbridge: error: LEADBRIDGE_MAX_DEPTH must be an integer, not 'ten'\n"


def test_limits_from_the_environment_hold_on_a_live_server(database_url: str) -> None:
    env = cli_env(database_url, LEADBRIDGE_MAX_DEPTH="2", LEADBRIDGE_MAX_ALIASES="1")
    created = run_cli("users", "create", "--email", "ada@example.com", "--name", "Ada", "--company", "Acme", env=env)
    assert created.returncode == 0, created.stderr
    issued = run_cli("token", "--email", "ada@example.com", env=env)
    assert issued.returncode == 0, issued.stderr
    headers = {"Authorization": f"Bearer {issued.stdout.strip()}"}

    with live_server(env) as server:
        deep = httpx.post(server.graphql_url, json={"query": "{ leads { edges { node { id } } } }"}, headers=headers)
        aliased = httpx.post(server.graphql_url, json={"query": aliases(2)}, headers=headers)

    assert deep.json() == refused(
        "'anonymous' exceeds maximum operation depth of 2", "MAX_DEPTH_EXCEEDED", line=1, column=26
    )
    assert aliased.json() == refused("2 aliases found. Allowed: 1", "MAX_ALIASES_EXCEEDED")

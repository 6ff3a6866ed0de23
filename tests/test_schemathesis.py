"""schemathesis' GraphQL mode against a live `leadbridge serve`: generated queries and
mutations, with a valid token and IDs of real records, never crash the server; and the bugs it
found, each pinned by a test of its own.

Bounded and reproducible: LEADBRIDGE_FUZZ_EXAMPLES operations per root field (default 8,
about 400 in all) from the seed LEADBRIDGE_FUZZ_SEED (default 0)."""

import base64
import json
import os
import random
from typing import Any

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from graphql import (
    ArgumentNode,
    GraphQLScalarType,
    ListValueNode,
    ObjectFieldNode,
    StringValueNode,
    Visitor,
    parse,
    print_ast,
    visit,
)
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.core.result import Ok
from schemathesis.graphql import nodes
from schemathesis.specs.graphql.scalars import CUSTOM_SCALARS

from models import Lead, Opportunity, SalesPlan
from tests.factories import client_as, gid, graphql, make_company, make_lead, make_user
from tests.live import (
    ID_ARGUMENT_TYPES,
    SampleNetwork,
    cli_env,
    live_server,
    live_token,
    seed_sample_network,
    with_database,
)

CREATE_OPPORTUNITY = """
mutation ($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } userErrors { code message field } } }
"""
CREATE_LEAD = """
mutation ($input: CreateLeadInput!) { createLead(input: $input) { lead { id } userErrors { code message field } } }
"""
CREATE_SALES_PLAN_LITERAL = """
mutation { createSalesPlan(input: {name: "Plan\\u0000"}) { salesPlan { id } userErrors { code } } }
"""
CREATE_SALES_PLAN_BRACED_ESCAPE = """
mutation { createSalesPlan(input: {name: "Plan\\u{0}"}) { salesPlan { id } userErrors { code } } }
"""
CREATE_SALES_PLAN = """
mutation ($input: CreateSalesPlanInput!) { createSalesPlan(input: $input) { salesPlan { id } userErrors { code } } }
"""
SEARCH_LEADS = """
query ($search: String!) { leads(filter: {search: $search}) { totalCount } }
"""
NODE = """
query ($id: ID!) { node(id: $id) { id } lead(id: $id) { id } }
"""
PREVIEW = """
query ($leadId: ID!, $templateId: ID) { conversionPreview(leadId: $leadId, templateId: $templateId) { template { name } } }
"""
EXAMPLES_PER_OPERATION = int(os.environ.get("LEADBRIDGE_FUZZ_EXAMPLES", "8"))
SEED = int(os.environ.get("LEADBRIDGE_FUZZ_SEED", "0"))
KNOWN_SCALARS = {"String", "Int", "Float", "Boolean", "Date", "DateTime"}  # schemathesis has strategies for these
MADE_UP_IDS = ["", "0", "TGVhZDo5OTk5OTk=", "TGVhZDotMQ==", "TGVhZDox\n", "Q29tcGFueToxMjM0NTY3ODkwMTIzNDU2Nzg5MA=="]


def id_values(network: SampleNetwork) -> st.SearchStrategy[Any]:
    """Mostly IDs of seeded records, leads and opportunities most often since most operations
    take one; often of the wrong type; sometimes junk."""
    return st.one_of(
        st.sampled_from(network.ids_of("Lead")),
        st.sampled_from(network.own_lead_ids),
        st.sampled_from(network.ids_of("Opportunity")),
        st.sampled_from(network.ids_of("User")),
        st.sampled_from(network.ids),
        st.sampled_from(MADE_UP_IDS),
        st.text(max_size=24),
    ).map(nodes.String)


# The record type an argument or input field names, to aim generated IDs at records of that type.
ID_TYPES = ID_ARGUMENT_TYPES


class AimIds(Visitor):
    """Most of the time, gives an argument named like `leadId` a seeded ID of that type, so that
    generated mutations get past the lookup and exercise what comes after it."""

    def __init__(self, network: SampleNetwork, rng: random.Random) -> None:
        super().__init__()
        self.network = network
        self.rng = rng

    def aimed(self, name: str, value: Any) -> Any:
        ids = self.network.ids_of(ID_TYPES.get(name) or "")
        if not ids or self.rng.random() < 0.2:
            return value
        if isinstance(value, StringValueNode):
            return StringValueNode(value=self.rng.choice(ids))
        if isinstance(value, ListValueNode):
            return ListValueNode(values=tuple(StringValueNode(value=self.rng.choice(ids)) for _ in value.values))
        return value

    def enter_argument(self, node: ArgumentNode, *_: Any) -> ArgumentNode:
        return ArgumentNode(name=node.name, value=self.aimed(node.name.value, node.value))

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> ObjectFieldNode:
        return ObjectFieldNode(name=node.name, value=self.aimed(node.name.value, node.value))


def aim_ids(body: str, network: SampleNetwork) -> str:
    """The document with IDs aimed, the same way each time for the same document."""
    return print_ast(visit(parse(body), AimIds(network, random.Random(body))))


def decimal_values() -> st.SearchStrategy[Any]:
    amounts = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**20), max_value=10**20)
    return st.one_of(amounts.map(str), st.sampled_from(["NaN", "Infinity", "1e400", "abc", ""])).map(nodes.String)


def crash_in(response: requests.Response) -> str | None:
    """What a user would call a server crash in this response, or None."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}: {response.text[:500]}"
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code} with a body that is not JSON: {response.text[:200]}"
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors or []:
        if (error.get("extensions") or {}).get("code") == "INTERNAL":
            return f"INTERNAL error: {json.dumps(error)[:500]}"
    internal = internal_user_errors(body.get("data") if isinstance(body, dict) else None)
    if internal:
        return f"INTERNAL user error of a batch item: {json.dumps(internal[0])[:500]}"
    return None


def internal_user_errors(value: Any) -> list[Any]:
    """The `userErrors` anywhere in the data that say an unexpected error stopped an item (convertLeads)."""
    if isinstance(value, list):
        return [error for item in value for error in internal_user_errors(item)]
    if not isinstance(value, dict):
        return []
    found = [
        error for error in value.get("userErrors") or [] if isinstance(error, dict) and error.get("code") == "INTERNAL"
    ]
    return found + [error for key, item in value.items() if key != "userErrors" for error in internal_user_errors(item)]


def fuzz(operation: Any, network: SampleNetwork, headers: dict[str, str], crashes: list[str]) -> int:
    """Send generated cases of one operation; returns how many were sent."""
    sent = 0

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def send(case: Any) -> None:
        nonlocal sent
        case.body = aim_ids(case.body, network)
        response = case.call(headers=headers, timeout=30)
        sent += 1
        crash = crash_in(response)
        if crash:
            crashes.append(f"{operation.label}\n{case.body}\n{crash}")

    send()
    return sent


@pytest.fixture
def graphql_scalars() -> Any:
    """Registers the schema's scalars with schemathesis for one test, then forgets them: IDs of
    seeded records, decimals, and any text for other custom scalars."""
    saved = dict(CUSTOM_SCALARS)

    def register(network: SampleNetwork, schema: Any) -> None:
        for type_ in schema.client_schema.type_map.values():
            if isinstance(type_, GraphQLScalarType) and type_.name not in KNOWN_SCALARS:
                schemathesis.graphql.scalar(type_.name, st.text(max_size=40).map(nodes.String))
        schemathesis.graphql.scalar("ID", id_values(network))
        schemathesis.graphql.scalar("Decimal", decimal_values())

    yield register
    CUSTOM_SCALARS.clear()
    CUSTOM_SCALARS.update(saved)


@pytest.mark.slow
def test_generated_operations_never_crash_the_server(database_url: str, graphql_scalars: Any) -> None:
    # given a live server with a network of records, and a token of an admin in it
    network = with_database(database_url, seed_sample_network)
    env = cli_env(database_url, LEADBRIDGE_RATE_LIMIT_CAPACITY="0")
    headers = {"Authorization": f"Bearer {live_token(env, network.viewer_id)}"}

    with live_server(env) as server:
        schema = schemathesis.graphql.from_url(server.graphql_url, headers=headers, timeout=30)
        graphql_scalars(network, schema)
        crashes: list[str] = []
        sent = 0

        # when every query and mutation is sent with generated arguments and selections
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result
            sent += fuzz(result.ok(), network, headers, crashes)

        log = server.output()

    # then none answers 5xx or INTERNAL
    assert sent >= 200
    assert crashes == [], "\n\n".join(crashes) + "\n\nserver log:\n" + log[-5000:]


@pytest.mark.parametrize("amount", ["1e400", "-1e400", "NaN", "Infinity"])
async def test_an_amount_beyond_any_decimal_is_invalid_input(anonymous_client: httpx.AsyncClient, amount: str) -> None:
    # given a user
    user = await make_user()

    # when they create an opportunity and a lead with an amount no column can hold
    async with client_as(anonymous_client, user) as client:
        opportunity = await graphql(client, CREATE_OPPORTUNITY, {"input": {"name": "Deal", "amount": amount}})
        lead = await graphql(client, CREATE_LEAD, {"input": {"topic": "Deal", "estimatedAmount": amount}})

    # then both are refused as invalid input, and nothing is written
    message = {"1e400": "may have at most two decimal places and 16 digits", "-1e400": "must not be negative"}.get(
        amount, "is not a number"
    )
    assert opportunity["data"]["createOpportunity"]["userErrors"] == [
        {"code": "INVALID_INPUT", "message": f"amount {message}", "field": ["amount"]}
    ]
    assert lead["data"]["createLead"]["userErrors"] == [
        {"code": "INVALID_INPUT", "message": f"estimatedAmount {message}", "field": ["estimatedAmount"]}
    ]
    assert await Opportunity.all().count() == 0
    assert await Lead.all().count() == 0


async def test_text_holding_a_nul_character_is_refused_before_running(anonymous_client: httpx.AsyncClient) -> None:
    # given an admin, who may create sales plans
    admin = await make_user(is_admin=True)
    refusal = [{"message": "Text may not contain the character U+0000", "extensions": {"code": "BAD_USER_INPUT"}}]

    # when U+0000 comes in a literal (either escape), in an input variable and in a search
    async with client_as(anonymous_client, admin) as client:
        literal = await graphql(client, CREATE_SALES_PLAN_LITERAL)
        braced = await graphql(client, CREATE_SALES_PLAN_BRACED_ESCAPE)
        variable = await graphql(client, CREATE_SALES_PLAN, {"input": {"name": "Plan\x00"}})
        search = await graphql(client, SEARCH_LEADS, {"search": "\x00"})

    # then each is refused as bad input, and nothing is written
    assert literal["errors"] == refusal
    assert braced["errors"] == refusal
    assert variable["errors"] == refusal
    assert search["errors"] == refusal
    assert await SalesPlan.all().count() == 0


@pytest.mark.parametrize("node_id", ["99999999999", "1" * 30, "\u00b2", "\u0661"])
async def test_an_id_out_of_range_or_of_other_digits_reads_as_missing(
    anonymous_client: httpx.AsyncClient, node_id: str
) -> None:
    # given a user with a lead
    user = await make_user()
    await make_lead(user)
    missing = base64.b64encode(f"Lead:{node_id}".encode()).decode()

    # when they read a lead by an ID whose number no record can have
    async with client_as(anonymous_client, user) as client:
        answer = await graphql(client, NODE, {"id": missing})

    # then there is no such lead
    assert answer == {"data": {"node": None, "lead": None}}


async def test_a_conversion_preview_with_a_template_id_of_another_type_is_not_found(
    anonymous_client: httpx.AsyncClient,
) -> None:
    # given a user with a lead
    user = await make_user()
    lead = await make_lead(user)
    company = await make_company()

    # when they preview its conversion with a company's ID as the template, or an empty one
    async with client_as(anonymous_client, user) as client:
        wrong_type = await graphql(client, PREVIEW, {"leadId": gid(lead), "templateId": gid(company)})
        empty = await graphql(client, PREVIEW, {"leadId": gid(lead), "templateId": ""})

    # then there is no such template
    assert wrong_type["errors"] == [
        {
            "message": f"No OpportunityTemplate with ID '{gid(company)}'",
            "locations": [{"line": 2, "column": 41}],
            "path": ["conversionPreview"],
            "extensions": {"code": "NOT_FOUND"},
        }
    ]
    assert empty["errors"][0]["extensions"] == {"code": "NOT_FOUND"}

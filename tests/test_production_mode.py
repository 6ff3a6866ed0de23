"""LEADBRIDGE_ENV=production: no GraphiQL, no introspection, no suggestions in errors, and rate
limiting on by default."""

from typing import Any

import httpx
import pytest

from leadbridge.settings import Settings
from tests.factories import client_as, make_user, serving

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Lead") { name } }'
MISSPELLED_FIELD = "{ viewer { emial } }"
MISSPELLED_ARGUMENT = "{ leads(frist: 1) { totalCount } }"
MISSPELLED_TYPE = "query ($filter: LeadFiltr) { leads(filter: $filter) { totalCount } }"
MISSPELLED_ENUM_VALUE = "{ leads(filter: {status: [OPEN_NOT_CONTACTD]}) { totalCount } }"
MISSPELLED_INPUT_FIELD = '{ leads(filter: {serch: "a"}) { totalCount } }'
FILTERED_LEADS = "query ($filter: LeadFilter) { leads(filter: $filter) { totalCount } }"
MISSPELLED_NESTED_INPUT_FIELD = """
mutation { convertLead(input: {leadId: "TGVhZDox", account: {create: {nme: "Acme"}}}) { userErrors { code } } }
"""
MISSPELLED_INPUT_FIELD_IN_A_LIST = """
mutation { convertLeads(input: {items: [{leadId: "TGVhZDox", oportunity: {skip: true}}]}) { results { userErrors { code } } } }
"""
CONVERT_LEAD = "mutation ($input: ConvertLeadInput!) { convertLead(input: $input) { userErrors { code } } }"
CONVERT_LEADS = (
    "mutation ($input: ConvertLeadsInput!) { convertLeads(input: $input) { results { userErrors { code } } } }"
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_overrides(env="production")


def without_cost(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "extensions"}


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return without_cost(response.json())


async def test_a_browser_gets_no_graphiql(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        signed_in = await client.get("/graphql", headers=BROWSER)
    anonymous = await anonymous_client.get("/graphql", headers=BROWSER)
    asset = await anonymous_client.get("/graphiql/assets/graphiql.min.js")

    assert signed_in.status_code == 400
    assert signed_in.headers["content-type"] == "application/json; charset=utf-8"
    assert signed_in.json() == {"errors": [{"message": "The 'query' parameter must be a non-empty string"}]}
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/json; charset=utf-8"
    assert asset.status_code == 404


async def test_introspection_is_refused(anonymous_client: httpx.AsyncClient) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        schema = await post(client, SCHEMA)
        type_ = await post(client, TYPE)
        typename = await post(client, "{ __typename }")

    assert schema == {
        "errors": [
            {
                "message": "GraphQL introspection has been disabled, but the requested query contained the field '__schema'.",
                "locations": [{"line": 1, "column": 3}],
                "extensions": {"code": "INTROSPECTION_DISABLED"},
            },
            {
                "message": "GraphQL introspection has been disabled, but the requested query contained the field 'queryType'.",
                "locations": [{"line": 1, "column": 14}],
                "extensions": {"code": "INTROSPECTION_DISABLED"},
            },
        ]
    }
    assert type_ == {
        "errors": [
            {
                "message": "GraphQL introspection has been disabled, but the requested query contained the field '__type'.",
                "locations": [{"line": 1, "column": 3}],
                "extensions": {"code": "INTROSPECTION_DISABLED"},
            }
        ]
    }
    assert typename == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (MISSPELLED_FIELD, "Cannot query field 'emial' on type 'User'."),
        (MISSPELLED_ARGUMENT, "Unknown argument 'frist' on field 'Query.leads'."),
        (MISSPELLED_TYPE, "Unknown type 'LeadFiltr'."),
        (MISSPELLED_ENUM_VALUE, "Value 'OPEN_NOT_CONTACTD' does not exist in 'LeadStatus' enum."),
    ],
    ids=["field", "argument", "type", "enum-value"],
)
async def test_errors_suggest_no_names(settings: Settings, query: str, message: str) -> None:
    async with serving(settings) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            body = await post(client, query)
    async with (
        serving(settings.with_overrides(env="development")) as anonymous_client,
        client_as(anonymous_client, user) as client,
    ):
        in_development = await post(client, query)

    assert [error["message"] for error in body["errors"]] == [message]
    assert [error["message"] for error in in_development["errors"]][0].startswith(message + " Did you mean ")


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        (
            MISSPELLED_INPUT_FIELD,
            None,
            "Expected value of type 'LeadFilter' not to include unknown field 'serch'. Found: { serch: \"a\" }.",
        ),
        (
            FILTERED_LEADS,
            {"filter": {"serch": "a"}},
            "Variable '$filter' has invalid value: Expected value of type 'LeadFilter' not to include unknown field "
            "'serch'. Found: {'serch': 'a'}.",
        ),
        (
            MISSPELLED_NESTED_INPUT_FIELD,
            None,
            "Expected value of type 'AccountDraft' not to include unknown field 'nme'. Found: { nme: \"Acme\" }.",
        ),
        (
            CONVERT_LEAD,
            {"input": {"leadId": "TGVhZDox", "account": {"create": {"nme": "Acme"}}}},
            "Variable '$input' has invalid value at .account.create: Expected value of type 'AccountDraft' not to "
            "include unknown field 'nme'. Found: {'nme': 'Acme'}.",
        ),
        (
            MISSPELLED_INPUT_FIELD_IN_A_LIST,
            None,
            "Expected value of type 'ConvertLeadInput' not to include unknown field 'oportunity'. "
            'Found: { leadId: "TGVhZDox", oportunity: { skip: true } }.',
        ),
        (
            CONVERT_LEADS,
            {"input": {"items": [{"leadId": "TGVhZDox", "oportunity": {"skip": True}}]}},
            "Variable '$input' has invalid value at .items[0]: Expected value of type 'ConvertLeadInput' not to "
            "include unknown field 'oportunity'. Found: {'leadId': 'TGVhZDox', 'oportunity': {'skip': True}}.",
        ),
    ],
    ids=["literal", "variable", "nested-literal", "nested-variable", "list-literal", "list-variable"],
)
async def test_errors_suggest_no_input_field_names(
    settings: Settings, query: str, variables: dict[str, Any] | None, message: str
) -> None:
    async with serving(settings) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            body = await post(client, query, variables)
    async with (
        serving(settings.with_overrides(env="development")) as anonymous_client,
        client_as(anonymous_client, user) as client,
    ):
        in_development = await post(client, query, variables)

    assert [error["message"] for error in body["errors"]] == [message]
    assert [error["message"] for error in in_development["errors"]] != [message]
    assert "Did you mean '" in in_development["errors"][0]["message"]


async def test_introspection_works_in_development(settings: Settings) -> None:
    async with serving(settings.with_overrides(env="development")) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            body = await post(client, SCHEMA)

    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}

"""Bad input gets a clear answer, never INTERNAL or a 500: unreadable JSON bodies, oversized
searches and headers, money in more than one spelling, websites that are not web addresses.
Global IDs of any size or spelling are swept in tests/test_authorization_sweep.py."""

import json

import httpx
import pytest

from models import Account, Lead, Opportunity
from tests.factories import client_as, gid, graphql, make_lead, make_user
from tests.live import cli_env, live_server

VIEWER = "query Viewer { viewer { email } }"
SEARCH_LEADS = "query ($search: String) { leads(filter: {search: $search}) { totalCount } }"
SEARCH_OPPORTUNITIES = "query ($search: String) { opportunities(filter: {search: $search}) { totalCount } }"
SEARCH_ACCOUNTS = "query ($search: String) { accounts(search: $search) { totalCount } }"
SEARCH_CONTACTS = "query ($search: String) { contacts(search: $search) { totalCount } }"
SEARCH_COMPANIES = "query ($search: String) { companies(search: $search) { totalCount } }"
CREATE_LEAD = """
mutation ($input: CreateLeadInput!) {
  createLead(input: $input) { lead { id website estimatedAmount } userErrors { code message field } }
}
"""
UPDATE_LEAD = """
mutation ($input: UpdateLeadInput!) {
  updateLead(input: $input) { lead { id website } userErrors { code message field } }
}
"""
CREATE_OPPORTUNITY = """
mutation ($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { opportunity { id amount } userErrors { code message field } }
}
"""
CREATE_ACCOUNT = """
mutation ($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id website } userErrors { code message field } }
}
"""
CONVERT_LEAD = """
mutation ($input: ConvertLeadInput!) {
  convertLead(input: $input) { account { id website } userErrors { code message field } }
}
"""
UNPAIRED = "The request body is not valid JSON: a string holds an unpaired surrogate escape (\\ud800 to \\udfff)"
NOT_A_WEBSITE = "must be an http or https URL, like https://acme.example"
MISSPELT_AMOUNT = "must be written with ASCII digits and an optional '.', like 1234.50"


def post_json(client: httpx.AsyncClient, body: str) -> object:
    return client.post("/graphql", content=body.encode("utf-8"), headers={"Content-Type": "application/json"})


# Unreadable JSON


@pytest.mark.parametrize(
    "body",
    [
        '{"query": "query ($s: String) { leads(filter: {search: $s}) { totalCount } }", "variables": {"s": "\\ud800"}}',
        '{"query": "{ viewer { email } }", "variables": {"nested": [{"deeper": "a\\udfffb"}]}}',
        '{"query": "{ leads(filter: {search: \\"\\ud800\\"}) { totalCount } }"}',
        '{"query": "query Viewer { viewer { email } }", "operationName": "\\ud800"}',
        '{"query": "{ viewer { email } }", "extensions": {"\\udbff": 1}}',
    ],
    ids=["variable", "nested-variable", "query", "operation-name", "extension-key"],
)
async def test_an_unpaired_surrogate_anywhere_in_the_body_is_refused_with_400(anonymous_client, body):
    # given a user
    user = await make_user()

    # when they send a body holding an unpaired surrogate escape
    async with client_as(anonymous_client, user) as client:
        response = await post_json(client, body)

    # then the body is refused as unreadable
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": UNPAIRED}]}


async def test_a_surrogate_pair_is_one_character_and_is_answered(anonymous_client):
    # given a user with a lead whose customer is named with an emoji
    user = await make_user()
    await make_lead(user, customer_name="Rocket \U0001f680 Ltd")
    body = json.dumps({"query": SEARCH_LEADS, "variables": {"search": "\U0001f680"}})  # escaped as \ud83d\ude80

    # when they search for it
    async with client_as(anonymous_client, user) as client:
        response = await post_json(client, body)

    # then the pair is read as the emoji
    assert response.status_code == 200
    assert response.json() == {"data": {"leads": {"totalCount": 1}}}


async def test_an_unpaired_surrogate_in_get_variables_is_refused_with_400(anonymous_client):
    # given a user
    user = await make_user()

    # when they send a query over GET whose variables hold an unpaired surrogate escape
    async with client_as(anonymous_client, user) as client:
        response = await client.get("/graphql", params={"query": SEARCH_LEADS, "variables": '{"search": "\\ud800"}'})

    # then the parameter is refused as unreadable
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "The 'variables' parameter must be a JSON-encoded object: "
                "a string holds an unpaired surrogate escape (\\ud800 to \\udfff)"
            }
        ]
    }


async def test_json_nested_100000_levels_deep_is_refused_with_400(anonymous_client):
    # given a user
    user = await make_user()
    deep = "[" * 100_000 + "]" * 100_000
    deep_enough_for_a_url = "[" * 5_000 + "]" * 5_000

    # when they send variables nested 100,000 levels deep in a POST body, and 5,000 over GET
    async with client_as(anonymous_client, user) as client:
        posted = await post_json(client, f'{{"query": "{{ viewer {{ email }} }}", "variables": {{"v": {deep}}}}}')
        got = await client.get("/graphql", params={"query": VIEWER, "variables": f'{{"v": {deep_enough_for_a_url}}}'})

    # then both are refused as unreadable
    assert (posted.status_code, posted.json()) == (
        400,
        {"errors": [{"message": "The request body is not valid JSON: it is nested too deeply"}]},
    )
    assert (got.status_code, got.json()) == (
        400,
        {"errors": [{"message": "The 'variables' parameter must be a JSON-encoded object: it is nested too deeply"}]},
    )


# Searches


@pytest.mark.parametrize(
    ("query", "field", "argument"),
    [
        (SEARCH_LEADS, "leads", "filter.search"),
        (SEARCH_OPPORTUNITIES, "opportunities", "filter.search"),
        (SEARCH_ACCOUNTS, "accounts", "search"),
        (SEARCH_CONTACTS, "contacts", "search"),
        (SEARCH_COMPANIES, "companies", "search"),
    ],
    ids=["leads", "opportunities", "accounts", "contacts", "companies"],
)
async def test_a_search_of_50000_characters_is_bad_user_input(anonymous_client, query, field, argument):
    # given a user with a lead
    user = await make_user()
    await make_lead(user)

    # when they search with 50,000 characters, and with the longest term allowed
    async with client_as(anonymous_client, user) as client:
        too_long = await graphql(client, query, {"search": "x" * 50_000})
        longest = await graphql(client, query, {"search": "x" * 200})

    # then the long search is refused with the limit, and the longest allowed is answered
    assert too_long["errors"] == [
        {
            "message": f"'{argument}' may be at most 200 characters, got 50000",
            "locations": [{"line": 1, "column": 27}],
            "path": [field],
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]
    assert longest == {"data": {field: {"totalCount": 0}}}


# Money


@pytest.mark.parametrize("amount", ["1_000", " 10 ", "10 ", "\u0661\u0660", "\uff11\uff10"])
async def test_money_in_another_spelling_is_invalid_input(anonymous_client, amount):
    # given a user
    user = await make_user()

    # when they create a lead and an opportunity with an amount written otherwise than in ASCII digits
    async with client_as(anonymous_client, user) as client:
        lead = await graphql(
            client, CREATE_LEAD, {"input": {"topic": "Deal", "estimatedAmount": amount, "currency": "EUR"}}
        )
        opportunity = await graphql(
            client, CREATE_OPPORTUNITY, {"input": {"name": "Deal", "amount": amount, "currency": "EUR"}}
        )

    # then both are refused on that field, and nothing is written
    assert lead["data"]["createLead"] == {
        "lead": None,
        "userErrors": [
            {"code": "INVALID_INPUT", "message": f"estimatedAmount {MISSPELT_AMOUNT}", "field": ["estimatedAmount"]}
        ],
    }
    assert opportunity["data"]["createOpportunity"] == {
        "opportunity": None,
        "userErrors": [{"code": "INVALID_INPUT", "message": f"amount {MISSPELT_AMOUNT}", "field": ["amount"]}],
    }
    assert await Lead.all().count() == 0
    assert await Opportunity.all().count() == 0


async def test_negative_zero_money_is_invalid_input(anonymous_client):
    # given a user
    user = await make_user()

    # when they send an amount of negative zero
    async with client_as(anonymous_client, user) as client:
        lead = await graphql(
            client, CREATE_LEAD, {"input": {"topic": "Deal", "estimatedAmount": "-0.00", "currency": "EUR"}}
        )
        opportunity = await graphql(
            client, CREATE_OPPORTUNITY, {"input": {"name": "Deal", "amount": "-0", "currency": "EUR"}}
        )

    # then both are refused as negative, and nothing is written
    assert lead["data"]["createLead"] == {
        "lead": None,
        "userErrors": [
            {"code": "INVALID_INPUT", "message": "estimatedAmount must not be negative", "field": ["estimatedAmount"]}
        ],
    }
    assert opportunity["data"]["createOpportunity"] == {
        "opportunity": None,
        "userErrors": [{"code": "INVALID_INPUT", "message": "amount must not be negative", "field": ["amount"]}],
    }
    assert await Lead.all().count() == 0
    assert await Opportunity.all().count() == 0


async def test_money_in_plain_digits_is_taken(anonymous_client):
    # given a user
    user = await make_user()

    # when they send amounts as strings of digits and as JSON numbers
    async with client_as(anonymous_client, user) as client:
        text = await graphql(
            client, CREATE_LEAD, {"input": {"topic": "A", "estimatedAmount": "1000.50", "currency": "EUR"}}
        )
        number = await graphql(client, CREATE_LEAD, {"input": {"topic": "B", "estimatedAmount": 25, "currency": "EUR"}})

    # then both are stored as sent
    assert text["data"]["createLead"]["lead"]["estimatedAmount"] == "1000.50"
    assert number["data"]["createLead"]["lead"]["estimatedAmount"] == "25.00"


# Websites


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "JavaScript://acme.example/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://acme.example",
        "https://user:password@acme.example",
        "https://acme example",
        "acme",
        "http://",
    ],
)
async def test_a_website_that_is_not_an_http_url_is_invalid_input_everywhere_it_is_stored(anonymous_client, website):
    # given a collaborator's lead, with a customer, to convert
    user = await make_user()
    lead = await make_lead(user, website="https://lead.example")
    refusal = {"code": "INVALID_INPUT", "message": f"website {NOT_A_WEBSITE}", "field": ["website"]}

    # when they store the website on a new lead, an existing lead, a new account and a converted account
    async with client_as(anonymous_client, user) as client:
        created = await graphql(client, CREATE_LEAD, {"input": {"topic": "Deal", "website": website}})
        updated = await graphql(client, UPDATE_LEAD, {"input": {"leadId": gid(lead), "website": website}})
        account = await graphql(client, CREATE_ACCOUNT, {"input": {"name": "Acme", "website": website}})
        converted = await graphql(
            client, CONVERT_LEAD, {"input": {"leadId": gid(lead), "account": {"create": {"website": website}}}}
        )

    # then each is refused on that field, and nothing is written
    assert created["data"]["createLead"] == {"lead": None, "userErrors": [refusal]}
    assert updated["data"]["updateLead"] == {"lead": None, "userErrors": [refusal]}
    assert account["data"]["createAccount"] == {"account": None, "userErrors": [refusal]}
    assert converted["data"]["convertLead"] == {
        "account": None,
        "userErrors": [{**refusal, "field": ["account", "create", "website"]}],
    }
    assert await Lead.all().values_list("website", "is_converted") == [("https://lead.example", False)]
    assert await Account.all().count() == 0


@pytest.mark.parametrize(
    ("website", "stored"),
    [
        ("acme.example", "https://acme.example"),
        ("www.acme.example/contact", "https://www.acme.example/contact"),
        ("http://acme.example", "http://acme.example"),
        ("  HTTPS://Acme.Example/Path?q=1  ", "HTTPS://Acme.Example/Path?q=1"),
    ],
)
async def test_a_bare_domain_is_stored_as_an_https_url(anonymous_client, website, stored):
    # given a user
    user = await make_user()

    # when they create a lead with a bare domain or a full URL
    async with client_as(anonymous_client, user) as client:
        created = await graphql(client, CREATE_LEAD, {"input": {"topic": "Deal", "website": website}})

    # then it is stored as an http or https URL
    assert created["data"]["createLead"]["userErrors"] == []
    assert created["data"]["createLead"]["lead"]["website"] == stored


# Headers


async def test_request_headers_over_64_kib_are_refused_with_431(anonymous_client):
    # given a user
    user = await make_user()

    # when they send a query with headers of 65 KiB in total, and one with headers just under 64 KiB
    async with client_as(anonymous_client, user) as client:
        refused = await client.post("/graphql", json={"query": VIEWER}, headers={"X-Padding": "a" * 65 * 1024})
        answered = await client.post("/graphql", json={"query": VIEWER}, headers={"X-Padding": "a" * 60 * 1024})

    # then the first is refused before anything runs, and the second is answered
    assert refused.status_code == 431
    assert refused.json() == {"errors": [{"message": "The request headers are larger than 64 KiB in total"}]}
    assert answered.status_code == 200
    assert answered.json() == {"data": {"viewer": {"email": user.email}}}


def test_a_live_server_refuses_headers_over_64_kib_with_431(database_url):
    # given `leadbridge serve`, behind which uvicorn parses the request
    with live_server(cli_env(database_url)) as server:
        # when a client sends headers of 65 KiB and of 200 KiB in total
        refused = [
            httpx.post(server.graphql_url, json={"query": VIEWER}, headers={"X-Padding": "a" * size}, timeout=30)
            for size in (65 * 1024, 200 * 1024)
        ]

    # then both are refused with 431
    assert [(response.status_code, response.json()) for response in refused] == [
        (431, {"errors": [{"message": "The request headers are larger than 64 KiB in total"}]})
    ] * 2


BAD_CURSOR_BESIDE_A_SIBLING = """
query ($id: ID!) {
  refused: lead(id: $id) { owner { id } opportunities(after: "not-a-cursor") { totalCount } }
  answered: lead(id: $id) { owner { id } }
}
"""


async def test_a_refused_cursor_nulls_its_own_field_and_the_sibling_that_shares_its_records_is_answered(
    anonymous_client,
):
    """Both aliases load the same owner through one loader: the error in one must not take the
    other down with it."""
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as client:
        response = await client.post(
            "/graphql", json={"query": BAD_CURSOR_BESIDE_A_SIBLING, "variables": {"id": gid(lead)}}
        )

    assert response.status_code == 200
    assert response.json() == {
        "data": {"refused": None, "answered": {"owner": {"id": gid(owner)}}},
        "errors": [
            {
                "message": "'after' is not a cursor of this connection",
                "locations": [{"line": 3, "column": 41}],
                "path": ["refused", "opportunities"],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
    }

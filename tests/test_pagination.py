"""Connections page forwards and backwards with exact page info, list their `nodes`, and read only
cursors this server issued for that list."""

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from leadbridge.settings import Settings
from models import LeadOpportunity
from tests.factories import (
    StatementCounter,
    client_as,
    gid,
    graphql,
    make_account,
    make_activity,
    make_contact,
    make_lead,
    make_opportunity,
    make_user,
    serving,
    token_for,
)

LEADS = """
query ($first: Int, $after: String, $last: Int, $before: String) {
  leads(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { topic } }
    nodes { topic }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
LEADS_BY_SCORE = """
query ($after: String) {
  leads(first: 1, after: $after, orderBy: {field: SCORE, direction: DESC}) { pageInfo { endCursor } }
}
"""
ACCOUNTS = """
query { accounts(first: 1) { pageInfo { endCursor } } }
"""
LEAD_NESTED = """
query ($id: ID!, $last: Int, $before: String) {
  lead(id: $id) {
    opportunities(last: $last, before: $before) {
      nodes { name }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
    activities(last: $last, before: $before) {
      nodes { subject }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""
LEAD_OPPORTUNITIES = """
query ($id: ID!, $last: Int, $before: String) {
  lead(id: $id) { opportunities(last: $last, before: $before) { nodes { name } pageInfo { hasPreviousPage startCursor } } }
}
"""
LEAD_ACTIVITIES = """
query ($id: ID!, $last: Int, $before: String) {
  lead(id: $id) { activities(last: $last, before: $before) { nodes { subject } pageInfo { hasPreviousPage startCursor } } }
}
"""
OPPORTUNITY_LEADS = """
query ($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  opportunity(id: $id) {
    leads(first: $first, after: $after, last: $last, before: $before) {
      nodes { topic }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""
ACCOUNT_OPPORTUNITIES = """
query ($id: ID!, $last: Int, $before: String) {
  node(id: $id) { ... on Account { opportunities(last: $last, before: $before) { nodes { name } pageInfo { hasPreviousPage startCursor } } } }
}
"""
STAGES = """
query ($first: Int, $after: String, $last: Int, $before: String) {
  stages(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    nodes { name }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
TEMPLATES = """
query ($first: Int, $after: String, $last: Int, $before: String) {
  opportunityTemplates(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { name isDefault } }
    pageInfo { hasNextPage hasPreviousPage }
  }
}
"""
ACCOUNT_CONTACTS = """
query ($id: ID!, $first: Int, $after: String, $last: Int) {
  node(id: $id) {
    ... on Account {
      contacts(first: $first, after: $after, last: $last) { totalCount nodes { lastName } pageInfo { hasPreviousPage endCursor } }
    }
  }
}
"""
POLICIES = """
query ($after: String, $last: Int) { accessPolicies(after: $after, last: $last) { totalCount nodes { role } } }
"""
CREATE_POLICY = """
mutation ($role: MemberRole!) {
  createAccessPolicy(input: {role: $role}) { accessPolicyEdge { cursor node { role } } userErrors { code } }
}
"""
OWNERS_THROUGH_NODES = """
query { leads(first: 5) { nodes { owner { name } } } }
"""
OWNERS_THROUGH_EDGES = """
query { leads(first: 5) { edges { node { owner { name } } } } }
"""
CREATE_TEMPLATE = """
mutation ($name: String!) { createOpportunityTemplate(input: {name: $name}) { userErrors { code } } }
"""


async def five_leads(owner) -> None:
    """Lead 1 (oldest) to Lead 5 (newest): `leads` lists them newest first."""
    start = datetime(2030, 1, 1, tzinfo=UTC)
    for n in range(1, 6):
        await make_lead(owner, topic=f"Lead {n}", created_at=start + timedelta(minutes=n))


def topics(body: dict) -> list[str]:
    return [node["topic"] for node in body["data"]["leads"]["nodes"]]


def page_info(body: dict) -> dict:
    info = dict(body["data"]["leads"]["pageInfo"])
    return {"hasNextPage": info["hasNextPage"], "hasPreviousPage": info["hasPreviousPage"]}


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


async def test_leads_page_backwards_from_the_end_with_exact_page_info(anonymous_client):
    owner = await make_user()
    await five_leads(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        last = await graphql(owner_client, LEADS, {"last": 2})
        middle = await graphql(
            owner_client, LEADS, {"last": 2, "before": last["data"]["leads"]["pageInfo"]["startCursor"]}
        )
        start = await graphql(
            owner_client, LEADS, {"last": 2, "before": middle["data"]["leads"]["pageInfo"]["startCursor"]}
        )

    assert (topics(last), page_info(last)) == (["Lead 2", "Lead 1"], {"hasNextPage": False, "hasPreviousPage": True})
    assert (topics(middle), page_info(middle)) == (["Lead 4", "Lead 3"], {"hasNextPage": True, "hasPreviousPage": True})
    assert (topics(start), page_info(start)) == (["Lead 5"], {"hasNextPage": True, "hasPreviousPage": False})
    assert [body["data"]["leads"]["totalCount"] for body in (last, middle, start)] == [5, 5, 5]


async def test_a_first_page_and_a_last_page_round_trip(anonymous_client):
    owner = await make_user()
    await five_leads(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        first = await graphql(owner_client, LEADS, {"first": 2})
        second = await graphql(
            owner_client, LEADS, {"first": 2, "after": first["data"]["leads"]["pageInfo"]["endCursor"]}
        )
        back = await graphql(
            owner_client, LEADS, {"last": 2, "before": second["data"]["leads"]["pageInfo"]["startCursor"]}
        )
        forth = await graphql(
            owner_client, LEADS, {"first": 2, "after": back["data"]["leads"]["pageInfo"]["endCursor"]}
        )

    assert (topics(first), page_info(first)) == (["Lead 5", "Lead 4"], {"hasNextPage": True, "hasPreviousPage": False})
    assert (topics(second), page_info(second)) == (["Lead 3", "Lead 2"], {"hasNextPage": True, "hasPreviousPage": True})
    assert (topics(back), page_info(back)) == (["Lead 5", "Lead 4"], {"hasNextPage": True, "hasPreviousPage": False})
    assert back["data"]["leads"]["edges"] == first["data"]["leads"]["edges"]
    assert forth == second


async def test_after_and_before_together_page_between_the_two_cursors(anonymous_client):
    owner = await make_user()
    await five_leads(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        every = (await graphql(owner_client, LEADS, {}))["data"]["leads"]["edges"]
        between = {"after": every[0]["cursor"], "before": every[4]["cursor"]}
        forwards = await graphql(owner_client, LEADS, {"first": 2, **between})
        backwards = await graphql(owner_client, LEADS, {"last": 2, **between})

    assert (topics(forwards), page_info(forwards)) == (
        ["Lead 4", "Lead 3"],
        {"hasNextPage": True, "hasPreviousPage": True},
    )
    assert (topics(backwards), page_info(backwards)) == (
        ["Lead 3", "Lead 2"],
        {"hasNextPage": True, "hasPreviousPage": True},
    )


async def test_nodes_lists_the_records_of_the_edges(anonymous_client):
    owner = await make_user()
    await five_leads(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, LEADS, {"first": 3})

    leads = body["data"]["leads"]
    assert leads["nodes"] == [edge["node"] for edge in leads["edges"]] == [{"topic": f"Lead {n}"} for n in (5, 4, 3)]


async def test_a_backward_page_costs_the_statements_of_a_forward_page_and_is_a_keyset_query(anonymous_client):
    owner = await make_user()
    await five_leads(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        with StatementCounter() as forwards:
            first = await graphql(owner_client, LEADS, {"first": 2, "after": None})
        after = first["data"]["leads"]["pageInfo"]["endCursor"]
        with StatementCounter() as forward_deep:
            await graphql(owner_client, LEADS, {"first": 2, "after": after})
        with StatementCounter() as backwards:
            await graphql(owner_client, LEADS, {"last": 2, "before": after})

    assert forwards.count == forward_deep.count == backwards.count
    page_query = next(
        statement for statement in backwards.statements if 'FROM "lead"' in statement and "LIMIT" in statement
    )
    flat = page_query.replace(" ", "")
    assert "OFFSET" not in page_query.upper()
    assert '"created_at">' in flat and '"id">' in flat, page_query
    assert '"created_at"ASC' in flat and "DESC" not in flat, page_query


async def test_paging_arguments_out_of_bounds_are_bad_user_input(anonymous_client):
    owner = await make_user()
    await five_leads(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        both = await graphql(owner_client, LEADS, {"first": 1, "last": 1})
        negative = await graphql(owner_client, LEADS, {"last": -1})
        too_many = await graphql(owner_client, LEADS, {"last": 101})
        hundred = await graphql(owner_client, LEADS, {"last": 100})

    assert both == {
        "data": None,
        "errors": [
            {
                "message": "Give 'first' or 'last', not both",
                "locations": [{"line": 3, "column": 3}],
                "path": ["leads"],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
    }
    assert [body for body in (negative, too_many)] == [
        {
            "errors": [
                {
                    "message": "'last' must not be negative",
                    "locations": [{"line": 3, "column": 39}],
                    "extensions": {"code": "BAD_USER_INPUT"},
                }
            ]
        },
        {
            "errors": [
                {
                    "message": "'last' may be at most 100, got 101",
                    "locations": [{"line": 3, "column": 39}],
                    "extensions": {"code": "BAD_USER_INPUT"},
                }
            ]
        },
    ]
    assert len(hundred["data"]["leads"]["nodes"]) == 5


async def test_a_cursor_this_server_did_not_issue_is_bad_user_input(anonymous_client):
    owner = await make_user()
    await five_leads(owner)
    deep = "[" * 5000 + "]" * 5000

    async with client_as(anonymous_client, owner) as owner_client:
        issued = (await graphql(owner_client, LEADS, {"first": 1}))["data"]["leads"]["pageInfo"]["endCursor"]
        body, signature = issued.split(".")
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        tampered = b64(json.dumps([payload[0], payload[1], payload[2] + 1])).rstrip("=") + "." + signature
        forged = [
            "not-a-cursor",
            b64("random bytes \x00\xff"),
            b64(json.dumps([[[[1]]], 2])),
            b64(deep),
            b64(json.dumps({"t": 1})),
            b64(json.dumps(["leads:CREATED_AT:DESC", {"t": "2030-01-01T00:00:00+00:00"}, 1])),
            b64(deep) + "." + signature,
            tampered,
            issued + "x",
            "." * 3,
            "a" * 100_000,
        ]
        answers = [
            await graphql(owner_client, LEADS, {argument: cursor})
            for cursor in forged
            for argument in ("after", "before")
        ]

    assert answers == [
        {
            "data": None,
            "errors": [
                {
                    "message": f"'{argument}' is not a cursor of this connection",
                    "locations": [{"line": 3, "column": 3}],
                    "path": ["leads"],
                    "extensions": {"code": "BAD_USER_INPUT"},
                }
            ],
        }
        for _ in forged
        for argument in ("after", "before")
    ]


async def test_a_cursor_of_another_list_order_or_parent_is_bad_user_input(anonymous_client):
    owner = await make_user()
    await five_leads(owner)
    await make_account(owner.company)
    one, other = await make_lead(owner), await make_lead(owner)
    for lead in (one, other):
        opportunity = await make_opportunity(owner)
        await LeadOpportunity.create(lead=lead, opportunity=opportunity, created_by_conversion=False, actor=owner)

    async with client_as(anonymous_client, owner) as owner_client:
        account_cursor = (await graphql(owner_client, ACCOUNTS))["data"]["accounts"]["pageInfo"]["endCursor"]
        score_cursor = (await graphql(owner_client, LEADS_BY_SCORE))["data"]["leads"]["pageInfo"]["endCursor"]
        lead_cursor = (await graphql(owner_client, LEADS, {"first": 1}))["data"]["leads"]["pageInfo"]["endCursor"]
        other_lead_cursor = (await graphql(owner_client, LEAD_OPPORTUNITIES, {"id": gid(other), "last": 1}))["data"][
            "lead"
        ]["opportunities"]["pageInfo"]["startCursor"]
        of_accounts = await graphql(owner_client, LEADS, {"after": account_cursor})
        of_score = await graphql(owner_client, LEADS, {"before": score_cursor})
        of_created = await graphql(owner_client, LEADS_BY_SCORE, {"after": lead_cursor})
        of_other_lead = await graphql(
            owner_client, LEAD_OPPORTUNITIES, {"id": gid(one), "last": 1, "before": other_lead_cursor}
        )

    assert [body["errors"] for body in (of_accounts, of_score, of_created, of_other_lead)] == [
        [
            {
                "message": "'after' is not a cursor of this connection",
                "locations": [{"line": 3, "column": 3}],
                "path": ["leads"],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
        [
            {
                "message": "'before' is not a cursor of this connection",
                "locations": [{"line": 3, "column": 3}],
                "path": ["leads"],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
        [
            {
                "message": "'after' is not a cursor of this connection",
                "locations": [{"line": 3, "column": 3}],
                "path": ["leads"],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
        [
            {
                "message": "'before' is not a cursor of this connection",
                "locations": [{"line": 3, "column": 19}],
                "path": ["lead", "opportunities"],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
    ]


async def test_a_cursor_is_read_by_every_worker_of_the_deployment_and_by_no_other_deployment(settings):
    other_secret = "another-deployment-secret-key-long-enough-for-hs256"
    async with serving(settings) as first_worker:
        owner = await make_user()
        await five_leads(owner)
        async with client_as(first_worker, owner) as first_client:
            cursor = (await graphql(first_client, LEADS, {"first": 2}))["data"]["leads"]["pageInfo"]["endCursor"]
    async with serving(settings) as second_worker, client_as(second_worker, owner) as second_client:
        on_second = await graphql(second_client, LEADS, {"first": 2, "after": cursor})
    elsewhere = Settings(database_url=settings.database_url, secret_key=other_secret, rate_limit_capacity=0)
    async with serving(elsewhere) as other_deployment:
        other_deployment.headers["Authorization"] = f"Bearer {token_for(owner, secret_key=other_secret)}"
        refused = await graphql(other_deployment, LEADS, {"first": 2, "after": cursor})

    assert topics(on_second) == ["Lead 3", "Lead 2"]
    assert refused["errors"] == [
        {
            "message": "'after' is not a cursor of this connection",
            "locations": [{"line": 3, "column": 3}],
            "path": ["leads"],
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]


async def test_a_leads_opportunities_and_activities_page_backwards(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    start = datetime(2030, 1, 1, tzinfo=UTC)
    for n in range(1, 4):
        opportunity = await make_opportunity(owner, name=f"Opportunity {n}")
        await LeadOpportunity.create(lead=lead, opportunity=opportunity, created_by_conversion=False, actor=owner)
        await make_activity(lead, owner, subject=f"Call {n}", created_at=start + timedelta(minutes=n))

    async with client_as(anonymous_client, owner) as owner_client:
        last = await graphql(owner_client, LEAD_NESTED, {"id": gid(lead), "last": 2})
        opportunities_before = last["data"]["lead"]["opportunities"]["pageInfo"]["startCursor"]
        activities_before = last["data"]["lead"]["activities"]["pageInfo"]["startCursor"]
        opportunities_start = await graphql(
            owner_client, LEAD_OPPORTUNITIES, {"id": gid(lead), "last": 2, "before": opportunities_before}
        )
        activities_start = await graphql(
            owner_client, LEAD_ACTIVITIES, {"id": gid(lead), "last": 2, "before": activities_before}
        )

    assert last["data"]["lead"]["opportunities"]["nodes"] == [{"name": "Opportunity 2"}, {"name": "Opportunity 1"}]
    assert last["data"]["lead"]["activities"]["nodes"] == [{"subject": "Call 2"}, {"subject": "Call 1"}]
    for connection in ("opportunities", "activities"):
        info = last["data"]["lead"][connection]["pageInfo"]
        assert (info["hasNextPage"], info["hasPreviousPage"]) == (False, True)
    assert opportunities_start["data"]["lead"]["opportunities"] == {
        "nodes": [{"name": "Opportunity 3"}],
        "pageInfo": {
            "hasPreviousPage": False,
            "startCursor": opportunities_start["data"]["lead"]["opportunities"]["pageInfo"]["startCursor"],
        },
    }
    assert activities_start["data"]["lead"]["activities"]["nodes"] == [{"subject": "Call 3"}]
    assert activities_start["data"]["lead"]["activities"]["pageInfo"]["hasPreviousPage"] is False


async def test_activities_of_many_leads_page_backwards_in_the_statements_of_a_forward_page(anonymous_client):
    owner = await make_user()
    leads = [await make_lead(owner) for _ in range(3)]
    for lead in leads:
        for n in range(3):
            await make_activity(lead, owner, subject=f"Call {n}")
    many = """
    query ($ids: [ID!]!, $first: Int, $last: Int) {
      nodes(ids: $ids) { ... on Lead { activities(first: $first, last: $last) { nodes { subject } } } }
    }
    """

    async with client_as(anonymous_client, owner) as owner_client:
        with StatementCounter() as forwards:
            first = await graphql(owner_client, many, {"ids": [gid(lead) for lead in leads], "first": 2})
        with StatementCounter() as backwards:
            last = await graphql(owner_client, many, {"ids": [gid(lead) for lead in leads], "last": 2})

    assert [node["activities"]["nodes"] for node in first["data"]["nodes"]] == [
        [{"subject": "Call 2"}, {"subject": "Call 1"}]
    ] * 3
    assert [node["activities"]["nodes"] for node in last["data"]["nodes"]] == [
        [{"subject": "Call 1"}, {"subject": "Call 0"}]
    ] * 3
    assert backwards.count == forwards.count


async def test_an_opportunitys_leads_and_an_accounts_opportunities_page_backwards(anonymous_client):
    owner = await make_user()
    account = await make_account(owner.company)
    opportunity = await make_opportunity(owner, account=account)
    for n in range(1, 4):
        lead = await make_lead(owner, topic=f"Lead {n}")
        await LeadOpportunity.create(lead=lead, opportunity=opportunity, created_by_conversion=False, actor=owner)
        await make_opportunity(owner, name=f"Later {n}", account=account)

    async with client_as(anonymous_client, owner) as owner_client:
        last = await graphql(owner_client, OPPORTUNITY_LEADS, {"id": gid(opportunity), "last": 2})
        start = await graphql(
            owner_client,
            OPPORTUNITY_LEADS,
            {
                "id": gid(opportunity),
                "last": 2,
                "before": last["data"]["opportunity"]["leads"]["pageInfo"]["startCursor"],
            },
        )
        forth = await graphql(
            owner_client,
            OPPORTUNITY_LEADS,
            {
                "id": gid(opportunity),
                "first": 5,
                "after": start["data"]["opportunity"]["leads"]["pageInfo"]["endCursor"],
            },
        )
        account_last = await graphql(owner_client, ACCOUNT_OPPORTUNITIES, {"id": gid(account), "last": 3})

    assert last["data"]["opportunity"]["leads"]["nodes"] == [{"topic": "Lead 2"}, {"topic": "Lead 3"}]
    assert start["data"]["opportunity"]["leads"]["nodes"] == [{"topic": "Lead 1"}]
    assert start["data"]["opportunity"]["leads"]["pageInfo"]["hasPreviousPage"] is False
    assert forth["data"]["opportunity"]["leads"]["nodes"] == [{"topic": "Lead 2"}, {"topic": "Lead 3"}]
    assert account_last["data"]["node"]["opportunities"]["nodes"] == [{"name": f"Later {n}"} for n in range(1, 4)]
    assert account_last["data"]["node"]["opportunities"]["pageInfo"]["hasPreviousPage"] is True


async def test_stages_are_a_connection_that_pages_both_ways(anonymous_client):
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        last = await graphql(client, STAGES, {"last": 2})
        before = await graphql(client, STAGES, {"last": 1, "before": last["data"]["stages"]["pageInfo"]["startCursor"]})
        first = await graphql(client, STAGES, {"first": 1})

    assert last["data"]["stages"]["nodes"] == [{"name": "Closed Won"}, {"name": "Closed Lost"}]
    assert last["data"]["stages"]["totalCount"] == 9
    assert before["data"]["stages"]["nodes"] == [{"name": "Negotiation/Review"}]
    assert first["data"]["stages"]["nodes"] == [{"name": "Prospecting"}]
    assert first["data"]["stages"]["pageInfo"]["hasNextPage"] is True


async def test_opportunity_templates_are_a_connection_that_pages_both_ways(anonymous_client):
    admin = await make_user(is_admin=True)

    async with client_as(anonymous_client, admin) as admin_client:
        for name in ("Zeta deal", "Alpha deal"):
            await graphql(admin_client, CREATE_TEMPLATE, {"name": name})
        first = await graphql(admin_client, TEMPLATES, {"first": 2})
        rest = await graphql(
            admin_client, TEMPLATES, {"first": 2, "after": first["data"]["opportunityTemplates"]["edges"][-1]["cursor"]}
        )
        last = await graphql(admin_client, TEMPLATES, {"last": 1})

    def names(body: dict) -> list[str]:
        return [edge["node"]["name"] for edge in body["data"]["opportunityTemplates"]["edges"]]

    assert (names(first), first["data"]["opportunityTemplates"]["pageInfo"]) == (
        ["Standard", "Alpha deal"],
        {"hasNextPage": True, "hasPreviousPage": False},
    )
    assert names(rest) == ["Zeta deal"]
    assert (names(last), last["data"]["opportunityTemplates"]["pageInfo"]) == (
        ["Zeta deal"],
        {"hasNextPage": False, "hasPreviousPage": True},
    )
    assert first["data"]["opportunityTemplates"]["totalCount"] == 3


async def test_an_accounts_contacts_are_a_connection_that_pages_both_ways(anonymous_client):
    owner = await make_user()
    account = await make_account(owner.company)
    for last_name in ("Charlie", "alpha", "Bravo"):
        await make_contact(owner.company, last_name=last_name, account=account)

    async with client_as(anonymous_client, owner) as owner_client:
        first = await graphql(owner_client, ACCOUNT_CONTACTS, {"id": gid(account), "first": 2})
        rest = await graphql(
            owner_client,
            ACCOUNT_CONTACTS,
            {"id": gid(account), "first": 2, "after": first["data"]["node"]["contacts"]["pageInfo"]["endCursor"]},
        )
        last = await graphql(owner_client, ACCOUNT_CONTACTS, {"id": gid(account), "last": 1})

    assert first["data"]["node"]["contacts"]["nodes"] == [{"lastName": "alpha"}, {"lastName": "Bravo"}]
    assert first["data"]["node"]["contacts"]["totalCount"] == 3
    assert rest["data"]["node"]["contacts"]["nodes"] == [{"lastName": "Charlie"}]
    assert last["data"]["node"]["contacts"]["nodes"] == [{"lastName": "Charlie"}]
    assert last["data"]["node"]["contacts"]["pageInfo"]["hasPreviousPage"] is True


async def test_access_policies_are_a_connection_and_a_created_policy_has_its_edge(anonymous_client):
    admin = await make_user(is_admin=True)

    async with client_as(anonymous_client, admin) as admin_client:
        viewer_policy = (await graphql(admin_client, CREATE_POLICY, {"role": "VIEWER"}))["data"]["createAccessPolicy"]
        owner_policy = (await graphql(admin_client, CREATE_POLICY, {"role": "COLLABORATOR"}))["data"][
            "createAccessPolicy"
        ]
        listed = await graphql(admin_client, POLICIES, {"last": 2})
        after_owner = await graphql(admin_client, POLICIES, {"after": owner_policy["accessPolicyEdge"]["cursor"]})

    assert [node["role"] for node in listed["data"]["accessPolicies"]["nodes"]] == ["COLLABORATOR", "VIEWER"]
    assert listed["data"]["accessPolicies"]["totalCount"] == 2
    assert viewer_policy["accessPolicyEdge"]["node"] == {"role": "VIEWER"}
    assert after_owner["data"]["accessPolicies"]["nodes"] == [{"role": "VIEWER"}]


async def test_a_connections_nodes_cost_what_its_edges_nodes_cost(settings):
    async with serving(replace(settings, rate_limit_capacity=None)) as anonymous_client:
        owner = await make_user()
        async with client_as(anonymous_client, owner) as owner_client:
            through_nodes = await graphql(owner_client, OWNERS_THROUGH_NODES)
            through_edges = await graphql(owner_client, OWNERS_THROUGH_EDGES)

    assert (
        through_nodes["extensions"]["cost"]["requestedQueryCost"]
        == through_edges["extensions"]["cost"]["requestedQueryCost"]
        == 12
    )

"""Every GraphQL error carries `extensions.code`: parse, validation and input errors have
theirs, a page size out of bounds is BAD_USER_INPUT whatever the selection costs, and records
are named the same way in every "not found" message."""

from dataclasses import replace

import httpx

from models import Lead, LeadStatus
from resolvers.ids import global_id
from tests.factories import client_as, gid, graphql, make_lead, make_user, serving

UNFINISHED = "{ viewer { email "
UNKNOWN_FIELD = "{ viewer { emial } }"
CREATE_LEAD = """
mutation ($input: CreateLeadInput!) {
  createLead(input: $input) { lead { id } userErrors { code message field } }
}
"""
SET_STATUS = """
mutation ($input: SetLeadStatusInput!) {
  setLeadStatus(input: $input) { lead { id status } userErrors { code message field } }
}
"""
CONVERT_LEAD = """
mutation ($input: ConvertLeadInput!) {
  convertLead(input: $input) { lead { id isConverted } userErrors { code message field } }
}
"""
CONVERT_WITH_TWO_ACCOUNT_CHOICES = """
mutation ($leadId: ID!) {
  convertLead(input: {leadId: $leadId, account: {skip: true, existingId: "QWNjb3VudDox"}}) {
    lead { id isConverted }
    userErrors { code message field }
  }
}
"""
HEAVY_LEADS = """
query ($first: Int) {
  leads(first: $first) {
    edges { node { id activities(first: 100) { edges { node { id subject } } } } }
  }
}
"""
HEAVY_LEADS_LITERAL = """
query {
  leads(first: 1000) {
    edges { node { id activities(first: 100) { edges { node { id subject } } } } }
  }
}
"""
NESTED_PAGE_IN_A_FRAGMENT = """
query {
  leads(first: 100) { edges { node { ...Activities } } }
}
fragment Activities on Lead { activities(first: -1) { totalCount } }
"""
PREVIEW = """
query ($leadId: ID!) {
  conversionPreview(leadId: $leadId) { blockers { code } }
}
"""


async def test_a_document_that_does_not_parse_is_graphql_parse_failed(anonymous_client):
    viewer = await make_user()

    async with client_as(anonymous_client, viewer) as viewer_client:
        body = await graphql(viewer_client, UNFINISHED)

    assert body == {
        "errors": [
            {
                "message": "Syntax Error: Expected Name, found <EOF>.",
                "locations": [{"line": 1, "column": 18}],
                "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
            }
        ]
    }


async def test_a_document_that_fails_validation_is_graphql_validation_failed(anonymous_client):
    viewer = await make_user()

    async with client_as(anonymous_client, viewer) as viewer_client:
        response = await viewer_client.post(
            "/graphql", json={"query": UNKNOWN_FIELD}, headers={"Accept": "application/graphql-response+json"}
        )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "Cannot query field 'emial' on type 'User'. Did you mean 'email'?",
                "locations": [{"line": 1, "column": 12}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ]
    }


async def test_a_variable_that_cannot_be_coerced_is_bad_user_input_naming_its_path(anonymous_client):
    creator = await make_user()

    async with client_as(anonymous_client, creator) as creator_client:
        body = await graphql(creator_client, CREATE_LEAD, {"input": {"topic": "Fine", "score": "high"}})

    assert body == {
        "errors": [
            {
                "message": "Variable '$input' has invalid value at .score: Int cannot represent non-integer value: 'high'",
                "locations": [{"line": 2, "column": 11}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }
    assert await Lead.all().count() == 0


async def test_a_one_of_variable_with_two_choices_is_bad_user_input_naming_its_path(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    choice = {"leadId": gid(lead), "account": {"skip": True, "existingId": global_id("Account", 1)}}

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, CONVERT_LEAD, {"input": choice})

    assert body == {
        "errors": [
            {
                "message": "Variable '$input' has invalid value at .account: Within OneOf Input Object type "
                "'AccountChoice', exactly one field must be specified, and the value for that field must be non-null.",
                "locations": [{"line": 2, "column": 11}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }
    assert (await Lead.get(id=lead.pk)).is_converted is False


async def test_a_one_of_literal_with_two_choices_is_bad_user_input_once(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, CONVERT_WITH_TWO_ACCOUNT_CHOICES, {"leadId": gid(lead)})

    assert body == {
        "errors": [
            {
                "message": "OneOf Input Object 'AccountChoice' must specify exactly one key.",
                "locations": [{"line": 3, "column": 49}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }
    assert (await Lead.get(id=lead.pk)).is_converted is False


async def test_first_above_100_is_bad_user_input_before_the_node_limit_whatever_the_selection(anonymous_client):
    viewer = await make_user()
    await make_lead(viewer)

    async with client_as(anonymous_client, viewer) as viewer_client:
        by_variable = await graphql(viewer_client, HEAVY_LEADS, {"first": 1000})
        by_literal = await graphql(viewer_client, HEAVY_LEADS_LITERAL)

    assert by_variable == {
        "errors": [
            {
                "message": "'first' may be at most 100, got 1000",
                "locations": [{"line": 3, "column": 9}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }
    assert by_literal == {
        "errors": [
            {
                "message": "'first' may be at most 100, got 1000",
                "locations": [{"line": 3, "column": 9}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }


async def test_first_above_100_is_bad_user_input_before_the_cost_limit(settings):
    async with serving(replace(settings, rate_limit_capacity=1000)) as anonymous_client:
        viewer = await make_user()
        async with client_as(anonymous_client, viewer) as viewer_client:
            body = await graphql(viewer_client, HEAVY_LEADS, {"first": 101})

    assert body["errors"] == [
        {
            "message": "'first' may be at most 100, got 101",
            "locations": [{"line": 3, "column": 9}],
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]


async def test_a_negative_page_inside_a_fragment_is_bad_user_input(anonymous_client):
    viewer = await make_user()

    async with client_as(anonymous_client, viewer) as viewer_client:
        body = await graphql(viewer_client, NESTED_PAGE_IN_A_FRAGMENT)

    assert body == {
        "errors": [
            {
                "message": "'first' must not be negative",
                "locations": [{"line": 5, "column": 42}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }


async def test_a_query_names_an_invisible_lead_as_a_mutation_does(anonymous_client):
    owner = await make_user()
    outsider = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, outsider) as outsider_client:
        preview = await graphql(outsider_client, PREVIEW, {"leadId": gid(lead)})
        mutation = await graphql(
            outsider_client, SET_STATUS, {"input": {"leadId": gid(lead), "status": "WORKING_CONTACTED"}}
        )

    assert preview == {
        "data": None,
        "errors": [
            {
                "message": f"No Lead with ID '{gid(lead)}'",
                "locations": [{"line": 3, "column": 3}],
                "path": ["conversionPreview"],
                "extensions": {"code": "NOT_FOUND"},
            }
        ],
    }
    assert mutation == {
        "data": {
            "setLeadStatus": {
                "lead": None,
                "userErrors": [{"code": "NOT_FOUND", "message": f"No Lead with ID '{gid(lead)}'", "field": ["leadId"]}],
            }
        }
    }
    assert (await Lead.get(id=lead.pk)).status is LeadStatus.OPEN_NOT_CONTACTED


async def test_an_unknown_stage_in_a_conversion_is_named_by_its_id(anonymous_client: httpx.AsyncClient):
    owner = await make_user()
    lead = await make_lead(owner)
    stage_id = global_id("OpportunityStage", 999_999)
    choice = {"leadId": gid(lead), "opportunity": {"create": {"stageId": stage_id}}}

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, CONVERT_LEAD, {"input": choice})

    assert body == {
        "data": {
            "convertLead": {
                "lead": None,
                "userErrors": [
                    {
                        "code": "NOT_FOUND",
                        "message": f"No OpportunityStage with ID '{stage_id}'",
                        "field": ["opportunity", "create", "stageId"],
                    }
                ],
            }
        }
    }
    assert (await Lead.get(id=lead.pk)).is_converted is False

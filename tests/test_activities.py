from datetime import UTC, datetime

from models import Activity, ActivityKind, LeadStatus, MemberRole
from tests.factories import (
    StatementCounter,
    add_member,
    client_as,
    gid,
    graphql,
    make_activity,
    make_company,
    make_lead,
    make_opportunity,
    make_user,
)

LOG_ACTIVITY = """
mutation ($input: LogActivityInput!) {
  logActivity(input: $input) {
    activity { kind subject dueAt doneAt owner { email } }
    lead { activities { totalCount } }
    opportunity { activities { totalCount } }
    userErrors { code message field }
  }
}
"""

LEAD_ACTIVITIES = """
query ($id: ID!, $first: Int, $after: String) {
  lead(id: $id) {
    activities(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { node { subject } }
    }
  }
}
"""

OPPORTUNITY_ACTIVITIES = """
query ($id: ID!) {
  opportunity(id: $id) { activities { totalCount edges { node { kind subject owner { email } } } } }
}
"""

ACTIVITY_NODE = """
query ($id: ID!) { node(id: $id) { id ... on Activity { subject } } }
"""

OPPORTUNITIES_ACTIVITIES = """
query ($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Opportunity { activities(first: 1) { totalCount edges { node { subject owner { email } } } } }
  }
}
"""


async def test_a_participant_logs_an_activity_on_a_lead(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    participant = await make_user(company=company)
    lead = await make_lead(owner)
    await add_member(lead, participant, MemberRole.PARTICIPANT)

    async with client_as(anonymous_client, participant) as participant_client:
        body = await graphql(
            participant_client,
            LOG_ACTIVITY,
            {
                "input": {
                    "leadId": gid(lead),
                    "kind": "MEETING",
                    "subject": " Kick-off ",
                    "dueAt": "2030-03-01T09:00:00Z",
                    "doneAt": None,
                }
            },
        )

    assert body == {
        "data": {
            "logActivity": {
                "activity": {
                    "kind": "MEETING",
                    "subject": "Kick-off",
                    "dueAt": "2030-03-01T09:00:00+00:00",
                    "doneAt": None,
                    "owner": {"email": participant.email},
                },
                "lead": {"activities": {"totalCount": 1}},
                "opportunity": None,
                "userErrors": [],
            }
        }
    }
    activity = await Activity.get(lead_id=lead.pk)
    assert (activity.kind, activity.subject, activity.owner_id) == (ActivityKind.MEETING, "Kick-off", participant.pk)
    assert activity.due_at == datetime(2030, 3, 1, 9, tzinfo=UTC)


async def test_a_viewer_may_not_log_an_activity(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    viewer = await make_user(company=company)
    lead = await make_lead(owner)
    await add_member(lead, viewer, MemberRole.VIEWER)

    async with client_as(anonymous_client, viewer) as viewer_client:
        body = await graphql(
            viewer_client, LOG_ACTIVITY, {"input": {"leadId": gid(lead), "kind": "CALL", "subject": "Hi"}}
        )

    assert body["data"]["logActivity"] == {
        "activity": None,
        "lead": None,
        "opportunity": None,
        "userErrors": [
            {"code": "FORBIDDEN", "message": "Your role on this lead (VIEWER) does not allow this", "field": ["leadId"]}
        ],
    }
    assert await Activity.all().count() == 0


async def test_a_converted_lead_still_takes_activities(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, is_converted=True, status=LeadStatus.CLOSED_CONVERTED)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client,
            LOG_ACTIVITY,
            {"input": {"leadId": gid(lead), "kind": "NOTE", "subject": "Follow-up after win"}},
        )

    assert body["data"]["logActivity"]["userErrors"] == []
    assert body["data"]["logActivity"]["activity"]["subject"] == "Follow-up after win"
    assert await Activity.filter(lead_id=lead.pk).count() == 1


async def test_an_empty_or_over_long_subject_is_invalid(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        empty = await graphql(
            owner_client, LOG_ACTIVITY, {"input": {"leadId": gid(lead), "kind": "TASK", "subject": "  "}}
        )
        too_long = await graphql(
            owner_client, LOG_ACTIVITY, {"input": {"leadId": gid(lead), "kind": "TASK", "subject": "x" * 256}}
        )

    assert empty["data"]["logActivity"]["userErrors"] == [
        {"code": "INVALID_INPUT", "message": "subject must not be empty", "field": ["subject"]}
    ]
    assert too_long["data"]["logActivity"]["userErrors"] == [
        {"code": "INVALID_INPUT", "message": "subject may be at most 255 characters", "field": ["subject"]}
    ]
    assert await Activity.all().count() == 0


async def test_an_unknown_kind_is_a_graphql_validation_error(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, LOG_ACTIVITY, {"input": {"leadId": gid(lead), "kind": "FAX", "subject": "Hi"}}
        )

    assert "data" not in body
    assert [error["message"] for error in body["errors"]] == [
        "Variable '$input' has invalid value at .kind: Value 'FAX' does not exist in 'ActivityKind' enum."
    ]
    assert await Activity.all().count() == 0


async def test_activities_are_paged_newest_first(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    other_lead = await make_lead(owner)
    for number in range(1, 6):
        await make_activity(lead, owner, subject=f"Activity {number}")
    await make_activity(other_lead, owner, subject="Elsewhere")

    async with client_as(anonymous_client, owner) as owner_client:
        first = await graphql(owner_client, LEAD_ACTIVITIES, {"id": gid(lead), "first": 2})
        cursor = first["data"]["lead"]["activities"]["pageInfo"]["endCursor"]
        second = await graphql(owner_client, LEAD_ACTIVITIES, {"id": gid(lead), "first": 2, "after": cursor})
        cursor = second["data"]["lead"]["activities"]["pageInfo"]["endCursor"]
        last = await graphql(owner_client, LEAD_ACTIVITIES, {"id": gid(lead), "first": 2, "after": cursor})

    def page(body: dict) -> tuple:
        activities = body["data"]["lead"]["activities"]
        return (
            activities["totalCount"],
            activities["pageInfo"]["hasNextPage"],
            activities["pageInfo"]["hasPreviousPage"],
            [edge["node"]["subject"] for edge in activities["edges"]],
        )

    assert page(first) == (5, True, False, ["Activity 5", "Activity 4"])
    assert page(second) == (5, True, True, ["Activity 3", "Activity 2"])
    assert page(last) == (5, False, True, ["Activity 1"])


async def test_more_than_100_activities_per_page_is_bad_user_input(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, LEAD_ACTIVITIES, {"id": gid(lead), "first": 101})

    assert "data" not in body
    assert [(error["message"], error["extensions"]["code"]) for error in body["errors"]] == [
        ("'first' may be at most 100, got 101", "BAD_USER_INPUT")
    ]


async def test_an_activity_logged_on_an_opportunity_is_listed_there(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        logged = await graphql(
            owner_client,
            LOG_ACTIVITY,
            {"input": {"opportunityId": gid(opportunity), "kind": "EMAIL", "subject": "Quote sent"}},
        )
        listed = await graphql(owner_client, OPPORTUNITY_ACTIVITIES, {"id": gid(opportunity)})

    assert logged["data"]["logActivity"]["opportunity"] == {"activities": {"totalCount": 1}}
    assert listed["data"]["opportunity"]["activities"] == {
        "totalCount": 1,
        "edges": [{"node": {"kind": "EMAIL", "subject": "Quote sent", "owner": {"email": owner.email}}}],
    }
    activity = await Activity.get(subject="Quote sent")
    assert activity.lead_id is None
    assert [linked.pk for linked in await activity.opportunities.all()] == [opportunity.pk]


async def test_an_activity_is_a_node_only_for_those_who_see_its_record(anonymous_client):
    owner = await make_user()
    outsider = await make_user()
    lead = await make_lead(owner)
    activity = await make_activity(lead, owner, subject="Discovery call")

    async with client_as(anonymous_client, owner) as owner_client:
        seen = await graphql(owner_client, ACTIVITY_NODE, {"id": gid(activity)})
    async with client_as(anonymous_client, outsider) as outsider_client:
        hidden = await graphql(outsider_client, ACTIVITY_NODE, {"id": gid(activity)})

    assert seen == {"data": {"node": {"id": gid(activity), "subject": "Discovery call"}}}
    assert hidden == {"data": {"node": None}}


async def test_the_owner_of_an_activity_reads_after_leaving_the_record(anonymous_client):
    owner = await make_user()
    former_member = await make_user()
    lead = await make_lead(owner)
    await make_activity(lead, former_member, subject="Old call")

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, LEAD_ACTIVITIES, {"id": gid(lead)})

    assert body["data"]["lead"]["activities"]["edges"] == [{"node": {"subject": "Old call"}}]
    assert "errors" not in body


async def _opportunities_with_activities(count: int, owner) -> list:
    opportunities = []
    for _ in range(count):
        opportunity = await make_opportunity(owner)
        for number in range(3):
            activity = await Activity.create(kind=ActivityKind.CALL, subject=f"Call {number}", owner=owner)
            await activity.opportunities.add(opportunity)
        opportunities.append(opportunity)
    return opportunities


async def test_activities_of_many_opportunities_take_a_constant_number_of_statements(anonymous_client):
    owner = await make_user()
    few = await _opportunities_with_activities(2, owner)
    many = await _opportunities_with_activities(10, owner)

    async with client_as(anonymous_client, owner) as owner_client:
        with StatementCounter() as few_statements:
            few_body = await graphql(owner_client, OPPORTUNITIES_ACTIVITIES, {"ids": [gid(o) for o in few]})
        with StatementCounter() as many_statements:
            many_body = await graphql(owner_client, OPPORTUNITIES_ACTIVITIES, {"ids": [gid(o) for o in many]})

    assert "errors" not in few_body and "errors" not in many_body
    assert [node["activities"]["totalCount"] for node in many_body["data"]["nodes"]] == [3] * 10
    assert many_body["data"]["nodes"][0]["activities"]["edges"] == [
        {"node": {"subject": "Call 2", "owner": {"email": owner.email}}}
    ]
    assert many_statements.count == few_statements.count, "\n".join(many_statements.statements)

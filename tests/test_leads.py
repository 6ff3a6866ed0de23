"""Reading leads: `lead`, `node`, `leads` with filter, order and keyset pages, and a lead's nested records."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from models import Lead, LeadAcceptance, LeadOpportunity, LeadStatus, MemberRole
from tests.factories import (
    StatementCounter,
    add_member,
    client_as,
    gid,
    graphql,
    make_account,
    make_company,
    make_contact,
    make_lead,
    make_opportunity,
    make_policy,
    make_user,
)

LEAD = """
query ($id: ID!) {
  lead(id: $id) {
    id topic firstName lastName email phone jobTitle customerName website description source
    score estimatedAmount currency estimatedCloseDate status acceptance acceptanceDeadline
    rejectionReason disqualificationReason
    sourcedBy { id name } partner { id name } owner { id email }
    isConverted convertedAt convertedBy { id } convertedAccount { id } convertedContact { id }
    opportunities { totalCount edges { node { id } } }
    createdAt updatedAt
  }
}
"""
LEAD_MONEY = """
query ($id: ID!) { lead(id: $id) { id estimatedAmount currency } }
"""
LEAD_ACCEPTANCE = """
query ($id: ID!) { lead(id: $id) { acceptance acceptanceDeadline } }
"""
LEAD_CONVERSION = """
query ($id: ID!) {
  lead(id: $id) { isConverted convertedAt convertedBy { id } convertedAccount { id } convertedContact { id } }
}
"""
NODE = """
query ($id: ID!, $ids: [ID!]!) {
  node(id: $id) { __typename id ... on Lead { topic } }
  nodes(ids: $ids) { __typename id }
}
"""
LEADS = """
query ($first: Int, $after: String, $filter: LeadFilter, $orderBy: LeadOrder) {
  leads(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
LEAD_IDS = """
query ($first: Int, $after: String, $filter: LeadFilter, $orderBy: LeadOrder) {
  leads(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { totalCount edges { node { id } } }
}
"""
LEAD_OPPORTUNITIES = """
query ($id: ID!, $first: Int, $after: String) {
  lead(id: $id) {
    opportunities(first: $first, after: $after) {
      totalCount
      edges { cursor node { id name } }
      pageInfo { hasNextPage hasPreviousPage }
    }
  }
}
"""
LEADS_WITH_NESTED = """
query {
  leads(first: 50) {
    edges { node { id acceptance estimatedAmount viewerRole sourcedBy { name } partner { name } owner { email }
                   convertedBy { id } convertedAccount { id } convertedContact { id }
                   opportunities { totalCount edges { node { id } } } } }
  }
}
"""


async def listed(client, filter=None, order_by=None, first=100) -> dict:
    """The ids `leads` returns, in order, with its totalCount."""
    body = await graphql(client, LEAD_IDS, {"first": first, "filter": filter, "orderBy": order_by})
    assert "errors" not in body, body
    connection = body["data"]["leads"]
    return {"ids": [edge["node"]["id"] for edge in connection["edges"]], "totalCount": connection["totalCount"]}


async def test_lead_reads_every_contract_field(anonymous_client):
    vendor, partner = await make_company(name="Northwind"), await make_company(name="Contoso")
    owner = await make_user(company=vendor, email="olive@northwind.example")
    lead = await make_lead(
        owner,
        topic="ERP rollout",
        first_name="Pat",
        last_name="Buyer",
        email="pat@acme.example",
        phone="+49 30 1234",
        job_title="CIO",
        customer_name="Acme",
        website="https://acme.example",
        description="Wants a pilot",
        source="Trade fair",
        score=72,
        estimated_amount=Decimal("125000.50"),
        currency="EUR",
        estimated_close_date=date(2031, 3, 31),
        partner=partner,
        acceptance_deadline=datetime(2031, 1, 1, 12, 0, tzinfo=UTC),
    )
    lead = await Lead.get(id=lead.id)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, LEAD, {"id": gid(lead)})

    assert body == {
        "data": {
            "lead": {
                "id": gid(lead),
                "topic": "ERP rollout",
                "firstName": "Pat",
                "lastName": "Buyer",
                "email": "pat@acme.example",
                "phone": "+49 30 1234",
                "jobTitle": "CIO",
                "customerName": "Acme",
                "website": "https://acme.example",
                "description": "Wants a pilot",
                "source": "Trade fair",
                "score": 72,
                "estimatedAmount": "125000.50",
                "currency": "EUR",
                "estimatedCloseDate": "2031-03-31",
                "status": "OPEN_NOT_CONTACTED",
                "acceptance": "PENDING",
                "acceptanceDeadline": "2031-01-01T12:00:00+00:00",
                "rejectionReason": None,
                "disqualificationReason": None,
                "sourcedBy": {"id": gid(vendor), "name": "Northwind"},
                "partner": {"id": gid(partner), "name": "Contoso"},
                "owner": {"id": gid(owner), "email": "olive@northwind.example"},
                "isConverted": False,
                "convertedAt": None,
                "convertedBy": None,
                "convertedAccount": None,
                "convertedContact": None,
                "opportunities": {"totalCount": 0, "edges": []},
                "createdAt": lead.created_at.isoformat(),
                "updatedAt": lead.updated_at.isoformat(),
            }
        }
    }


async def test_lead_is_null_when_invisible_unknown_or_of_another_type(anonymous_client):
    owner = await make_user()
    outsider = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, outsider) as outsider_client:
        invisible = await graphql(outsider_client, LEAD_MONEY, {"id": gid(lead)})
    async with client_as(anonymous_client, owner) as owner_client:
        unknown = await graphql(owner_client, LEAD_MONEY, {"id": "TGVhZDo5OTk5OTk="})  # Lead:999999
        malformed = await graphql(owner_client, LEAD_MONEY, {"id": "not-an-id"})
        wrong_type = await graphql(owner_client, LEAD_MONEY, {"id": gid(owner)})
        same_pk_wrong_type = await graphql(owner_client, LEAD_MONEY, {"id": f"{gid(owner.company)}"})

    assert invisible == {"data": {"lead": None}}
    assert unknown == {"data": {"lead": None}}
    assert malformed == {"data": {"lead": None}}
    assert wrong_type == {"data": {"lead": None}}
    assert same_pk_wrong_type == {"data": {"lead": None}}


async def test_lead_node_and_nodes_follow_visibility(anonymous_client):
    owner = await make_user()
    outsider = await make_user()
    lead = await make_lead(owner, topic="Visible to its owner")
    hidden = await make_lead(outsider)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, NODE, {"id": gid(lead), "ids": [gid(hidden), gid(lead), "garbage"]})

    assert body == {
        "data": {
            "node": {"__typename": "Lead", "id": gid(lead), "topic": "Visible to its owner"},
            "nodes": [None, {"__typename": "Lead", "id": gid(lead)}, None],
        }
    }


async def test_lead_money_is_null_for_a_participant_and_read_by_a_viewer(anonymous_client):
    owner = await make_user()
    participant = await make_user(company=owner.company)
    viewer = await make_user(company=owner.company)
    lead = await make_lead(owner, estimated_amount=Decimal("4200.00"), currency="USD")
    await add_member(lead, participant, MemberRole.PARTICIPANT)
    await add_member(lead, viewer, MemberRole.VIEWER)

    async with client_as(anonymous_client, participant) as participant_client:
        as_participant = await graphql(participant_client, LEAD_MONEY, {"id": gid(lead)})
    async with client_as(anonymous_client, viewer) as viewer_client:
        as_viewer = await graphql(viewer_client, LEAD_MONEY, {"id": gid(lead)})

    assert as_participant == {"data": {"lead": {"id": gid(lead), "estimatedAmount": None, "currency": "USD"}}}
    assert as_viewer == {"data": {"lead": {"id": gid(lead), "estimatedAmount": "4200.00", "currency": "USD"}}}


async def test_lead_money_follows_the_highest_role_when_a_policy_lifts_a_participant(anonymous_client):
    owner = await make_user()
    participant = await make_user(company=owner.company)
    lead = await make_lead(owner, estimated_amount=Decimal("10.00"))
    await add_member(lead, participant, MemberRole.PARTICIPANT)
    await make_policy(owner.company, MemberRole.VIEWER)
    await make_policy(owner.company, MemberRole.COLLABORATOR)

    async with client_as(anonymous_client, participant) as participant_client:
        body = await graphql(participant_client, LEAD_MONEY, {"id": gid(lead)})

    assert body["data"]["lead"]["estimatedAmount"] == "10.00"


async def test_lead_acceptance_reads_expired_past_its_deadline(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    waiting = await make_lead(owner, partner=partner, acceptance_deadline=datetime.now(UTC) + timedelta(days=3))
    expired = await make_lead(owner, partner=partner, acceptance_deadline=datetime.now(UTC) + timedelta(days=3))
    await Lead.filter(id=expired.id).update(acceptance_deadline=datetime(2020, 5, 1, tzinfo=UTC))
    accepted_late = await make_lead(
        owner,
        partner=partner,
        stored_acceptance=LeadAcceptance.ACCEPTED,
        acceptance_deadline=datetime(2020, 5, 1, tzinfo=UTC),
    )

    async with client_as(anonymous_client, owner) as owner_client:
        results = [
            (await graphql(owner_client, LEAD_ACCEPTANCE, {"id": gid(lead)}))["data"]["lead"]
            for lead in (waiting, expired, accepted_late)
        ]

    assert [result["acceptance"] for result in results] == ["PENDING", "EXPIRED", "ACCEPTED"]
    assert results[1]["acceptanceDeadline"] == "2020-05-01T00:00:00+00:00"
    assert await Lead.get(id=expired.id).values_list("stored_acceptance", flat=True) == LeadAcceptance.PENDING


async def test_lead_conversion_fields_read_the_converting_user_account_and_contact(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    account = await make_account(owner.company)
    contact = await make_contact(owner.company, account=account)
    converted_at = datetime(2030, 6, 1, 9, 30, tzinfo=UTC)
    await Lead.filter(id=lead.id).update(
        is_converted=True,
        converted_at=converted_at,
        converted_by_id=owner.id,
        converted_account_id=account.id,
        converted_contact_id=contact.id,
        status=LeadStatus.CLOSED_CONVERTED,
    )

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, LEAD_CONVERSION, {"id": gid(lead)})

    assert body == {
        "data": {
            "lead": {
                "isConverted": True,
                "convertedAt": "2030-06-01T09:30:00+00:00",
                "convertedBy": {"id": gid(owner)},
                "convertedAccount": {"id": gid(account)},
                "convertedContact": {"id": gid(contact)},
            }
        }
    }


async def test_lead_opportunities_are_the_visible_linked_ones_newest_link_first(anonymous_client):
    owner = await make_user()
    stranger = await make_user()
    lead = await make_lead(owner)
    other_lead = await make_lead(owner)
    first = await make_opportunity(owner, name="First linked")
    second = await make_opportunity(owner, name="Second linked")
    third = await make_opportunity(owner, name="Third linked")
    invisible = await make_opportunity(stranger, name="Not the owner's")
    not_linked = await make_opportunity(owner, name="Linked elsewhere")
    for opportunity in (first, second, invisible, third):
        await LeadOpportunity.create(lead=lead, opportunity=opportunity, created_by_conversion=False, actor=owner)
    await LeadOpportunity.create(lead=other_lead, opportunity=not_linked, created_by_conversion=False, actor=owner)

    async with client_as(anonymous_client, owner) as owner_client:
        everything = await graphql(owner_client, LEAD_OPPORTUNITIES, {"id": gid(lead)})
        page_one = (await graphql(owner_client, LEAD_OPPORTUNITIES, {"id": gid(lead), "first": 2}))["data"]["lead"][
            "opportunities"
        ]
        after = page_one["edges"][-1]["cursor"]
        page_two = (await graphql(owner_client, LEAD_OPPORTUNITIES, {"id": gid(lead), "first": 2, "after": after}))[
            "data"
        ]["lead"]["opportunities"]

    connection = everything["data"]["lead"]["opportunities"]
    assert [edge["node"]["name"] for edge in connection["edges"]] == ["Third linked", "Second linked", "First linked"]
    assert connection["totalCount"] == 3
    assert connection["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False}
    assert [edge["node"]["id"] for edge in page_one["edges"]] == [gid(third), gid(second)]
    assert page_one["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False}
    assert [edge["node"]["id"] for edge in page_two["edges"]] == [gid(first)]
    assert page_two["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True}
    assert page_two["totalCount"] == 3


async def test_lead_opportunities_refuse_more_than_100_and_a_bad_cursor(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        too_many = await graphql(owner_client, LEAD_OPPORTUNITIES, {"id": gid(lead), "first": 101})
        bad_cursor = await graphql(owner_client, LEAD_OPPORTUNITIES, {"id": gid(lead), "after": "nonsense"})

    assert "data" not in too_many
    assert [(error["message"], error["extensions"]) for error in too_many["errors"]] == [
        ("'first' may be at most 100, got 101", {"code": "BAD_USER_INPUT"})
    ]
    assert [error["extensions"] for error in bad_cursor["errors"]] == [{"code": "BAD_USER_INPUT"}]


async def test_leads_list_only_visible_leads_newest_first_and_count_them(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    colleague = await make_user(company=vendor)
    partner_admin = await make_user(company=partner, is_admin=True)
    own = [await make_lead(owner) for _ in range(3)]
    shared = await make_lead(owner, partner=partner)
    await make_lead(colleague)
    member_of = await make_lead(colleague)
    await add_member(member_of, owner, MemberRole.VIEWER)

    async with client_as(anonymous_client, owner) as owner_client:
        as_owner = await listed(owner_client)
    async with client_as(anonymous_client, partner_admin) as partner_client:
        as_partner_admin = await listed(partner_client)

    assert as_owner == {"ids": [gid(member_of), gid(shared), *[gid(lead) for lead in reversed(own)]], "totalCount": 5}
    assert as_partner_admin == {"ids": [gid(shared)], "totalCount": 1}


async def test_leads_leave_converted_leads_out_unless_included(anonymous_client):
    owner = await make_user()
    open_lead = await make_lead(owner)
    converted = await make_lead(owner, is_converted=True, status=LeadStatus.CLOSED_CONVERTED)

    async with client_as(anonymous_client, owner) as owner_client:
        default = await listed(owner_client)
        explicit_false = await listed(owner_client, {"includeConverted": False})
        included = await listed(owner_client, {"includeConverted": True})

    assert default == explicit_false == {"ids": [gid(open_lead)], "totalCount": 1}
    assert included == {"ids": [gid(converted), gid(open_lead)], "totalCount": 2}


async def test_leads_filter_by_any_of_several_statuses(anonymous_client):
    owner = await make_user()
    fresh = await make_lead(owner, status=LeadStatus.OPEN_NOT_CONTACTED)
    working = await make_lead(owner, status=LeadStatus.WORKING_CONTACTED)
    await make_lead(owner, status=LeadStatus.CLOSED_NOT_CONVERTED, disqualification_reason="No budget")

    async with client_as(anonymous_client, owner) as owner_client:
        one = await listed(owner_client, {"status": ["WORKING_CONTACTED"]})
        two = await listed(owner_client, {"status": ["OPEN_NOT_CONTACTED", "WORKING_CONTACTED"]})
        none = await listed(owner_client, {"status": []})

    assert one == {"ids": [gid(working)], "totalCount": 1}
    assert two == {"ids": [gid(working), gid(fresh)], "totalCount": 2}
    assert none == {"ids": [], "totalCount": 0}


async def test_leads_filter_by_acceptance_as_readers_see_it(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    not_required = await make_lead(owner)
    pending_no_deadline = await make_lead(owner, partner=partner)
    pending = await make_lead(owner, partner=partner, acceptance_deadline=datetime.now(UTC) + timedelta(days=1))
    expired = await make_lead(owner, partner=partner, acceptance_deadline=datetime.now(UTC) - timedelta(minutes=1))
    accepted = await make_lead(owner, partner=partner, stored_acceptance=LeadAcceptance.ACCEPTED)
    rejected = await make_lead(
        owner, partner=partner, stored_acceptance=LeadAcceptance.REJECTED, rejection_reason="No fit"
    )

    async with client_as(anonymous_client, owner) as owner_client:
        results = {
            acceptance: await listed(owner_client, {"acceptance": [acceptance]})
            for acceptance in ("NOT_REQUIRED", "PENDING", "EXPIRED", "ACCEPTED", "REJECTED")
        }
        either = await listed(owner_client, {"acceptance": ["EXPIRED", "REJECTED"]})

    assert results == {
        "NOT_REQUIRED": {"ids": [gid(not_required)], "totalCount": 1},
        "PENDING": {"ids": [gid(pending), gid(pending_no_deadline)], "totalCount": 2},
        "EXPIRED": {"ids": [gid(expired)], "totalCount": 1},
        "ACCEPTED": {"ids": [gid(accepted)], "totalCount": 1},
        "REJECTED": {"ids": [gid(rejected)], "totalCount": 1},
    }
    assert either == {"ids": [gid(rejected), gid(expired)], "totalCount": 2}


async def test_leads_filter_by_sourcing_and_partner_company(anonymous_client):
    vendor, partner, other_partner = await make_company(), await make_company(), await make_company()
    vendor_admin = await make_user(company=vendor, is_admin=True)
    partner_user = await make_user(company=partner)
    with_partner = await make_lead(vendor_admin, partner=partner)
    with_other = await make_lead(vendor_admin, partner=other_partner)
    from_partner = await make_lead(partner_user, partner=vendor)

    async with client_as(anonymous_client, vendor_admin) as admin_client:
        sourced_by_vendor = await listed(admin_client, {"sourcedById": gid(vendor)})
        sourced_by_partner = await listed(admin_client, {"sourcedById": gid(partner)})
        partnered_with_partner = await listed(admin_client, {"partnerId": gid(partner)})
        both = await listed(admin_client, {"sourcedById": gid(vendor), "partnerId": gid(other_partner)})

    assert sourced_by_vendor == {"ids": [gid(with_other), gid(with_partner)], "totalCount": 2}
    assert sourced_by_partner == {"ids": [gid(from_partner)], "totalCount": 1}
    assert partnered_with_partner == {"ids": [gid(with_partner)], "totalCount": 1}
    assert both == {"ids": [gid(with_other)], "totalCount": 1}


async def test_leads_search_names_customer_and_email_in_any_case(anonymous_client):
    owner = await make_user()
    by_first = await make_lead(
        owner, first_name="Marigold", last_name="Smith", customer_name="Initech", email="m@initech.example"
    )
    by_last = await make_lead(
        owner, first_name="Ann", last_name="MARIGOLDSON", customer_name="Globex", email="a@globex.example"
    )
    by_customer = await make_lead(
        owner, first_name="Bo", last_name="Lee", customer_name="marigold gardens", email="b@mg.example"
    )
    by_email = await make_lead(
        owner, first_name="Cy", last_name="Ng", customer_name="Hooli", email="cy@Marigold.example"
    )
    await make_lead(
        owner,
        topic="Marigold in the topic only",
        first_name="Di",
        last_name="Ode",
        customer_name="Umbrella",
        email="d@u.example",
    )

    async with client_as(anonymous_client, owner) as owner_client:
        found = await listed(owner_client, {"search": "  mariGOLD "})
        literal = await listed(owner_client, {"search": "%"})

    assert found == {"ids": [gid(by_email), gid(by_customer), gid(by_last), gid(by_first)], "totalCount": 4}
    assert literal == {"ids": [], "totalCount": 0}


async def test_leads_filter_by_minimum_score_leaves_unscored_out(anonymous_client):
    owner = await make_user()
    await make_lead(owner, score=59)
    sixty = await make_lead(owner, score=60)
    ninety = await make_lead(owner, score=90)
    await make_lead(owner, score=None)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await listed(owner_client, {"minScore": 60})

    assert body == {"ids": [gid(ninety), gid(sixty)], "totalCount": 2}


async def test_leads_combine_filters_and_count_what_they_return(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    match = await make_lead(
        owner, partner=partner, score=80, customer_name="Acme Tools", status=LeadStatus.WORKING_CONTACTED
    )
    await make_lead(owner, partner=partner, score=80, customer_name="Acme Foods", status=LeadStatus.OPEN_NOT_CONTACTED)
    await make_lead(owner, partner=partner, score=10, customer_name="Acme Toys", status=LeadStatus.WORKING_CONTACTED)
    await make_lead(owner, score=80, customer_name="Acme Tea", status=LeadStatus.WORKING_CONTACTED)
    await make_lead(
        owner,
        partner=partner,
        score=80,
        customer_name="Acme Hidden",
        status=LeadStatus.WORKING_CONTACTED,
        is_converted=True,
    )

    async with client_as(anonymous_client, owner) as owner_client:
        body = await listed(
            owner_client,
            {
                "status": ["WORKING_CONTACTED"],
                "partnerId": gid(partner),
                "minScore": 50,
                "search": "acme",
                "acceptance": ["PENDING"],
            },
            first=1,
        )

    assert body == {"ids": [gid(match)], "totalCount": 1}


async def test_leads_filter_refuses_an_id_of_another_type_and_a_score_out_of_range(anonymous_client):
    owner = await make_user()
    await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        wrong_type = await graphql(owner_client, LEAD_IDS, {"filter": {"partnerId": gid(owner)}})
        malformed = await graphql(owner_client, LEAD_IDS, {"filter": {"sourcedById": "%%%"}})
        score = await graphql(owner_client, LEAD_IDS, {"filter": {"minScore": 101}})
        unknown_company = await graphql(owner_client, LEAD_IDS, {"filter": {"partnerId": "Q29tcGFueTo5OTk5OTk="}})

    assert wrong_type["data"] is None
    assert [(error["message"], error["extensions"]) for error in wrong_type["errors"]] == [
        (f"filter.partnerId: No Company with ID '{gid(owner)}'", {"code": "BAD_USER_INPUT"})
    ]
    assert [(error["message"], error["extensions"]) for error in malformed["errors"]] == [
        ("filter.sourcedById: No Company with ID '%%%'", {"code": "BAD_USER_INPUT"})
    ]
    assert [(error["message"], error["extensions"]) for error in score["errors"]] == [
        ("filter.minScore must be between 0 and 100, got 101", {"code": "BAD_USER_INPUT"})
    ]
    assert unknown_company == {"data": {"leads": {"totalCount": 0, "edges": []}}}


async def test_leads_filter_refuses_an_unknown_enum_value(anonymous_client):
    owner = await make_user()

    async with client_as(anonymous_client, owner) as owner_client:
        response = await owner_client.post(
            "/graphql", json={"query": LEAD_IDS, "variables": {"filter": {"status": ["DONE"]}}}
        )

    body = response.json()
    assert "data" not in body or body["data"] is None
    assert len(body["errors"]) == 1
    assert "DONE" in body["errors"][0]["message"]
    assert "LeadStatus" in body["errors"][0]["message"]


async def test_leads_order_by_created_and_updated_both_ways(anonymous_client):
    owner = await make_user()
    leads = [await make_lead(owner) for _ in range(3)]
    touched = [leads[1], leads[2], leads[0]]
    for minutes, lead in enumerate(touched):
        await Lead.filter(id=lead.id).update(updated_at=datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes))

    async with client_as(anonymous_client, owner) as owner_client:
        created_asc = await listed(owner_client, order_by={"field": "CREATED_AT", "direction": "ASC"})
        created_desc = await listed(owner_client, order_by={"field": "CREATED_AT"})
        updated_asc = await listed(owner_client, order_by={"field": "UPDATED_AT", "direction": "ASC"})
        updated_desc = await listed(owner_client, order_by={"field": "UPDATED_AT", "direction": "DESC"})

    ids = [gid(lead) for lead in leads]
    assert created_asc["ids"] == ids
    assert created_desc["ids"] == list(reversed(ids))
    assert updated_asc["ids"] == [gid(lead) for lead in touched]
    assert updated_desc["ids"] == [gid(lead) for lead in reversed(touched)]


async def test_leads_order_by_score_puts_unscored_leads_lowest(anonymous_client):
    owner = await make_user()
    low = await make_lead(owner, score=5)
    unscored = await make_lead(owner, score=None)
    high = await make_lead(owner, score=95)
    tie = await make_lead(owner, score=5)

    async with client_as(anonymous_client, owner) as owner_client:
        ascending = await listed(owner_client, order_by={"field": "SCORE", "direction": "ASC"})
        descending = await listed(owner_client, order_by={"field": "SCORE", "direction": "DESC"})

    assert ascending["ids"] == [gid(unscored), gid(low), gid(tie), gid(high)]
    assert descending["ids"] == [gid(high), gid(tie), gid(low), gid(unscored)]


async def test_leads_order_by_customer_name_ignores_case_and_puts_unnamed_first(anonymous_client):
    owner = await make_user()
    beta = await make_lead(owner, customer_name="beta")
    alpha = await make_lead(owner, customer_name="Alpha")
    unnamed = await make_lead(owner, customer_name=None, topic="No customer yet")
    gamma = await make_lead(owner, customer_name="GAMMA")

    async with client_as(anonymous_client, owner) as owner_client:
        ascending = await listed(owner_client, order_by={"field": "CUSTOMER_NAME", "direction": "ASC"})
        descending = await listed(owner_client, order_by={"field": "CUSTOMER_NAME", "direction": "DESC"})

    assert ascending["ids"] == [gid(unnamed), gid(alpha), gid(beta), gid(gamma)]
    assert descending["ids"] == [gid(gamma), gid(beta), gid(alpha), gid(unnamed)]


@pytest.mark.parametrize("field", ["CREATED_AT", "UPDATED_AT", "SCORE", "CUSTOMER_NAME"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_leads_keyset_pages_see_every_lead_once_in_order(anonymous_client, field, direction):
    owner = await make_user()
    for n in range(23):
        await make_lead(
            owner, score=[None, 10, 50][n % 3], customer_name=[None, "acme", "Beta", "acme"][n % 4], topic="t"
        )
    await make_lead(await make_user())
    order_by = {"field": field, "direction": direction}

    async with client_as(anonymous_client, owner) as owner_client:
        whole = await listed(owner_client, order_by=order_by)
        seen, after, pages = [], None, 0
        while True:
            body = await graphql(owner_client, LEADS, {"first": 5, "after": after, "orderBy": order_by})
            connection = body["data"]["leads"]
            seen += [edge["node"]["id"] for edge in connection["edges"]]
            pages += 1
            assert connection["totalCount"] == 23
            assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
            assert connection["pageInfo"]["endCursor"] == connection["edges"][-1]["cursor"]
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]

    assert pages == 5
    assert len(whole["ids"]) == 23
    assert seen == whole["ids"]


async def test_leads_refuse_more_than_100_a_negative_page_and_a_bad_cursor(anonymous_client):
    owner = await make_user()
    await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        too_many = await graphql(owner_client, LEADS, {"first": 101})
        hundred = await graphql(owner_client, LEADS, {"first": 100})
        bad_cursor = await graphql(owner_client, LEADS, {"after": "not-a-cursor"})

    assert too_many == {
        "errors": [
            {
                "message": "'first' may be at most 100, got 101",
                "locations": [{"line": 3, "column": 9}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }
    assert "errors" not in hundred
    assert [(error["message"], error["extensions"]) for error in bad_cursor["errors"]] == [
        ("'after' is not a cursor of this connection", {"code": "BAD_USER_INPUT"})
    ]


async def test_leads_nested_records_load_in_a_bounded_number_of_queries(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)

    async def build(count: int) -> None:
        for _ in range(count):
            lead = await make_lead(await make_user(company=vendor), partner=partner)
            await add_member(lead, owner, MemberRole.COLLABORATOR)
            opportunity = await make_opportunity(owner)
            await LeadOpportunity.create(lead=lead, opportunity=opportunity, created_by_conversion=False, actor=owner)

    async with client_as(anonymous_client, owner) as owner_client:
        await build(2)
        with StatementCounter() as few:
            small = await graphql(owner_client, LEADS_WITH_NESTED)
        await build(8)
        with StatementCounter() as many:
            large = await graphql(owner_client, LEADS_WITH_NESTED)

    assert len(small["data"]["leads"]["edges"]) == 2 and "errors" not in small
    assert len(large["data"]["leads"]["edges"]) == 10 and "errors" not in large
    assert many.count == few.count, "\n".join(many.statements)

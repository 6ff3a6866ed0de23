"""Mutations that add a record to a list answer its edge, whose cursor pages that list from the
new record on, as Relay's @appendEdge / @prependEdge expect."""

from datetime import UTC, datetime

from models import Lead, MemberRole
from tests.factories import (
    add_member,
    client_as,
    gid,
    graphql,
    make_account,
    make_activity,
    make_contact,
    make_lead,
    make_opportunity,
    make_sales_plan,
    make_user,
)

CREATE_LEAD = """
mutation ($input: CreateLeadInput!) {
  createLead(input: $input) { lead { id } leadEdge { cursor node { id topic } } userErrors { code message field } }
}
"""
LEADS_AFTER = """
query ($after: String) { leads(after: $after) { nodes { topic } } }
"""
CREATE_OPPORTUNITY = """
mutation ($name: String!) {
  createOpportunity(input: {name: $name}) { opportunityEdge { cursor node { name } } userErrors { code } }
}
"""
OPPORTUNITIES_AFTER = """
query ($after: String) { opportunities(after: $after) { nodes { name } } }
"""
CONVERT = """
mutation ($input: ConvertLeadInput!) {
  convertLead(input: $input) { opportunity { id } opportunityEdge { cursor node { id name } } userErrors { code message } }
}
"""
LINK = """
mutation ($input: LinkOpportunityInput!) {
  linkOpportunity(input: $input) { opportunityEdge { cursor node { name } } userErrors { code message } }
}
"""
LEAD_OPPORTUNITIES_AFTER = """
query ($id: ID!, $after: String) { lead(id: $id) { opportunities(after: $after) { nodes { name } } } }
"""
LOG_ACTIVITY = """
mutation ($input: LogActivityInput!) {
  logActivity(input: $input) { activityEdge { cursor node { subject } } userErrors { code } }
}
"""
LEAD_ACTIVITIES_AFTER = """
query ($id: ID!, $after: String) { lead(id: $id) { activities(after: $after) { nodes { subject } } } }
"""
CREATE_ACCOUNT = """
mutation ($name: String!) { createAccount(input: {name: $name}) { accountEdge { cursor node { name } } userErrors { code } } }
"""
ACCOUNTS_AFTER = """
query ($after: String) { accounts(after: $after) { nodes { name } } }
"""
CREATE_CONTACT = """
mutation ($lastName: String!) {
  createContact(input: {lastName: $lastName}) { contactEdge { cursor node { lastName } } userErrors { code } }
}
"""
CONTACTS_AFTER = """
query ($after: String) { contacts(after: $after) { nodes { lastName } } }
"""
CREATE_SALES_PLAN = """
mutation ($name: String!) { createSalesPlan(input: {name: $name}) { salesPlanEdge { cursor node { name } } userErrors { code } } }
"""
SALES_PLANS_AFTER = """
query ($after: String, $companyId: ID) { salesPlans(after: $after, companyId: $companyId) { nodes { name } } }
"""
CREATE_TEMPLATE = """
mutation ($name: String!) {
  createOpportunityTemplate(input: {name: $name}) { templateEdge { cursor node { name } } userErrors { code } }
}
"""
TEMPLATES_AFTER = """
query ($after: String) { opportunityTemplates(after: $after) { nodes { name } } }
"""


async def test_a_created_leads_edge_pages_leads_from_it_on(anonymous_client):
    owner = await make_user()
    for topic in ("Older 1", "Older 2"):
        await make_lead(owner, topic=topic, created_at=datetime(2020, 1, 1, tzinfo=UTC))

    async with client_as(anonymous_client, owner) as owner_client:
        created = (await graphql(owner_client, CREATE_LEAD, {"input": {"topic": "New"}}))["data"]["createLead"]
        after = await graphql(owner_client, LEADS_AFTER, {"after": created["leadEdge"]["cursor"]})

    assert created["leadEdge"]["node"] == {"id": created["lead"]["id"], "topic": "New"}
    assert after["data"]["leads"]["nodes"] == [{"topic": "Older 2"}, {"topic": "Older 1"}]


async def test_a_refused_lead_has_no_edge_and_nothing_is_written(anonymous_client):
    owner = await make_user()

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, CREATE_LEAD, {"input": {"topic": "New", "partnerId": "Company:999999"}})

    assert body["data"]["createLead"]["leadEdge"] is None
    assert body["data"]["createLead"]["userErrors"] == [
        {"code": "NOT_FOUND", "message": "No Company with ID 'Company:999999'", "field": ["partnerId"]}
    ]
    assert await Lead.all().count() == 0


async def test_a_created_opportunitys_edge_pages_opportunities_from_it_on(anonymous_client):
    owner = await make_user()
    await make_opportunity(owner, name="Older")

    async with client_as(anonymous_client, owner) as owner_client:
        created = (await graphql(owner_client, CREATE_OPPORTUNITY, {"name": "New"}))["data"]["createOpportunity"]
        after = await graphql(owner_client, OPPORTUNITIES_AFTER, {"after": created["opportunityEdge"]["cursor"]})

    assert created["opportunityEdge"]["node"] == {"name": "New"}
    assert after["data"]["opportunities"]["nodes"] == [{"name": "Older"}]


async def test_a_conversions_and_a_links_opportunity_edge_page_the_leads_opportunities(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, topic="Deal")
    existing = await make_opportunity(owner, name="Existing")

    async with client_as(anonymous_client, owner) as owner_client:
        converted = (await graphql(owner_client, CONVERT, {"input": {"leadId": gid(lead)}}))["data"]["convertLead"]
        linked = (await graphql(owner_client, LINK, {"input": {"leadId": gid(lead), "opportunityId": gid(existing)}}))[
            "data"
        ]["linkOpportunity"]
        after_link = await graphql(
            owner_client, LEAD_OPPORTUNITIES_AFTER, {"id": gid(lead), "after": linked["opportunityEdge"]["cursor"]}
        )
        after_conversion = await graphql(
            owner_client, LEAD_OPPORTUNITIES_AFTER, {"id": gid(lead), "after": converted["opportunityEdge"]["cursor"]}
        )

    assert converted["userErrors"] == [] and linked["userErrors"] == []
    assert converted["opportunityEdge"]["node"] == {"id": converted["opportunity"]["id"], "name": "Deal"}
    assert linked["opportunityEdge"]["node"] == {"name": "Existing"}
    assert after_link["data"]["lead"]["opportunities"]["nodes"] == [{"name": "Deal"}]
    assert after_conversion["data"]["lead"]["opportunities"]["nodes"] == []


async def test_a_logged_activitys_edge_pages_the_records_activities(anonymous_client):
    owner = await make_user()
    participant = await make_user(company=owner.company)
    lead = await make_lead(owner)
    await add_member(lead, participant, MemberRole.PARTICIPANT)
    await make_activity(lead, owner, subject="Earlier call", created_at=datetime(2020, 1, 1, tzinfo=UTC))

    async with client_as(anonymous_client, participant) as participant_client:
        logged = (
            await graphql(
                participant_client, LOG_ACTIVITY, {"input": {"leadId": gid(lead), "kind": "CALL", "subject": "Today"}}
            )
        )["data"]["logActivity"]
        after = await graphql(
            participant_client, LEAD_ACTIVITIES_AFTER, {"id": gid(lead), "after": logged["activityEdge"]["cursor"]}
        )

    assert logged["activityEdge"]["node"] == {"subject": "Today"}
    assert after["data"]["lead"]["activities"]["nodes"] == [{"subject": "Earlier call"}]


async def test_created_accounts_contacts_catalog_entries_and_templates_have_edges_in_their_lists(anonymous_client):
    admin = await make_user(is_admin=True)
    for name in ("Alpha", "Charlie"):
        await make_account(admin.company, name=name)
        await make_contact(admin.company, last_name=name)
        await make_sales_plan(admin.company, name=name)

    async with client_as(anonymous_client, admin) as admin_client:
        account = (await graphql(admin_client, CREATE_ACCOUNT, {"name": "bravo"}))["data"]["createAccount"][
            "accountEdge"
        ]
        contact = (await graphql(admin_client, CREATE_CONTACT, {"lastName": "Bravo"}))["data"]["createContact"][
            "contactEdge"
        ]
        plan = (await graphql(admin_client, CREATE_SALES_PLAN, {"name": "Bravo"}))["data"]["createSalesPlan"][
            "salesPlanEdge"
        ]
        await graphql(admin_client, CREATE_TEMPLATE, {"name": "Zulu"})
        template = (await graphql(admin_client, CREATE_TEMPLATE, {"name": "Kilo"}))["data"][
            "createOpportunityTemplate"
        ]["templateEdge"]
        accounts = await graphql(admin_client, ACCOUNTS_AFTER, {"after": account["cursor"]})
        contacts = await graphql(admin_client, CONTACTS_AFTER, {"after": contact["cursor"]})
        plans = await graphql(
            admin_client, SALES_PLANS_AFTER, {"after": plan["cursor"], "companyId": gid(admin.company)}
        )
        templates = await graphql(admin_client, TEMPLATES_AFTER, {"after": template["cursor"]})

    assert (account["node"], accounts["data"]["accounts"]["nodes"]) == ({"name": "bravo"}, [{"name": "Charlie"}])
    assert (contact["node"], contacts["data"]["contacts"]["nodes"]) == (
        {"lastName": "Bravo"},
        [{"lastName": "Charlie"}],
    )
    assert (plan["node"], plans["data"]["salesPlans"]["nodes"]) == ({"name": "Bravo"}, [{"name": "Charlie"}])
    assert (template["node"], templates["data"]["opportunityTemplates"]["nodes"]) == (
        {"name": "Kilo"},
        [{"name": "Zulu"}],
    )

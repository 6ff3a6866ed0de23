from datetime import UTC, datetime, timedelta

import pytest

from models import (
    Activity,
    Lead,
    LeadCompanySection,
    LeadMember,
    LeadStatus,
    MemberRole,
    Opportunity,
    OpportunityCompanySection,
    OpportunityMember,
)
from tests.factories import (
    add_member,
    client_as,
    gid,
    graphql,
    make_company,
    make_lead,
    make_opportunity,
    make_sales_plan,
    make_user,
)

LOG_ACTIVITY = """
mutation ($input: LogActivityInput!) { logActivity(input: $input) { userErrors { code message field } } }
"""

SET_COMPANY_SECTION = """
mutation ($input: SetCompanySectionInput!) { setCompanySection(input: $input) { userErrors { code message field } } }
"""

LINK_CATALOG = """
mutation ($input: LinkCatalogInput!) { linkCatalog(input: $input) { userErrors { code message field } } }
"""

UNLINK_CATALOG = """
mutation ($input: UnlinkCatalogInput!) { unlinkCatalog(input: $input) { userErrors { code message field } } }
"""

ADD_LEAD_MEMBER = """
mutation ($input: AddLeadMemberInput!) { addLeadMember(input: $input) { userErrors { code message field } } }
"""

UPDATE_LEAD_MEMBER = """
mutation ($input: UpdateLeadMemberInput!) { updateLeadMember(input: $input) { userErrors { code message field } } }
"""

REMOVE_LEAD_MEMBER = """
mutation ($input: RemoveLeadMemberInput!) { removeLeadMember(input: $input) { userErrors { code message field } } }
"""

ADD_OPPORTUNITY_MEMBER = """
mutation ($input: AddOpportunityMemberInput!) { addOpportunityMember(input: $input) { userErrors { code message field } } }
"""

UPDATE_OPPORTUNITY_MEMBER = """
mutation ($input: UpdateOpportunityMemberInput!) {
  updateOpportunityMember(input: $input) { userErrors { code message field } }
}
"""

REMOVE_OPPORTUNITY_MEMBER = """
mutation ($input: RemoveOpportunityMemberInput!) {
  removeOpportunityMember(input: $input) { userErrors { code message field } }
}
"""

LEAD_PERMISSIONS = """
query ($id: ID!) {
  lead(id: $id) { viewerRole viewerCan { update convert manageMembers logActivity respond } }
}
"""

OPPORTUNITY_PERMISSIONS = """
query ($id: ID!) {
  opportunity(id: $id) { viewerRole viewerCan { update convert manageMembers logActivity respond } }
}
"""

MUTATION_NAMES = {
    LOG_ACTIVITY: "logActivity",
    SET_COMPANY_SECTION: "setCompanySection",
    LINK_CATALOG: "linkCatalog",
    UNLINK_CATALOG: "unlinkCatalog",
    ADD_LEAD_MEMBER: "addLeadMember",
    UPDATE_LEAD_MEMBER: "updateLeadMember",
    REMOVE_LEAD_MEMBER: "removeLeadMember",
    ADD_OPPORTUNITY_MEMBER: "addOpportunityMember",
    UPDATE_OPPORTUNITY_MEMBER: "updateOpportunityMember",
    REMOVE_OPPORTUNITY_MEMBER: "removeOpportunityMember",
}

ALLOWED = {
    "VIEWER": set(),
    "PARTICIPANT": {"logActivity"},
    "COLLABORATOR": {"logActivity", "setCompanySection", "linkCatalog"},
    "OWNER": {"logActivity", "setCompanySection", "linkCatalog", "addMember"},
}


async def collaboration_state() -> dict:
    """Everything the collaboration mutations write, to prove a refusal wrote nothing."""
    return {
        "lead_members": sorted(await LeadMember.all().values_list("lead_id", "user_id", "role")),
        "opportunity_members": sorted(await OpportunityMember.all().values_list("opportunity_id", "user_id", "role")),
        "lead_sections": sorted(await LeadCompanySection.all().values_list("lead_id", "company_id", "industry")),
        "opportunity_sections": sorted(
            await OpportunityCompanySection.all().values_list("opportunity_id", "company_id", "industry")
        ),
        "activities": await Activity.all().count(),
        "lead_links": sorted(await Lead.filter(sales_plans__id__not_isnull=True).values_list("id", "sales_plans__id")),
        "opportunity_links": sorted(
            await Opportunity.filter(sales_plans__id__not_isnull=True).values_list("id", "sales_plans__id")
        ),
    }


def action_inputs(record_field: str, record, plan, newcomer) -> dict[str, tuple[str, dict]]:
    """Each action of the role table as (document, input) on the record."""
    record_id = {record_field: gid(record)}
    add_member = ADD_LEAD_MEMBER if record_field == "leadId" else ADD_OPPORTUNITY_MEMBER
    return {
        "logActivity": (LOG_ACTIVITY, {**record_id, "kind": "CALL", "subject": "Call"}),
        "setCompanySection": (SET_COMPANY_SECTION, {**record_id, "industry": "Retail"}),
        "linkCatalog": (LINK_CATALOG, {**record_id, "salesPlanIds": [gid(plan)]}),
        "addMember": (add_member, {**record_id, "userId": gid(newcomer), "role": "VIEWER"}),
    }


@pytest.mark.parametrize("role", ["VIEWER", "PARTICIPANT", "COLLABORATOR", "OWNER"])
@pytest.mark.parametrize("action", ["logActivity", "setCompanySection", "linkCatalog", "addMember"])
@pytest.mark.parametrize("record_kind", ["lead", "opportunity"])
async def test_each_role_may_do_exactly_what_the_role_table_allows(anonymous_client, role, action, record_kind):
    company = await make_company()
    owner = await make_user(company=company)
    acting = await make_user(company=company)
    newcomer = await make_user(company=company)
    record = await (make_lead(owner) if record_kind == "lead" else make_opportunity(owner))
    await add_member(record, acting, MemberRole(role))
    plan = await make_sales_plan(company)
    record_field = f"{record_kind}Id"
    document, input = action_inputs(record_field, record, plan, newcomer)[action]
    before = await collaboration_state()

    async with client_as(anonymous_client, acting) as member_client:
        body = await graphql(member_client, document, {"input": input})

    errors = body["data"][MUTATION_NAMES[document]]["userErrors"]
    if action in ALLOWED[role]:
        assert errors == []
        assert await collaboration_state() != before
    else:
        assert errors == [
            {
                "code": "FORBIDDEN",
                "message": f"Your role on this {record_kind} ({role}) does not allow this",
                "field": [record_field],
            }
        ]
        assert await collaboration_state() == before


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("VIEWER", {"update": False, "convert": False, "manageMembers": False, "logActivity": False, "respond": False}),
        (
            "PARTICIPANT",
            {"update": False, "convert": False, "manageMembers": False, "logActivity": True, "respond": False},
        ),
        (
            "COLLABORATOR",
            {"update": True, "convert": True, "manageMembers": False, "logActivity": True, "respond": False},
        ),
        ("OWNER", {"update": True, "convert": True, "manageMembers": True, "logActivity": True, "respond": False}),
    ],
)
async def test_viewer_can_follows_the_role_on_a_lead(anonymous_client, role, expected):
    company = await make_company()
    owner = await make_user(company=company)
    member_user = await make_user(company=company)
    lead = await make_lead(owner)
    await add_member(lead, member_user, MemberRole(role))

    async with client_as(anonymous_client, member_user) as member_client:
        body = await graphql(member_client, LEAD_PERMISSIONS, {"id": gid(lead)})

    assert body == {"data": {"lead": {"viewerRole": role, "viewerCan": expected}}}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("VIEWER", {"update": False, "convert": False, "manageMembers": False, "logActivity": False, "respond": False}),
        (
            "PARTICIPANT",
            {"update": False, "convert": False, "manageMembers": False, "logActivity": True, "respond": False},
        ),
        (
            "COLLABORATOR",
            {"update": True, "convert": False, "manageMembers": False, "logActivity": True, "respond": False},
        ),
        ("OWNER", {"update": True, "convert": False, "manageMembers": True, "logActivity": True, "respond": False}),
    ],
)
async def test_viewer_can_follows_the_role_on_an_opportunity(anonymous_client, role, expected):
    company = await make_company()
    owner = await make_user(company=company)
    member_user = await make_user(company=company)
    opportunity = await make_opportunity(owner)
    await add_member(opportunity, member_user, MemberRole(role))

    async with client_as(anonymous_client, member_user) as member_client:
        body = await graphql(member_client, OPPORTUNITY_PERMISSIONS, {"id": gid(opportunity)})

    assert body == {"data": {"opportunity": {"viewerRole": role, "viewerCan": expected}}}


async def test_only_a_collaborator_of_the_receiving_company_may_respond_to_a_pending_lead(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    partner_collaborator = await make_user(company=partner)
    partner_viewer = await make_user(company=partner)
    lead = await make_lead(owner, partner=partner, acceptance_deadline=datetime.now(UTC) + timedelta(days=3))
    await add_member(lead, partner_collaborator, MemberRole.COLLABORATOR)
    await add_member(lead, partner_viewer, MemberRole.VIEWER)

    responds = {}
    for name, user in (("owner", owner), ("collaborator", partner_collaborator), ("viewer", partner_viewer)):
        async with client_as(anonymous_client, user) as client:
            body = await graphql(client, LEAD_PERMISSIONS, {"id": gid(lead)})
        responds[name] = body["data"]["lead"]["viewerCan"]["respond"]

    assert responds == {"owner": False, "collaborator": True, "viewer": False}


async def test_nobody_may_respond_to_an_expired_lead(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    partner_collaborator = await make_user(company=partner)
    lead = await make_lead(owner, partner=partner, acceptance_deadline=datetime.now(UTC) - timedelta(minutes=1))
    await add_member(lead, partner_collaborator, MemberRole.COLLABORATOR)

    async with client_as(anonymous_client, partner_collaborator) as collaborator_client:
        body = await graphql(collaborator_client, LEAD_PERMISSIONS, {"id": gid(lead)})

    assert body["data"]["lead"]["viewerCan"]["respond"] is False


async def test_a_converted_lead_takes_only_activities_and_field_edits_by_those_allowed(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    editor = await make_user(company=company, can_edit_converted_leads=True)
    lead = await make_lead(owner, is_converted=True, status=LeadStatus.CLOSED_CONVERTED)
    await add_member(lead, editor, MemberRole.OWNER)

    async with client_as(anonymous_client, owner) as owner_client:
        as_owner = await graphql(owner_client, LEAD_PERMISSIONS, {"id": gid(lead)})
    async with client_as(anonymous_client, editor) as editor_client:
        as_editor = await graphql(editor_client, LEAD_PERMISSIONS, {"id": gid(lead)})

    assert as_owner["data"]["lead"]["viewerCan"] == {
        "update": False,
        "convert": True,
        "manageMembers": False,
        "logActivity": True,
        "respond": False,
    }
    assert as_editor["data"]["lead"]["viewerCan"] == {
        "update": True,
        "convert": True,
        "manageMembers": False,
        "logActivity": True,
        "respond": False,
    }


def invisible_lead_mutations(lead, plan, outsider) -> list[tuple[str, dict]]:
    lead_id = gid(lead)
    return [
        (ADD_LEAD_MEMBER, {"leadId": lead_id, "userId": gid(outsider), "role": "OWNER"}),
        (UPDATE_LEAD_MEMBER, {"leadId": lead_id, "userId": gid(outsider), "role": "OWNER"}),
        (REMOVE_LEAD_MEMBER, {"leadId": lead_id, "userId": gid(outsider)}),
        (SET_COMPANY_SECTION, {"leadId": lead_id, "industry": "Retail"}),
        (LOG_ACTIVITY, {"leadId": lead_id, "kind": "CALL", "subject": "Call"}),
        (LINK_CATALOG, {"leadId": lead_id, "salesPlanIds": [gid(plan)]}),
        (UNLINK_CATALOG, {"leadId": lead_id, "salesPlanIds": [gid(plan)]}),
    ]


def invisible_opportunity_mutations(opportunity, plan, outsider) -> list[tuple[str, dict]]:
    opportunity_id = gid(opportunity)
    return [
        (ADD_OPPORTUNITY_MEMBER, {"opportunityId": opportunity_id, "userId": gid(outsider), "role": "OWNER"}),
        (UPDATE_OPPORTUNITY_MEMBER, {"opportunityId": opportunity_id, "userId": gid(outsider), "role": "OWNER"}),
        (REMOVE_OPPORTUNITY_MEMBER, {"opportunityId": opportunity_id, "userId": gid(outsider)}),
        (SET_COMPANY_SECTION, {"opportunityId": opportunity_id, "industry": "Retail"}),
        (LOG_ACTIVITY, {"opportunityId": opportunity_id, "kind": "CALL", "subject": "Call"}),
        (LINK_CATALOG, {"opportunityId": opportunity_id, "salesPlanIds": [gid(plan)]}),
        (UNLINK_CATALOG, {"opportunityId": opportunity_id, "salesPlanIds": [gid(plan)]}),
    ]


async def test_every_mutation_on_an_invisible_record_is_not_found_and_writes_nothing(anonymous_client):
    owner = await make_user()
    outsider = await make_user(is_admin=True)
    lead = await make_lead(owner)
    opportunity = await make_opportunity(owner)
    plan = await make_sales_plan(owner.company)
    await lead.sales_plans.add(plan)
    await opportunity.sales_plans.add(plan)
    before = await collaboration_state()

    results = []
    async with client_as(anonymous_client, outsider) as outsider_client:
        for document, input in invisible_lead_mutations(lead, plan, outsider):
            body = await graphql(outsider_client, document, {"input": input})
            results.append(body["data"][MUTATION_NAMES[document]]["userErrors"])
        for document, input in invisible_opportunity_mutations(opportunity, plan, outsider):
            body = await graphql(outsider_client, document, {"input": input})
            results.append(body["data"][MUTATION_NAMES[document]]["userErrors"])

    lead_not_found = [{"code": "NOT_FOUND", "message": f"No Lead with ID '{gid(lead)}'", "field": ["leadId"]}]
    opportunity_not_found = [
        {"code": "NOT_FOUND", "message": f"No Opportunity with ID '{gid(opportunity)}'", "field": ["opportunityId"]}
    ]
    assert results == [lead_not_found] * 7 + [opportunity_not_found] * 7
    assert await collaboration_state() == before

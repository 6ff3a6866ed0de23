from models import LeadCompanySection, LeadMember, LeadStatus, MemberRole, OpportunityMember
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
    make_policy,
    make_sales_plan,
    make_user,
)

LEAD_MEMBERS = """
query ($id: ID!) {
  lead(id: $id) { viewerRole members { user { email } role source } }
}
"""

OPPORTUNITY_MEMBERS = """
query ($id: ID!) {
  opportunity(id: $id) { viewerRole members { user { email } role source } }
}
"""

ADD_LEAD_MEMBER = """
mutation ($input: AddLeadMemberInput!) {
  addLeadMember(input: $input) {
    lead { members { user { email } role source } }
    userErrors { code message field }
  }
}
"""

UPDATE_LEAD_MEMBER = """
mutation ($input: UpdateLeadMemberInput!) {
  updateLeadMember(input: $input) {
    lead { viewerRole members { user { email } role source } }
    userErrors { code message field }
  }
}
"""

REMOVE_LEAD_MEMBER = """
mutation ($input: RemoveLeadMemberInput!) {
  removeLeadMember(input: $input) {
    lead { members { user { email } role source } }
    userErrors { code message field }
  }
}
"""

ADD_OPPORTUNITY_MEMBER = """
mutation ($input: AddOpportunityMemberInput!) {
  addOpportunityMember(input: $input) {
    opportunity { members { user { email } role source } }
    userErrors { code message field }
  }
}
"""

UPDATE_OPPORTUNITY_MEMBER = """
mutation ($input: UpdateOpportunityMemberInput!) {
  updateOpportunityMember(input: $input) {
    opportunity { members { user { email } role source } }
    userErrors { code message field }
  }
}
"""

REMOVE_OPPORTUNITY_MEMBER = """
mutation ($input: RemoveOpportunityMemberInput!) {
  removeOpportunityMember(input: $input) {
    opportunity { members { user { email } role source } }
    userErrors { code message field }
  }
}
"""

RESPOND = """
mutation ($input: RespondToLeadInput!) {
  respondToLead(input: $input) { userErrors { code message field } }
}
"""

LEADS_WITH_COLLABORATION = """
query ($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Lead {
      viewerRole
      viewerCan { update convert manageMembers logActivity respond }
      members { user { email } role source }
      companySections { company { name } industry region crmAccount }
      salesPlans { name company { name } }
      solutions { name }
      partnerPrograms { name }
      activities(first: 2) { totalCount edges { node { subject owner { email } } } }
    }
  }
}
"""


def member(user, role: str, source: str) -> dict:
    return {"user": {"email": user.email}, "role": role, "source": source}


async def lead_memberships(lead) -> list[tuple[int, str]]:
    return sorted((m.user_id, MemberRole(m.role).value) for m in await LeadMember.filter(lead_id=lead.pk))


async def opportunity_memberships(opportunity) -> list[tuple[int, str]]:
    return sorted(
        (m.user_id, MemberRole(m.role).value) for m in await OpportunityMember.filter(opportunity_id=opportunity.pk)
    )


async def test_members_are_the_direct_members_and_the_admins_of_the_leads_companies(anonymous_client):
    vendor, partner, third = await make_company(), await make_company(), await make_company()
    owner = await make_user(company=vendor, name="A Owner")
    vendor_admin = await make_user(company=vendor, name="B Vendor Admin", is_admin=True)
    partner_admin = await make_user(company=partner, name="C Partner Admin", is_admin=True)
    await make_user(company=partner, name="Plain Partner User")
    await make_user(company=third, name="Unrelated Admin", is_admin=True)
    outside_viewer = await make_user(company=third, name="D Outside Viewer")
    lead = await make_lead(owner, partner=partner)
    await add_member(lead, outside_viewer, MemberRole.VIEWER)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, LEAD_MEMBERS, {"id": gid(lead)})

    assert body == {
        "data": {
            "lead": {
                "viewerRole": "OWNER",
                "members": [
                    member(owner, "OWNER", "DIRECT"),
                    member(vendor_admin, "OWNER", "ACCESS_POLICY"),
                    member(partner_admin, "OWNER", "ACCESS_POLICY"),
                    member(outside_viewer, "VIEWER", "DIRECT"),
                ],
            }
        }
    }


async def test_a_company_policy_lists_every_user_of_the_company_with_its_highest_policy_role(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor, name="A Owner")
    partner_admin = await make_user(company=partner, name="B Partner Admin", is_admin=True)
    first_partner_user = await make_user(company=partner, name="C Partner User")
    second_partner_user = await make_user(company=partner, name="D Partner User")
    await make_policy(partner, MemberRole.VIEWER)
    await make_policy(partner, MemberRole.COLLABORATOR)
    lead = await make_lead(owner, partner=partner)

    async with client_as(anonymous_client, first_partner_user) as partner_client:
        body = await graphql(partner_client, LEAD_MEMBERS, {"id": gid(lead)})

    assert body == {
        "data": {
            "lead": {
                "viewerRole": "COLLABORATOR",
                "members": [
                    member(owner, "OWNER", "DIRECT"),
                    member(partner_admin, "OWNER", "ACCESS_POLICY"),
                    member(first_partner_user, "COLLABORATOR", "ACCESS_POLICY"),
                    member(second_partner_user, "COLLABORATOR", "ACCESS_POLICY"),
                ],
            }
        }
    }


async def test_a_direct_viewer_who_is_owner_through_a_policy_is_listed_with_both_roles(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor, name="A Owner")
    partner_admin = await make_user(company=partner, name="B Partner Admin", is_admin=True)
    lead = await make_lead(owner, partner=partner)
    await add_member(lead, partner_admin, MemberRole.VIEWER)

    async with client_as(anonymous_client, partner_admin) as admin_client:
        body = await graphql(admin_client, LEAD_MEMBERS, {"id": gid(lead)})

    assert body == {
        "data": {
            "lead": {
                "viewerRole": "OWNER",
                "members": [
                    member(owner, "OWNER", "DIRECT"),
                    member(partner_admin, "OWNER", "ACCESS_POLICY"),
                    member(partner_admin, "VIEWER", "DIRECT"),
                ],
            }
        }
    }


async def test_a_company_admin_who_accepted_a_shared_lead_is_a_direct_collaborator_and_a_policy_owner(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor, name="A Owner")
    partner_admin = await make_user(company=partner, name="B Partner Admin", is_admin=True)
    lead = await make_lead(owner, partner=partner)

    async with client_as(anonymous_client, partner_admin) as admin_client:
        accepted = await graphql(admin_client, RESPOND, {"input": {"leadId": gid(lead), "decision": "ACCEPT"}})
    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, LEAD_MEMBERS, {"id": gid(lead)})
    async with client_as(anonymous_client, partner_admin) as admin_client:
        admin_view = await graphql(admin_client, LEAD_MEMBERS, {"id": gid(lead)})

    assert accepted == {"data": {"respondToLead": {"userErrors": []}}}
    expected_members = [
        member(owner, "OWNER", "DIRECT"),
        member(partner_admin, "OWNER", "ACCESS_POLICY"),
        member(partner_admin, "COLLABORATOR", "DIRECT"),
    ]
    assert body == {"data": {"lead": {"viewerRole": "OWNER", "members": expected_members}}}
    assert admin_view == {"data": {"lead": {"viewerRole": "OWNER", "members": expected_members}}}
    assert await lead_memberships(lead) == sorted([(owner.pk, "OWNER"), (partner_admin.pk, "COLLABORATOR")])


async def test_a_direct_role_and_a_policy_role_are_listed_apart_whichever_is_higher(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor, name="A Owner")
    promoted = await make_user(company=partner, name="B Promoted")
    equal = await make_user(company=partner, name="C Equal")
    await make_policy(partner, MemberRole.PARTICIPANT)
    lead = await make_lead(owner, partner=partner)
    await add_member(lead, promoted, MemberRole.COLLABORATOR)
    await add_member(lead, equal, MemberRole.PARTICIPANT)

    async with client_as(anonymous_client, equal) as equal_client:
        body = await graphql(equal_client, LEAD_MEMBERS, {"id": gid(lead)})

    assert body == {
        "data": {
            "lead": {
                "viewerRole": "PARTICIPANT",
                "members": [
                    member(owner, "OWNER", "DIRECT"),
                    member(promoted, "COLLABORATOR", "DIRECT"),
                    member(promoted, "PARTICIPANT", "ACCESS_POLICY"),
                    member(equal, "PARTICIPANT", "DIRECT"),
                    member(equal, "PARTICIPANT", "ACCESS_POLICY"),
                ],
            }
        }
    }


async def test_opportunity_members_include_policy_members_of_its_companies(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor, name="A Owner")
    partner_user = await make_user(company=partner, name="B Partner User")
    await make_policy(partner, MemberRole.VIEWER)
    opportunity = await make_opportunity(owner, partner=partner)

    async with client_as(anonymous_client, partner_user) as partner_client:
        body = await graphql(partner_client, OPPORTUNITY_MEMBERS, {"id": gid(opportunity)})

    assert body == {
        "data": {
            "opportunity": {
                "viewerRole": "VIEWER",
                "members": [member(owner, "OWNER", "DIRECT"), member(partner_user, "VIEWER", "ACCESS_POLICY")],
            }
        }
    }


async def test_the_owner_adds_a_member(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company, name="A Owner")
    colleague = await make_user(company=company, name="B Colleague")
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client,
            ADD_LEAD_MEMBER,
            {"input": {"leadId": gid(lead), "userId": gid(colleague), "role": "PARTICIPANT"}},
        )

    assert body == {
        "data": {
            "addLeadMember": {
                "lead": {"members": [member(owner, "OWNER", "DIRECT"), member(colleague, "PARTICIPANT", "DIRECT")]},
                "userErrors": [],
            }
        }
    }
    assert await lead_memberships(lead) == sorted([(owner.pk, "OWNER"), (colleague.pk, "PARTICIPANT")])


async def test_adding_an_existing_member_is_a_conflict(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    colleague = await make_user(company=company)
    lead = await make_lead(owner)
    await add_member(lead, colleague, MemberRole.VIEWER)
    before = await lead_memberships(lead)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, ADD_LEAD_MEMBER, {"input": {"leadId": gid(lead), "userId": gid(colleague), "role": "OWNER"}}
        )

    assert body == {
        "data": {
            "addLeadMember": {
                "lead": None,
                "userErrors": [
                    {
                        "code": "CONFLICT",
                        "message": f"{colleague.email} is already a member; change their role instead",
                        "field": ["userId"],
                    }
                ],
            }
        }
    }
    assert await lead_memberships(lead) == before


async def test_adding_a_user_the_owner_cannot_see_is_not_found(anonymous_client):
    owner = await make_user()
    stranger = await make_user()
    lead = await make_lead(owner)
    before = await lead_memberships(lead)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, ADD_LEAD_MEMBER, {"input": {"leadId": gid(lead), "userId": gid(stranger), "role": "VIEWER"}}
        )

    assert body["data"]["addLeadMember"] == {
        "lead": None,
        "userErrors": [{"code": "NOT_FOUND", "message": f"No User with ID '{gid(stranger)}'", "field": ["userId"]}],
    }
    assert await lead_memberships(lead) == before


async def test_a_user_id_of_another_type_is_not_found(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    before = await lead_memberships(lead)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, ADD_LEAD_MEMBER, {"input": {"leadId": gid(lead), "userId": gid(lead), "role": "VIEWER"}}
        )

    assert body["data"]["addLeadMember"] == {
        "lead": None,
        "userErrors": [{"code": "NOT_FOUND", "message": f"No User with ID '{gid(lead)}'", "field": ["userId"]}],
    }
    assert await lead_memberships(lead) == before


async def test_an_unknown_role_is_a_graphql_validation_error(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    colleague = await make_user(company=company)
    lead = await make_lead(owner)
    before = await lead_memberships(lead)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, ADD_LEAD_MEMBER, {"input": {"leadId": gid(lead), "userId": gid(colleague), "role": "BOSS"}}
        )

    assert "data" not in body
    assert [error["message"] for error in body["errors"]] == [
        "Variable '$input' has invalid value at .role: Value 'BOSS' does not exist in 'MemberRole' enum."
    ]
    assert await lead_memberships(lead) == before


async def test_the_owner_changes_a_members_role(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company, name="A Owner")
    colleague = await make_user(company=company, name="B Colleague")
    lead = await make_lead(owner)
    await add_member(lead, colleague, MemberRole.VIEWER)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client,
            UPDATE_LEAD_MEMBER,
            {"input": {"leadId": gid(lead), "userId": gid(colleague), "role": "COLLABORATOR"}},
        )

    assert body["data"]["updateLeadMember"] == {
        "lead": {
            "viewerRole": "OWNER",
            "members": [member(owner, "OWNER", "DIRECT"), member(colleague, "COLLABORATOR", "DIRECT")],
        },
        "userErrors": [],
    }
    assert await lead_memberships(lead) == sorted([(owner.pk, "OWNER"), (colleague.pk, "COLLABORATOR")])


async def test_updating_or_removing_a_non_member_is_not_found(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    colleague = await make_user(company=company)
    lead = await make_lead(owner)
    before = await lead_memberships(lead)
    expected = [{"code": "NOT_FOUND", "message": f"{colleague.email} is not a direct member", "field": ["userId"]}]

    async with client_as(anonymous_client, owner) as owner_client:
        updated = await graphql(
            owner_client,
            UPDATE_LEAD_MEMBER,
            {"input": {"leadId": gid(lead), "userId": gid(colleague), "role": "VIEWER"}},
        )
        removed = await graphql(
            owner_client, REMOVE_LEAD_MEMBER, {"input": {"leadId": gid(lead), "userId": gid(colleague)}}
        )

    assert updated["data"]["updateLeadMember"] == {"lead": None, "userErrors": expected}
    assert removed["data"]["removeLeadMember"] == {"lead": None, "userErrors": expected}
    assert await lead_memberships(lead) == before


async def test_the_owner_removes_a_member(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company, name="A Owner")
    colleague = await make_user(company=company, name="B Colleague")
    lead = await make_lead(owner)
    await add_member(lead, colleague, MemberRole.COLLABORATOR)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, REMOVE_LEAD_MEMBER, {"input": {"leadId": gid(lead), "userId": gid(colleague)}}
        )

    assert body["data"]["removeLeadMember"] == {
        "lead": {"members": [member(owner, "OWNER", "DIRECT")]},
        "userErrors": [],
    }
    assert await lead_memberships(lead) == [(owner.pk, "OWNER")]


async def test_the_last_direct_owner_cannot_be_demoted(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client,
            UPDATE_LEAD_MEMBER,
            {"input": {"leadId": gid(lead), "userId": gid(owner), "role": "COLLABORATOR"}},
        )

    assert body["data"]["updateLeadMember"] == {
        "lead": None,
        "userErrors": [
            {"code": "LAST_OWNER", "message": "A record keeps at least one direct OWNER", "field": ["role"]}
        ],
    }
    assert await lead_memberships(lead) == [(owner.pk, "OWNER")]


async def test_the_last_direct_owner_cannot_be_removed(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, REMOVE_LEAD_MEMBER, {"input": {"leadId": gid(lead), "userId": gid(owner)}})

    assert body["data"]["removeLeadMember"] == {
        "lead": None,
        "userErrors": [
            {"code": "LAST_OWNER", "message": "A record keeps at least one direct OWNER", "field": ["userId"]}
        ],
    }
    assert await lead_memberships(lead) == [(owner.pk, "OWNER")]


async def test_a_policy_owner_does_not_count_as_the_records_direct_owner(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    admin = await make_user(company=company, is_admin=True)
    lead = await make_lead(owner)

    async with client_as(anonymous_client, admin) as admin_client:
        body = await graphql(admin_client, REMOVE_LEAD_MEMBER, {"input": {"leadId": gid(lead), "userId": gid(owner)}})

    assert body["data"]["removeLeadMember"]["userErrors"] == [
        {"code": "LAST_OWNER", "message": "A record keeps at least one direct OWNER", "field": ["userId"]}
    ]
    assert await lead_memberships(lead) == [(owner.pk, "OWNER")]


async def test_an_owner_may_step_down_when_another_direct_owner_remains(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company, name="A Owner")
    co_owner = await make_user(company=company, name="B Co-owner")
    lead = await make_lead(owner)
    await add_member(lead, co_owner, MemberRole.OWNER)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, UPDATE_LEAD_MEMBER, {"input": {"leadId": gid(lead), "userId": gid(owner), "role": "VIEWER"}}
        )

    assert body["data"]["updateLeadMember"] == {
        "lead": {
            "viewerRole": "VIEWER",
            "members": [member(co_owner, "OWNER", "DIRECT"), member(owner, "VIEWER", "DIRECT")],
        },
        "userErrors": [],
    }
    assert await lead_memberships(lead) == sorted([(owner.pk, "VIEWER"), (co_owner.pk, "OWNER")])


async def test_an_owner_who_removes_themselves_no_longer_sees_the_lead(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    co_owner = await make_user(company=company)
    lead = await make_lead(owner)
    await add_member(lead, co_owner, MemberRole.OWNER)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, REMOVE_LEAD_MEMBER, {"input": {"leadId": gid(lead), "userId": gid(owner)}})

    assert body["data"]["removeLeadMember"] == {"lead": None, "userErrors": []}
    assert await lead_memberships(lead) == [(co_owner.pk, "OWNER")]


async def test_a_collaborator_may_not_manage_members(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    collaborator = await make_user(company=company)
    colleague = await make_user(company=company)
    lead = await make_lead(owner)
    await add_member(lead, collaborator, MemberRole.COLLABORATOR)
    before = await lead_memberships(lead)

    async with client_as(anonymous_client, collaborator) as collaborator_client:
        body = await graphql(
            collaborator_client,
            ADD_LEAD_MEMBER,
            {"input": {"leadId": gid(lead), "userId": gid(colleague), "role": "VIEWER"}},
        )

    assert body["data"]["addLeadMember"] == {
        "lead": None,
        "userErrors": [
            {
                "code": "FORBIDDEN",
                "message": "Your role on this lead (COLLABORATOR) does not allow this",
                "field": ["leadId"],
            }
        ],
    }
    assert await lead_memberships(lead) == before


async def test_members_of_a_converted_lead_are_read_only(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company, can_edit_converted_leads=True)
    colleague = await make_user(company=company)
    lead = await make_lead(owner, is_converted=True, status=LeadStatus.CLOSED_CONVERTED)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, ADD_LEAD_MEMBER, {"input": {"leadId": gid(lead), "userId": gid(colleague), "role": "VIEWER"}}
        )

    assert body["data"]["addLeadMember"] == {
        "lead": None,
        "userErrors": [
            {
                "code": "LEAD_CONVERTED",
                "message": "This lead is converted and can no longer be changed",
                "field": ["leadId"],
            }
        ],
    }
    assert await lead_memberships(lead) == [(owner.pk, "OWNER")]


async def test_opportunity_members_are_added_changed_and_removed_by_the_owner(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company, name="A Owner")
    colleague = await make_user(company=company, name="B Colleague")
    opportunity = await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        added = await graphql(
            owner_client,
            ADD_OPPORTUNITY_MEMBER,
            {"input": {"opportunityId": gid(opportunity), "userId": gid(colleague), "role": "PARTICIPANT"}},
        )
        updated = await graphql(
            owner_client,
            UPDATE_OPPORTUNITY_MEMBER,
            {"input": {"opportunityId": gid(opportunity), "userId": gid(colleague), "role": "OWNER"}},
        )
        after_update = await opportunity_memberships(opportunity)
        removed = await graphql(
            owner_client,
            REMOVE_OPPORTUNITY_MEMBER,
            {"input": {"opportunityId": gid(opportunity), "userId": gid(owner)}},
        )

    assert added["data"]["addOpportunityMember"] == {
        "opportunity": {"members": [member(owner, "OWNER", "DIRECT"), member(colleague, "PARTICIPANT", "DIRECT")]},
        "userErrors": [],
    }
    assert updated["data"]["updateOpportunityMember"] == {
        "opportunity": {"members": [member(owner, "OWNER", "DIRECT"), member(colleague, "OWNER", "DIRECT")]},
        "userErrors": [],
    }
    assert after_update == sorted([(owner.pk, "OWNER"), (colleague.pk, "OWNER")])
    assert removed["data"]["removeOpportunityMember"] == {"opportunity": None, "userErrors": []}
    assert await opportunity_memberships(opportunity) == [(colleague.pk, "OWNER")]


async def test_the_last_direct_owner_of_an_opportunity_stays(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        demoted = await graphql(
            owner_client,
            UPDATE_OPPORTUNITY_MEMBER,
            {"input": {"opportunityId": gid(opportunity), "userId": gid(owner), "role": "PARTICIPANT"}},
        )
        removed = await graphql(
            owner_client,
            REMOVE_OPPORTUNITY_MEMBER,
            {"input": {"opportunityId": gid(opportunity), "userId": gid(owner)}},
        )

    assert demoted["data"]["updateOpportunityMember"] == {
        "opportunity": None,
        "userErrors": [
            {"code": "LAST_OWNER", "message": "A record keeps at least one direct OWNER", "field": ["role"]}
        ],
    }
    assert removed["data"]["removeOpportunityMember"] == {
        "opportunity": None,
        "userErrors": [
            {"code": "LAST_OWNER", "message": "A record keeps at least one direct OWNER", "field": ["userId"]}
        ],
    }
    assert await opportunity_memberships(opportunity) == [(owner.pk, "OWNER")]


async def test_a_participant_may_not_manage_opportunity_members(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    participant = await make_user(company=company)
    opportunity = await make_opportunity(owner)
    await add_member(opportunity, participant, MemberRole.PARTICIPANT)
    before = await opportunity_memberships(opportunity)

    async with client_as(anonymous_client, participant) as participant_client:
        body = await graphql(
            participant_client,
            REMOVE_OPPORTUNITY_MEMBER,
            {"input": {"opportunityId": gid(opportunity), "userId": gid(participant)}},
        )

    assert body["data"]["removeOpportunityMember"] == {
        "opportunity": None,
        "userErrors": [
            {
                "code": "FORBIDDEN",
                "message": "Your role on this opportunity (PARTICIPANT) does not allow this",
                "field": ["opportunityId"],
            }
        ],
    }
    assert await opportunity_memberships(opportunity) == before


async def _portal_leads(count: int, vendor, partner, owner, partner_user) -> list:
    leads = []
    for _ in range(count):
        lead = await make_lead(owner, partner=partner)
        await add_member(lead, partner_user, MemberRole.COLLABORATOR)
        await LeadCompanySection.create(lead=lead, company=partner, industry="Retail", crm_account="P-1")
        await lead.sales_plans.add(await make_sales_plan(vendor))
        await make_activity(lead, owner)
        await make_activity(lead, partner_user)
        await make_activity(lead, owner)
        leads.append(lead)
    return leads


async def test_collaboration_fields_of_many_leads_take_a_constant_number_of_statements(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    await make_user(company=vendor, is_admin=True)
    partner_user = await make_user(company=partner)
    await make_policy(partner, MemberRole.VIEWER)
    few = await _portal_leads(2, vendor, partner, owner, partner_user)
    many = await _portal_leads(12, vendor, partner, owner, partner_user)

    async with client_as(anonymous_client, partner_user) as partner_client:
        with StatementCounter() as few_statements:
            few_body = await graphql(partner_client, LEADS_WITH_COLLABORATION, {"ids": [gid(lead) for lead in few]})
        with StatementCounter() as many_statements:
            many_body = await graphql(partner_client, LEADS_WITH_COLLABORATION, {"ids": [gid(lead) for lead in many]})

    assert "errors" not in few_body and "errors" not in many_body
    assert len(many_body["data"]["nodes"]) == 12
    first = many_body["data"]["nodes"][0]
    assert first["viewerRole"] == "COLLABORATOR"
    assert first["companySections"] == [
        {"company": {"name": partner.name}, "industry": "Retail", "region": None, "crmAccount": "P-1"}
    ]
    assert first["activities"]["totalCount"] == 3
    assert len(first["activities"]["edges"]) == 2
    assert sorted((m["role"], m["source"]) for m in first["members"]) == [
        ("COLLABORATOR", "DIRECT"),
        ("OWNER", "ACCESS_POLICY"),
        ("OWNER", "DIRECT"),
        ("VIEWER", "ACCESS_POLICY"),
    ]
    assert many_statements.count == few_statements.count, "\n".join(many_statements.statements)

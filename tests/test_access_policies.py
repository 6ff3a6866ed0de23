from models import AccessPolicy, MemberRole
from tests.factories import client_as, gid, graphql, make_company, make_lead, make_policy, make_user

CREATE_ACCESS_POLICY = """
mutation ($input: CreateAccessPolicyInput!) {
  createAccessPolicy(input: $input) {
    accessPolicy { id role company { name } createdBy { email } }
    userErrors { code message field }
  }
}
"""

ACCESS_POLICIES = """
query { accessPolicies { nodes { id role company { name } } } }
"""

POLICY_NODE = """
query ($id: ID!) { node(id: $id) { id ... on AccessPolicy { role } } }
"""

LEAD_ROLE = """
query ($id: ID!) { lead(id: $id) { viewerRole } }
"""


async def policies_of(company) -> list[str]:
    return sorted(MemberRole(policy.role).value for policy in await AccessPolicy.filter(company_id=company.pk))


async def test_an_admin_creates_a_policy_for_their_company(anonymous_client):
    company = await make_company()
    admin = await make_user(company=company, is_admin=True)

    async with client_as(anonymous_client, admin) as admin_client:
        body = await graphql(admin_client, CREATE_ACCESS_POLICY, {"input": {"role": "PARTICIPANT"}})

    created = await AccessPolicy.get(company_id=company.pk)
    assert body == {
        "data": {
            "createAccessPolicy": {
                "accessPolicy": {
                    "id": gid(created),
                    "role": "PARTICIPANT",
                    "company": {"name": company.name},
                    "createdBy": {"email": admin.email},
                },
                "userErrors": [],
            }
        }
    }
    assert await policies_of(company) == ["PARTICIPANT"]


async def test_a_user_who_is_not_an_admin_may_not_create_a_policy(anonymous_client):
    company = await make_company()
    user = await make_user(company=company)

    async with client_as(anonymous_client, user) as user_client:
        body = await graphql(user_client, CREATE_ACCESS_POLICY, {"input": {"role": "VIEWER"}})

    assert body == {
        "data": {
            "createAccessPolicy": {
                "accessPolicy": None,
                "userErrors": [
                    {"code": "FORBIDDEN", "message": "Only company admins may create access policies", "field": None}
                ],
            }
        }
    }
    assert await policies_of(company) == []


async def test_a_second_policy_with_the_same_role_is_a_conflict(anonymous_client):
    company = await make_company()
    admin = await make_user(company=company, is_admin=True)
    await make_policy(company, MemberRole.VIEWER)

    async with client_as(anonymous_client, admin) as admin_client:
        body = await graphql(admin_client, CREATE_ACCESS_POLICY, {"input": {"role": "VIEWER"}})

    assert body["data"]["createAccessPolicy"] == {
        "accessPolicy": None,
        "userErrors": [{"code": "CONFLICT", "message": "Your company already has a VIEWER policy", "field": ["role"]}],
    }
    assert await policies_of(company) == ["VIEWER"]


async def test_an_unknown_role_is_a_graphql_validation_error(anonymous_client):
    company = await make_company()
    admin = await make_user(company=company, is_admin=True)

    async with client_as(anonymous_client, admin) as admin_client:
        body = await graphql(admin_client, CREATE_ACCESS_POLICY, {"input": {"role": "SUPERUSER"}})

    assert "data" not in body
    assert [error["message"] for error in body["errors"]] == [
        "Variable '$input' has invalid value at .role: Value 'SUPERUSER' does not exist in 'MemberRole' enum."
    ]
    assert await policies_of(company) == []


async def test_a_policy_makes_a_companys_leads_visible_to_all_its_users(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    partner_admin = await make_user(company=partner, is_admin=True)
    partner_user = await make_user(company=partner)
    lead = await make_lead(owner, partner=partner)

    async with client_as(anonymous_client, partner_user) as partner_client:
        before = await graphql(partner_client, LEAD_ROLE, {"id": gid(lead)})
        async with client_as(anonymous_client, partner_admin) as admin_client:
            created = await graphql(admin_client, CREATE_ACCESS_POLICY, {"input": {"role": "COLLABORATOR"}})
        after = await graphql(partner_client, LEAD_ROLE, {"id": gid(lead)})

    assert before == {"data": {"lead": None}}
    assert created["data"]["createAccessPolicy"]["userErrors"] == []
    assert after == {"data": {"lead": {"viewerRole": "COLLABORATOR"}}}


async def test_a_policy_gives_no_role_on_records_of_other_companies(anonymous_client):
    vendor, partner, other = await make_company(), await make_company(), await make_company()
    owner = await make_user(company=vendor)
    other_user = await make_user(company=other)
    await make_policy(other, MemberRole.OWNER)
    lead = await make_lead(owner, partner=partner)

    async with client_as(anonymous_client, other_user) as outsider_client:
        body = await graphql(outsider_client, LEAD_ROLE, {"id": gid(lead)})

    assert body == {"data": {"lead": None}}


async def test_users_see_only_their_own_companys_policies(anonymous_client):
    company, other = await make_company(), await make_company()
    user = await make_user(company=company)
    collaborator_policy = await make_policy(company, MemberRole.COLLABORATOR)
    viewer_policy = await make_policy(company, MemberRole.VIEWER)
    foreign_policy = await make_policy(other, MemberRole.OWNER)

    async with client_as(anonymous_client, user) as user_client:
        listed = await graphql(user_client, ACCESS_POLICIES)
        own_node = await graphql(user_client, POLICY_NODE, {"id": gid(viewer_policy)})
        foreign_node = await graphql(user_client, POLICY_NODE, {"id": gid(foreign_policy)})

    assert listed == {
        "data": {
            "accessPolicies": {
                "nodes": [
                    {"id": gid(collaborator_policy), "role": "COLLABORATOR", "company": {"name": company.name}},
                    {"id": gid(viewer_policy), "role": "VIEWER", "company": {"name": company.name}},
                ]
            }
        }
    }
    assert own_node == {"data": {"node": {"id": gid(viewer_policy), "role": "VIEWER"}}}
    assert foreign_node == {"data": {"node": None}}

"""Templates and conversion settings are their company's admins' to change: any other user is
refused with FORBIDDEN, and a template they cannot see is NOT_FOUND first."""

from models import ConversionSettings, OpportunityTemplate
from tests.factories import client_as, gid, graphql, make_company, make_user

CREATE_TEMPLATE = """
mutation ($input: CreateOpportunityTemplateInput!) {
  createOpportunityTemplate(input: $input) { template { name } userErrors { code message field } }
}
"""
UPDATE_TEMPLATE = """
mutation ($input: UpdateOpportunityTemplateInput!) {
  updateOpportunityTemplate(input: $input) { template { name } userErrors { code message field } }
}
"""
UPDATE_SETTINGS = """
mutation ($input: UpdateConversionSettingsInput!) {
  updateConversionSettings(input: $input) { settings { createAccount } userErrors { code message field } }
}
"""
ADMINS_ONLY = {
    "code": "FORBIDDEN",
    "message": "Only company admins may change templates and conversion settings",
    "field": None,
}


async def templates_of(company_id: int) -> list[str]:
    return sorted(template.name for template in await OpportunityTemplate.filter(company_id=company_id))


async def test_a_user_who_is_not_an_admin_may_not_change_templates_or_settings(anonymous_client):
    company = await make_company()
    user = await make_user(company=company)
    own = await OpportunityTemplate.create(company=company, name="Partner deal", field_mappings=[])

    async with client_as(anonymous_client, user) as user_client:
        created = await graphql(user_client, CREATE_TEMPLATE, {"input": {"name": "Mine"}})
        updated = await graphql(user_client, UPDATE_TEMPLATE, {"input": {"templateId": gid(own), "name": "Renamed"}})
        settings = await graphql(user_client, UPDATE_SETTINGS, {"input": {"createAccount": False}})

    assert created["data"]["createOpportunityTemplate"] == {"template": None, "userErrors": [ADMINS_ONLY]}
    assert updated["data"]["updateOpportunityTemplate"] == {"template": None, "userErrors": [ADMINS_ONLY]}
    assert settings["data"]["updateConversionSettings"] == {"settings": None, "userErrors": [ADMINS_ONLY]}
    assert await templates_of(company.id) == ["Partner deal"]
    assert await ConversionSettings.filter(company_id=company.id).count() == 0


async def test_another_company_s_template_is_not_found_before_the_admin_rule(anonymous_client):
    company, other = await make_company(), await make_company()
    user = await make_user(company=company)
    admin = await make_user(company=company, is_admin=True)
    foreign = await OpportunityTemplate.create(company=other, name="Theirs", field_mappings=[])
    not_found = {
        "code": "NOT_FOUND",
        "message": f"No OpportunityTemplate with ID '{gid(foreign)}'",
        "field": ["templateId"],
    }

    async with client_as(anonymous_client, user) as user_client:
        as_user = await graphql(user_client, UPDATE_TEMPLATE, {"input": {"templateId": gid(foreign), "name": "Ours"}})
    async with client_as(anonymous_client, admin) as admin_client:
        as_admin = await graphql(admin_client, UPDATE_TEMPLATE, {"input": {"templateId": gid(foreign), "name": "Ours"}})

    assert as_user["data"]["updateOpportunityTemplate"] == {"template": None, "userErrors": [not_found]}
    assert as_admin["data"]["updateOpportunityTemplate"] == {"template": None, "userErrors": [not_found]}
    assert await templates_of(other.id) == ["Theirs"]

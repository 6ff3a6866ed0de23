"""Templates and conversion settings: what an admin's change is refused for, and that a refused
change writes nothing."""

from models import OpportunityStage, OpportunityTemplate
from models.conversion_records import ConversionSettings
from tests.factories import client_as, gid, graphql, make_company, make_user

CREATE_TEMPLATE = """
mutation ($input: CreateOpportunityTemplateInput!) {
  createOpportunityTemplate(input: $input) {
    template { name copyLinks defaultStage { name } fieldMappings { leadField opportunityField } }
    userErrors { code message field }
  }
}
"""
UPDATE_TEMPLATE = """
mutation ($input: UpdateOpportunityTemplateInput!) {
  updateOpportunityTemplate(input: $input) {
    template { name copyLinks defaultStage { name } fieldMappings { leadField opportunityField } }
    userErrors { code message field }
  }
}
"""
UPDATE_SETTINGS = """
mutation ($input: UpdateConversionSettingsInput!) {
  updateConversionSettings(input: $input) {
    settings { createAccount minimumScore defaultTemplate { name } }
    userErrors { code message field }
  }
}
"""


async def templates_as_stored() -> list[tuple]:
    return list(
        await OpportunityTemplate.all()
        .order_by("id")
        .values_list("company_id", "name", "copy_links", "default_stage_id", "field_mappings")
    )


async def settings_as_stored() -> list[tuple]:
    return list(
        await ConversionSettings.all().values_list(
            "company_id", "create_account", "default_template_id", "minimum_score"
        )
    )


def refusal(code: str, message: str, field: list[str] | None, result: str = "template") -> dict:
    """A mutation payload refusing with one error."""
    return {result: None, "userErrors": [{"code": code, "message": message, "field": field}]}


async def test_a_template_name_is_unique_in_the_company_only(anonymous_client):
    company = await make_company()
    admin = await make_user(company=company, is_admin=True)
    other_admin = await make_user(is_admin=True)
    async with client_as(anonymous_client, admin) as admin_client:
        await graphql(admin_client, CREATE_TEMPLATE, {"input": {"name": "Partner deal"}})
        second = await graphql(admin_client, CREATE_TEMPLATE, {"input": {"name": "Renewal"}})
        before = await templates_as_stored()
        taken = await graphql(admin_client, CREATE_TEMPLATE, {"input": {"name": "  Partner deal "}})
        renamed = await graphql(
            admin_client,
            UPDATE_TEMPLATE,
            {"input": {"templateId": gid(await OpportunityTemplate.get(name="Renewal")), "name": "Partner deal"}},
        )
        after = await templates_as_stored()
    async with client_as(anonymous_client, other_admin) as other_client:
        elsewhere = await graphql(other_client, CREATE_TEMPLATE, {"input": {"name": "Partner deal"}})

    message = "Your company already has a template named 'Partner deal'"
    assert second["data"]["createOpportunityTemplate"]["userErrors"] == []
    assert taken["data"]["createOpportunityTemplate"] == refusal("CONFLICT", message, ["name"])
    assert renamed["data"]["updateOpportunityTemplate"] == refusal("CONFLICT", message, ["name"])
    assert after == before
    assert elsewhere["data"]["createOpportunityTemplate"]["userErrors"] == []


async def test_a_template_refuses_an_empty_name_a_null_flag_and_an_unknown_stage(anonymous_client):
    admin = await make_user(is_admin=True)
    async with client_as(anonymous_client, admin) as admin_client:
        created = await graphql(admin_client, CREATE_TEMPLATE, {"input": {"name": "Partner deal"}})
        template_id = gid(await OpportunityTemplate.get(name="Partner deal"))
        before = await templates_as_stored()
        unknown_stage = gid(OpportunityStage(id=999_999))
        empty = await graphql(admin_client, CREATE_TEMPLATE, {"input": {"name": "  "}})
        null_flag = await graphql(
            admin_client, UPDATE_TEMPLATE, {"input": {"templateId": template_id, "copyLinks": None}}
        )
        no_stage = await graphql(
            admin_client, UPDATE_TEMPLATE, {"input": {"templateId": template_id, "defaultStageId": unknown_stage}}
        )
        null_name_and_no_stage = await graphql(
            admin_client,
            UPDATE_TEMPLATE,
            {"input": {"templateId": template_id, "name": None, "defaultStageId": unknown_stage}},
        )
        no_stage_and_bad_mapping = await graphql(
            admin_client,
            UPDATE_TEMPLATE,
            {
                "input": {
                    "templateId": template_id,
                    "defaultStageId": unknown_stage,
                    "fieldMappings": [{"leadField": "customer_name", "opportunityField": "name"}],
                }
            },
        )
        after = await templates_as_stored()

    assert created["data"]["createOpportunityTemplate"]["userErrors"] == []
    assert empty["data"]["createOpportunityTemplate"] == refusal("INVALID_INPUT", "name must not be empty", ["name"])
    assert null_flag["data"]["updateOpportunityTemplate"] == refusal(
        "INVALID_INPUT", "copy_links must be true or false", ["copy_links"]
    )
    stage_missing = f"No OpportunityStage with ID '{unknown_stage}'"
    assert no_stage["data"]["updateOpportunityTemplate"] == refusal("NOT_FOUND", stage_missing, ["defaultStageId"])
    assert null_name_and_no_stage["data"]["updateOpportunityTemplate"] == refusal(
        "INVALID_INPUT", "name is required", ["name"]
    )
    assert no_stage_and_bad_mapping["data"]["updateOpportunityTemplate"] == refusal(
        "NOT_FOUND", stage_missing, ["defaultStageId"]
    )
    assert after == before


async def test_a_template_takes_a_stage_and_mappings_by_their_graphql_names(anonymous_client):
    admin = await make_user(is_admin=True)
    stage = await OpportunityStage.all().order_by("-sort_order").first()
    async with client_as(anonymous_client, admin) as admin_client:
        created = await graphql(
            admin_client,
            CREATE_TEMPLATE,
            {
                "input": {
                    "name": "Partner deal",
                    "copyLinks": False,
                    "defaultStageId": gid(stage),
                    "fieldMappings": [
                        {"leadField": "estimatedCloseDate", "opportunityField": "closeDate"},
                        {"leadField": "customerName", "opportunityField": "name"},
                    ],
                }
            },
        )
        cleared = await graphql(
            admin_client,
            UPDATE_TEMPLATE,
            {
                "input": {
                    "templateId": gid(await OpportunityTemplate.get(name="Partner deal")),
                    "defaultStageId": None,
                    "fieldMappings": None,
                }
            },
        )

    assert created["data"]["createOpportunityTemplate"] == {
        "template": {
            "name": "Partner deal",
            "copyLinks": False,
            "defaultStage": {"name": stage.name},
            "fieldMappings": [
                {"leadField": "estimatedCloseDate", "opportunityField": "closeDate"},
                {"leadField": "customerName", "opportunityField": "name"},
            ],
        },
        "userErrors": [],
    }
    assert cleared["data"]["updateOpportunityTemplate"] == {
        "template": {"name": "Partner deal", "copyLinks": False, "defaultStage": None, "fieldMappings": []},
        "userErrors": [],
    }


async def test_conversion_settings_refuse_a_null_flag_an_unknown_template_and_a_bad_score(anonymous_client):
    company = await make_company()
    admin = await make_user(company=company, is_admin=True)
    foreign_admin = await make_user(is_admin=True)
    async with client_as(anonymous_client, foreign_admin) as foreign_client:
        await graphql(foreign_client, CREATE_TEMPLATE, {"input": {"name": "Theirs"}})
    foreign_template = gid(await OpportunityTemplate.get(name="Theirs"))
    async with client_as(anonymous_client, admin) as admin_client:
        await graphql(admin_client, UPDATE_SETTINGS, {"input": {"minimumScore": 40}})
        before = await settings_as_stored()
        null_flag = await graphql(admin_client, UPDATE_SETTINGS, {"input": {"createAccount": None}})
        foreign = await graphql(
            admin_client, UPDATE_SETTINGS, {"input": {"createAccount": False, "defaultTemplateId": foreign_template}}
        )
        too_high = await graphql(admin_client, UPDATE_SETTINGS, {"input": {"minimumScore": 101}})
        after = await settings_as_stored()

    assert null_flag["data"]["updateConversionSettings"] == refusal(
        "INVALID_INPUT", "must be true or false", ["create_account"], "settings"
    )
    assert foreign["data"]["updateConversionSettings"] == refusal(
        "NOT_FOUND", f"No OpportunityTemplate with ID '{foreign_template}'", ["defaultTemplateId"], "settings"
    )
    assert too_high["data"]["updateConversionSettings"] == refusal(
        "INVALID_INPUT", "minimumScore must be between 0 and 100", ["minimumScore"], "settings"
    )
    assert after == before == [(company.pk, True, None, 40)]


async def test_the_default_template_is_the_chosen_one_until_it_is_cleared(anonymous_client):
    admin = await make_user(is_admin=True)
    async with client_as(anonymous_client, admin) as admin_client:
        await graphql(admin_client, CREATE_TEMPLATE, {"input": {"name": "Partner deal"}})
        template_id = gid(await OpportunityTemplate.get(name="Partner deal"))
        chosen = await graphql(admin_client, UPDATE_SETTINGS, {"input": {"defaultTemplateId": template_id}})
        cleared = await graphql(admin_client, UPDATE_SETTINGS, {"input": {"defaultTemplateId": None}})

    assert chosen["data"]["updateConversionSettings"] == {
        "settings": {"createAccount": True, "minimumScore": None, "defaultTemplate": {"name": "Partner deal"}},
        "userErrors": [],
    }
    assert cleared["data"]["updateConversionSettings"] == {
        "settings": {"createAccount": True, "minimumScore": None, "defaultTemplate": {"name": "Standard"}},
        "userErrors": [],
    }

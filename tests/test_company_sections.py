from models import LeadCompanySection, LeadStatus, MemberRole, OpportunityCompanySection
from tests.factories import add_member, client_as, gid, graphql, make_company, make_lead, make_opportunity, make_user

SET_COMPANY_SECTION = """
mutation ($input: SetCompanySectionInput!) {
  setCompanySection(input: $input) {
    companySection { company { name } industry region crmAccount }
    lead { id }
    opportunity { id }
    userErrors { code message field }
  }
}
"""

LEAD_SECTIONS = """
query ($id: ID!) {
  lead(id: $id) { companySections { company { name } industry region crmAccount } }
}
"""

OPPORTUNITY_SECTIONS = """
query ($id: ID!) {
  opportunity(id: $id) { companySections { company { name } industry region crmAccount } }
}
"""


async def lead_sections(lead) -> list[tuple[int, str | None, str | None, str | None]]:
    return sorted(
        (section.company_id, section.industry, section.region, section.crm_account)
        for section in await LeadCompanySection.filter(lead_id=lead.pk)
    )


async def test_a_collaborator_sets_their_companys_section(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    partner_user = await make_user(company=partner)
    lead = await make_lead(owner, partner=partner)
    await add_member(lead, partner_user, MemberRole.COLLABORATOR)

    async with client_as(anonymous_client, partner_user) as collaborator_client:
        body = await graphql(
            collaborator_client,
            SET_COMPANY_SECTION,
            {"input": {"leadId": gid(lead), "industry": " Retail ", "region": "EMEA", "crmAccount": "ACC-7"}},
        )

    assert body == {
        "data": {
            "setCompanySection": {
                "companySection": {
                    "company": {"name": partner.name},
                    "industry": "Retail",
                    "region": "EMEA",
                    "crmAccount": "ACC-7",
                },
                "lead": {"id": gid(lead)},
                "opportunity": None,
                "userErrors": [],
            }
        }
    }
    assert await lead_sections(lead) == [(partner.pk, "Retail", "EMEA", "ACC-7")]


async def test_crm_account_is_private_to_the_sections_company(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    vendor_colleague = await make_user(company=vendor)
    partner_user = await make_user(company=partner)
    lead = await make_lead(owner, partner=partner)
    await add_member(lead, partner_user, MemberRole.VIEWER)
    await add_member(lead, vendor_colleague, MemberRole.VIEWER)
    await LeadCompanySection.create(lead=lead, company=vendor, industry="Software", region="NA", crm_account="V-1")
    await LeadCompanySection.create(lead=lead, company=partner, industry="Retail", region="EMEA", crm_account="P-9")

    async with client_as(anonymous_client, vendor_colleague) as vendor_client:
        vendor_view = await graphql(vendor_client, LEAD_SECTIONS, {"id": gid(lead)})
    async with client_as(anonymous_client, partner_user) as partner_client:
        partner_view = await graphql(partner_client, LEAD_SECTIONS, {"id": gid(lead)})

    assert vendor_view["data"]["lead"]["companySections"] == [
        {"company": {"name": vendor.name}, "industry": "Software", "region": "NA", "crmAccount": "V-1"},
        {"company": {"name": partner.name}, "industry": "Retail", "region": "EMEA", "crmAccount": None},
    ]
    assert partner_view["data"]["lead"]["companySections"] == [
        {"company": {"name": vendor.name}, "industry": "Software", "region": "NA", "crmAccount": None},
        {"company": {"name": partner.name}, "industry": "Retail", "region": "EMEA", "crmAccount": "P-9"},
    ]


async def test_a_field_left_out_is_untouched_and_null_clears(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    lead = await make_lead(owner)
    await LeadCompanySection.create(lead=lead, company=company, industry="Software", region="NA", crm_account="V-1")

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, SET_COMPANY_SECTION, {"input": {"leadId": gid(lead), "region": None}})

    assert body["data"]["setCompanySection"]["companySection"] == {
        "company": {"name": company.name},
        "industry": "Software",
        "region": None,
        "crmAccount": "V-1",
    }
    assert await lead_sections(lead) == [(company.pk, "Software", None, "V-1")]


async def test_a_viewer_or_participant_may_not_set_a_section(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    viewer = await make_user(company=company)
    participant = await make_user(company=company)
    lead = await make_lead(owner)
    await add_member(lead, viewer, MemberRole.VIEWER)
    await add_member(lead, participant, MemberRole.PARTICIPANT)

    async with client_as(anonymous_client, viewer) as viewer_client:
        as_viewer = await graphql(viewer_client, SET_COMPANY_SECTION, {"input": {"leadId": gid(lead), "industry": "X"}})
    async with client_as(anonymous_client, participant) as participant_client:
        as_participant = await graphql(
            participant_client, SET_COMPANY_SECTION, {"input": {"leadId": gid(lead), "industry": "X"}}
        )

    for body, role in ((as_viewer, "VIEWER"), (as_participant, "PARTICIPANT")):
        assert body["data"]["setCompanySection"] == {
            "companySection": None,
            "lead": None,
            "opportunity": None,
            "userErrors": [
                {
                    "code": "FORBIDDEN",
                    "message": f"Your role on this lead ({role}) does not allow this",
                    "field": ["leadId"],
                }
            ],
        }
    assert await lead_sections(lead) == []


async def test_exactly_one_of_lead_id_and_opportunity_id_is_given(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    opportunity = await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        neither = await graphql(owner_client, SET_COMPANY_SECTION, {"input": {"industry": "X"}})
        both = await graphql(
            owner_client,
            SET_COMPANY_SECTION,
            {"input": {"leadId": gid(lead), "opportunityId": gid(opportunity), "industry": "X"}},
        )

    assert neither["data"]["setCompanySection"]["userErrors"] == [
        {"code": "INVALID_INPUT", "message": "Give the leadId or the opportunityId of the record", "field": ["leadId"]}
    ]
    assert both["data"]["setCompanySection"]["userErrors"] == [
        {
            "code": "INVALID_INPUT",
            "message": "Give either a leadId or an opportunityId, not both",
            "field": ["opportunityId"],
        }
    ]
    assert await lead_sections(lead) == []
    assert await OpportunityCompanySection.filter(opportunity_id=opportunity.pk).count() == 0


async def test_an_opportunity_id_given_as_lead_id_is_not_found(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, SET_COMPANY_SECTION, {"input": {"leadId": gid(opportunity), "industry": "X"}}
        )

    assert body["data"]["setCompanySection"]["userErrors"] == [
        {"code": "NOT_FOUND", "message": f"No Lead with ID '{gid(opportunity)}'", "field": ["leadId"]}
    ]
    assert await OpportunityCompanySection.filter(opportunity_id=opportunity.pk).count() == 0


async def test_an_over_long_industry_is_invalid(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, SET_COMPANY_SECTION, {"input": {"leadId": gid(lead), "industry": "x" * 121, "region": "EMEA"}}
        )

    assert body["data"]["setCompanySection"]["userErrors"] == [
        {"code": "INVALID_INPUT", "message": "industry may be at most 120 characters", "field": ["industry"]}
    ]
    assert await lead_sections(lead) == []


async def test_sections_of_a_converted_lead_are_read_only(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company, can_edit_converted_leads=True)
    lead = await make_lead(owner, is_converted=True, status=LeadStatus.CLOSED_CONVERTED)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, SET_COMPANY_SECTION, {"input": {"leadId": gid(lead), "industry": "X"}})

    assert body["data"]["setCompanySection"]["userErrors"] == [
        {
            "code": "LEAD_CONVERTED",
            "message": "This lead is converted and can no longer be changed",
            "field": ["leadId"],
        }
    ]
    assert await lead_sections(lead) == []


async def test_a_collaborator_sets_their_companys_section_of_an_opportunity(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    partner_user = await make_user(company=partner)
    opportunity = await make_opportunity(owner, partner=partner)
    await add_member(opportunity, partner_user, MemberRole.COLLABORATOR)

    async with client_as(anonymous_client, partner_user) as collaborator_client:
        body = await graphql(
            collaborator_client,
            SET_COMPANY_SECTION,
            {"input": {"opportunityId": gid(opportunity), "crmAccount": "OPP-1"}},
        )
        listed = await graphql(collaborator_client, OPPORTUNITY_SECTIONS, {"id": gid(opportunity)})
    async with client_as(anonymous_client, owner) as owner_client:
        seen_by_owner = await graphql(owner_client, OPPORTUNITY_SECTIONS, {"id": gid(opportunity)})

    assert body["data"]["setCompanySection"] == {
        "companySection": {"company": {"name": partner.name}, "industry": None, "region": None, "crmAccount": "OPP-1"},
        "lead": None,
        "opportunity": {"id": gid(opportunity)},
        "userErrors": [],
    }
    assert listed["data"]["opportunity"]["companySections"] == [
        {"company": {"name": partner.name}, "industry": None, "region": None, "crmAccount": "OPP-1"}
    ]
    assert seen_by_owner["data"]["opportunity"]["companySections"] == [
        {"company": {"name": partner.name}, "industry": None, "region": None, "crmAccount": None}
    ]
    assert [
        (s.company_id, s.crm_account) for s in await OpportunityCompanySection.filter(opportunity_id=opportunity.pk)
    ] == [(partner.pk, "OPP-1")]

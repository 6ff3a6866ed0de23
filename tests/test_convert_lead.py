from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import models.conversion
from models import (
    Account,
    Contact,
    Lead,
    LeadAcceptance,
    LeadCompanySection,
    LeadStatus,
    MemberRole,
    Opportunity,
    OpportunityMember,
)
from models.conversion_records import ConversionEvent, ConversionSettings, IdempotencyRecord
from tests.factories import (
    add_member,
    client_as,
    gid,
    graphql,
    make_account,
    make_activity,
    make_company,
    make_contact,
    make_lead,
    make_opportunity,
    make_partner_program,
    make_policy,
    make_sales_plan,
    make_solution,
    make_user,
    stage_named,
)

CONVERT = """
mutation ($input: ConvertLeadInput!) {
  convertLead(input: $input) {
    lead { id status isConverted convertedAt convertedBy { id } convertedAccount { id name } convertedContact { id lastName } }
    account { id name website }
    contact { id firstName lastName email account { id } }
    opportunity {
      id name amount currency closeDate probability
      stage { name }
      account { id } contact { id }
      sourcedBy { id } partner { id } owner { id }
      members { user { id } role source }
      companySections { company { id } industry region crmAccount }
      salesPlans { id } solutions { id } partnerPrograms { id }
      activities(first: 10) { edges { node { id } } }
    }
    userErrors { code message field }
  }
}
"""
LEAD_AFTER = """
query ($id: ID!) {
  lead(id: $id) {
    status isConverted
    conversionLinks { how by { id } opportunity { id } }
    events { kind actor { id } opportunity { id } account { id } contact { id } }
  }
}
"""
OPPORTUNITY_AFTER = """
query ($id: ID!) {
  opportunity(id: $id) { events { kind lead { id } } conversionLinks { how lead { id } } }
}
"""
LINK = """
mutation ($input: LinkOpportunityInput!) {
  linkOpportunity(input: $input) { lead { id status isConverted } opportunity { id } userErrors { code message field } }
}
"""
UNLINK = """
mutation ($input: UnlinkOpportunityInput!) {
  unlinkOpportunity(input: $input) { lead { id } opportunity { id } userErrors { code message field } }
}
"""
CONVERT_MANY = """
mutation ($input: ConvertLeadsInput!) {
  convertLeads(input: $input) {
    results { lead { id status } opportunity { id } userErrors { code message field } }
    userErrors { code message field }
  }
}
"""
RESPOND = """
mutation ($input: RespondToLeadInput!) {
  respondToLead(input: $input) { userErrors { code message field } }
}
"""
PREVIEW_MEMBERS = """
query ($leadId: ID!) { conversionPreview(leadId: $leadId) { opportunity { members { user { id } role } } } }
"""
PREVIEW_MONEY = """
query ($leadId: ID!) {
  conversionPreview(leadId: $leadId) {
    opportunity { amount currency }
    linkableOpportunities { id amount expectedRevenue }
    blockers { code }
  }
}
"""
CREATE_TEMPLATE = """
mutation ($input: CreateOpportunityTemplateInput!) {
  createOpportunityTemplate(input: $input) {
    template { id name isDefault copyMembers copyLinks copyCompanySections defaultStage { name } fieldMappings { leadField opportunityField } }
    userErrors { code message field }
  }
}
"""
SETTINGS = """
mutation ($input: UpdateConversionSettingsInput!) {
  updateConversionSettings(input: $input) { settings { createAccount createContact createOpportunity minimumScore defaultTemplate { name } } userErrors { code field } }
}
"""
PREVIEW = """
query ($leadId: ID!) {
  conversionPreview(leadId: $leadId) {
    template { name isDefault }
    account { name website }
    contact { firstName lastName email }
    opportunity { name amount currency stage { name } members { user { id } role } salesPlanNames activityCount sectionCompanies }
    duplicateAccounts { id }
    duplicateContacts { id }
    linkableOpportunities { id }
    blockers { code }
  }
}
"""


async def counts() -> dict[str, int]:
    return {
        "accounts": await Account.all().count(),
        "contacts": await Contact.all().count(),
        "opportunities": await Opportunity.all().count(),
        "events": await ConversionEvent.all().count(),
        "converted": await Lead.filter(is_converted=True).count(),
    }


async def shared_lead_network():
    """A vendor lead shared with an accepting partner: members of several roles, sections, links."""
    vendor, partner = await make_company(name="Northwind"), await make_company(name="Contoso")
    owner = await make_user(company=vendor)
    partner_rep = await make_user(company=partner)
    viewer = await make_user(company=vendor)
    partner_admin = await make_user(company=partner, is_admin=True)
    lead = await make_lead(
        owner,
        topic="Cloud migration",
        customer_name="Acme Corporation",
        website="https://www.acme.example/about",
        first_name="Wile",
        last_name="Coyote",
        email="wile@acme.example",
        job_title="CTO",
        phone="+1 555 0100",
        estimated_amount=Decimal("120000.00"),
        currency="USD",
        estimated_close_date=datetime(2027, 3, 31).date(),
        partner=partner,
        stored_acceptance=LeadAcceptance.ACCEPTED,
    )
    await add_member(lead, partner_rep, MemberRole.COLLABORATOR)
    await add_member(lead, viewer, MemberRole.VIEWER)
    await LeadCompanySection.create(
        lead=lead, company=vendor, industry="Manufacturing", region="EMEA", crm_account="NW-1"
    )
    await LeadCompanySection.create(
        lead=lead, company=partner, industry="Industry 4.0", region="DACH", crm_account="CT-9"
    )
    plan, solution, program = (
        await make_sales_plan(vendor),
        await make_solution(vendor),
        await make_partner_program(vendor),
    )
    await lead.sales_plans.add(plan)
    await lead.solutions.add(solution)
    await lead.partner_programs.add(program)
    activity = await make_activity(lead, partner_rep)
    return locals()


async def test_standard_template_carries_the_lead_over_field_by_field(anonymous_client):
    net = await shared_lead_network()
    owner, lead = net["owner"], net["lead"]

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, CONVERT, {"input": {"leadId": gid(lead)}})

    result = body["data"]["convertLead"]
    assert result["userErrors"] == []
    account, contact, opportunity = result["account"], result["contact"], result["opportunity"]
    assert account["name"] == "Acme Corporation"
    assert account["website"] == "https://www.acme.example/about"
    assert (contact["firstName"], contact["lastName"], contact["email"]) == ("Wile", "Coyote", "wile@acme.example")
    assert contact["account"] == {"id": account["id"]}
    assert {k: opportunity[k] for k in ("name", "amount", "currency", "closeDate", "probability")} == {
        "name": "Cloud migration",
        "amount": "120000.00",
        "currency": "USD",
        "closeDate": "2027-03-31",
        "probability": 10,
    }
    assert opportunity["stage"] == {"name": "Prospecting"}
    assert opportunity["account"] == {"id": account["id"]} and opportunity["contact"] == {"id": contact["id"]}
    assert opportunity["sourcedBy"] == {"id": gid(net["vendor"])} and opportunity["partner"] == {
        "id": gid(net["partner"])
    }
    assert opportunity["owner"] == {"id": gid(owner)}
    direct = {(m["user"]["id"], m["role"]) for m in opportunity["members"] if m["source"] == "DIRECT"}
    assert direct == {(gid(owner), "OWNER"), (gid(net["partner_rep"]), "COLLABORATOR"), (gid(net["viewer"]), "VIEWER")}
    assert (gid(net["partner_admin"]), "ACCESS_POLICY") in {
        (m["user"]["id"], m["source"]) for m in opportunity["members"]
    }
    assert await OpportunityMember.filter(user_id=net["partner_admin"].id).count() == 0
    assert sorted(
        (s["company"]["id"], s["industry"], s["region"], s["crmAccount"]) for s in opportunity["companySections"]
    ) == sorted(
        [(gid(net["vendor"]), "Manufacturing", "EMEA", "NW-1"), (gid(net["partner"]), "Industry 4.0", "DACH", None)]
    )
    assert opportunity["salesPlans"] == [{"id": gid(net["plan"])}]
    assert opportunity["solutions"] == [{"id": gid(net["solution"])}]
    assert opportunity["partnerPrograms"] == [{"id": gid(net["program"])}]
    assert opportunity["activities"]["edges"] == [{"node": {"id": gid(net["activity"])}}]
    converted = result["lead"]
    assert (converted["status"], converted["isConverted"]) == ("CLOSED_CONVERTED", True)
    assert converted["convertedBy"] == {"id": gid(owner)}
    assert converted["convertedAccount"]["id"] == account["id"] and converted["convertedContact"]["id"] == contact["id"]
    assert datetime.fromisoformat(converted["convertedAt"]) > datetime.now(UTC) - timedelta(minutes=1)


async def test_excluded_members_stay_off_the_opportunity_and_the_converting_user_stays_its_owner(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    colleague, guest = await make_user(company=company), await make_user(company=company)
    lead = await make_lead(owner)
    await add_member(lead, colleague, MemberRole.COLLABORATOR)
    await add_member(lead, guest, MemberRole.VIEWER)

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await graphql(
            owner_client,
            CONVERT,
            {
                "input": {
                    "leadId": gid(lead),
                    "opportunity": {"create": {"excludeMemberIds": [gid(colleague), gid(owner)]}},
                }
            },
        )

    result = converted["data"]["convertLead"]
    assert result["userErrors"] == []
    assert [(m["user"]["id"], m["role"]) for m in result["opportunity"]["members"] if m["source"] == "DIRECT"] == [
        (gid(owner), "OWNER"),
        (gid(guest), "VIEWER"),
    ]
    opportunity = await Opportunity.get(lead_links__lead_id=lead.id)
    assert sorted(
        (m.user_id, MemberRole(m.role)) for m in await OpportunityMember.filter(opportunity_id=opportunity.id)
    ) == sorted([(owner.id, MemberRole.OWNER), (guest.id, MemberRole.VIEWER)])


async def test_the_standard_template_copies_a_direct_role_lower_than_the_policy_role(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor, name="A Owner")
    partner_admin = await make_user(company=partner, name="B Partner Admin", is_admin=True)
    lead = await make_lead(owner, partner=partner, customer_name="Initech")

    async with client_as(anonymous_client, partner_admin) as admin_client:
        accepted = await graphql(admin_client, RESPOND, {"input": {"leadId": gid(lead), "decision": "ACCEPT"}})
        preview = await graphql(admin_client, PREVIEW_MEMBERS, {"leadId": gid(lead)})
    async with client_as(anonymous_client, owner) as owner_client:
        converted = await graphql(owner_client, CONVERT, {"input": {"leadId": gid(lead)}})

    assert accepted == {"data": {"respondToLead": {"userErrors": []}}}
    assert preview == {
        "data": {
            "conversionPreview": {
                "opportunity": {
                    "members": [
                        {"user": {"id": gid(owner)}, "role": "OWNER"},
                        {"user": {"id": gid(partner_admin)}, "role": "COLLABORATOR"},
                    ]
                }
            }
        }
    }
    result = converted["data"]["convertLead"]
    assert result["userErrors"] == []
    assert result["opportunity"]["members"] == [
        {"user": {"id": gid(owner)}, "role": "OWNER", "source": "DIRECT"},
        {"user": {"id": gid(partner_admin)}, "role": "OWNER", "source": "ACCESS_POLICY"},
        {"user": {"id": gid(partner_admin)}, "role": "COLLABORATOR", "source": "DIRECT"},
    ]
    opportunity = await Opportunity.get(lead_links__lead_id=lead.id)
    assert sorted(
        (m.user_id, MemberRole(m.role)) for m in await OpportunityMember.filter(opportunity_id=opportunity.id)
    ) == [
        (owner.id, MemberRole.OWNER),
        (partner_admin.id, MemberRole.COLLABORATOR),
    ]


async def test_the_conversion_is_recorded_on_the_lead_and_the_opportunity(anonymous_client):
    net = await shared_lead_network()
    owner, lead = net["owner"], net["lead"]

    async with client_as(anonymous_client, owner) as owner_client:
        result = (await graphql(owner_client, CONVERT, {"input": {"leadId": gid(lead)}}))["data"]["convertLead"]
        after = (await graphql(owner_client, LEAD_AFTER, {"id": gid(lead)}))["data"]["lead"]
        opportunity_after = (await graphql(owner_client, OPPORTUNITY_AFTER, {"id": result["opportunity"]["id"]}))[
            "data"
        ]["opportunity"]

    opportunity_id = result["opportunity"]["id"]
    assert after["conversionLinks"] == [
        {"how": "CREATED", "by": {"id": gid(owner)}, "opportunity": {"id": opportunity_id}}
    ]
    assert after["events"] == [
        {
            "kind": "CONVERTED",
            "actor": {"id": gid(owner)},
            "opportunity": {"id": opportunity_id},
            "account": {"id": result["account"]["id"]},
            "contact": {"id": result["contact"]["id"]},
        }
    ]
    assert opportunity_after["events"] == [{"kind": "CONVERTED", "lead": {"id": gid(lead)}}]
    assert opportunity_after["conversionLinks"] == [{"how": "CREATED", "lead": {"id": gid(lead)}}]


async def test_draft_fields_override_the_template(anonymous_client):
    net = await shared_lead_network()
    stage = await stage_named("Negotiation/Review")
    draft = {
        "name": "Acme cloud deal",
        "amount": "99000.50",
        "currency": "EUR",
        "closeDate": "2027-06-30",
        "stageId": gid(stage),
        "copyMembers": False,
        "copyLinks": False,
    }

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        body = await graphql(
            owner_client,
            CONVERT,
            {
                "input": {
                    "leadId": gid(net["lead"]),
                    "account": {"create": {"name": "ACME Holdings", "industry": "Conglomerate"}},
                    "contact": {"create": {"firstName": "W. E.", "email": "coyote@acme.example"}},
                    "opportunity": {"create": draft},
                }
            },
        )

    result = body["data"]["convertLead"]
    assert result["userErrors"] == []
    assert result["account"]["name"] == "ACME Holdings"
    assert (result["contact"]["firstName"], result["contact"]["email"]) == ("W. E.", "coyote@acme.example")
    opportunity = result["opportunity"]
    assert (opportunity["name"], opportunity["amount"], opportunity["currency"], opportunity["closeDate"]) == (
        "Acme cloud deal",
        "99000.50",
        "EUR",
        "2027-06-30",
    )
    assert (opportunity["stage"]["name"], opportunity["probability"]) == ("Negotiation/Review", 90)
    assert [m for m in opportunity["members"] if m["source"] == "DIRECT"] == [
        {"user": {"id": gid(net["owner"])}, "role": "OWNER", "source": "DIRECT"}
    ]
    assert opportunity["salesPlans"] == [] and opportunity["activities"]["edges"] == []


async def test_existing_account_and_contact_only_get_their_empty_fields_filled(anonymous_client):
    net = await shared_lead_network()
    account = await make_account(net["vendor"], name="Acme", website=None, industry="Aerospace")
    contact = await make_contact(
        net["vendor"], first_name=None, last_name="Coyote", email="old@acme.example", account=account
    )

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        body = await graphql(
            owner_client,
            CONVERT,
            {
                "input": {
                    "leadId": gid(net["lead"]),
                    "account": {"existingId": gid(account)},
                    "contact": {"existingId": gid(contact)},
                }
            },
        )

    assert body["data"]["convertLead"]["userErrors"] == []
    await account.refresh_from_db()
    await contact.refresh_from_db()
    assert (account.name, account.website, account.industry) == ("Acme", "https://www.acme.example/about", "Aerospace")
    assert (contact.first_name, contact.email, contact.job_title) == ("Wile", "old@acme.example", "CTO")


async def test_an_account_whose_website_a_conversion_filled_is_then_found_by_that_domain(anonymous_client):
    # given an account with no website, and a second lead from the first lead's website under another name
    net = await shared_lead_network()
    account = await make_account(net["vendor"], name="Initrode", website=None)
    later = await make_lead(net["owner"], customer_name="Acme Holdings", website="http://acme.example")

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        before = await graphql(owner_client, PREVIEW, {"leadId": gid(later)})
        # when the first lead is converted onto the account, which takes the lead's website
        converted = await graphql(
            owner_client,
            CONVERT,
            {"input": {"leadId": gid(net["lead"]), "account": {"existingId": gid(account)}}},
        )
        after = await graphql(owner_client, PREVIEW, {"leadId": gid(later)})

    # then the second lead's preview lists the account as a duplicate, by its domain, only after
    assert converted["data"]["convertLead"]["userErrors"] == []
    assert before["data"]["conversionPreview"]["duplicateAccounts"] == []
    assert after["data"]["conversionPreview"]["duplicateAccounts"] == [{"id": gid(account)}]


async def test_b2c_conversion_ties_the_opportunity_to_the_contact_alone(anonymous_client):
    net = await shared_lead_network()

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        body = await graphql(owner_client, CONVERT, {"input": {"leadId": gid(net["lead"]), "account": {"skip": True}}})

    result = body["data"]["convertLead"]
    assert result["userErrors"] == [] and result["account"] is None
    assert result["contact"]["account"] is None
    assert result["opportunity"]["account"] is None and result["opportunity"]["contact"] == {
        "id": result["contact"]["id"]
    }


async def test_a_converted_lead_gains_more_opportunities_but_refuses_account_or_contact_choices(anonymous_client):
    net = await shared_lead_network()
    owner, lead = net["owner"], net["lead"]
    existing = await make_opportunity(owner, name="Existing deal")

    async with client_as(anonymous_client, owner) as owner_client:
        await graphql(owner_client, CONVERT, {"input": {"leadId": gid(lead)}})
        before = await counts()
        refused_account = await graphql(
            owner_client,
            CONVERT,
            {"input": {"leadId": gid(lead), "account": {"skip": True}, "opportunity": {"create": {}}}},
        )
        refused_empty = await graphql(owner_client, CONVERT, {"input": {"leadId": gid(lead)}})
        unchanged = await counts()
        second = await graphql(
            owner_client, CONVERT, {"input": {"leadId": gid(lead), "opportunity": {"create": {"name": "Phase 2"}}}}
        )
        third = await graphql(owner_client, LINK, {"input": {"leadId": gid(lead), "opportunityId": gid(existing)}})
        after = (await graphql(owner_client, LEAD_AFTER, {"id": gid(lead)}))["data"]["lead"]

    expected = [
        {
            "code": "ALREADY_CONVERTED",
            "message": "The lead is already converted: only an opportunity choice can add to it",
            "field": ["leadId"],
        }
    ]
    assert refused_account["data"]["convertLead"]["userErrors"] == expected
    assert refused_empty["data"]["convertLead"]["userErrors"] == expected
    assert unchanged == before
    assert (
        second["data"]["convertLead"]["userErrors"] == []
        and second["data"]["convertLead"]["opportunity"]["name"] == "Phase 2"
    )
    assert third["data"]["linkOpportunity"]["userErrors"] == []
    assert [link["how"] for link in after["conversionLinks"]] == ["CREATED", "CREATED", "LINKED"]
    assert [event["kind"] for event in after["events"]] == ["CONVERTED", "OPPORTUNITY_CREATED", "OPPORTUNITY_LINKED"]


async def test_linking_converts_an_unconverted_lead_and_twice_is_already_linked(anonymous_client):
    net = await shared_lead_network()
    owner, lead = net["owner"], net["lead"]
    existing = await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        first = await graphql(owner_client, LINK, {"input": {"leadId": gid(lead), "opportunityId": gid(existing)}})
        before = await counts()
        again = await graphql(owner_client, LINK, {"input": {"leadId": gid(lead), "opportunityId": gid(existing)}})

    assert first["data"]["linkOpportunity"]["lead"] == {
        "id": gid(lead),
        "status": "CLOSED_CONVERTED",
        "isConverted": True,
    }
    assert again["data"]["linkOpportunity"]["userErrors"] == [
        {
            "code": "ALREADY_LINKED",
            "message": "This opportunity is already linked to the lead",
            "field": ["opportunityId"],
        }
    ]
    assert await counts() == before


async def test_unlinking_removes_only_links_made_by_linking(anonymous_client):
    net = await shared_lead_network()
    owner, lead = net["owner"], net["lead"]
    existing, other = await make_opportunity(owner), await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        created = (await graphql(owner_client, CONVERT, {"input": {"leadId": gid(lead)}}))["data"]["convertLead"][
            "opportunity"
        ]
        await graphql(owner_client, LINK, {"input": {"leadId": gid(lead), "opportunityId": gid(existing)}})
        unlinked = await graphql(owner_client, UNLINK, {"input": {"leadId": gid(lead), "opportunityId": gid(existing)}})
        stays = await graphql(owner_client, UNLINK, {"input": {"leadId": gid(lead), "opportunityId": created["id"]}})
        never = await graphql(owner_client, UNLINK, {"input": {"leadId": gid(lead), "opportunityId": gid(other)}})
        after = (await graphql(owner_client, LEAD_AFTER, {"id": gid(lead)}))["data"]["lead"]

    assert unlinked["data"]["unlinkOpportunity"]["userErrors"] == []
    assert stays["data"]["unlinkOpportunity"]["userErrors"] == [
        {
            "code": "INVALID_INPUT",
            "message": "This opportunity was created by converting the lead and stays linked to it",
            "field": ["opportunityId"],
        }
    ]
    assert never["data"]["unlinkOpportunity"]["userErrors"] == [
        {"code": "NOT_LINKED", "message": "This opportunity is not linked to the lead", "field": ["opportunityId"]}
    ]
    assert [link["opportunity"]["id"] for link in after["conversionLinks"]] == [created["id"]]
    assert [event["kind"] for event in after["events"]] == ["CONVERTED", "OPPORTUNITY_LINKED", "OPPORTUNITY_UNLINKED"]


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        (
            {"stored_acceptance": LeadAcceptance.PENDING},
            "LEAD_NOT_ACCEPTED",
            "The lead is pending: the partner has not accepted it",
        ),
        (
            {"stored_acceptance": LeadAcceptance.REJECTED, "rejection_reason": "no"},
            "LEAD_NOT_ACCEPTED",
            "The lead is rejected: the partner has not accepted it",
        ),
        (
            {"stored_acceptance": LeadAcceptance.PENDING, "acceptance_deadline": datetime.now(UTC) - timedelta(days=1)},
            "LEAD_NOT_ACCEPTED",
            "The lead is expired: the partner has not accepted it",
        ),
        (
            {"status": LeadStatus.CLOSED_NOT_CONVERTED, "disqualification_reason": "no budget"},
            "LEAD_DISQUALIFIED",
            "The lead is disqualified: reopen it before converting",
        ),
    ],
    ids=["pending", "rejected", "expired", "disqualified"],
)
async def test_a_lead_that_is_not_ready_is_refused_and_nothing_is_written(anonymous_client, changes, code, message):
    net = await shared_lead_network()
    await Lead.filter(id=net["lead"].id).update(**changes)
    before = await counts()

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        body = await graphql(owner_client, CONVERT, {"input": {"leadId": gid(net["lead"])}})

    assert body["data"]["convertLead"] == {
        "lead": None,
        "account": None,
        "contact": None,
        "opportunity": None,
        "userErrors": [{"code": code, "message": message, "field": ["leadId"]}],
    }
    assert await counts() == before


async def test_the_minimum_score_of_the_converting_company_applies(anonymous_client):
    net = await shared_lead_network()
    await ConversionSettings.create(company=net["vendor"], minimum_score=60)
    await Lead.filter(id=net["lead"].id).update(score=59)

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        body = await graphql(owner_client, CONVERT, {"input": {"leadId": gid(net["lead"])}})

    assert body["data"]["convertLead"]["userErrors"] == [
        {
            "code": "LEAD_NOT_QUALIFIED",
            "message": "The lead's score (59) is below the minimum of 60",
            "field": ["leadId"],
        }
    ]


async def test_who_may_convert(anonymous_client):
    net = await shared_lead_network()
    outsider = await make_user()
    before = await counts()

    async with client_as(anonymous_client, net["viewer"]) as viewer_client:
        forbidden = await graphql(viewer_client, CONVERT, {"input": {"leadId": gid(net["lead"])}})
    async with client_as(anonymous_client, outsider) as outsider_client:
        missing = await graphql(outsider_client, CONVERT, {"input": {"leadId": gid(net["lead"])}})

    assert forbidden["data"]["convertLead"]["userErrors"] == [
        {"code": "FORBIDDEN", "message": "Your role on this lead (VIEWER) does not allow this", "field": ["leadId"]}
    ]
    assert missing["data"]["convertLead"]["userErrors"] == [
        {"code": "NOT_FOUND", "message": f"No Lead with ID '{gid(net['lead'])}'", "field": ["leadId"]}
    ]
    assert await counts() == before


async def test_linking_needs_membership_of_the_opportunity(anonymous_client):
    net = await shared_lead_network()
    stranger = await make_user()
    foreign = await make_opportunity(stranger)
    policy_company = await make_company()
    policy_user = await make_user(company=policy_company)
    await make_policy(policy_company, MemberRole.VIEWER)
    through_policy = await make_opportunity(await make_user(company=policy_company))
    await add_member(net["lead"], policy_user, MemberRole.COLLABORATOR)

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        refused = await graphql(
            owner_client, LINK, {"input": {"leadId": gid(net["lead"]), "opportunityId": gid(foreign)}}
        )
    async with client_as(anonymous_client, policy_user) as policy_client:
        allowed = await graphql(
            policy_client, LINK, {"input": {"leadId": gid(net["lead"]), "opportunityId": gid(through_policy)}}
        )

    assert refused["data"]["linkOpportunity"]["userErrors"] == [
        {"code": "NOT_FOUND", "message": f"No Opportunity with ID '{gid(foreign)}'", "field": ["opportunityId"]}
    ]
    assert allowed["data"]["linkOpportunity"]["userErrors"] == []


async def test_skipping_everything_is_nothing_to_convert(anonymous_client):
    net = await shared_lead_network()

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        body = await graphql(
            owner_client,
            CONVERT,
            {
                "input": {
                    "leadId": gid(net["lead"]),
                    "account": {"skip": True},
                    "contact": {"skip": True},
                    "opportunity": {"skip": True},
                }
            },
        )

    assert body["data"]["convertLead"]["userErrors"] == [
        {
            "code": "NOTHING_TO_CONVERT",
            "message": "Account, contact and opportunity are all skipped: nothing to convert",
            "field": None,
        }
    ]
    assert not await Lead.filter(is_converted=True).exists()


async def test_an_existing_contact_must_belong_to_the_chosen_account(anonymous_client):
    net = await shared_lead_network()
    account = await make_account(net["vendor"])
    elsewhere = await make_contact(net["vendor"], account=await make_account(net["vendor"]))
    before = await counts()

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        body = await graphql(
            owner_client,
            CONVERT,
            {
                "input": {
                    "leadId": gid(net["lead"]),
                    "account": {"existingId": gid(account)},
                    "contact": {"existingId": gid(elsewhere)},
                }
            },
        )

    assert body["data"]["convertLead"]["userErrors"] == [
        {
            "code": "INVALID_INPUT",
            "message": "The contact does not belong to the chosen account",
            "field": ["contact", "existingId"],
        }
    ]
    assert await counts() == before


@pytest.mark.parametrize("choice", [{}, {"skip": True, "existingId": "QWNjb3VudDox"}], ids=["none", "two"])
async def test_a_one_of_choice_needs_exactly_one_member(anonymous_client, choice):
    net = await shared_lead_network()

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        response = await owner_client.post(
            "/graphql", json={"query": CONVERT, "variables": {"input": {"leadId": gid(net["lead"]), "account": choice}}}
        )

    body = response.json()
    assert "data" not in body
    assert len(body["errors"]) == 1 and "AccountChoice" in body["errors"][0]["message"]
    assert not await Lead.filter(is_converted=True).exists()


async def test_duplicates_are_refused_with_their_ids_unless_allowed(anonymous_client):
    net = await shared_lead_network()
    by_name = await make_account(net["vendor"], name="ACME corporation, Inc.", website=None)
    by_domain = await make_account(net["vendor"], name="Totally different", website="acme.example")
    same_email = await make_contact(net["vendor"], email="wile@acme.example")
    before = await counts()

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        account_refused = await graphql(owner_client, CONVERT, {"input": {"leadId": gid(net["lead"])}})
        contact_refused = await graphql(
            owner_client,
            CONVERT,
            {"input": {"leadId": gid(net["lead"]), "account": {"create": {"allowDuplicate": True}}}},
        )
        refused_counts = await counts()
        allowed = await graphql(
            owner_client,
            CONVERT,
            {
                "input": {
                    "leadId": gid(net["lead"]),
                    "account": {"create": {"allowDuplicate": True}},
                    "contact": {"create": {"allowDuplicate": True}},
                }
            },
        )

    assert account_refused["data"]["convertLead"]["userErrors"] == [
        {
            "code": "DUPLICATE_ACCOUNT",
            "message": f"Matching accounts exist: {gid(by_name)}, {gid(by_domain)}; attach one or set allowDuplicate",
            "field": ["account", "create"],
        }
    ]
    assert contact_refused["data"]["convertLead"]["userErrors"] == [
        {
            "code": "DUPLICATE_CONTACT",
            "message": f"Contacts with this email exist: {gid(same_email)}; attach one or set allowDuplicate",
            "field": ["contact", "create"],
        }
    ]
    assert refused_counts == before
    assert allowed["data"]["convertLead"]["userErrors"] == []


async def test_an_idempotency_key_replays_the_first_result_and_refuses_another_input(anonymous_client):
    net = await shared_lead_network()
    variables = {"input": {"leadId": gid(net["lead"]), "idempotencyKey": "convert-acme-1"}}

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        first = (await graphql(owner_client, CONVERT, variables))["data"]["convertLead"]
        after_first = await counts()
        replay = (await graphql(owner_client, CONVERT, variables))["data"]["convertLead"]
        reused = await graphql(
            owner_client,
            CONVERT,
            {"input": {"leadId": gid(net["lead"]), "idempotencyKey": "convert-acme-1", "account": {"skip": True}}},
        )

    assert replay["userErrors"] == []
    assert (replay["lead"]["id"], replay["account"]["id"], replay["contact"]["id"], replay["opportunity"]["id"]) == (
        first["lead"]["id"],
        first["account"]["id"],
        first["contact"]["id"],
        first["opportunity"]["id"],
    )
    assert await counts() == after_first
    assert reused["data"]["convertLead"]["userErrors"] == [
        {
            "code": "IDEMPOTENCY_KEY_REUSED",
            "message": "This idempotency key was used with a different input",
            "field": ["idempotencyKey"],
        }
    ]
    assert await IdempotencyRecord.all().count() == 1


async def test_convert_leads_answers_each_item_in_order(anonymous_client):
    net = await shared_lead_network()
    second = await make_lead(net["owner"], customer_name="Globex", email="hank@globex.example")
    pending = await make_lead(net["owner"], partner=net["partner"])

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        body = await graphql(
            owner_client,
            CONVERT_MANY,
            {"input": {"items": [{"leadId": gid(net["lead"])}, {"leadId": gid(pending)}, {"leadId": gid(second)}]}},
        )

    payload = body["data"]["convertLeads"]
    assert payload["userErrors"] == []
    assert [(r["lead"] or {}).get("status") for r in payload["results"]] == [
        "CLOSED_CONVERTED",
        None,
        "CLOSED_CONVERTED",
    ]
    assert [r["userErrors"] for r in payload["results"]] == [
        [],
        [
            {
                "code": "LEAD_NOT_ACCEPTED",
                "message": "The lead is pending: the partner has not accepted it",
                "field": ["items", "1", "leadId"],
            }
        ],
        [],
    ]
    await pending.refresh_from_db()
    assert pending.is_converted is False


async def test_a_batch_item_with_a_too_long_idempotency_key_is_refused_alone(anonymous_client):
    owner = await make_user()
    first, bad, third = [await make_lead(owner, customer_name=f"Customer {n}", email=None) for n in range(3)]

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client,
            CONVERT_MANY,
            {
                "input": {
                    "items": [
                        {"leadId": gid(first), "idempotencyKey": "k" * 255},
                        {"leadId": gid(bad), "idempotencyKey": "k" * 256},
                        {"leadId": gid(third)},
                    ]
                }
            },
        )

    payload = body["data"]["convertLeads"]
    assert "errors" not in body and payload["userErrors"] == []
    assert [(r["lead"] or {}).get("id") for r in payload["results"]] == [gid(first), None, gid(third)]
    assert [r["userErrors"] for r in payload["results"]] == [
        [],
        [
            {
                "code": "INVALID_INPUT",
                "message": "idempotencyKey may have at most 255 characters, got 256",
                "field": ["items", "1", "idempotencyKey"],
            }
        ],
        [],
    ]
    assert sorted(await Lead.filter(is_converted=True).values_list("id", flat=True)) == [first.id, third.id]
    assert await Opportunity.filter(lead_links__lead_id=bad.id).count() == 0
    assert await IdempotencyRecord.all().values_list("key", flat=True) == ["k" * 255]


async def test_an_unexpected_error_in_one_item_leaves_the_other_items_converted(anonymous_client, monkeypatch, caplog):
    owner = await make_user()
    first, failing, third = [await make_lead(owner, customer_name=f"Customer {n}", email=None) for n in range(3)]
    record = models.conversion.record

    async def fail_for_one_lead(kind, lead, viewer, **what):
        if lead.id == failing.id:
            raise RuntimeError("injected failure inside one item")
        return await record(kind, lead, viewer, **what)

    monkeypatch.setattr(models.conversion, "record", fail_for_one_lead)
    async with client_as(anonymous_client, owner) as owner_client:
        response = await owner_client.post(
            "/graphql",
            json={
                "query": CONVERT_MANY,
                "variables": {
                    "input": {
                        "items": [
                            {"leadId": gid(first)},
                            {"leadId": gid(failing)},
                            {"leadId": gid(third)},
                        ]
                    }
                },
            },
        )

    body = response.json()
    payload = body["data"]["convertLeads"]
    assert "errors" not in body and payload["userErrors"] == []
    assert [(r["lead"] or {}).get("status") for r in payload["results"]] == [
        "CLOSED_CONVERTED",
        None,
        "CLOSED_CONVERTED",
    ]
    assert [r["userErrors"] for r in payload["results"]] == [
        [],
        [
            {
                "code": "INTERNAL",
                "message": "An unexpected error stopped the conversion of this item; nothing of it was written",
                "field": ["items", "1"],
            }
        ],
        [],
    ]
    assert "injected" not in response.text and "Traceback" not in response.text
    assert sorted(await Lead.filter(is_converted=True).values_list("id", flat=True)) == [first.id, third.id]
    assert await Opportunity.all().count() == 2 and await Account.all().count() == 2
    assert await Opportunity.filter(lead_links__lead_id=failing.id).count() == 0
    assert (await Lead.get(id=failing.id)).status == LeadStatus.OPEN_NOT_CONTACTED
    logged = [r for r in caplog.records if r.name == "leadbridge.errors" and r.exc_info]
    assert [str(r.exc_info[1]) for r in logged] == ["injected failure inside one item"]


async def test_a_database_outage_inside_a_batch_answers_503_not_an_item_error(anonymous_client, monkeypatch):
    owner = await make_user()
    first, failing = [await make_lead(owner, customer_name=f"Customer {n}", email=None) for n in range(2)]
    record = models.conversion.record

    async def lose_the_database_at_one_lead(kind, lead, viewer, **what):
        if lead.id == failing.id:
            raise ConnectionResetError("connection lost")
        return await record(kind, lead, viewer, **what)

    monkeypatch.setattr(models.conversion, "record", lose_the_database_at_one_lead)
    async with client_as(anonymous_client, owner) as owner_client:
        response = await owner_client.post(
            "/graphql",
            json={
                "query": CONVERT_MANY,
                "variables": {
                    "input": {
                        "items": [
                            {"leadId": gid(first)},
                            {"leadId": gid(failing)},
                        ]
                    }
                },
            },
        )

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert [error["extensions"]["code"] for error in response.json()["errors"]] == ["SERVICE_UNAVAILABLE"]
    assert "connection lost" not in response.text
    assert (await Lead.get(id=failing.id)).status == LeadStatus.OPEN_NOT_CONTACTED


@pytest.mark.parametrize("size", [0, 101])
async def test_a_batch_of_no_items_or_more_than_100_is_refused_and_writes_nothing(anonymous_client, size):
    owner = await make_user()
    leads = [await make_lead(owner, customer_name=f"Customer {n}", email=None) for n in range(3)]
    before = await counts()

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client,
            CONVERT_MANY,
            {"input": {"items": [{"leadId": gid(leads[n % 3]), "idempotencyKey": f"key-{n}"} for n in range(size)]}},
        )

    message = "items must hold at least one lead" if size == 0 else "items may hold at most 100 leads, got 101"
    assert body == {
        "data": {
            "convertLeads": {
                "results": [],
                "userErrors": [{"code": "INVALID_INPUT", "message": message, "field": ["items"]}],
            }
        }
    }
    assert await counts() == before
    assert await IdempotencyRecord.all().count() == 0


async def test_convert_lead_refuses_an_idempotency_key_over_255_characters(anonymous_client):
    net = await shared_lead_network()
    before = await counts()

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        body = await graphql(
            owner_client, CONVERT, {"input": {"leadId": gid(net["lead"]), "idempotencyKey": "k" * 256}}
        )

    assert body["data"]["convertLead"]["userErrors"] == [
        {
            "code": "INVALID_INPUT",
            "message": "idempotencyKey may have at most 255 characters, got 256",
            "field": ["idempotencyKey"],
        }
    ]
    assert body["data"]["convertLead"]["lead"] is None
    assert await counts() == before
    assert await IdempotencyRecord.all().count() == 0


async def test_a_failure_after_the_opportunity_is_written_leaves_nothing_behind(anonymous_client, monkeypatch):
    net = await shared_lead_network()
    before = await counts()

    async def explode(*args, **kwargs):
        raise RuntimeError("injected failure after the opportunity was written")

    monkeypatch.setattr(models.conversion, "record", explode)
    async with client_as(anonymous_client, net["owner"]) as owner_client:
        response = await owner_client.post(
            "/graphql", json={"query": CONVERT, "variables": {"input": {"leadId": gid(net["lead"])}}}
        )

    assert response.json()["errors"][0]["extensions"] == {"code": "INTERNAL"}
    assert "injected" not in response.text
    assert await counts() == before
    assert await OpportunityMember.all().count() == 0
    assert (await Lead.get(id=net["lead"].id)).status == LeadStatus.OPEN_NOT_CONTACTED


async def test_custom_templates_choose_their_mappings_and_what_they_copy(anonymous_client):
    net = await shared_lead_network()
    admin = await make_user(company=net["vendor"], is_admin=True)
    await add_member(net["lead"], admin, MemberRole.OWNER)
    stage = await stage_named("Qualification")

    async with client_as(anonymous_client, admin) as admin_client:
        created = await graphql(
            admin_client,
            CREATE_TEMPLATE,
            {
                "input": {
                    "name": "Partner deal",
                    "copyMembers": False,
                    "copyCompanySections": False,
                    "defaultStageId": gid(stage),
                    "fieldMappings": [
                        {"leadField": "customerName", "opportunityField": "name"},
                        {"leadField": "estimatedAmount", "opportunityField": "amount"},
                    ],
                }
            },
        )
        template = created["data"]["createOpportunityTemplate"]["template"]
        converted = await graphql(
            admin_client,
            CONVERT,
            {"input": {"leadId": gid(net["lead"]), "opportunity": {"create": {"templateId": template["id"]}}}},
        )

    assert created["data"]["createOpportunityTemplate"]["userErrors"] == []
    assert template["fieldMappings"] == [
        {"leadField": "customerName", "opportunityField": "name"},
        {"leadField": "estimatedAmount", "opportunityField": "amount"},
    ]
    opportunity = converted["data"]["convertLead"]["opportunity"]
    assert (opportunity["name"], opportunity["amount"], opportunity["currency"], opportunity["closeDate"]) == (
        "Acme Corporation",
        "120000.00",
        None,
        None,
    )
    assert opportunity["stage"] == {"name": "Qualification"}
    assert opportunity["companySections"] == []
    assert [m["user"]["id"] for m in opportunity["members"] if m["source"] == "DIRECT"] == [gid(admin)]
    assert opportunity["salesPlans"] == [{"id": gid(net["plan"])}]


@pytest.mark.parametrize(
    ("mapping", "message", "field"),
    [
        (
            {"leadField": "favouriteColour", "opportunityField": "name"},
            "'favouriteColour' is not a lead field that can be mapped",
            ["fieldMappings", "0", "leadField"],
        ),
        (
            {"leadField": "topic", "opportunityField": "amount"},
            "'topic' holds text and cannot fill 'amount', which holds money",
            ["fieldMappings", "0"],
        ),
    ],
    ids=["unknown", "incompatible"],
)
async def test_an_unknown_or_incompatible_mapping_is_an_invalid_template(anonymous_client, mapping, message, field):
    admin = await make_user(is_admin=True)

    async with client_as(anonymous_client, admin) as admin_client:
        body = await graphql(admin_client, CREATE_TEMPLATE, {"input": {"name": "Broken", "fieldMappings": [mapping]}})

    assert body["data"]["createOpportunityTemplate"] == {
        "template": None,
        "userErrors": [{"code": "INVALID_TEMPLATE", "message": message, "field": field}],
    }


async def test_an_unknown_template_is_not_found(anonymous_client):
    net = await shared_lead_network()

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        body = await graphql(
            owner_client,
            CONVERT,
            {
                "input": {
                    "leadId": gid(net["lead"]),
                    "opportunity": {"create": {"templateId": "T3Bwb3J0dW5pdHlUZW1wbGF0ZTo5OTk="}},
                }
            },
        )

    assert body["data"]["convertLead"]["userErrors"] == [
        {
            "code": "NOT_FOUND",
            "message": "No OpportunityTemplate with ID 'T3Bwb3J0dW5pdHlUZW1wbGF0ZTo5OTk='",
            "field": ["opportunity", "create", "templateId"],
        }
    ]


async def test_omitted_choices_follow_the_admins_conversion_settings(anonymous_client):
    net = await shared_lead_network()
    admin = await make_user(company=net["vendor"], is_admin=True)

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        not_admin = await graphql(owner_client, SETTINGS, {"input": {"createAccount": False}})
    async with client_as(anonymous_client, admin) as admin_client:
        changed = await graphql(admin_client, SETTINGS, {"input": {"createAccount": False, "createOpportunity": False}})
    async with client_as(anonymous_client, net["owner"]) as owner_client:
        converted = (await graphql(owner_client, CONVERT, {"input": {"leadId": gid(net["lead"])}}))["data"][
            "convertLead"
        ]

    assert not_admin["data"]["updateConversionSettings"]["userErrors"] == [{"code": "FORBIDDEN", "field": None}]
    assert changed["data"]["updateConversionSettings"]["settings"] == {
        "createAccount": False,
        "createContact": True,
        "createOpportunity": False,
        "minimumScore": None,
        "defaultTemplate": {"name": "Standard"},
    }
    assert converted["userErrors"] == []
    assert converted["account"] is None and converted["opportunity"] is None and converted["contact"] is not None


async def test_the_preview_shows_what_would_be_created_without_writing(anonymous_client):
    net = await shared_lead_network()
    duplicate = await make_account(net["vendor"], name="Acme Corp")
    linkable = await make_opportunity(net["owner"])
    before = await counts()

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        body = await graphql(owner_client, PREVIEW, {"leadId": gid(net["lead"])})

    preview = body["data"]["conversionPreview"]
    assert preview["template"] == {"name": "Standard", "isDefault": True}
    assert preview["account"] == {"name": "Acme Corporation", "website": "https://www.acme.example/about"}
    assert preview["contact"] == {"firstName": "Wile", "lastName": "Coyote", "email": "wile@acme.example"}
    assert {
        k: preview["opportunity"][k] for k in ("name", "amount", "currency", "salesPlanNames", "activityCount")
    } == {
        "name": "Cloud migration",
        "amount": "120000.00",
        "currency": "USD",
        "salesPlanNames": [net["plan"].name],
        "activityCount": 1,
    }
    assert preview["opportunity"]["stage"] == {"name": "Prospecting"}
    assert sorted(m["role"] for m in preview["opportunity"]["members"]) == ["COLLABORATOR", "OWNER", "VIEWER"]
    assert sorted(preview["opportunity"]["sectionCompanies"]) == ["Contoso", "Northwind"]
    assert preview["duplicateAccounts"] == [{"id": gid(duplicate)}]
    assert preview["linkableOpportunities"] == [{"id": gid(linkable)}]
    assert preview["blockers"] == []
    assert await counts() == before


async def test_the_preview_hides_money_from_a_participant_of_the_lead(anonymous_client):
    net = await shared_lead_network()
    participant = await make_user(company=net["vendor"])
    await add_member(net["lead"], participant, MemberRole.PARTICIPANT)
    linkable = await make_opportunity(net["owner"], amount=Decimal("5000.00"), currency="USD")
    await add_member(linkable, participant, MemberRole.PARTICIPANT)
    await add_member(linkable, net["viewer"], MemberRole.VIEWER)
    before = await counts()

    async with client_as(anonymous_client, participant) as participant_client:
        hidden = await graphql(participant_client, PREVIEW_MONEY, {"leadId": gid(net["lead"])})
    async with client_as(anonymous_client, net["viewer"]) as viewer_client:
        shown = await graphql(viewer_client, PREVIEW_MONEY, {"leadId": gid(net["lead"])})

    assert hidden == {
        "data": {
            "conversionPreview": {
                "opportunity": {"amount": None, "currency": "USD"},
                "linkableOpportunities": [{"id": gid(linkable), "amount": None, "expectedRevenue": None}],
                "blockers": [{"code": "FORBIDDEN"}],
            }
        }
    }
    assert shown == {
        "data": {
            "conversionPreview": {
                "opportunity": {"amount": "120000.00", "currency": "USD"},
                "linkableOpportunities": [{"id": gid(linkable), "amount": "5000.00", "expectedRevenue": "500.00"}],
                "blockers": [{"code": "FORBIDDEN"}],
            }
        }
    }
    assert await counts() == before


TEMPLATES = "query { opportunityTemplates { nodes { name isDefault } } }"
UPDATE_TEMPLATE = """
mutation ($input: UpdateOpportunityTemplateInput!) {
  updateOpportunityTemplate(input: $input) {
    template { name copyLinks fieldMappings { leadField opportunityField } }
    userErrors { code message field }
  }
}
"""
OPPORTUNITY_TEMPLATE = "query ($id: ID!) { opportunity(id: $id) { template { name } } }"


async def test_templates_are_the_companys_own_and_only_its_admins_change_them(anonymous_client):
    net = await shared_lead_network()
    admin = await make_user(company=net["vendor"], is_admin=True)
    foreign_admin = await make_user(company=net["partner"], is_admin=True)
    standard = gid(await models.OpportunityTemplate.get(name="Standard"))
    await add_member(net["lead"], admin, MemberRole.OWNER)

    async with client_as(anonymous_client, admin) as admin_client:
        created = await graphql(admin_client, CREATE_TEMPLATE, {"input": {"name": "Partner deal"}})
        template_id = created["data"]["createOpportunityTemplate"]["template"]["id"]
        bad = await graphql(
            admin_client,
            UPDATE_TEMPLATE,
            {
                "input": {
                    "templateId": template_id,
                    "name": "Renamed",
                    "fieldMappings": [{"leadField": "score", "opportunityField": "name"}],
                }
            },
        )
        good = await graphql(
            admin_client,
            UPDATE_TEMPLATE,
            {
                "input": {
                    "templateId": template_id,
                    "copyLinks": False,
                    "fieldMappings": [{"leadField": "customerName", "opportunityField": "name"}],
                }
            },
        )
        standard_change = await graphql(
            admin_client, UPDATE_TEMPLATE, {"input": {"templateId": standard, "copyLinks": False}}
        )
        converted = await graphql(
            admin_client,
            CONVERT,
            {"input": {"leadId": gid(net["lead"]), "opportunity": {"create": {"templateId": template_id}}}},
        )
        opportunity_id = converted["data"]["convertLead"]["opportunity"]["id"]
        own = await graphql(admin_client, TEMPLATES)
        made_from = await graphql(admin_client, OPPORTUNITY_TEMPLATE, {"id": opportunity_id})
    async with client_as(anonymous_client, net["owner"]) as owner_client:
        not_admin = await graphql(owner_client, UPDATE_TEMPLATE, {"input": {"templateId": template_id, "name": "Mine"}})
    async with client_as(anonymous_client, foreign_admin) as foreign_client:
        foreign = await graphql(foreign_client, TEMPLATES)
        foreign_change = await graphql(
            foreign_client, UPDATE_TEMPLATE, {"input": {"templateId": template_id, "name": "Ours"}}
        )

    assert bad["data"]["updateOpportunityTemplate"] == {
        "template": None,
        "userErrors": [
            {
                "code": "INVALID_TEMPLATE",
                "message": "'score' holds percentage and cannot fill 'name', which holds text",
                "field": ["fieldMappings", "0"],
            }
        ],
    }
    assert good["data"]["updateOpportunityTemplate"] == {
        "template": {
            "name": "Partner deal",
            "copyLinks": False,
            "fieldMappings": [{"leadField": "customerName", "opportunityField": "name"}],
        },
        "userErrors": [],
    }
    assert standard_change["data"]["updateOpportunityTemplate"]["userErrors"] == [
        {"code": "FORBIDDEN", "message": "The built-in Standard template cannot be changed", "field": ["templateId"]}
    ]
    assert not_admin["data"]["updateOpportunityTemplate"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert foreign_change["data"]["updateOpportunityTemplate"]["userErrors"] == [
        {"code": "NOT_FOUND", "message": f"No OpportunityTemplate with ID '{template_id}'", "field": ["templateId"]}
    ]
    assert own["data"]["opportunityTemplates"]["nodes"] == [
        {"name": "Standard", "isDefault": True},
        {"name": "Partner deal", "isDefault": False},
    ]
    assert foreign["data"]["opportunityTemplates"]["nodes"] == [{"name": "Standard", "isDefault": True}]
    assert made_from["data"]["opportunity"]["template"] == {"name": "Partner deal"}
    assert converted["data"]["convertLead"]["opportunity"]["name"] == "Acme Corporation"
    assert converted["data"]["convertLead"]["opportunity"]["salesPlans"] == []
    assert (await models.OpportunityTemplate.get(name="Partner deal")).field_mappings == [["customer_name", "name"]]


async def test_the_preview_names_what_stands_in_the_way_and_hides_an_invisible_lead(anonymous_client):
    net = await shared_lead_network()
    pending = await make_lead(net["owner"], partner=net["partner"])
    outsider = await make_user()

    async with client_as(anonymous_client, net["owner"]) as owner_client:
        blocked = await graphql(owner_client, PREVIEW, {"leadId": gid(pending)})
    async with client_as(anonymous_client, outsider) as outsider_client:
        hidden = await graphql(outsider_client, PREVIEW, {"leadId": gid(net["lead"])})

    assert blocked["data"]["conversionPreview"]["blockers"] == [{"code": "LEAD_NOT_ACCEPTED"}]
    assert hidden["data"] is None
    assert [(error["message"], error["extensions"]) for error in hidden["errors"]] == [
        (f"No Lead with ID '{gid(net['lead'])}'", {"code": "NOT_FOUND"})
    ]

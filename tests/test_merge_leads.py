"""mergeLeads: the survivor keeps its values and fills its empty fields from the duplicates in
order, gains their members, activities, catalog links and company sections; each duplicate is
closed, points at the survivor and is read-only; every refusal writes nothing."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from models import Activity, Lead, LeadAcceptance, LeadCompanySection, LeadStatus, MemberRole
from tests.factories import (
    add_member,
    client_as,
    gid,
    graphql,
    make_activity,
    make_company,
    make_lead,
    make_opportunity,
    make_partner_program,
    make_policy,
    make_sales_plan,
    make_solution,
    make_user,
)

MERGE = """
mutation ($input: MergeLeadsInput!) {
  mergeLeads(input: $input) {
    lead {
      id topic firstName lastName email phone jobTitle customerName website description source score
      estimatedAmount currency estimatedCloseDate status mergedInto { id }
      members { role source user { id } }
      salesPlans { id } solutions { id } partnerPrograms { id }
      companySections { industry region crmAccount company { id } }
      activities(first: 10) { nodes { subject } }
      duplicates { nodes { id } }
    }
    userErrors { code message field }
  }
}
"""
MERGED = """
query ($id: ID!) {
  lead(id: $id) { status disqualificationReason mergedInto { id topic } viewerCan { update } }
}
"""
TABLES = (
    "lead",
    "lead_member",
    "activity",
    "lead_company_section",
    "lead_sales_plan",
    "lead_solution",
    "lead_partner_program",
    "conversion_event",
)


async def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row a merge could touch, table by table."""
    db = Lead._meta.db
    return {table: await db.execute_query_dict(f'SELECT * FROM "{table}" ORDER BY 1, 2') for table in TABLES}


async def merge(client: Any, lead: Any, *duplicates: Any) -> dict[str, Any]:
    body = await graphql(client, MERGE, {"input": {"leadId": gid(lead), "duplicateIds": [gid(d) for d in duplicates]}})
    assert "errors" not in body, body
    return body["data"]["mergeLeads"]


def refused(code: str, message: str, field: list[str]) -> dict[str, Any]:
    return {"lead": None, "userErrors": [{"code": code, "message": message, "field": field}]}


async def test_the_survivor_keeps_its_values_and_fills_its_empty_fields_in_order(anonymous_client):
    owner = await make_user()
    survivor = await make_lead(
        owner,
        topic="Cloud migration",
        first_name=None,
        phone=None,
        email="wile@acme.example",
        customer_name="Acme",
        estimated_amount=None,
        currency=None,
        score=None,
    )
    first = await make_lead(
        owner,
        topic="Other topic",
        first_name="Wile",
        phone=None,
        email="other@acme.example",
        customer_name="ACME Inc.",
        estimated_amount=Decimal("5000.00"),
        currency="USD",
        score=None,
    )
    second = await make_lead(
        owner,
        first_name="Road",
        phone="+1 555 0100",
        job_title=None,
        customer_name="Acme",
        score=70,
        estimated_close_date=date(2030, 1, 1),
        website="acme.example",
    )

    async with client_as(anonymous_client, owner) as owner_client:
        payload = await merge(owner_client, survivor, first, second)
        closed = await graphql(owner_client, MERGED, {"id": gid(first)})

    lead = payload["lead"]
    assert payload["userErrors"] == []
    assert {name: lead[name] for name in ("topic", "firstName", "email", "customerName", "phone", "score")} == {
        "topic": "Cloud migration",
        "firstName": "Wile",
        "email": "wile@acme.example",
        "customerName": "Acme",
        "phone": "+1 555 0100",
        "score": 70,
    }
    assert (lead["estimatedAmount"], lead["currency"]) == ("5000.00", "USD")
    assert (lead["estimatedCloseDate"], lead["website"], lead["status"]) == (
        "2030-01-01",
        "acme.example",
        "OPEN_NOT_CONTACTED",
    )
    assert lead["mergedInto"] is None
    assert lead["duplicates"] == {"nodes": []}
    assert closed["data"]["lead"] == {
        "status": "CLOSED_NOT_CONVERTED",
        "disqualificationReason": "Merged into Cloud migration",
        "mergedInto": {"id": gid(survivor), "topic": "Cloud migration"},
        "viewerCan": {"update": True},
    }
    stored = await Lead.filter(id__in=[first.pk, second.pk]).order_by("id").values_list("merged_into_id", "status")
    assert stored == [(survivor.pk, LeadStatus.CLOSED_NOT_CONVERTED), (survivor.pk, LeadStatus.CLOSED_NOT_CONVERTED)]
    assert (await Lead.get(id=survivor.pk)).website_domain == "acme.example"


async def test_the_reason_names_the_customer_when_the_survivor_has_no_topic(anonymous_client):
    owner = await make_user()
    survivor = await make_lead(owner, topic=None, customer_name="Initech")
    duplicate = await make_lead(owner, topic=None, customer_name="Initech")

    async with client_as(anonymous_client, owner) as owner_client:
        payload = await merge(owner_client, survivor, duplicate)

    assert payload["userErrors"] == []
    assert (await Lead.get(id=duplicate.pk)).disqualification_reason == "Merged into Initech"


async def test_the_survivor_gains_members_activities_links_and_sections(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    colleague, helper, watcher = [await make_user(company=vendor) for _ in range(3)]
    survivor = await make_lead(owner)
    duplicate = await make_lead(owner)
    other = await make_lead(owner)
    await add_member(survivor, colleague, MemberRole.VIEWER)
    await add_member(duplicate, colleague, MemberRole.COLLABORATOR)
    await add_member(survivor, helper, MemberRole.COLLABORATOR)
    await add_member(duplicate, helper, MemberRole.PARTICIPANT)
    await add_member(other, watcher, MemberRole.VIEWER)
    plans = [await make_sales_plan(vendor) for _ in range(3)]
    solution, program = await make_solution(vendor), await make_partner_program(vendor)
    await survivor.sales_plans.add(plans[0], plans[1])
    await duplicate.sales_plans.add(plans[1], plans[2])
    await other.solutions.add(solution)
    await duplicate.partner_programs.add(program)
    await make_activity(survivor, owner, subject="Kept call")
    await make_activity(duplicate, owner, subject="Moved call")
    await make_activity(other, owner, subject="Other call")
    await LeadCompanySection.create(lead=survivor, company=vendor, industry="Retail", region=None, crm_account=None)
    await LeadCompanySection.create(lead=duplicate, company=vendor, industry="Energy", region="EMEA", crm_account="V-1")
    await LeadCompanySection.create(lead=other, company=vendor, industry="Finance", region="NA", crm_account="V-2")
    await LeadCompanySection.create(lead=duplicate, company=partner, industry="Energy", region="APAC")

    async with client_as(anonymous_client, owner) as owner_client:
        payload = await merge(owner_client, survivor, duplicate, other)

    lead = payload["lead"]
    assert payload["userErrors"] == []
    assert sorted((m["user"]["id"], m["role"]) for m in lead["members"] if m["source"] == "DIRECT") == sorted(
        [
            (gid(owner), "OWNER"),
            (gid(colleague), "COLLABORATOR"),
            (gid(helper), "COLLABORATOR"),
            (gid(watcher), "VIEWER"),
        ]
    )
    assert sorted(p["id"] for p in lead["salesPlans"]) == sorted(gid(plan) for plan in plans)
    assert lead["solutions"] == [{"id": gid(solution)}]
    assert lead["partnerPrograms"] == [{"id": gid(program)}]
    assert sorted(a["subject"] for a in lead["activities"]["nodes"]) == ["Kept call", "Moved call", "Other call"]
    assert await Activity.filter(lead_id__in=[duplicate.pk, other.pk]).count() == 0
    sections = {s["company"]["id"]: s for s in lead["companySections"]}
    assert sections[gid(vendor)] == {
        "industry": "Retail",
        "region": "EMEA",
        "crmAccount": "V-1",
        "company": {"id": gid(vendor)},
    }
    assert (sections[gid(partner)]["industry"], sections[gid(partner)]["region"]) == ("Energy", "APAC")
    assert await LeadCompanySection.filter(lead_id=survivor.pk).count() == 2
    assert await duplicate.sales_plans.all().count() == 2


EVENTS = """
query ($id: ID!) {
  lead(id: $id) { events { kind actor { id } createdAt lead { id } mergedLeads { id } mergedInto { id } } }
}
"""


async def test_the_merge_is_in_the_event_history_of_the_survivor_and_of_each_duplicate(anonymous_client):
    owner = await make_user()
    survivor, first, second = await make_lead(owner), await make_lead(owner), await make_lead(owner)
    other = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        assert (await merge(owner_client, survivor, second, first))["userErrors"] == []
        histories = [(await graphql(owner_client, EVENTS, {"id": gid(lead)})) for lead in (survivor, first, second)]
        untouched = await graphql(owner_client, EVENTS, {"id": gid(other)})

    events = [body["data"]["lead"]["events"] for body in histories]
    assert all(event["createdAt"] for history in events for event in history)
    stripped = [[{k: v for k, v in event.items() if k != "createdAt"} for event in history] for history in events]
    assert stripped == [
        [
            {
                "kind": "LEADS_MERGED",
                "actor": {"id": gid(owner)},
                "lead": {"id": gid(survivor)},
                "mergedLeads": [{"id": gid(second)}, {"id": gid(first)}],
                "mergedInto": None,
            }
        ],
        *(
            [
                {
                    "kind": "MERGED_INTO",
                    "actor": {"id": gid(owner)},
                    "lead": {"id": gid(duplicate)},
                    "mergedLeads": [],
                    "mergedInto": {"id": gid(survivor)},
                }
            ]
            for duplicate in (first, second)
        ),
    ]
    assert untouched["data"]["lead"]["events"] == []


async def test_merge_events_name_only_the_leads_the_viewer_can_see(anonymous_client):
    partner = await make_company()
    await make_policy(partner, MemberRole.VIEWER)
    owner = await make_user()
    onlooker = await make_user(company=partner)
    survivor = await make_lead(owner, partner=partner)
    hidden_survivor = await make_lead(owner)
    shared, hidden = await make_lead(owner, partner=partner), await make_lead(owner)
    duplicate = await make_lead(owner, partner=partner)

    async with client_as(anonymous_client, owner) as owner_client:
        assert (await merge(owner_client, survivor, hidden, shared))["userErrors"] == []
        assert (await merge(owner_client, hidden_survivor, duplicate))["userErrors"] == []
    async with client_as(anonymous_client, onlooker) as onlooker_client:
        of_survivor = await graphql(onlooker_client, EVENTS, {"id": gid(survivor)})
        of_duplicate = await graphql(onlooker_client, EVENTS, {"id": gid(duplicate)})

    assert [event["mergedLeads"] for event in of_survivor["data"]["lead"]["events"]] == [[{"id": gid(shared)}]]
    assert [(e["kind"], e["mergedInto"]) for e in of_duplicate["data"]["lead"]["events"]] == [("MERGED_INTO", None)]


async def test_merged_into_is_null_for_a_viewer_who_cannot_see_the_survivor(anonymous_client):
    partner = await make_company()
    await make_policy(partner, MemberRole.VIEWER)
    owner = await make_user()
    onlooker = await make_user(company=partner)
    survivor = await make_lead(owner)
    duplicate = await make_lead(owner, partner=partner)

    async with client_as(anonymous_client, owner) as owner_client:
        await merge(owner_client, survivor, duplicate)
    async with client_as(anonymous_client, onlooker) as onlooker_client:
        body = await graphql(onlooker_client, MERGED, {"id": gid(duplicate)})

    assert body["data"]["lead"]["mergedInto"] is None
    assert body["data"]["lead"]["status"] == "CLOSED_NOT_CONVERTED"


@pytest.mark.parametrize(
    ("ids", "code", "message", "field"),
    [
        ([], "INVALID_INPUT", "Name at least one duplicate to merge", ["duplicateIds"]),
        (["d"] * 11, "INVALID_INPUT", "At most 10 duplicates merge at once, got 11", ["duplicateIds"]),
        (["d", "d"], "INVALID_INPUT", "'{d}' is named twice", ["duplicateIds", "1"]),
        (["d", "s"], "INVALID_INPUT", "A lead cannot be merged into itself", ["duplicateIds", "1"]),
        (["d", "x"], "NOT_FOUND", "No Lead with ID '{x}'", ["duplicateIds", "1"]),
        (["d", "h"], "NOT_FOUND", "No Lead with ID '{h}'", ["duplicateIds", "1"]),
        (
            ["d", "c"],
            "FORBIDDEN",
            "Merging needs the OWNER role on every lead; yours is COLLABORATOR",
            ["duplicateIds", "1"],
        ),
        (["d", "v"], "ALREADY_CONVERTED", "A converted lead cannot be merged", ["duplicateIds", "1"]),
        (["d", "m"], "ALREADY_MERGED", "The lead was already merged into another lead", ["duplicateIds", "1"]),
    ],
)
async def test_a_refused_merge_writes_nothing(anonymous_client, ids, code, message, field):
    owner = await make_user()
    stranger = await make_user()
    survivor = await make_lead(owner)
    leads = {
        "s": survivor,
        "d": await make_lead(owner),
        "h": await make_lead(stranger),
        "c": await make_lead(stranger),
        "v": await make_lead(owner, is_converted=True, status=LeadStatus.CLOSED_CONVERTED),
        "m": await make_lead(owner),
    }
    await add_member(leads["c"], owner, MemberRole.COLLABORATOR)
    await make_activity(leads["d"], owner)
    await Lead.filter(id=leads["m"].pk).update(merged_into_id=leads["d"].pk, status=LeadStatus.CLOSED_NOT_CONVERTED)
    names = {key: gid(lead) for key, lead in leads.items()}
    names["x"] = "TGVhZDo5OTk5OTk="
    before = await snapshot()

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, MERGE, {"input": {"leadId": gid(survivor), "duplicateIds": [names[key] for key in ids]}}
        )

    assert body["data"]["mergeLeads"] == refused(code, message.format(**names), field)
    assert await snapshot() == before


@pytest.mark.parametrize("state", ["converted", "merged", "collaborator"])
async def test_the_survivor_must_be_an_unconverted_unmerged_lead_the_viewer_owns(anonymous_client, state):
    owner = await make_user()
    other_owner = await make_user()
    duplicate = await make_lead(owner)
    if state == "converted":
        survivor = await make_lead(owner, is_converted=True, status=LeadStatus.CLOSED_CONVERTED)
        expected = refused("ALREADY_CONVERTED", "A converted lead cannot be merged", ["leadId"])
    elif state == "merged":
        survivor = await make_lead(owner)
        target = await make_lead(owner)
        await Lead.filter(id=survivor.pk).update(merged_into_id=target.pk)
        expected = refused("ALREADY_MERGED", "The lead was already merged into another lead", ["leadId"])
    else:
        survivor = await make_lead(other_owner)
        await add_member(survivor, owner, MemberRole.COLLABORATOR)
        expected = refused("FORBIDDEN", "Merging needs the OWNER role on every lead; yours is COLLABORATOR", ["leadId"])
    before = await snapshot()

    async with client_as(anonymous_client, owner) as owner_client:
        payload = await merge(owner_client, survivor, duplicate)

    assert payload == expected
    assert await snapshot() == before


async def test_an_owner_through_a_policy_may_merge_leads_of_two_partners(anonymous_client):
    vendor, first_partner, second_partner = await make_company(), await make_company(), await make_company()
    admin = await make_user(company=vendor, is_admin=True)
    survivor = await make_lead(
        await make_user(company=first_partner), partner=vendor, stored_acceptance=LeadAcceptance.ACCEPTED
    )
    duplicate = await make_lead(await make_user(company=second_partner), partner=vendor)

    async with client_as(anonymous_client, admin) as admin_client:
        payload = await merge(admin_client, survivor, duplicate)

    assert payload["userErrors"] == []
    assert (await Lead.get(id=duplicate.pk)).merged_into_id == survivor.pk


MUTATIONS = {
    "updateLead": ("UpdateLeadInput", lambda ids: {"leadId": ids["lead"], "topic": "Changed"}),
    "setLeadStatus": ("SetLeadStatusInput", lambda ids: {"leadId": ids["lead"], "status": "WORKING_CONTACTED"}),
    "convertLead": ("ConvertLeadInput", lambda ids: {"leadId": ids["lead"]}),
    "linkOpportunity": (
        "LinkOpportunityInput",
        lambda ids: {"leadId": ids["lead"], "opportunityId": ids["opportunity"]},
    ),
    "respondToLead": ("RespondToLeadInput", lambda ids: {"leadId": ids["lead"], "decision": "ACCEPT"}),
    "addLeadMember": (
        "AddLeadMemberInput",
        lambda ids: {"leadId": ids["lead"], "userId": ids["user"], "role": "VIEWER"},
    ),
    "logActivity": ("LogActivityInput", lambda ids: {"leadId": ids["lead"], "kind": "CALL", "subject": "Late call"}),
    "setCompanySection": ("SetCompanySectionInput", lambda ids: {"leadId": ids["lead"], "industry": "Retail"}),
    "unlinkOpportunity": (
        "UnlinkOpportunityInput",
        lambda ids: {"leadId": ids["lead"], "opportunityId": ids["opportunity"]},
    ),
    "removeLeadMember": ("RemoveLeadMemberInput", lambda ids: {"leadId": ids["lead"], "userId": ids["user"]}),
    "linkCatalog": ("LinkCatalogInput", lambda ids: {"leadId": ids["lead"]}),
    "undoConversion": ("UndoConversionInput", lambda ids: {"leadId": ids["lead"]}),
    "mergeLeads": ("MergeLeadsInput", lambda ids: {"leadId": ids["lead"], "duplicateIds": [ids["other"]]}),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
async def test_a_merged_lead_is_read_only(anonymous_client, mutation):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    partner_admin = await make_user(company=partner, is_admin=True)
    survivor = await make_lead(owner)
    duplicate = await make_lead(owner, partner=partner)
    await add_member(duplicate, partner_admin, MemberRole.OWNER)
    other = await make_lead(partner_admin)
    opportunity = await make_opportunity(partner_admin)
    async with client_as(anonymous_client, owner) as owner_client:
        assert (await merge(owner_client, survivor, duplicate))["userErrors"] == []
    ids = {"lead": gid(duplicate), "opportunity": gid(opportunity), "user": gid(owner), "other": gid(other)}
    input_type, build = MUTATIONS[mutation]
    document = f"""
    mutation ($input: {input_type}!) {{ {mutation}(input: $input) {{ userErrors {{ code message field }} }} }}
    """
    before = await snapshot()

    async with client_as(anonymous_client, partner_admin) as partner_client:
        body = await graphql(partner_client, document, {"input": build(ids)})

    assert body == {
        "data": {
            mutation: {
                "userErrors": [
                    {
                        "code": "ALREADY_MERGED",
                        "message": "The lead was merged into another lead and is read-only"
                        if mutation != "mergeLeads"
                        else "The lead was already merged into another lead",
                        "field": ["leadId"],
                    }
                ]
            }
        }
    }
    assert await snapshot() == before


async def test_a_repeated_merge_answers_already_merged_and_writes_nothing(anonymous_client):
    owner = await make_user()
    survivor, duplicate = await make_lead(owner), await make_lead(owner)
    async with client_as(anonymous_client, owner) as owner_client:
        assert (await merge(owner_client, survivor, duplicate))["userErrors"] == []
        before = await snapshot()
        again = await merge(owner_client, survivor, duplicate)

    assert again == refused("ALREADY_MERGED", "The lead was already merged into another lead", ["duplicateIds", "0"])
    assert await snapshot() == before


@pytest.mark.parametrize("survivor_id", ["hidden", "malformed"])
async def test_a_survivor_the_viewer_cannot_see_is_not_found_and_nothing_is_written(anonymous_client, survivor_id):
    owner = await make_user()
    duplicate = await make_lead(owner)
    hidden = await make_lead(await make_user())
    value = gid(hidden) if survivor_id == "hidden" else "not-an-id"
    before = await snapshot()

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, MERGE, {"input": {"leadId": value, "duplicateIds": [gid(duplicate)]}})

    assert body["data"]["mergeLeads"]["lead"] is None
    assert [(e["code"], e["field"]) for e in body["data"]["mergeLeads"]["userErrors"]] == [("NOT_FOUND", ["leadId"])]
    assert await snapshot() == before


async def test_the_survivor_fills_from_the_duplicates_in_the_order_given_not_by_age(anonymous_client):
    owner = await make_user()
    survivor = await make_lead(owner, phone=None, job_title=None)
    older = await make_lead(owner, phone="+1 555 0001", job_title=None)
    newer = await make_lead(owner, phone="+1 555 0002", job_title="CTO")

    async with client_as(anonymous_client, owner) as owner_client:
        payload = await merge(owner_client, survivor, newer, older)

    assert (payload["lead"]["phone"], payload["lead"]["jobTitle"]) == ("+1 555 0002", "CTO")


async def test_a_member_of_two_duplicates_joins_the_survivor_with_the_higher_role(anonymous_client):
    vendor = await make_company()
    owner, colleague = await make_user(company=vendor), await make_user(company=vendor)
    survivor, first, second = await make_lead(owner), await make_lead(owner), await make_lead(owner)
    await add_member(first, colleague, MemberRole.PARTICIPANT)
    await add_member(second, colleague, MemberRole.COLLABORATOR)

    async with client_as(anonymous_client, owner) as owner_client:
        payload = await merge(owner_client, survivor, first, second)

    direct = [(m["user"]["id"], m["role"]) for m in payload["lead"]["members"] if m["source"] == "DIRECT"]
    assert sorted(direct) == sorted([(gid(owner), "OWNER"), (gid(colleague), "COLLABORATOR")])


LATE_MUTATIONS = {
    "updateLeadMember": (
        "UpdateLeadMemberInput",
        lambda ids: {"leadId": ids["lead"], "userId": ids["user"], "role": "VIEWER"},
    ),
    "unlinkCatalog": ("UnlinkCatalogInput", lambda ids: {"leadId": ids["lead"], "salesPlanIds": [ids["plan"]]}),
    "linkCatalog": ("LinkCatalogInput", lambda ids: {"leadId": ids["lead"], "salesPlanIds": [ids["plan"]]}),
}


@pytest.mark.parametrize("mutation", list(LATE_MUTATIONS))
async def test_a_merged_lead_keeps_its_members_and_catalog_links(anonymous_client, mutation):
    vendor = await make_company()
    owner, colleague = await make_user(company=vendor), await make_user(company=vendor)
    survivor, duplicate = await make_lead(owner), await make_lead(owner)
    await add_member(duplicate, colleague, MemberRole.COLLABORATOR)
    linked, unlinked = await make_sales_plan(vendor), await make_sales_plan(vendor)
    await duplicate.sales_plans.add(linked)
    plan = linked if mutation == "unlinkCatalog" else unlinked
    input_type, build = LATE_MUTATIONS[mutation]
    document = f"""
    mutation ($input: {input_type}!) {{ {mutation}(input: $input) {{ userErrors {{ code message field }} }} }}
    """
    async with client_as(anonymous_client, owner) as owner_client:
        assert (await merge(owner_client, survivor, duplicate))["userErrors"] == []
        before = await snapshot()
        body = await graphql(
            owner_client,
            document,
            {"input": build({"lead": gid(duplicate), "user": gid(colleague), "plan": gid(plan)})},
        )

    assert body["data"][mutation]["userErrors"] == [
        {
            "code": "ALREADY_MERGED",
            "message": "The lead was merged into another lead and is read-only",
            "field": ["leadId"],
        }
    ]
    assert await snapshot() == before


async def test_convert_leads_refuses_a_merged_lead_item_and_writes_nothing(anonymous_client):
    owner = await make_user()
    survivor, duplicate = await make_lead(owner), await make_lead(owner)
    document = """
    mutation ($input: ConvertLeadsInput!) {
      convertLeads(input: $input) { results { userErrors { code message field } } userErrors { code } }
    }
    """
    async with client_as(anonymous_client, owner) as owner_client:
        assert (await merge(owner_client, survivor, duplicate))["userErrors"] == []
        before = await snapshot()
        body = await graphql(owner_client, document, {"input": {"items": [{"leadId": gid(duplicate)}]}})

    assert body["data"]["convertLeads"]["userErrors"] == []
    assert [e["code"] for e in body["data"]["convertLeads"]["results"][0]["userErrors"]] == ["ALREADY_MERGED"]
    assert await snapshot() == before


@pytest.mark.parametrize(
    ("survivor_currency", "expected"),
    [(None, ("5000.00", "USD")), ("USD", ("5000.00", "USD")), ("EUR", (None, "EUR"))],
)
async def test_the_amount_fills_with_its_currency_from_the_first_duplicate_that_has_one(
    anonymous_client, survivor_currency, expected
):
    owner = await make_user()
    survivor = await make_lead(owner, estimated_amount=None, currency=survivor_currency)
    currency_only = await make_lead(owner, estimated_amount=None, currency="GBP")
    priced = await make_lead(owner, estimated_amount=Decimal("5000.00"), currency="USD")

    async with client_as(anonymous_client, owner) as owner_client:
        payload = await merge(owner_client, survivor, currency_only, priced)

    assert (payload["lead"]["estimatedAmount"], payload["lead"]["currency"]) == expected


async def test_a_currency_alone_fills_when_no_duplicate_brings_an_amount(anonymous_client):
    owner = await make_user()
    survivor = await make_lead(owner, estimated_amount=None, currency=None)
    first = await make_lead(owner, estimated_amount=None, currency=None)
    second = await make_lead(owner, estimated_amount=None, currency="GBP")

    async with client_as(anonymous_client, owner) as owner_client:
        payload = await merge(owner_client, survivor, first, second)

    assert (payload["lead"]["estimatedAmount"], payload["lead"]["currency"]) == (None, "GBP")


async def test_ten_duplicates_merge_at_once(anonymous_client):
    owner = await make_user()
    survivor = await make_lead(owner)
    duplicates = [await make_lead(owner) for _ in range(10)]

    async with client_as(anonymous_client, owner) as owner_client:
        payload = await merge(owner_client, survivor, *duplicates)

    assert payload["userErrors"] == []
    assert await Lead.filter(merged_into_id=survivor.pk).count() == 10


async def test_the_reason_names_the_prospect_when_the_survivor_has_no_topic_or_customer(anonymous_client):
    owner = await make_user()
    survivor = await make_lead(owner, topic=None, customer_name=None, first_name="Ada", last_name="Lovelace")
    duplicate = await make_lead(owner, topic=None, customer_name=None)

    async with client_as(anonymous_client, owner) as owner_client:
        assert (await merge(owner_client, survivor, duplicate))["userErrors"] == []
        body = await graphql(owner_client, MERGED, {"id": gid(duplicate)})

    assert body["data"]["lead"]["disqualificationReason"] == "Merged into Ada Lovelace"


async def test_a_section_the_survivor_lacks_moves_from_the_first_duplicate_and_fills_from_the_next(anonymous_client):
    vendor = await make_company()
    owner = await make_user(company=vendor)
    survivor, first, second = await make_lead(owner), await make_lead(owner), await make_lead(owner)
    moved = await LeadCompanySection.create(lead=first, company=vendor, industry="Energy", region=None)
    await LeadCompanySection.create(lead=second, company=vendor, industry="Retail", region="EMEA", crm_account="V-9")

    async with client_as(anonymous_client, owner) as owner_client:
        payload = await merge(owner_client, survivor, first, second)

    assert payload["lead"]["companySections"] == [
        {"industry": "Energy", "region": "EMEA", "crmAccount": "V-9", "company": {"id": gid(vendor)}}
    ]
    assert await LeadCompanySection.filter(lead_id=survivor.pk).values_list("id", flat=True) == [moved.pk]

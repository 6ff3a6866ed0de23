"""undoConversion: what it deletes, what it keeps and why, the lead restored, refusals that write
nothing, idempotency, the event delivered to subscribers, and concurrent undo and convert."""

import asyncio
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from models import (
    Account,
    Activity,
    Contact,
    Lead,
    LeadCompanySection,
    LeadOpportunity,
    LeadStatus,
    MemberRole,
    Opportunity,
    OpportunityCompanySection,
    OpportunityMember,
)
from models.conversion_records import ConversionEvent, ConversionEventKind, IdempotencyRecord
from resolvers.ids import decode_id
from tests.databases import _asyncpg_dsn
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
    make_policy,
    make_sales_plan,
    make_solution,
    make_user,
    stage_named,
)
from tests.live import cli_env, live_server, live_server_fixtures, live_token, post_all, with_database
from tests.test_conversion_cost import every_statement
from tests.test_lead_events import mutate, subscriber

UNDO = """
mutation ($input: UndoConversionInput!) {
  undoConversion(input: $input) {
    lead { id status isConverted convertedAt convertedBy { id } convertedAccount { id } convertedContact { id } }
    deletedIds
    kept { record { __typename id } reason }
    userErrors { code message field }
  }
}
"""
CONVERT = """
mutation ($input: ConvertLeadInput!) {
  convertLead(input: $input) {
    lead { id status isConverted }
    account { id } contact { id } opportunity { id }
    userErrors { code message field }
  }
}
"""
LINK = """
mutation ($input: LinkOpportunityInput!) {
  linkOpportunity(input: $input) { lead { id status } opportunity { id } userErrors { code message field } }
}
"""
LOG_ACTIVITY = """
mutation ($input: LogActivityInput!) {
  logActivity(input: $input) { activity { id } userErrors { code message field } }
}
"""
UPDATE_OPPORTUNITY = """
mutation ($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) { opportunity { id } userErrors { code message field } }
}
"""
CREATE_CONTACT = """
mutation ($input: CreateContactInput!) {
  createContact(input: $input) { contact { id } userErrors { code message field } }
}
"""
UPDATE_LEAD = """
mutation ($input: UpdateLeadInput!) {
  updateLead(input: $input) { lead { id topic } userErrors { code message field } }
}
"""
LEAD_AFTER = """
query ($id: ID!) {
  lead(id: $id) {
    status isConverted
    conversionLinks { opportunity { id } }
    events {
      kind actor { id } opportunity { id } account { id } contact { id }
      deletedIds kept { record { __typename id } reason }
    }
  }
}
"""
OPPORTUNITY_EVENTS = """
query ($id: ID!) { opportunity(id: $id) { events { kind lead { id } } conversionLinks { lead { id } } } }
"""
LEADS = """
query { leads(first: 50) { edges { node { id } } } }
"""


OPPORTUNITY_LINK_TABLES = ("opportunity_activity", "opportunity_sales_plan", "opportunity_solution")


async def _rows(table: str) -> int:
    (row,) = await Opportunity._meta.db.execute_query_dict(f"SELECT COUNT(*) AS n FROM {table}")
    return int(row["n"])


async def stored() -> dict[str, Any]:
    """Everything an undo may touch, to compare before and after a refusal."""
    return {
        "accounts": sorted(await Account.all().values_list("id", "name", "updated_at")),
        "contacts": sorted(await Contact.all().values_list("id", "account_id", "updated_at")),
        "opportunities": sorted(await Opportunity.all().values_list("id", "stage_id", "updated_at")),
        "links": sorted(await LeadOpportunity.all().values_list("lead_id", "opportunity_id")),
        "members": await OpportunityMember.all().count(),
        "opportunity links": [await _rows(table) for table in OPPORTUNITY_LINK_TABLES],
        "sections": await OpportunityCompanySection.all().count(),
        "events": await ConversionEvent.all().count(),
        "keys": await IdempotencyRecord.all().count(),
        "leads": sorted(
            await Lead.all().values_list(
                "id", "status", "is_converted", "converted_at", "converted_account_id", "converted_contact_id"
            )
        ),
    }


async def convert(client: httpx.AsyncClient, lead: Lead, **choices: Any) -> dict[str, Any]:
    body = await graphql(client, CONVERT, {"input": {"leadId": gid(lead), **choices}})
    result = body["data"]["convertLead"]
    assert result["userErrors"] == [], result
    return result


async def undo(client: httpx.AsyncClient, lead: Lead | str, **extra: Any) -> dict[str, Any]:
    lead_id = lead if isinstance(lead, str) else gid(lead)
    body = await graphql(client, UNDO, {"input": {"leadId": lead_id, **extra}})
    assert "errors" not in body, body
    return body["data"]["undoConversion"]


def pk(global_id: str, type_name: str) -> int:
    return decode_id(global_id, type_name, [])


def refused(code: str, message: str, field: list[str] | None = None) -> dict[str, Any]:
    return {
        "lead": None,
        "deletedIds": [],
        "kept": [],
        "userErrors": [{"code": code, "message": message, "field": field}],
    }


async def rich_lead() -> dict[str, Any]:
    """A lead with a colleague, a company section, a sales plan and an activity: the Standard
    template copies them all to the opportunity."""
    company = await make_company()
    owner = await make_user(company=company)
    colleague = await make_user(company=company)
    lead = await make_lead(owner, status=LeadStatus.OPEN_NOT_CONTACTED)
    await add_member(lead, colleague, MemberRole.COLLABORATOR)
    await LeadCompanySection.create(lead=lead, company=company, industry="Retail", region="EMEA")
    await lead.sales_plans.add(await make_sales_plan(company))
    await make_activity(lead, owner)
    return {"company": company, "owner": owner, "colleague": colleague, "lead": lead}


async def test_undo_deletes_what_the_conversion_created_and_restores_the_lead(anonymous_client):
    net = await rich_lead()
    owner, lead = net["owner"], net["lead"]
    before = await stored()

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead)
        result = await undo(owner_client, lead)
        after = (await graphql(owner_client, LEAD_AFTER, {"id": gid(lead)}))["data"]["lead"]
        listed = (await graphql(owner_client, LEADS))["data"]["leads"]["edges"]
        edited = (await graphql(owner_client, UPDATE_LEAD, {"input": {"leadId": gid(lead), "topic": "Again"}}))["data"][
            "updateLead"
        ]

    assert result == {
        "lead": {
            "id": gid(lead),
            "status": "OPEN_NOT_CONTACTED",
            "isConverted": False,
            "convertedAt": None,
            "convertedBy": None,
            "convertedAccount": None,
            "convertedContact": None,
        },
        "deletedIds": [converted["opportunity"]["id"], converted["contact"]["id"], converted["account"]["id"]],
        "kept": [],
        "userErrors": [],
    }
    now = await stored()
    for name in ("accounts", "contacts", "opportunities", "links", "members", "sections", "opportunity links"):
        assert now[name] == before[name], name
    assert await Activity.filter(lead_id=lead.pk).count() == 1
    assert (after["status"], after["isConverted"], after["conversionLinks"]) == ("OPEN_NOT_CONTACTED", False, [])
    assert [(event["kind"], event["actor"], event["opportunity"]) for event in after["events"]] == [
        ("CONVERTED", {"id": gid(owner)}, None),
        ("CONVERSION_UNDONE", {"id": gid(owner)}, None),
    ]
    assert [(event["deletedIds"], event["kept"]) for event in after["events"]] == [
        ([], []),
        (result["deletedIds"], []),
    ]
    assert {"node": {"id": gid(lead)}} in listed
    assert edited == {"lead": {"id": gid(lead), "topic": "Again"}, "userErrors": []}


async def test_a_lead_undone_converts_again_and_undoes_again(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, status=LeadStatus.WORKING_CONTACTED)

    async with client_as(anonymous_client, owner) as owner_client:
        first = await convert(owner_client, lead)
        await undo(owner_client, lead)
        second = await convert(owner_client, lead)
        undone = await undo(owner_client, lead)

    assert second["lead"] == {"id": gid(lead), "status": "CLOSED_CONVERTED", "isConverted": True}
    assert second["opportunity"]["id"] != first["opportunity"]["id"]
    assert undone["userErrors"] == [] and undone["lead"]["status"] == "WORKING_CONTACTED"
    assert undone["deletedIds"] == [second["opportunity"]["id"], second["contact"]["id"], second["account"]["id"]]
    assert await Opportunity.all().count() == 0 and await Account.all().count() == 0


async def test_an_opportunity_with_activities_logged_after_the_conversion_is_kept_with_its_account_and_contact(
    anonymous_client,
):
    net = await rich_lead()
    owner, lead = net["owner"], net["lead"]

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead)
        opportunity_id = converted["opportunity"]["id"]
        for subject in ("Kick-off", "Demo"):
            logged = await graphql(
                owner_client,
                LOG_ACTIVITY,
                {"input": {"kind": "MEETING", "subject": subject, "opportunityId": opportunity_id}},
            )
            assert logged["data"]["logActivity"]["userErrors"] == []
        result = await undo(owner_client, lead)
        opportunity_after = (await graphql(owner_client, OPPORTUNITY_EVENTS, {"id": opportunity_id}))["data"][
            "opportunity"
        ]
        lead_after = (await graphql(owner_client, LEAD_AFTER, {"id": gid(lead)}))["data"]["lead"]

    assert result["userErrors"] == [] and result["deletedIds"] == []
    assert result["kept"] == [
        {
            "record": {"__typename": "Opportunity", "id": opportunity_id},
            "reason": "opportunity has 2 activities logged after the conversion",
        },
        {
            "record": {"__typename": "Contact", "id": converted["contact"]["id"]},
            "reason": "contact is used by a kept opportunity",
        },
        {
            "record": {"__typename": "Account", "id": converted["account"]["id"]},
            "reason": "account is used by a kept opportunity; account's contact is kept",
        },
    ]
    assert opportunity_after["conversionLinks"] == []
    assert [event["kind"] for event in opportunity_after["events"]] == ["CONVERTED", "CONVERSION_UNDONE"]
    assert [(event["kind"], event["opportunity"]) for event in lead_after["events"]] == [
        ("CONVERTED", {"id": opportunity_id}),
        ("CONVERSION_UNDONE", None),
        ("CONVERSION_UNDONE", {"id": opportunity_id}),
    ]
    assert lead_after["events"][1]["kept"] == result["kept"] == lead_after["events"][2]["kept"]
    assert lead_after["events"][1]["deletedIds"] == []
    assert lead_after["events"][1]["account"] == {"id": converted["account"]["id"]}
    assert lead_after["events"][1]["contact"] == {"id": converted["contact"]["id"]}
    assert (lead_after["isConverted"], lead_after["conversionLinks"]) == (False, [])
    assert await Opportunity.filter(id=pk(opportunity_id, "Opportunity")).exists()
    assert await Contact.filter(id=pk(converted["contact"]["id"], "Contact")).exists()
    assert await Account.filter(id=pk(converted["account"]["id"], "Account")).exists()


async def test_a_stage_change_keeps_the_opportunity(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    qualified = await stage_named("Qualification")

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead, account={"skip": True}, contact={"skip": True})
        updated = await graphql(
            owner_client,
            UPDATE_OPPORTUNITY,
            {"input": {"opportunityId": converted["opportunity"]["id"], "stageId": gid(qualified)}},
        )
        assert updated["data"]["updateOpportunity"]["userErrors"] == []
        result = await undo(owner_client, lead)

    assert result["kept"] == [
        {
            "record": {"__typename": "Opportunity", "id": converted["opportunity"]["id"]},
            "reason": "opportunity's stage changed after the conversion",
        }
    ]
    assert result["deletedIds"] == []


async def _change_section(opportunity: Opportunity, net: dict[str, Any]) -> None:
    await OpportunityCompanySection.filter(opportunity_id=opportunity.pk).update(region="APAC")


async def _add_solution(opportunity: Opportunity, net: dict[str, Any]) -> None:
    await opportunity.solutions.add(await make_solution(net["company"]))


async def _change_role(opportunity: Opportunity, net: dict[str, Any]) -> None:
    await OpportunityMember.filter(opportunity_id=opportunity.pk, user_id=net["colleague"].pk).update(
        role=MemberRole.VIEWER
    )


async def _remove_member(opportunity: Opportunity, net: dict[str, Any]) -> None:
    await OpportunityMember.filter(opportunity_id=opportunity.pk, user_id=net["colleague"].pk).delete()


async def _change_amount(opportunity: Opportunity, net: dict[str, Any]) -> None:
    opportunity.amount = Decimal("999.00")
    await opportunity.save(update_fields=["amount"])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_change_section, "opportunity's company sections changed after the conversion"),
        (_add_solution, "opportunity's solutions changed after the conversion"),
        (_change_role, "opportunity has 1 member whose role changed after the conversion"),
        (_remove_member, "opportunity has 1 member removed after the conversion"),
        (_change_amount, "opportunity's amount changed after the conversion"),
    ],
    ids=["section", "catalog", "role", "member-removed", "amount"],
)
async def test_each_change_since_the_conversion_keeps_the_opportunity(anonymous_client, change, reason):
    net = await rich_lead()
    owner, lead = net["owner"], net["lead"]

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead, account={"skip": True}, contact={"skip": True})
        await change(await Opportunity.get(id=pk(converted["opportunity"]["id"], "Opportunity")), net)
        result = await undo(owner_client, lead)

    assert result["kept"] == [
        {"record": {"__typename": "Opportunity", "id": converted["opportunity"]["id"]}, "reason": reason}
    ]
    assert result["deletedIds"] == []


async def test_an_account_with_another_contact_is_kept_and_the_rest_deleted(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead)
        created = await graphql(
            owner_client,
            CREATE_CONTACT,
            {"input": {"lastName": "Other", "accountId": converted["account"]["id"]}},
        )
        assert created["data"]["createContact"]["userErrors"] == []
        result = await undo(owner_client, lead)

    assert result["deletedIds"] == [converted["opportunity"]["id"], converted["contact"]["id"]]
    assert result["kept"] == [
        {"record": {"__typename": "Account", "id": converted["account"]["id"]}, "reason": "account has 1 other contact"}
    ]
    assert await Contact.all().count() == 1 and await Account.all().count() == 1


async def test_an_opportunity_linked_to_another_lead_or_given_a_member_is_kept(anonymous_client):
    company = await make_company()
    owner, newcomer = await make_user(company=company), await make_user(company=company)
    lead, other_lead = await make_lead(owner), await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead, account={"skip": True}, contact={"skip": True})
        opportunity_id = converted["opportunity"]["id"]
        linked = await graphql(
            owner_client, LINK, {"input": {"leadId": gid(other_lead), "opportunityId": opportunity_id}}
        )
        assert linked["data"]["linkOpportunity"]["userErrors"] == []
        await add_member(await Opportunity.get(id=pk(opportunity_id, "Opportunity")), newcomer, MemberRole.VIEWER)
        result = await undo(owner_client, lead)

    assert result["kept"] == [
        {
            "record": {"__typename": "Opportunity", "id": opportunity_id},
            "reason": "opportunity is linked to another lead; opportunity has 1 member added after the conversion",
        }
    ]
    assert await LeadOpportunity.filter(lead_id=other_lead.pk).count() == 1
    assert await LeadOpportunity.filter(lead_id=lead.pk).count() == 0


async def test_a_linked_opportunity_is_only_unlinked(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, status=LeadStatus.OPEN_NOT_CONTACTED)
    existing = await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead, opportunity={"existingId": gid(existing)})
        result = await undo(owner_client, lead)

    assert result["deletedIds"] == [converted["contact"]["id"], converted["account"]["id"]]
    assert result["kept"] == []
    assert await Opportunity.filter(id=existing.pk).exists()
    assert await LeadOpportunity.all().count() == 0


@pytest.mark.parametrize("attach_contact", [False, True], ids=["contact-created", "contact-attached"])
async def test_an_attached_account_or_contact_is_never_deleted(anonymous_client, attach_contact):
    company = await make_company()
    owner = await make_user(company=company)
    account = await make_account(company)
    contact = await make_contact(company, account=account)
    lead = await make_lead(owner)
    choices: dict[str, Any] = {"account": {"existingId": gid(account)}}
    if attach_contact:
        choices["contact"] = {"existingId": gid(contact)}

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead, **choices)
        result = await undo(owner_client, lead)

    created_contact = [] if attach_contact else [converted["contact"]["id"]]
    assert converted["account"] == {"id": gid(account)}
    assert (result["deletedIds"], result["kept"]) == ([converted["opportunity"]["id"], *created_contact], [])
    assert await Account.filter(id=account.pk).exists()
    assert await Contact.all().values_list("id", "account_id") == [(contact.pk, account.pk)]


async def test_an_opportunity_linked_after_the_conversion_is_only_unlinked(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, status=LeadStatus.OPEN_NOT_CONTACTED)
    existing = await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead)
        linked = await graphql(owner_client, LINK, {"input": {"leadId": gid(lead), "opportunityId": gid(existing)}})
        assert linked["data"]["linkOpportunity"]["userErrors"] == []
        result = await undo(owner_client, lead)

    assert result["lead"]["status"] == "OPEN_NOT_CONTACTED"
    assert result["deletedIds"] == [
        converted["opportunity"]["id"],
        converted["contact"]["id"],
        converted["account"]["id"],
    ]
    assert result["kept"] == []
    assert await Opportunity.filter(id=existing.pk).exists()
    assert await LeadOpportunity.all().count() == 0


async def test_a_second_undo_is_not_converted_and_changes_nothing(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        await convert(owner_client, lead)
        first = await undo(owner_client, lead)
        before = await stored()
        second = await undo(owner_client, lead)

    assert first["userErrors"] == []
    assert second == refused("NOT_CONVERTED", "The lead is not converted: there is no conversion to undo", ["leadId"])
    assert await stored() == before


async def test_a_lead_converted_by_linking_returns_to_its_status(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, status=LeadStatus.OPEN_NOT_CONTACTED)
    existing = await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        linked = await graphql(owner_client, LINK, {"input": {"leadId": gid(lead), "opportunityId": gid(existing)}})
        assert linked["data"]["linkOpportunity"]["lead"]["status"] == "CLOSED_CONVERTED"
        result = await undo(owner_client, lead)

    assert (result["lead"]["status"], result["lead"]["isConverted"]) == ("OPEN_NOT_CONTACTED", False)
    assert (result["deletedIds"], result["kept"]) == ([], [])
    assert await Opportunity.filter(id=existing.pk).exists()


async def _as_before_snapshots(lead: Lead) -> None:
    """Make the lead's conversion event look like one recorded before conversions stored their
    status and snapshots."""
    for event in await ConversionEvent.filter(lead_id=lead.pk):
        event.details = {
            key: value
            for key, value in event.details.items()
            if key not in ("previous_status", "opportunity_snapshot", "account_snapshot", "contact_snapshot")
        }
        await event.save(update_fields=["details"])


async def test_an_older_conversion_returns_to_working_contacted_and_is_judged_by_what_the_lead_has(
    anonymous_client,
):
    net = await rich_lead()
    owner, lead = net["owner"], net["lead"]

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead)
        await _as_before_snapshots(lead)
        result = await undo(owner_client, lead)

    assert result["lead"]["status"] == "WORKING_CONTACTED"
    assert result["kept"] == []
    assert result["deletedIds"] == [
        converted["opportunity"]["id"],
        converted["contact"]["id"],
        converted["account"]["id"],
    ]
    undone = await ConversionEvent.get(lead_id=lead.pk, kind=ConversionEventKind.CONVERSION_UNDONE)
    assert (undone.details["restored_status"], undone.details["status_assumed"]) == ("WORKING_CONTACTED", True)


async def test_an_older_conversion_keeps_an_opportunity_edited_or_given_members_and_links(anonymous_client):
    net = await rich_lead()
    owner, lead, company = net["owner"], net["lead"], net["company"]
    outsider = await make_user(company=company)

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead, account={"skip": True}, contact={"skip": True})
        await _as_before_snapshots(lead)
        opportunity = await Opportunity.get(lead_links__lead_id=lead.pk)
        await add_member(opportunity, outsider, MemberRole.VIEWER)
        await opportunity.sales_plans.add(await make_sales_plan(company))
        updated = await graphql(
            owner_client,
            UPDATE_OPPORTUNITY,
            {"input": {"opportunityId": converted["opportunity"]["id"], "name": "Renamed"}},
        )
        assert updated["data"]["updateOpportunity"]["userErrors"] == []
        result = await undo(owner_client, lead)

    assert result["kept"] == [
        {
            "record": {"__typename": "Opportunity", "id": converted["opportunity"]["id"]},
            "reason": "opportunity's members changed after the conversion; opportunity's sales plans changed after "
            "the conversion; opportunity was edited after the conversion",
        }
    ]


@pytest.mark.parametrize("policy", ["admin", "access policy"])
async def test_an_owner_through_a_policy_may_undo(anonymous_client, policy):
    company = await make_company()
    owner = await make_user(company=company)
    colleague = await make_user(company=company, is_admin=policy == "admin")
    if policy == "access policy":
        await make_policy(company, MemberRole.OWNER)
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead)
    async with client_as(anonymous_client, colleague) as colleague_client:
        result = await undo(colleague_client, lead)

    assert result["userErrors"] == [] and result["lead"]["isConverted"] is False
    assert result["deletedIds"] == [
        converted["opportunity"]["id"],
        converted["contact"]["id"],
        converted["account"]["id"],
    ]


async def test_a_collaborator_through_an_access_policy_is_forbidden_and_nothing_changes(anonymous_client):
    company = await make_company()
    owner, colleague = await make_user(company=company), await make_user(company=company)
    lead = await make_lead(owner)
    await make_policy(company, MemberRole.COLLABORATOR)
    async with client_as(anonymous_client, owner) as owner_client:
        await convert(owner_client, lead)
    before = await stored()

    async with client_as(anonymous_client, colleague) as colleague_client:
        result = await undo(colleague_client, lead)

    assert result == refused("FORBIDDEN", "Your role on this lead (COLLABORATOR) does not allow this", ["leadId"])
    assert await stored() == before


@pytest.mark.parametrize("role", [MemberRole.COLLABORATOR, MemberRole.VIEWER])
async def test_below_owner_is_forbidden_and_nothing_changes(anonymous_client, role):
    company = await make_company()
    owner, member = await make_user(company=company), await make_user(company=company)
    lead = await make_lead(owner)
    await add_member(lead, member, role)
    async with client_as(anonymous_client, owner) as owner_client:
        await convert(owner_client, lead)
    before = await stored()

    async with client_as(anonymous_client, member) as member_client:
        result = await undo(member_client, lead)

    assert result == refused("FORBIDDEN", f"Your role on this lead ({role.value}) does not allow this", ["leadId"])
    assert await stored() == before


async def test_an_invisible_lead_and_a_bad_id_are_not_found_and_nothing_changes(anonymous_client):
    owner, outsider = await make_user(), await make_user()
    lead = await make_lead(owner)
    async with client_as(anonymous_client, owner) as owner_client:
        await convert(owner_client, lead)
    before = await stored()

    async with client_as(anonymous_client, outsider) as outsider_client:
        hidden = await undo(outsider_client, lead)
        bad = await undo(outsider_client, "not-an-id")
        foreign = await undo(outsider_client, gid(owner))

    assert hidden == refused("NOT_FOUND", f"No Lead with ID '{gid(lead)}'", ["leadId"])
    assert bad == refused("NOT_FOUND", "No Lead with ID 'not-an-id'", ["leadId"])
    assert foreign == refused("NOT_FOUND", f"No Lead with ID '{gid(owner)}'", ["leadId"])
    assert await stored() == before


async def test_a_lead_that_is_not_converted_is_not_converted_and_nothing_changes(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    before = await stored()

    async with client_as(anonymous_client, owner) as owner_client:
        result = await undo(owner_client, lead, idempotencyKey="first-undo")

    assert result == refused("NOT_CONVERTED", "The lead is not converted: there is no conversion to undo", ["leadId"])
    assert await stored() == before


async def test_the_same_key_replays_the_first_result_and_writes_nothing(anonymous_client):
    net = await rich_lead()
    owner, lead = net["owner"], net["lead"]

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead)
        await graphql(
            owner_client,
            LOG_ACTIVITY,
            {"input": {"kind": "CALL", "subject": "Follow-up", "opportunityId": converted["opportunity"]["id"]}},
        )
        first = await undo(owner_client, lead, idempotencyKey="undo-1")
        before = await stored()
        again = await undo(owner_client, lead, idempotencyKey="undo-1")

    assert first["userErrors"] == [] and len(first["kept"]) == 3
    assert again == first
    assert await stored() == before


async def test_a_replay_after_the_lead_was_converted_again_answers_the_first_undo_and_writes_nothing(
    anonymous_client,
):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        await convert(owner_client, lead)
        first = await undo(owner_client, lead, idempotencyKey="undo-once")
        again_converted = await convert(owner_client, lead)
        before = await stored()
        replayed = await undo(owner_client, lead, idempotencyKey="undo-once")

    assert (replayed["deletedIds"], replayed["kept"], replayed["userErrors"]) == (first["deletedIds"], [], [])
    assert (replayed["lead"]["id"], replayed["lead"]["isConverted"]) == (gid(lead), True)
    assert await stored() == before
    assert await Opportunity.filter(id=pk(again_converted["opportunity"]["id"], "Opportunity")).exists()


async def test_a_key_used_with_another_input_or_by_convert_lead_is_reused_and_nothing_changes(anonymous_client):
    owner = await make_user()
    lead, other = await make_lead(owner), await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        await convert(owner_client, lead, idempotencyKey="convert-key")
        await convert(owner_client, other)
        await undo(owner_client, other, idempotencyKey="undo-key")
        await convert(owner_client, other)
        before = await stored()
        by_convert = await undo(owner_client, lead, idempotencyKey="convert-key")
        other_input = await undo(owner_client, lead, idempotencyKey="undo-key")
        too_long = await undo(owner_client, lead, idempotencyKey="k" * 256)

    reused = refused(
        "IDEMPOTENCY_KEY_REUSED", "This idempotency key was used with a different input", ["idempotencyKey"]
    )
    assert by_convert == reused
    assert other_input == reused
    assert too_long == refused(
        "INVALID_INPUT", "idempotencyKey may have at most 255 characters, got 256", ["idempotencyKey"]
    )
    assert await stored() == before


async def test_every_opportunity_of_the_lead_goes_with_its_account_and_contact(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead)
        added = await convert(owner_client, lead, opportunity={"create": {"name": "Second deal"}})
        result = await undo(owner_client, lead)

    assert result["deletedIds"] == [
        converted["opportunity"]["id"],
        added["opportunity"]["id"],
        converted["contact"]["id"],
        converted["account"]["id"],
    ]
    assert (await Opportunity.all().count(), await LeadOpportunity.all().count()) == (0, 0)


@pytest.mark.parametrize("changed", [True, False], ids=["kept", "deleted"])
async def test_records_the_viewer_cannot_see_are_not_listed(anonymous_client, changed):
    company = await make_company()
    owner, converter = await make_user(company=company), await make_user(company=company)
    lead = await make_lead(owner)
    await add_member(lead, converter, MemberRole.COLLABORATOR)

    async with client_as(anonymous_client, converter) as converter_client:
        converted = await convert(
            converter_client,
            lead,
            account={"skip": True},
            contact={"skip": True},
            opportunity={"create": {"excludeMemberIds": [gid(owner)]}},
        )
        if changed:
            await graphql(
                converter_client,
                LOG_ACTIVITY,
                {"input": {"kind": "CALL", "subject": "Call", "opportunityId": converted["opportunity"]["id"]}},
            )
    async with client_as(anonymous_client, owner) as owner_client:
        result = await undo(owner_client, lead)

    assert (result["userErrors"], result["kept"], result["deletedIds"]) == ([], [], [])
    assert await Opportunity.all().count() == (1 if changed else 0)
    assert await LeadOpportunity.all().count() == 0


UNDO_STATEMENTS = 29
"""One undo with an idempotency key, of a lead whose created opportunities all were kept, however
many: the viewer; the lead, locked, and the viewer's role on it; the key, not used yet; the lead's
events, its conversion links, the opportunities, the account and the contact; for the
opportunities, their other leads, activities, catalog links, members and sections (one query each
for all of them); what else uses the contact and the account; which of them the viewer sees; the
lead restored, its links removed, the events (one INSERT for all); the key stored. PostgreSQL adds
one NOTIFY per event, to deliver it to subscribers."""

REPLAY_STATEMENTS = 9
"""Its replay: the viewer; the lead, locked, and the viewer's role on it; the key; the kept
opportunities, account and contact (one query each, however many); the lead."""


@pytest.mark.parametrize("opportunities", [1, 3])
async def test_an_undo_and_its_replay_cost_the_same_statements_however_many_opportunities_it_keeps(
    backend, anonymous_client, opportunities
):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        created = [(await convert(owner_client, lead))["opportunity"]["id"]]
        for _ in range(opportunities - 1):
            added = await convert(owner_client, lead, opportunity={"create": {}})
            created.append(added["opportunity"]["id"])
        for opportunity_id in created:
            logged = await graphql(
                owner_client,
                LOG_ACTIVITY,
                {"input": {"kind": "CALL", "subject": "Call", "opportunityId": opportunity_id}},
            )
            assert logged["data"]["logActivity"]["userErrors"] == []
        with every_statement() as statements:
            result = await undo(owner_client, lead, idempotencyKey="undo-once")
        with every_statement() as replay_statements:
            replayed = await undo(owner_client, lead, idempotencyKey="undo-once")

    assert [item["record"]["id"] for item in result["kept"]][:opportunities] == created
    assert len(result["kept"]) == opportunities + 2
    notifications = 1 + opportunities if backend == "postgres" else 0
    assert len(statements) == UNDO_STATEMENTS + notifications, "\n".join(statements)
    assert replayed == result
    assert len(replay_statements) == REPLAY_STATEMENTS, "\n".join(replay_statements)


EVENT_DELETED_IDS = """
query ($id: ID!) { lead(id: $id) { events { kind deletedIds } } }
"""


async def test_the_events_deleted_ids_name_an_opportunity_only_to_those_who_could_see_it(anonymous_client):
    company = await make_company()
    owner, converter, reader = [await make_user(company=company) for _ in range(3)]
    admin = await make_user(company=company, is_admin=True)
    lead = await make_lead(owner)
    await add_member(lead, converter, MemberRole.COLLABORATOR)
    await add_member(lead, reader, MemberRole.VIEWER)

    async with client_as(anonymous_client, converter) as converter_client:
        converted = await convert(
            converter_client, lead, opportunity={"create": {"excludeMemberIds": [gid(owner), gid(reader)]}}
        )
    async with client_as(anonymous_client, owner) as owner_client:
        result = await undo(owner_client, lead)

    undone_by = {}
    for user in (owner, reader, converter, admin):
        async with client_as(anonymous_client, user) as client:
            events = (await graphql(client, EVENT_DELETED_IDS, {"id": gid(lead)}))["data"]["lead"]["events"]
        undone_by[user.pk] = [event["deletedIds"] for event in events if event["kind"] == "CONVERSION_UNDONE"]

    account_and_contact = [converted["contact"]["id"], converted["account"]["id"]]
    assert result["deletedIds"] == account_and_contact
    assert undone_by[owner.pk] == undone_by[reader.pk] == [account_and_contact]
    assert undone_by[converter.pk] == undone_by[admin.pk] == [[converted["opportunity"]["id"], *account_and_contact]]


async def _blocked_on_a_lock(connection: asyncpg.Connection, seconds: float = 10) -> None:
    """Until another session of the database waits for a lock (the undo, for the editor's)."""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    for _ in range(int(seconds / 0.05)):
        if await connection.fetchval(query):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the undo never waited for the opportunity")


async def test_an_edit_that_commits_while_the_undo_waits_for_the_opportunity_keeps_it(
    backend, database_url, anonymous_client
):
    if backend != "postgres":
        pytest.skip("SQLite writes one transaction at a time: no edit can commit while an undo runs")
    owner = await make_user()
    lead = await make_lead(owner)
    async with client_as(anonymous_client, owner) as owner_client:
        converted = await convert(owner_client, lead, account={"skip": True}, contact={"skip": True})
        opportunity_pk = pk(converted["opportunity"]["id"], "Opportunity")
        editor = await asyncpg.connect(_asyncpg_dsn(database_url))
        try:
            # Another request holds the opportunity, as updateOpportunity does, while the undo starts.
            async with editor.transaction():
                await editor.execute("SELECT id FROM opportunity WHERE id = $1 FOR UPDATE", opportunity_pk)
                undoing = asyncio.create_task(undo(owner_client, lead))
                await _blocked_on_a_lock(editor)
                assert not undoing.done()
                await editor.execute("UPDATE opportunity SET name = 'Renamed' WHERE id = $1", opportunity_pk)
        finally:
            await editor.close()
        result = await undoing

    assert result["kept"] == [
        {
            "record": {"__typename": "Opportunity", "id": converted["opportunity"]["id"]},
            "reason": "opportunity's name changed after the conversion",
        }
    ]
    assert await Opportunity.filter(id=opportunity_pk, name="Renamed").exists()


# Live servers: the event delivered to subscribers, and concurrent requests.


live_env, db, server = live_server_fixtures("undo-events")


async def test_the_undo_reaches_subscribers_once_for_the_lead_and_once_per_kept_opportunity(db, server):
    owner = await make_user()
    lead = await make_lead(owner)

    async with subscriber(server, owner, gid(lead)) as owner_events:
        converted = await mutate(server, owner, CONVERT, {"input": {"leadId": gid(lead)}})
        opportunity_id = converted["opportunity"]["id"]
        await mutate(
            server,
            owner,
            LOG_ACTIVITY,
            {"input": {"kind": "CALL", "subject": "Call", "opportunityId": opportunity_id}},
        )
        await mutate(server, owner, UNDO, {"input": {"leadId": gid(lead)}})

        received = [await owner_events.next_event() for _ in range(3)]

    assert [(event["kind"], event["opportunity"], event["lead"]["isConverted"]) for event in received] == [
        ("CONVERTED", {"id": opportunity_id}, True),
        ("CONVERSION_UNDONE", None, False),
        ("CONVERSION_UNDONE", {"id": opportunity_id}, False),
    ]
    assert received[1]["actor"] == {"id": gid(owner)}


CALLS = 8


async def _seed_converted() -> tuple[int, str]:
    owner = await make_user()
    lead = await make_lead(owner, status=LeadStatus.WORKING_CONTACTED)
    return owner.id, gid(lead)


async def _records() -> dict[str, int]:
    return {
        "accounts": await Account.all().count(),
        "opportunities": await Opportunity.all().count(),
        "links": await LeadOpportunity.all().count(),
        "converted": await Lead.filter(is_converted=True).count(),
    }


@pytest.mark.slow
def test_concurrent_undos_undo_once_and_undo_and_convert_serialize(backend, database_url):
    owner_id, lead_id = with_database(database_url, _seed_converted)
    env = cli_env(database_url)
    workers = ["--workers", "2"] if backend == "postgres" else []
    undo_call = (UNDO, {"input": {"leadId": lead_id}})
    convert_call = (CONVERT, {"input": {"leadId": lead_id}})
    add_opportunity_call = (CONVERT, {"input": {"leadId": lead_id, "opportunity": {"create": {}}}})

    with live_server(env, *workers) as server:
        token = live_token(env, owner_id)
        asyncio.run(post_all(server.graphql_url, token, [convert_call]))
        undos = asyncio.run(post_all(server.graphql_url, token, [undo_call] * CALLS))
        after_undos = with_database(database_url, _records)
        asyncio.run(post_all(server.graphql_url, token, [convert_call]))
        mixed = asyncio.run(post_all(server.graphql_url, token, [undo_call, add_opportunity_call]))
        after_mixed = with_database(database_url, _records)

    outcomes = sorted(tuple(e["code"] for e in body["data"]["undoConversion"]["userErrors"]) for body in undos)
    assert outcomes == [()] + [("NOT_CONVERTED",)] * (CALLS - 1)
    assert after_undos == {"accounts": 0, "opportunities": 0, "links": 0, "converted": 0}
    undone, added = mixed[0]["data"]["undoConversion"], mixed[1]["data"]["convertLead"]
    assert (undone["userErrors"], added["userErrors"]) == ([], [])
    if added["account"] is None:
        # The opportunity was added to the converted lead first; the undo then removed it too.
        assert added["opportunity"]["id"] in undone["deletedIds"] and len(undone["deletedIds"]) == 4
        assert after_mixed == {"accounts": 0, "opportunities": 0, "links": 0, "converted": 0}
    else:
        # The undo ran first; the conversion then converted the lead afresh.
        assert after_mixed == {"accounts": 1, "opportunities": 1, "links": 1, "converted": 1}

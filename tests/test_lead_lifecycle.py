"""The lead lifecycle through the API: createLead, updateLead, setLeadStatus, respondToLead."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from models import Lead, LeadAcceptance, LeadMember, LeadStatus, MemberRole
from tests.factories import add_member, client_as, gid, graphql, make_company, make_lead, make_policy, make_user

LEAD_FIELDS = """
  id topic firstName lastName email phone jobTitle customerName website description source score
  estimatedAmount currency estimatedCloseDate status acceptance acceptanceDeadline rejectionReason
  disqualificationReason sourcedBy { id } partner { id } owner { id } isConverted
"""
CREATE = f"""
mutation ($input: CreateLeadInput!) {{
  createLead(input: $input) {{ lead {{ {LEAD_FIELDS} }} userErrors {{ code message field }} }}
}}
"""
UPDATE = f"""
mutation ($input: UpdateLeadInput!) {{
  updateLead(input: $input) {{ lead {{ {LEAD_FIELDS} }} userErrors {{ code message field }} }}
}}
"""
SET_STATUS = """
mutation ($input: SetLeadStatusInput!) {
  setLeadStatus(input: $input) { lead { id status disqualificationReason } userErrors { code message field } }
}
"""
RESPOND = """
mutation ($input: RespondToLeadInput!) {
  respondToLead(input: $input) { lead { id acceptance rejectionReason estimatedAmount } userErrors { code message field } }
}
"""
FUTURE = (datetime.now(UTC) + timedelta(days=14)).replace(microsecond=0)


async def snapshot() -> dict[str, Any]:
    """Everything a lead mutation could write."""
    return {
        "leads": await Lead.all().order_by("id").values(),
        "members": await LeadMember.all().order_by("id").values("lead_id", "user_id", "role"),
    }


def errors_of(body: dict[str, Any], mutation: str) -> list[dict[str, Any]]:
    assert "errors" not in body, body
    payload = body["data"][mutation]
    assert payload["lead"] is None
    return payload["userErrors"]


async def shared_network() -> dict[str, Any]:
    """A vendor whose owner shares a lead with a partner; the partner's users are COLLABORATORs
    through a company policy, except one VIEWER-only company elsewhere."""
    vendor, partner = await make_company(name="Vendor"), await make_company(name="Partner")
    owner = await make_user(company=vendor)
    partner_rep = await make_user(company=partner)
    await make_policy(partner, MemberRole.COLLABORATOR)
    lead = await make_lead(owner, partner=partner, acceptance_deadline=FUTURE)
    return {"vendor": vendor, "partner": partner, "owner": owner, "partner_rep": partner_rep, "lead": lead}


# createLead


async def test_create_lead_makes_the_creator_its_owner_sourced_by_their_company(anonymous_client):
    creator = await make_user()

    async with client_as(anonymous_client, creator) as creator_client:
        body = await graphql(
            creator_client,
            CREATE,
            {
                "input": {
                    "topic": " ERP rollout ",
                    "firstName": "Pat",
                    "lastName": "Buyer",
                    "email": "Pat@Acme.Example",
                    "phone": "+1 555 0100",
                    "jobTitle": "CIO",
                    "customerName": "Acme",
                    "website": "https://acme.example",
                    "description": "Pilot first",
                    "source": "Webinar",
                    "score": 0,
                    "estimatedAmount": "1500.50",
                    "currency": "usd",
                    "estimatedCloseDate": "2031-02-28",
                }
            },
        )

    payload = body["data"]["createLead"]
    lead = await Lead.get()
    assert payload == {
        "lead": {
            "id": gid(lead),
            "topic": "ERP rollout",
            "firstName": "Pat",
            "lastName": "Buyer",
            "email": "pat@acme.example",
            "phone": "+1 555 0100",
            "jobTitle": "CIO",
            "customerName": "Acme",
            "website": "https://acme.example",
            "description": "Pilot first",
            "source": "Webinar",
            "score": 0,
            "estimatedAmount": "1500.50",
            "currency": "USD",
            "estimatedCloseDate": "2031-02-28",
            "status": "OPEN_NOT_CONTACTED",
            "acceptance": "NOT_REQUIRED",
            "acceptanceDeadline": None,
            "rejectionReason": None,
            "disqualificationReason": None,
            "sourcedBy": {"id": gid(creator.company)},
            "partner": None,
            "owner": {"id": gid(creator)},
            "isConverted": False,
        },
        "userErrors": [],
    }
    assert (lead.owner_id, lead.sourced_by_id) == (creator.id, creator.company_id)
    assert await LeadMember.filter(lead_id=lead.id).values_list("user_id", "role") == [(creator.id, MemberRole.OWNER)]


async def test_create_lead_with_a_partner_waits_for_its_answer(anonymous_client):
    creator = await make_user()
    partner = await make_company()

    async with client_as(anonymous_client, creator) as creator_client:
        body = await graphql(
            creator_client,
            CREATE,
            {
                "input": {
                    "customerName": "Acme",
                    "sourcedById": gid(creator.company),
                    "partnerId": gid(partner),
                    "acceptanceDeadline": FUTURE.isoformat(),
                }
            },
        )

    lead = body["data"]["createLead"]["lead"]
    assert body["data"]["createLead"]["userErrors"] == []
    assert (lead["acceptance"], lead["acceptanceDeadline"], lead["partner"], lead["sourcedBy"]) == (
        "PENDING",
        FUTURE.isoformat(),
        {"id": gid(partner)},
        {"id": gid(creator.company)},
    )


async def test_create_lead_with_its_own_company_as_partner_needs_no_acceptance(anonymous_client):
    creator = await make_user()

    async with client_as(anonymous_client, creator) as creator_client:
        body = await graphql(
            creator_client, CREATE, {"input": {"topic": "In house", "partnerId": gid(creator.company)}}
        )

    lead = body["data"]["createLead"]["lead"]
    assert (lead["acceptance"], lead["partner"]) == ("NOT_REQUIRED", {"id": gid(creator.company)})


async def test_create_lead_refuses_another_company_as_source(anonymous_client):
    creator = await make_user()
    other = await make_company()

    async with client_as(anonymous_client, creator) as creator_client:
        body = await graphql(creator_client, CREATE, {"input": {"topic": "Not mine", "sourcedById": gid(other)}})

    assert errors_of(body, "createLead") == [
        {"code": "FORBIDDEN", "message": "A lead can only be sourced by your own company", "field": ["sourcedById"]}
    ]
    assert await Lead.all().count() == 0


async def test_create_lead_refuses_unknown_and_wrong_type_company_ids(anonymous_client):
    creator = await make_user()

    async with client_as(anonymous_client, creator) as creator_client:
        unknown = await graphql(creator_client, CREATE, {"input": {"topic": "x", "partnerId": "Q29tcGFueTo5OTk5OTk="}})
        wrong_type = await graphql(creator_client, CREATE, {"input": {"topic": "x", "sourcedById": gid(creator)}})

    assert errors_of(unknown, "createLead") == [
        {"code": "NOT_FOUND", "message": "No Company with ID 'Q29tcGFueTo5OTk5OTk='", "field": ["partnerId"]}
    ]
    assert errors_of(wrong_type, "createLead") == [
        {"code": "NOT_FOUND", "message": f"No Company with ID '{gid(creator)}'", "field": ["sourcedById"]}
    ]
    assert await snapshot() == {"leads": [], "members": []}


async def test_create_lead_refuses_a_deadline_in_the_past_or_without_a_partner(anonymous_client):
    creator = await make_user()
    partner = await make_company()
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()

    async with client_as(anonymous_client, creator) as creator_client:
        in_the_past = await graphql(
            creator_client, CREATE, {"input": {"topic": "x", "partnerId": gid(partner), "acceptanceDeadline": past}}
        )
        unshared = await graphql(
            creator_client, CREATE, {"input": {"topic": "x", "acceptanceDeadline": FUTURE.isoformat()}}
        )

    assert errors_of(in_the_past, "createLead") == [
        {
            "code": "INVALID_INPUT",
            "message": "acceptanceDeadline must be in the future",
            "field": ["acceptanceDeadline"],
        }
    ]
    assert errors_of(unshared, "createLead") == [
        {
            "code": "INVALID_INPUT",
            "message": "acceptanceDeadline only applies to a lead shared with a partner company",
            "field": ["acceptanceDeadline"],
        }
    ]
    assert await snapshot() == {"leads": [], "members": []}


async def test_create_lead_refuses_bad_values_naming_each_field(anonymous_client):
    creator = await make_user()
    cases = [
        (
            {"topic": "x", "email": "not-an-email"},
            "INVALID_INPUT",
            ["email"],
            "'not-an-email' is not a valid email address",
        ),
        ({"topic": "x", "currency": "EURO"}, "INVALID_INPUT", ["currency"], "'EURO' is not an ISO 4217 currency code"),
        ({"topic": "x", "score": 101}, "INVALID_INPUT", ["score"], "score must be between 0 and 100"),
        ({"topic": "x", "score": -1}, "INVALID_INPUT", ["score"], "score must be between 0 and 100"),
        (
            {"topic": "x", "estimatedAmount": "-0.01", "currency": "EUR"},
            "INVALID_INPUT",
            ["estimatedAmount"],
            "estimatedAmount must not be negative",
        ),
        (
            {"topic": "x", "estimatedAmount": "1.001", "currency": "EUR"},
            "INVALID_INPUT",
            ["estimatedAmount"],
            "estimatedAmount may have at most two decimal places and 16 digits",
        ),
        ({"topic": "   "}, "INVALID_INPUT", ["topic"], "topic must not be empty; send null to clear it"),
        ({"topic": "x" * 256}, "INVALID_INPUT", ["topic"], "topic may be at most 255 characters"),
        (
            {"topic": "x", "firstName": "f" * 121},
            "INVALID_INPUT",
            ["firstName"],
            "firstName may be at most 120 characters",
        ),
        (
            {"topic": "x", "description": "d" * 10_001},
            "INVALID_INPUT",
            ["description"],
            "description may be at most 10000 characters",
        ),
        (
            {"firstName": "Only a first name"},
            "INVALID_INPUT",
            ["topic"],
            "A lead needs a topic, a last name or a customer name",
        ),
        (
            {"topic": "x", "estimatedAmount": "10.00"},
            "INVALID_INPUT",
            ["currency"],
            "An estimated amount needs a currency",
        ),
    ]

    async with client_as(anonymous_client, creator) as creator_client:
        results = [await graphql(creator_client, CREATE, {"input": given}) for given, *_ in cases]

    assert [errors_of(body, "createLead") for body in results] == [
        [{"code": code, "message": message, "field": field}] for _, code, field, message in cases
    ]
    assert await snapshot() == {"leads": [], "members": []}


async def test_create_lead_reports_every_bad_field_at_once(anonymous_client):
    creator = await make_user()

    async with client_as(anonymous_client, creator) as creator_client:
        body = await graphql(
            creator_client, CREATE, {"input": {"topic": "x", "email": "@", "currency": "XX", "score": 500}}
        )

    assert [error["field"] for error in errors_of(body, "createLead")] == [["email"], ["score"], ["currency"]]
    assert await Lead.all().count() == 0


async def test_create_lead_refuses_values_of_the_wrong_graphql_type(anonymous_client):
    creator = await make_user()

    async with client_as(anonymous_client, creator) as creator_client:
        amount = await graphql(creator_client, CREATE, {"input": {"topic": "x", "estimatedAmount": "lots"}})
        score = await graphql(creator_client, CREATE, {"input": {"topic": "x", "score": "high"}})

    assert amount.get("data") is None and len(amount["errors"]) == 1
    assert score.get("data") is None and "Int" in score["errors"][0]["message"]
    assert await Lead.all().count() == 0


# updateLead


async def test_update_lead_changes_given_fields_clears_nulls_and_leaves_the_rest(anonymous_client):
    owner = await make_user()
    collaborator = await make_user(company=owner.company)
    lead = await make_lead(owner, topic="Old topic", phone="123", score=40, customer_name="Acme", source="Fair")
    await add_member(lead, collaborator, MemberRole.COLLABORATOR)

    async with client_as(anonymous_client, collaborator) as collaborator_client:
        body = await graphql(
            collaborator_client,
            UPDATE,
            {
                "input": {
                    "leadId": gid(lead),
                    "topic": "New topic",
                    "phone": None,
                    "score": 90,
                    "estimatedCloseDate": "2032-01-31",
                }
            },
        )

    result = body["data"]["updateLead"]
    assert result["userErrors"] == []
    assert {
        key: result["lead"][key] for key in ("topic", "phone", "score", "customerName", "source", "estimatedCloseDate")
    } == {
        "topic": "New topic",
        "phone": None,
        "score": 90,
        "customerName": "Acme",
        "source": "Fair",
        "estimatedCloseDate": "2032-01-31",
    }
    stored = await Lead.get(id=lead.id)
    assert (stored.topic, stored.phone, stored.score, stored.customer_name, stored.email) == (
        "New topic",
        None,
        90,
        "Acme",
        lead.email,
    )


async def test_update_lead_needs_a_collaborator_and_a_visible_lead(anonymous_client):
    owner = await make_user()
    participant = await make_user(company=owner.company)
    outsider = await make_user()
    lead = await make_lead(owner, topic="Unchanged")
    await add_member(lead, participant, MemberRole.PARTICIPANT)
    before = await snapshot()

    async with client_as(anonymous_client, participant) as participant_client:
        forbidden = await graphql(participant_client, UPDATE, {"input": {"leadId": gid(lead), "topic": "Changed"}})
    async with client_as(anonymous_client, outsider) as outsider_client:
        invisible = await graphql(outsider_client, UPDATE, {"input": {"leadId": gid(lead), "topic": "Changed"}})
    async with client_as(anonymous_client, owner) as owner_client:
        wrong_type = await graphql(owner_client, UPDATE, {"input": {"leadId": gid(owner), "topic": "Changed"}})

    assert errors_of(forbidden, "updateLead") == [
        {
            "code": "FORBIDDEN",
            "message": "Your role on this lead (PARTICIPANT) does not allow this",
            "field": ["leadId"],
        }
    ]
    assert errors_of(invisible, "updateLead") == [
        {"code": "NOT_FOUND", "message": f"No Lead with ID '{gid(lead)}'", "field": ["leadId"]}
    ]
    assert errors_of(wrong_type, "updateLead") == [
        {"code": "NOT_FOUND", "message": f"No Lead with ID '{gid(owner)}'", "field": ["leadId"]}
    ]
    assert await snapshot() == before


async def test_update_lead_keeps_a_topic_last_name_or_customer_name(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, topic="T", last_name=None, customer_name="Acme")
    before = await snapshot()

    async with client_as(anonymous_client, owner) as owner_client:
        emptied = await graphql(
            owner_client, UPDATE, {"input": {"leadId": gid(lead), "topic": None, "customerName": None}}
        )
        blank = await graphql(owner_client, UPDATE, {"input": {"leadId": gid(lead), "customerName": ""}})
        bad = await graphql(
            owner_client, UPDATE, {"input": {"leadId": gid(lead), "email": "nope", "score": 101, "currency": None}}
        )
        one_left = await graphql(owner_client, UPDATE, {"input": {"leadId": gid(lead), "topic": None}})

    assert errors_of(emptied, "updateLead") == [
        {"code": "INVALID_INPUT", "message": "A lead needs a topic, a last name or a customer name", "field": ["topic"]}
    ]
    assert errors_of(blank, "updateLead") == [
        {
            "code": "INVALID_INPUT",
            "message": "customerName must not be empty; send null to clear it",
            "field": ["customerName"],
        }
    ]
    assert errors_of(bad, "updateLead") == [
        {"code": "INVALID_INPUT", "message": "'nope' is not a valid email address", "field": ["email"]},
        {"code": "INVALID_INPUT", "message": "score must be between 0 and 100", "field": ["score"]},
    ]
    assert one_left["data"]["updateLead"]["userErrors"] == []
    assert (await Lead.get(id=lead.id)).topic is None
    assert [row["topic"] for row in before["leads"]] == ["T"]


async def test_update_lead_refuses_clearing_the_currency_of_an_amount(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, estimated_amount=Decimal("10.00"), currency="EUR")
    before = await snapshot()

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, UPDATE, {"input": {"leadId": gid(lead), "currency": None}})
        both = await graphql(
            owner_client, UPDATE, {"input": {"leadId": gid(lead), "currency": None, "estimatedAmount": None}}
        )

    assert errors_of(body, "updateLead") == [
        {"code": "INVALID_INPUT", "message": "An estimated amount needs a currency", "field": ["currency"]}
    ]
    assert both["data"]["updateLead"]["userErrors"] == []
    assert before["leads"][0]["currency"] == "EUR"


async def test_update_lead_refuses_a_converted_lead_unless_the_user_may_edit_converted_leads(anonymous_client):
    owner = await make_user()
    editor = await make_user(company=owner.company, can_edit_converted_leads=True)
    lead = await make_lead(owner, topic="Converted", is_converted=True, status=LeadStatus.CLOSED_CONVERTED)
    await add_member(lead, editor, MemberRole.COLLABORATOR)
    before = await snapshot()

    async with client_as(anonymous_client, owner) as owner_client:
        refused = await graphql(owner_client, UPDATE, {"input": {"leadId": gid(lead), "topic": "Edited"}})
    unchanged = await snapshot()
    async with client_as(anonymous_client, editor) as editor_client:
        edited = await graphql(editor_client, UPDATE, {"input": {"leadId": gid(lead), "topic": "Edited"}})

    assert errors_of(refused, "updateLead") == [
        {"code": "LEAD_CONVERTED", "message": "The lead is converted and read-only", "field": None}
    ]
    assert unchanged == before
    assert edited["data"]["updateLead"]["userErrors"] == []
    assert (await Lead.get(id=lead.id)).topic == "Edited"


async def test_update_lead_never_moves_a_converted_lead_to_another_partner(anonymous_client):
    owner = await make_user(can_edit_converted_leads=True)
    other = await make_company()
    lead = await make_lead(owner, is_converted=True, status=LeadStatus.CLOSED_CONVERTED)
    before = await snapshot()

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, UPDATE, {"input": {"leadId": gid(lead), "partnerId": gid(other)}})

    assert errors_of(body, "updateLead") == [
        {"code": "LEAD_CONVERTED", "message": "The partner of a converted lead cannot change", "field": ["partnerId"]}
    ]
    assert await snapshot() == before


async def test_update_lead_shares_an_expired_lead_with_another_partner(anonymous_client):
    net = await shared_network()
    lead, owner = net["lead"], net["owner"]
    await Lead.filter(id=lead.id).update(acceptance_deadline=datetime.now(UTC) - timedelta(hours=1))
    new_partner = await make_company()

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client,
            UPDATE,
            {"input": {"leadId": gid(lead), "partnerId": gid(new_partner), "acceptanceDeadline": FUTURE.isoformat()}},
        )

    result = body["data"]["updateLead"]
    assert result["userErrors"] == []
    assert (result["lead"]["partner"], result["lead"]["acceptance"], result["lead"]["acceptanceDeadline"]) == (
        {"id": gid(new_partner)},
        "PENDING",
        FUTURE.isoformat(),
    )
    stored = await Lead.get(id=lead.id)
    assert (stored.partner_id, stored.stored_acceptance, stored.acceptance_deadline) == (
        new_partner.id,
        LeadAcceptance.PENDING,
        FUTURE,
    )


async def test_update_lead_shares_a_rejected_lead_again_and_forgets_the_rejection(anonymous_client):
    net = await shared_network()
    lead, owner = net["lead"], net["owner"]
    await Lead.filter(id=lead.id).update(stored_acceptance=LeadAcceptance.REJECTED, rejection_reason="No capacity")
    new_partner = await make_company()

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, UPDATE, {"input": {"leadId": gid(lead), "partnerId": gid(new_partner)}})

    lead_after = body["data"]["updateLead"]["lead"]
    assert (lead_after["acceptance"], lead_after["rejectionReason"], lead_after["acceptanceDeadline"]) == (
        "PENDING",
        None,
        None,
    )


async def test_update_lead_takes_an_expired_lead_back_in_house(anonymous_client):
    net = await shared_network()
    lead, owner = net["lead"], net["owner"]
    await Lead.filter(id=lead.id).update(acceptance_deadline=datetime.now(UTC) - timedelta(hours=1))

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, UPDATE, {"input": {"leadId": gid(lead), "partnerId": None}})

    lead_after = body["data"]["updateLead"]["lead"]
    assert (lead_after["partner"], lead_after["acceptance"], lead_after["acceptanceDeadline"]) == (
        None,
        "NOT_REQUIRED",
        None,
    )


async def test_update_lead_shares_an_unshared_lead_for_the_first_time(anonymous_client):
    owner = await make_user()
    partner = await make_company()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client,
            UPDATE,
            {"input": {"leadId": gid(lead), "partnerId": gid(partner), "acceptanceDeadline": FUTURE.isoformat()}},
        )

    lead_after = body["data"]["updateLead"]["lead"]
    assert (lead_after["partner"], lead_after["acceptance"]) == ({"id": gid(partner)}, "PENDING")


async def test_update_lead_renews_the_wait_of_an_expired_lead_with_a_new_deadline(anonymous_client):
    net = await shared_network()
    lead, owner = net["lead"], net["owner"]
    await Lead.filter(id=lead.id).update(acceptance_deadline=datetime.now(UTC) - timedelta(hours=1))

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, UPDATE, {"input": {"leadId": gid(lead), "acceptanceDeadline": FUTURE.isoformat()}}
        )

    lead_after = body["data"]["updateLead"]["lead"]
    assert (lead_after["partner"], lead_after["acceptance"], lead_after["acceptanceDeadline"]) == (
        {"id": gid(net["partner"])},
        "PENDING",
        FUTURE.isoformat(),
    )


async def test_update_lead_keeps_the_partner_while_it_waits_or_once_it_accepted(anonymous_client):
    net = await shared_network()
    lead, owner = net["lead"], net["owner"]
    accepted = await make_lead(owner, partner=net["partner"], stored_acceptance=LeadAcceptance.ACCEPTED)
    new_partner = await make_company()
    before = await snapshot()

    async with client_as(anonymous_client, owner) as owner_client:
        pending = await graphql(owner_client, UPDATE, {"input": {"leadId": gid(lead), "partnerId": gid(new_partner)}})
        extended = await graphql(
            owner_client, UPDATE, {"input": {"leadId": gid(lead), "acceptanceDeadline": FUTURE.isoformat()}}
        )
        after_acceptance = await graphql(owner_client, UPDATE, {"input": {"leadId": gid(accepted), "partnerId": None}})
        unchanged = await snapshot()
        same_partner = await graphql(
            owner_client,
            UPDATE,
            {"input": {"leadId": gid(lead), "partnerId": gid(net["partner"]), "topic": "Same partner"}},
        )

    waiting = {
        "code": "INVALID_STATUS_TRANSITION",
        "message": "The lead is waiting for its partner's answer; it can be shared again once it expires or is rejected",
        "field": ["partnerId"],
    }
    assert errors_of(pending, "updateLead") == [waiting]
    assert errors_of(extended, "updateLead") == [waiting]
    assert errors_of(after_acceptance, "updateLead") == [
        {
            "code": "INVALID_STATUS_TRANSITION",
            "message": "The partner accepted the lead; it cannot be shared with another",
            "field": ["partnerId"],
        }
    ]
    assert unchanged == before
    assert same_partner["data"]["updateLead"]["userErrors"] == []
    stored = await Lead.get(id=lead.id)
    assert (stored.topic, stored.partner_id, stored.stored_acceptance, stored.acceptance_deadline) == (
        "Same partner",
        net["partner"].id,
        LeadAcceptance.PENDING,
        FUTURE,
    )


async def test_update_lead_lets_only_an_owner_of_the_sourcing_company_share_again(anonymous_client):
    net = await shared_network()
    lead, owner = net["lead"], net["owner"]
    collaborator = await make_user(company=owner.company)
    await add_member(lead, collaborator, MemberRole.COLLABORATOR)
    partner_admin = await make_user(company=net["partner"], is_admin=True)
    await Lead.filter(id=lead.id).update(acceptance_deadline=datetime.now(UTC) - timedelta(hours=1))
    elsewhere = await make_company()
    before = await snapshot()

    async with client_as(anonymous_client, collaborator) as collaborator_client:
        by_collaborator = await graphql(
            collaborator_client, UPDATE, {"input": {"leadId": gid(lead), "partnerId": gid(elsewhere)}}
        )
    async with client_as(anonymous_client, partner_admin) as partner_admin_client:
        by_partner_owner = await graphql(
            partner_admin_client, UPDATE, {"input": {"leadId": gid(lead), "partnerId": gid(elsewhere)}}
        )

    refusal = {
        "code": "FORBIDDEN",
        "message": "Only an owner of the lead at its sourcing company may share it with a partner",
        "field": ["partnerId"],
    }
    assert errors_of(by_collaborator, "updateLead") == [refusal]
    assert errors_of(by_partner_owner, "updateLead") == [refusal]
    assert await snapshot() == before


async def test_update_lead_refuses_a_past_deadline_and_an_unknown_partner_when_sharing_again(anonymous_client):
    net = await shared_network()
    lead, owner = net["lead"], net["owner"]
    await Lead.filter(id=lead.id).update(acceptance_deadline=datetime.now(UTC) - timedelta(hours=1))
    before = await snapshot()

    async with client_as(anonymous_client, owner) as owner_client:
        past = await graphql(
            owner_client,
            UPDATE,
            {
                "input": {
                    "leadId": gid(lead),
                    "partnerId": gid(await make_company()),
                    "acceptanceDeadline": "2020-01-01T00:00:00Z",
                }
            },
        )
        unknown = await graphql(owner_client, UPDATE, {"input": {"leadId": gid(lead), "partnerId": gid(lead)}})

    assert errors_of(past, "updateLead") == [
        {
            "code": "INVALID_INPUT",
            "message": "acceptanceDeadline must be in the future",
            "field": ["acceptanceDeadline"],
        }
    ]
    assert errors_of(unknown, "updateLead") == [
        {"code": "NOT_FOUND", "message": f"No Company with ID '{gid(lead)}'", "field": ["partnerId"]}
    ]
    assert (await snapshot())["leads"] == before["leads"]


# setLeadStatus


async def test_set_lead_status_moves_open_and_working_freely(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        working = await graphql(
            owner_client, SET_STATUS, {"input": {"leadId": gid(lead), "status": "WORKING_CONTACTED"}}
        )
        back = await graphql(owner_client, SET_STATUS, {"input": {"leadId": gid(lead), "status": "OPEN_NOT_CONTACTED"}})

    assert working["data"]["setLeadStatus"] == {
        "lead": {"id": gid(lead), "status": "WORKING_CONTACTED", "disqualificationReason": None},
        "userErrors": [],
    }
    assert back["data"]["setLeadStatus"]["lead"]["status"] == "OPEN_NOT_CONTACTED"
    assert (await Lead.get(id=lead.id)).status == LeadStatus.OPEN_NOT_CONTACTED


async def test_set_lead_status_disqualifies_with_a_reason_and_reopens_without_it(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, status=LeadStatus.WORKING_CONTACTED)

    async with client_as(anonymous_client, owner) as owner_client:
        missing = await graphql(
            owner_client, SET_STATUS, {"input": {"leadId": gid(lead), "status": "CLOSED_NOT_CONVERTED"}}
        )
        blank = await graphql(
            owner_client, SET_STATUS, {"input": {"leadId": gid(lead), "status": "CLOSED_NOT_CONVERTED", "reason": "  "}}
        )
        unchanged = await Lead.get(id=lead.id)
        closed = await graphql(
            owner_client,
            SET_STATUS,
            {"input": {"leadId": gid(lead), "status": "CLOSED_NOT_CONVERTED", "reason": " No budget "}},
        )
        stored_reason = (await Lead.get(id=lead.id)).disqualification_reason
        reopened = await graphql(
            owner_client, SET_STATUS, {"input": {"leadId": gid(lead), "status": "WORKING_CONTACTED"}}
        )

    assert errors_of(missing, "setLeadStatus") == [
        {"code": "INVALID_INPUT", "message": "reason is required", "field": ["reason"]}
    ]
    assert errors_of(blank, "setLeadStatus") == [
        {"code": "INVALID_INPUT", "message": "reason must not be empty", "field": ["reason"]}
    ]
    assert (unchanged.status, unchanged.disqualification_reason) == (LeadStatus.WORKING_CONTACTED, None)
    assert closed["data"]["setLeadStatus"]["lead"] == {
        "id": gid(lead),
        "status": "CLOSED_NOT_CONVERTED",
        "disqualificationReason": "No budget",
    }
    assert stored_reason == "No budget"
    assert reopened["data"]["setLeadStatus"]["lead"] == {
        "id": gid(lead),
        "status": "WORKING_CONTACTED",
        "disqualificationReason": None,
    }


async def test_set_lead_status_refuses_closed_converted_and_converted_leads(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    converted = await make_lead(owner, is_converted=True, status=LeadStatus.CLOSED_CONVERTED)
    before = await snapshot()

    async with client_as(anonymous_client, owner) as owner_client:
        conversion = await graphql(
            owner_client, SET_STATUS, {"input": {"leadId": gid(lead), "status": "CLOSED_CONVERTED"}}
        )
        reopen_converted = await graphql(
            owner_client, SET_STATUS, {"input": {"leadId": gid(converted), "status": "OPEN_NOT_CONTACTED"}}
        )

    assert errors_of(conversion, "setLeadStatus") == [
        {
            "code": "CONVERSION_REQUIRED",
            "message": "Only converting the lead closes it as converted",
            "field": ["status"],
        }
    ]
    assert errors_of(reopen_converted, "setLeadStatus") == [
        {"code": "LEAD_CONVERTED", "message": "The lead is converted; its status can no longer change", "field": None}
    ]
    assert await snapshot() == before


async def test_set_lead_status_needs_a_collaborator_and_a_visible_lead(anonymous_client):
    owner = await make_user()
    viewer = await make_user(company=owner.company)
    outsider = await make_user()
    lead = await make_lead(owner)
    await add_member(lead, viewer, MemberRole.VIEWER)
    before = await snapshot()

    async with client_as(anonymous_client, viewer) as viewer_client:
        forbidden = await graphql(
            viewer_client, SET_STATUS, {"input": {"leadId": gid(lead), "status": "WORKING_CONTACTED"}}
        )
    async with client_as(anonymous_client, outsider) as outsider_client:
        invisible = await graphql(
            outsider_client, SET_STATUS, {"input": {"leadId": gid(lead), "status": "WORKING_CONTACTED"}}
        )

    assert errors_of(forbidden, "setLeadStatus") == [
        {"code": "FORBIDDEN", "message": "Your role on this lead (VIEWER) does not allow this", "field": ["leadId"]}
    ]
    assert errors_of(invisible, "setLeadStatus") == [
        {"code": "NOT_FOUND", "message": f"No Lead with ID '{gid(lead)}'", "field": ["leadId"]}
    ]
    assert await snapshot() == before


async def test_set_lead_status_refuses_an_unknown_status_as_a_graphql_error(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    before = await snapshot()

    async with client_as(anonymous_client, owner) as owner_client:
        response = await owner_client.post(
            "/graphql", json={"query": SET_STATUS, "variables": {"input": {"leadId": gid(lead), "status": "DONE"}}}
        )

    body = response.json()
    assert body.get("data") is None
    assert len(body["errors"]) == 1
    assert "'DONE'" in body["errors"][0]["message"] and "LeadStatus" in body["errors"][0]["message"]
    assert await snapshot() == before


# respondToLead


async def test_respond_to_lead_accepts_and_makes_the_responder_a_collaborator(anonymous_client):
    net = await shared_network()
    lead, partner_rep = net["lead"], net["partner_rep"]

    async with client_as(anonymous_client, partner_rep) as partner_client:
        body = await graphql(partner_client, RESPOND, {"input": {"leadId": gid(lead), "decision": "ACCEPT"}})

    assert body["data"]["respondToLead"] == {
        "lead": {"id": gid(lead), "acceptance": "ACCEPTED", "rejectionReason": None, "estimatedAmount": "1000.00"},
        "userErrors": [],
    }
    assert (await Lead.get(id=lead.id)).stored_acceptance == LeadAcceptance.ACCEPTED
    assert await LeadMember.filter(lead_id=lead.id, user_id=partner_rep.id).values_list("role", flat=True) == [
        MemberRole.COLLABORATOR
    ]


async def test_respond_to_lead_rejects_with_a_reason_only(anonymous_client):
    net = await shared_network()
    lead, partner_rep = net["lead"], net["partner_rep"]
    before = await snapshot()

    async with client_as(anonymous_client, partner_rep) as partner_client:
        missing = await graphql(partner_client, RESPOND, {"input": {"leadId": gid(lead), "decision": "REJECT"}})
        unchanged = await snapshot()
        rejected = await graphql(
            partner_client,
            RESPOND,
            {"input": {"leadId": gid(lead), "decision": "REJECT", "reason": "Outside our region"}},
        )

    assert errors_of(missing, "respondToLead") == [
        {"code": "INVALID_INPUT", "message": "reason is required", "field": ["reason"]}
    ]
    assert unchanged == before
    assert rejected["data"]["respondToLead"]["lead"] == {
        "id": gid(lead),
        "acceptance": "REJECTED",
        "rejectionReason": "Outside our region",
        "estimatedAmount": "1000.00",
    }
    stored = await Lead.get(id=lead.id)
    assert (stored.stored_acceptance, stored.rejection_reason) == (LeadAcceptance.REJECTED, "Outside our region")
    assert await LeadMember.filter(lead_id=lead.id, user_id=partner_rep.id).values_list("role", flat=True) == [
        MemberRole.COLLABORATOR
    ]


async def test_respond_to_lead_is_forbidden_to_the_sourcing_company(anonymous_client):
    net = await shared_network()
    lead, owner = net["lead"], net["owner"]
    before = await snapshot()

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, RESPOND, {"input": {"leadId": gid(lead), "decision": "ACCEPT"}})

    assert errors_of(body, "respondToLead") == [
        {
            "code": "FORBIDDEN",
            "message": "Only the partner company the lead is shared with may answer it",
            "field": ["leadId"],
        }
    ]
    assert await snapshot() == before


async def test_respond_to_lead_needs_a_collaborator_of_the_partner_company(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    partner_viewer = await make_user(company=partner)
    await make_policy(partner, MemberRole.VIEWER)
    third_party = await make_user()
    lead = await make_lead(owner, partner=partner)
    await add_member(lead, third_party, MemberRole.COLLABORATOR)
    outsider = await make_user()
    before = await snapshot()

    async with client_as(anonymous_client, partner_viewer) as viewer_client:
        low_role = await graphql(viewer_client, RESPOND, {"input": {"leadId": gid(lead), "decision": "ACCEPT"}})
    async with client_as(anonymous_client, third_party) as third_party_client:
        other_company = await graphql(
            third_party_client, RESPOND, {"input": {"leadId": gid(lead), "decision": "ACCEPT"}}
        )
    async with client_as(anonymous_client, outsider) as outsider_client:
        invisible = await graphql(outsider_client, RESPOND, {"input": {"leadId": gid(lead), "decision": "ACCEPT"}})

    assert errors_of(low_role, "respondToLead") == [
        {"code": "FORBIDDEN", "message": "Your role on this lead (VIEWER) does not allow this", "field": ["leadId"]}
    ]
    assert errors_of(other_company, "respondToLead") == [
        {
            "code": "FORBIDDEN",
            "message": "Only the partner company the lead is shared with may answer it",
            "field": ["leadId"],
        }
    ]
    assert errors_of(invisible, "respondToLead") == [
        {"code": "NOT_FOUND", "message": f"No Lead with ID '{gid(lead)}'", "field": ["leadId"]}
    ]
    assert await snapshot() == before


async def test_respond_to_lead_refuses_an_expired_lead(anonymous_client):
    net = await shared_network()
    lead, partner_rep = net["lead"], net["partner_rep"]
    deadline = datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
    await Lead.filter(id=lead.id).update(acceptance_deadline=deadline)
    before = await snapshot()

    async with client_as(anonymous_client, partner_rep) as partner_client:
        body = await graphql(partner_client, RESPOND, {"input": {"leadId": gid(lead), "decision": "ACCEPT"}})

    assert errors_of(body, "respondToLead") == [
        {
            "code": "INVALID_STATUS_TRANSITION",
            "message": "The lead's acceptance deadline passed (2021-03-04T05:06:07+00:00); it can no longer be answered",
            "field": ["leadId"],
        }
    ]
    assert await snapshot() == before


async def test_respond_to_lead_refuses_a_lead_already_answered_or_not_shared(anonymous_client):
    net = await shared_network()
    partner_rep, partner = net["partner_rep"], net["partner"]
    accepted = await make_lead(net["owner"], partner=partner, stored_acceptance=LeadAcceptance.ACCEPTED)
    own = await make_lead(partner_rep, partner=partner)
    before = await snapshot()

    async with client_as(anonymous_client, partner_rep) as partner_client:
        again = await graphql(
            partner_client,
            RESPOND,
            {"input": {"leadId": gid(accepted), "decision": "REJECT", "reason": "Changed mind"}},
        )
        unshared = await graphql(partner_client, RESPOND, {"input": {"leadId": gid(own), "decision": "ACCEPT"}})

    assert errors_of(again, "respondToLead") == [
        {
            "code": "INVALID_STATUS_TRANSITION",
            "message": "The lead is ACCEPTED, not waiting for an answer",
            "field": ["leadId"],
        }
    ]
    assert errors_of(unshared, "respondToLead") == [
        {
            "code": "FORBIDDEN",
            "message": "Only the partner company the lead is shared with may answer it",
            "field": ["leadId"],
        }
    ]
    assert await snapshot() == before


async def test_respond_to_lead_keeps_a_higher_direct_role_and_raises_a_lower_one(anonymous_client):
    net = await shared_network()
    lead, partner = net["lead"], net["partner"]
    second = await make_lead(net["owner"], partner=partner)
    partner_owner = await make_user(company=partner)
    partner_participant = await make_user(company=partner)
    await add_member(lead, partner_owner, MemberRole.OWNER)
    await add_member(second, partner_participant, MemberRole.PARTICIPANT)

    async with client_as(anonymous_client, partner_owner) as owner_client:
        kept = await graphql(owner_client, RESPOND, {"input": {"leadId": gid(lead), "decision": "ACCEPT"}})
    async with client_as(anonymous_client, partner_participant) as participant_client:
        raised = await graphql(participant_client, RESPOND, {"input": {"leadId": gid(second), "decision": "ACCEPT"}})

    assert kept["data"]["respondToLead"]["userErrors"] == []
    assert raised["data"]["respondToLead"]["userErrors"] == []
    assert await LeadMember.filter(lead_id=lead.id, user_id=partner_owner.id).values_list("role", flat=True) == [
        MemberRole.OWNER
    ]
    assert await LeadMember.filter(lead_id=second.id, user_id=partner_participant.id).values_list(
        "role", flat=True
    ) == [MemberRole.COLLABORATOR]


async def test_respond_to_lead_refuses_an_unknown_decision_as_a_graphql_error(anonymous_client):
    net = await shared_network()
    before = await snapshot()

    async with client_as(anonymous_client, net["partner_rep"]) as partner_client:
        response = await partner_client.post(
            "/graphql",
            json={"query": RESPOND, "variables": {"input": {"leadId": gid(net["lead"]), "decision": "MAYBE"}}},
        )

    body = response.json()
    assert body.get("data") is None
    assert "'MAYBE'" in body["errors"][0]["message"] and "LeadDecision" in body["errors"][0]["message"]
    assert await snapshot() == before

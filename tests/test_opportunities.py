"""Opportunities: the type and its derived fields, money hidden from PARTICIPANTs, the
`opportunity` and `opportunities` queries (filters, orders, pages), linked leads, and
createOpportunity / updateOpportunity with their refusals."""

import logging
from datetime import date
from decimal import Decimal

import pytest

from models import LeadOpportunity, MemberRole, Opportunity, OpportunityMember
from tests.factories import (
    add_member,
    client_as,
    gid,
    graphql,
    make_account,
    make_company,
    make_contact,
    make_lead,
    make_opportunity,
    make_policy,
    make_user,
    stage_named,
)

OPPORTUNITY = """
query ($id: ID!) {
  opportunity(id: $id) {
    id name amount currency closeDate probability expectedRevenue forecastCategory isClosed isWon
    stage { id name }
    account { id name }
    contact { id lastName }
    sourcedBy { id }
    partner { id }
    owner { id }
    createdAt updatedAt
  }
}
"""
MONEY = """
query ($id: ID!) { opportunity(id: $id) { currency probability amount expectedRevenue } }
"""
LOOKUP = """
query ($id: ID!) { opportunity(id: $id) { id } node(id: $id) { id } }
"""
LIST = """
query ($first: Int, $after: String, $filter: OpportunityFilter, $orderBy: OpportunityOrder) {
  opportunities(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
IDS = """
query ($filter: OpportunityFilter, $orderBy: OpportunityOrder) {
  opportunities(first: 100, filter: $filter, orderBy: $orderBy) { edges { node { id } } }
}
"""
LEADS_OF = """
query ($id: ID!, $first: Int, $after: String) {
  opportunity(id: $id) {
    leads(first: $first, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } }
  }
}
"""
NESTED = """
query {
  opportunities(first: 100) {
    edges { node {
      name amount expectedRevenue probability forecastCategory
      stage { name } account { name } contact { lastName } sourcedBy { name } partner { name } owner { name }
      leads { totalCount edges { node { id } } }
    } }
  }
}
"""
CREATE = """
mutation ($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) {
    opportunity {
      id name amount currency closeDate probability expectedRevenue
      stage { name } account { id } contact { id } sourcedBy { id } partner { id } owner { id }
    }
    userErrors { code message field }
  }
}
"""
UPDATE = """
mutation ($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) {
    opportunity {
      id name amount currency closeDate probability expectedRevenue
      stage { name } account { id } contact { id } partner { id }
    }
    userErrors { code message field }
  }
}
"""


async def snapshot() -> list[dict]:
    """Every opportunity and membership row, to prove a refusal wrote nothing."""
    return [
        *await Opportunity.all().order_by("id").values(),
        *await OpportunityMember.all().order_by("id").values(),
    ]


# --- reading an opportunity ---------------------------------------------------------------


async def test_owner_reads_every_field_of_an_opportunity(anonymous_client):
    owner = await make_user()
    partner = await make_company()
    account = await make_account(owner.company, name="Globex")
    contact = await make_contact(owner.company, last_name="Rivera", account=account)
    stage = await stage_named("Value Proposition")
    opportunity = await make_opportunity(
        owner,
        name="Globex renewal",
        amount=Decimal("1234.56"),
        currency="USD",
        close_date=date(2027, 3, 31),
        stage=stage,
        account=account,
        contact=contact,
        partner=partner,
    )

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, OPPORTUNITY, {"id": gid(opportunity)})

    found = body["data"]["opportunity"]
    assert {key: found.pop(key) for key in ("createdAt", "updatedAt")} == {
        "createdAt": opportunity.created_at.isoformat(),
        "updatedAt": opportunity.updated_at.isoformat(),
    }
    assert found == {
        "id": gid(opportunity),
        "name": "Globex renewal",
        "amount": "1234.56",
        "currency": "USD",
        "closeDate": "2027-03-31",
        "probability": 50,
        "expectedRevenue": "617.28",
        "forecastCategory": "BEST_CASE",
        "isClosed": False,
        "isWon": False,
        "stage": {"id": gid(stage), "name": "Value Proposition"},
        "account": {"id": gid(account), "name": "Globex"},
        "contact": {"id": gid(contact), "lastName": "Rivera"},
        "sourcedBy": {"id": gid(owner.company)},
        "partner": {"id": gid(partner)},
        "owner": {"id": gid(owner)},
    }


async def test_an_explicit_probability_wins_over_the_stage_and_drives_expected_revenue(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(
        owner, amount=Decimal("999.99"), stage=await stage_named("Negotiation/Review"), probability_override=33
    )

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, MONEY, {"id": gid(opportunity)})

    assert body == {
        "data": {"opportunity": {"currency": "EUR", "probability": 33, "amount": "999.99", "expectedRevenue": "330.00"}}
    }


async def test_expected_revenue_rounds_a_half_cent_up(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(owner, amount=Decimal("0.50"), probability_override=25)

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, MONEY, {"id": gid(opportunity)})

    assert body["data"]["opportunity"]["expectedRevenue"] == "0.13"


@pytest.mark.parametrize(
    ("stage", "category", "is_closed", "is_won", "expected_revenue"),
    [
        ("Closed Won", "CLOSED", True, True, "5000.00"),
        ("Closed Lost", "OMITTED", True, False, "0.00"),
        ("Proposal/Price Quote", "COMMIT", False, False, "3750.00"),
    ],
)
async def test_forecast_category_and_closed_and_won_come_from_the_stage(
    anonymous_client, stage, category, is_closed, is_won, expected_revenue
):
    owner = await make_user()
    opportunity = await make_opportunity(owner, amount=Decimal("5000.00"), stage=await stage_named(stage))

    async with client_as(anonymous_client, owner) as client:
        found = (await graphql(client, OPPORTUNITY, {"id": gid(opportunity)}))["data"]["opportunity"]

    assert (found["forecastCategory"], found["isClosed"], found["isWon"], found["expectedRevenue"]) == (
        category,
        is_closed,
        is_won,
        expected_revenue,
    )


async def test_an_opportunity_without_amount_has_no_expected_revenue(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(owner, amount=None, currency=None)

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, MONEY, {"id": gid(opportunity)})

    assert body == {
        "data": {"opportunity": {"currency": None, "probability": 10, "amount": None, "expectedRevenue": None}}
    }


@pytest.mark.parametrize(
    ("role", "amount", "expected_revenue"),
    [
        (MemberRole.VIEWER, "2000.00", "200.00"),
        (MemberRole.PARTICIPANT, None, None),
        (MemberRole.COLLABORATOR, "2000.00", "200.00"),
    ],
)
async def test_money_reads_null_for_a_participant_only(anonymous_client, role, amount, expected_revenue):
    owner = await make_user()
    member = await make_user(company=owner.company)
    opportunity = await make_opportunity(owner, amount=Decimal("2000.00"))
    await add_member(opportunity, member, role)

    async with client_as(anonymous_client, member) as member_client:
        body = await graphql(member_client, MONEY, {"id": gid(opportunity)})

    assert body == {
        "data": {
            "opportunity": {"currency": "EUR", "probability": 10, "amount": amount, "expectedRevenue": expected_revenue}
        }
    }


async def test_money_reads_null_for_a_participant_through_a_company_policy(anonymous_client):
    owner = await make_user()
    partner_company = await make_company()
    await make_policy(partner_company, MemberRole.PARTICIPANT)
    partner_user = await make_user(company=partner_company)
    opportunity = await make_opportunity(owner, amount=Decimal("2000.00"), partner=partner_company)

    async with client_as(anonymous_client, partner_user) as partner_client:
        body = await graphql(partner_client, MONEY, {"id": gid(opportunity)})

    assert body == {
        "data": {"opportunity": {"currency": "EUR", "probability": 10, "amount": None, "expectedRevenue": None}}
    }


async def test_an_invisible_opportunity_does_not_exist_for_the_outsider(anonymous_client):
    owner = await make_user()
    outsider = await make_user()
    opportunity = await make_opportunity(owner)

    async with client_as(anonymous_client, outsider) as outsider_client:
        looked_up = await graphql(outsider_client, LOOKUP, {"id": gid(opportunity)})
        listed = await graphql(outsider_client, LIST)

    assert looked_up == {"data": {"opportunity": None, "node": None}}
    assert listed["data"]["opportunities"]["totalCount"] == 0
    assert listed["data"]["opportunities"]["edges"] == []


async def test_opportunity_by_an_id_of_another_type_is_null(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(owner)
    account = await make_account(owner.company, id=opportunity.id)

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, "query ($id: ID!) { opportunity(id: $id) { id } }", {"id": gid(account)})

    assert body == {"data": {"opportunity": None}}


async def test_an_opportunity_is_a_node(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, LOOKUP, {"id": gid(opportunity)})

    assert body == {"data": {"opportunity": {"id": gid(opportunity)}, "node": {"id": gid(opportunity)}}}


# --- leads of an opportunity --------------------------------------------------------------


async def test_leads_lists_the_visible_linked_leads_in_pages(anonymous_client):
    owner = await make_user()
    stranger = await make_user()
    opportunity = await make_opportunity(owner)
    linked = [await make_lead(owner) for _ in range(3)]
    hidden = await make_lead(stranger)
    unlinked = await make_lead(owner)
    for lead in [*linked, hidden]:
        await LeadOpportunity.create(lead=lead, opportunity=opportunity, created_by_conversion=False, actor=owner)
    assert unlinked.id not in {lead.id for lead in linked}

    async with client_as(anonymous_client, owner) as client:
        first = (await graphql(client, LEADS_OF, {"id": gid(opportunity), "first": 2}))["data"]["opportunity"]["leads"]
        rest = (
            await graphql(
                client, LEADS_OF, {"id": gid(opportunity), "first": 2, "after": first["pageInfo"]["endCursor"]}
            )
        )["data"]["opportunity"]["leads"]

    assert first["totalCount"] == 3
    assert [edge["node"]["id"] for edge in first["edges"]] == [gid(linked[0]), gid(linked[1])]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [edge["node"]["id"] for edge in rest["edges"]] == [gid(linked[2])]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_leads_of_an_opportunity_refuses_more_than_a_hundred(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, LEADS_OF, {"id": gid(opportunity), "first": 101})

    assert "data" not in body
    assert [(error["message"], error["extensions"]["code"]) for error in body["errors"]] == [
        ("'first' may be at most 100, got 101", "BAD_USER_INPUT")
    ]


async def test_nested_fields_load_in_batches_not_per_opportunity(anonymous_client, caplog):
    owner = await make_user()
    partner = await make_company()

    async def add_opportunities(count: int) -> None:
        for _ in range(count):
            account = await make_account(owner.company)
            contact = await make_contact(owner.company, account=account)
            opportunity = await make_opportunity(owner, account=account, contact=contact, partner=partner)
            lead = await make_lead(owner)
            await LeadOpportunity.create(lead=lead, opportunity=opportunity, created_by_conversion=True, actor=owner)

    async def selects_for_listing() -> int:
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
            body = await graphql(client, NESTED)
        assert "errors" not in body
        return sum(1 for record in caplog.records if record.getMessage().lstrip().upper().startswith("SELECT"))

    async with client_as(anonymous_client, owner) as client:
        await add_opportunities(2)
        with_two = await selects_for_listing()
        await add_opportunities(4)
        with_six = await selects_for_listing()

    assert with_six == with_two


# --- listing: filters ---------------------------------------------------------------------


async def listed_ids(client, variables: dict) -> list[str]:
    body = await graphql(client, IDS, variables)
    assert "errors" not in body, body
    return [edge["node"]["id"] for edge in body["data"]["opportunities"]["edges"]]


async def test_filter_by_stages(anonymous_client):
    owner = await make_user()
    prospecting = await make_opportunity(owner, stage=await stage_named("Prospecting"))
    proposal = await make_opportunity(owner, stage=await stage_named("Proposal/Price Quote"))
    await make_opportunity(owner, stage=await stage_named("Qualification"))
    asc = {"field": "CREATED_AT", "direction": "ASC"}

    async with client_as(anonymous_client, owner) as client:
        one = await listed_ids(
            client, {"filter": {"stageIds": [gid(await stage_named("Prospecting"))]}, "orderBy": asc}
        )
        two = await listed_ids(
            client,
            {
                "filter": {
                    "stageIds": [gid(await stage_named("Prospecting")), gid(await stage_named("Proposal/Price Quote"))]
                },
                "orderBy": asc,
            },
        )
        foreign_id = await listed_ids(client, {"filter": {"stageIds": [gid(owner)]}})

    assert one == [gid(prospecting)]
    assert two == [gid(prospecting), gid(proposal)]
    assert foreign_id == []


async def test_filter_by_closed(anonymous_client):
    owner = await make_user()
    open_one = await make_opportunity(owner, stage=await stage_named("Negotiation/Review"))
    won = await make_opportunity(owner, stage=await stage_named("Closed Won"))
    lost = await make_opportunity(owner, stage=await stage_named("Closed Lost"))
    asc = {"field": "CREATED_AT", "direction": "ASC"}

    async with client_as(anonymous_client, owner) as client:
        closed = await listed_ids(client, {"filter": {"isClosed": True}, "orderBy": asc})
        still_open = await listed_ids(client, {"filter": {"isClosed": False}, "orderBy": asc})

    assert closed == [gid(won), gid(lost)]
    assert still_open == [gid(open_one)]


async def test_filter_by_partner_and_by_source(anonymous_client):
    admin = await make_user(is_admin=True)
    partner = await make_company()
    vendor_user = await make_user()
    with_partner = await make_opportunity(admin, partner=partner)
    own = await make_opportunity(admin)
    shared_in = await make_opportunity(vendor_user, partner=admin.company)

    async with client_as(anonymous_client, admin) as client:
        by_partner = await listed_ids(client, {"filter": {"partnerId": gid(partner)}})
        by_source = await listed_ids(
            client,
            {"filter": {"sourcedById": gid(admin.company)}, "orderBy": {"field": "CREATED_AT", "direction": "ASC"}},
        )
        by_other_source = await listed_ids(client, {"filter": {"sourcedById": gid(vendor_user.company)}})
        partner_and_source = await listed_ids(
            client, {"filter": {"partnerId": gid(partner), "sourcedById": gid(vendor_user.company)}}
        )

    assert by_partner == [gid(with_partner)]
    assert by_source == [gid(with_partner), gid(own)]
    assert by_other_source == [gid(shared_in)]
    assert partner_and_source == []


async def test_filter_by_account(anonymous_client):
    owner = await make_user()
    account = await make_account(owner.company)
    on_account = await make_opportunity(owner, account=account)
    await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as client:
        found = await listed_ids(client, {"filter": {"accountId": gid(account)}})

    assert found == [gid(on_account)]


async def test_search_matches_part_of_the_name_in_any_case(anonymous_client):
    owner = await make_user()
    renewal = await make_opportunity(owner, name="Initech Renewal 2027")
    upsell = await make_opportunity(owner, name="renewal upsell")
    await make_opportunity(owner, name="New logo")
    await make_opportunity(owner, name="Percent 100%")

    async with client_as(anonymous_client, owner) as client:
        found = await listed_ids(
            client, {"filter": {"search": "  RENEWAL "}, "orderBy": {"field": "CREATED_AT", "direction": "ASC"}}
        )
        wildcard = await listed_ids(client, {"filter": {"search": "_"}})

    assert found == [gid(renewal), gid(upsell)]
    assert wildcard == []


# --- listing: orders and pages -------------------------------------------------------------


async def test_the_default_order_is_newest_first(anonymous_client):
    owner = await make_user()
    created = [await make_opportunity(owner) for _ in range(3)]

    async with client_as(anonymous_client, owner) as client:
        found = await listed_ids(client, {})

    assert found == [gid(opportunity) for opportunity in reversed(created)]


async def test_order_by_name_ignores_case(anonymous_client):
    owner = await make_user()
    bravo = await make_opportunity(owner, name="bravo")
    alpha = await make_opportunity(owner, name="Alpha")
    charlie = await make_opportunity(owner, name="Charlie")

    async with client_as(anonymous_client, owner) as client:
        ascending = await listed_ids(client, {"orderBy": {"field": "NAME", "direction": "ASC"}})
        descending = await listed_ids(client, {"orderBy": {"field": "NAME", "direction": "DESC"}})

    assert ascending == [gid(alpha), gid(bravo), gid(charlie)]
    assert descending == [gid(charlie), gid(bravo), gid(alpha)]


async def test_order_by_amount_puts_opportunities_without_amount_last(anonymous_client):
    owner = await make_user()
    large = await make_opportunity(owner, amount=Decimal("10000.00"))
    none = await make_opportunity(owner, amount=None)
    small = await make_opportunity(owner, amount=Decimal("900.50"))
    middle = await make_opportunity(owner, amount=Decimal("5000.00"))

    async with client_as(anonymous_client, owner) as client:
        ascending = await listed_ids(client, {"orderBy": {"field": "AMOUNT", "direction": "ASC"}})
        descending = await listed_ids(client, {"orderBy": {"field": "AMOUNT", "direction": "DESC"}})

    assert ascending == [gid(small), gid(middle), gid(large), gid(none)]
    assert descending == [gid(large), gid(middle), gid(small), gid(none)]


async def test_order_by_close_date_puts_opportunities_without_date_last(anonymous_client):
    owner = await make_user()
    late = await make_opportunity(owner, close_date=date(2028, 1, 15))
    none = await make_opportunity(owner, close_date=None)
    early = await make_opportunity(owner, close_date=date(2026, 12, 1))

    async with client_as(anonymous_client, owner) as client:
        ascending = await listed_ids(client, {"orderBy": {"field": "CLOSE_DATE", "direction": "ASC"}})
        descending = await listed_ids(client, {"orderBy": {"field": "CLOSE_DATE", "direction": "DESC"}})

    assert ascending == [gid(early), gid(late), gid(none)]
    assert descending == [gid(late), gid(early), gid(none)]


async def test_order_by_created_and_updated(anonymous_client):
    owner = await make_user()
    first = await make_opportunity(owner)
    second = await make_opportunity(owner)
    third = await make_opportunity(owner)
    first.name = "touched last"
    await first.save()

    async with client_as(anonymous_client, owner) as client:
        created = await listed_ids(client, {"orderBy": {"field": "CREATED_AT", "direction": "ASC"}})
        updated = await listed_ids(client, {"orderBy": {"field": "UPDATED_AT", "direction": "DESC"}})

    assert created == [gid(first), gid(second), gid(third)]
    assert updated == [gid(first), gid(third), gid(second)]


@pytest.mark.parametrize(
    "order",
    [
        {"field": "AMOUNT", "direction": "ASC"},
        {"field": "AMOUNT", "direction": "DESC"},
        {"field": "CLOSE_DATE", "direction": "ASC"},
        {"field": "NAME", "direction": "DESC"},
        {"field": "UPDATED_AT", "direction": "ASC"},
    ],
)
async def test_pages_follow_on_without_gaps_or_repeats(anonymous_client, order):
    owner = await make_user()
    amounts = [
        Decimal("300.00"),
        None,
        Decimal("300.00"),
        Decimal("1200.25"),
        None,
        Decimal("75.00"),
        Decimal("300.00"),
    ]
    for index, amount in enumerate(amounts):
        await make_opportunity(
            owner,
            name=f"Deal {index % 3}",
            amount=amount,
            close_date=date(2027, 1, 1 + index % 2) if index % 3 else None,
        )

    async with client_as(anonymous_client, owner) as client:
        everything = await listed_ids(client, {"orderBy": order})
        paged, after, pages = [], None, []
        while True:
            body = await graphql(client, LIST, {"first": 3, "after": after, "orderBy": order})
            connection = body["data"]["opportunities"]
            pages.append(connection)
            paged.extend(edge["node"]["id"] for edge in connection["edges"])
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]

    assert len(everything) == 7
    assert paged == everything
    assert [len(page["edges"]) for page in pages] == [3, 3, 1]
    assert [page["totalCount"] for page in pages] == [7, 7, 7]
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [False, True, True]


async def test_total_count_counts_every_visible_match(anonymous_client):
    owner = await make_user()
    for _ in range(4):
        await make_opportunity(owner, stage=await stage_named("Closed Won"))
    await make_opportunity(owner)
    await make_opportunity(await make_user(), stage=await stage_named("Closed Won"))

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, LIST, {"first": 1, "filter": {"isClosed": True}})

    assert body["data"]["opportunities"]["totalCount"] == 4
    assert len(body["data"]["opportunities"]["edges"]) == 1


async def test_more_than_a_hundred_per_page_is_refused(anonymous_client):
    owner = await make_user()

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, LIST, {"first": 101})

    assert "data" not in body
    assert [(error["message"], error["extensions"]["code"]) for error in body["errors"]] == [
        ("'first' may be at most 100, got 101", "BAD_USER_INPUT")
    ]


# --- createOpportunity --------------------------------------------------------------------


async def test_create_with_a_name_only_starts_at_prospecting_owned_by_the_creator(anonymous_client):
    creator = await make_user()

    async with client_as(anonymous_client, creator) as client:
        body = await graphql(client, CREATE, {"input": {"name": "  Fresh deal  "}})

    payload = body["data"]["createOpportunity"]
    opportunity = await Opportunity.get()
    assert payload == {
        "opportunity": {
            "id": gid(opportunity),
            "name": "Fresh deal",
            "amount": None,
            "currency": None,
            "closeDate": None,
            "probability": 10,
            "expectedRevenue": None,
            "stage": {"name": "Prospecting"},
            "account": None,
            "contact": None,
            "sourcedBy": {"id": gid(creator.company)},
            "partner": None,
            "owner": {"id": gid(creator)},
        },
        "userErrors": [],
    }
    assert await OpportunityMember.filter(opportunity=opportunity).values_list("user_id", "role") == [
        (creator.id, MemberRole.OWNER)
    ]
    assert opportunity.probability_override is None


async def test_create_with_every_field(anonymous_client):
    creator = await make_user()
    partner = await make_company()
    account = await make_account(creator.company)
    contact = await make_contact(creator.company, account=account)
    stage = await stage_named("Decision Makers Identified")

    async with client_as(anonymous_client, creator) as client:
        body = await graphql(
            client,
            CREATE,
            {
                "input": {
                    "name": "Full deal",
                    "amount": "12500.20",
                    "currency": "gbp",
                    "closeDate": "2027-06-30",
                    "accountId": gid(account),
                    "contactId": gid(contact),
                    "stageId": gid(stage),
                    "probability": 65,
                    "sourcedById": gid(creator.company),
                    "partnerId": gid(partner),
                }
            },
        )

    opportunity = await Opportunity.get()
    assert body["data"]["createOpportunity"] == {
        "opportunity": {
            "id": gid(opportunity),
            "name": "Full deal",
            "amount": "12500.20",
            "currency": "GBP",
            "closeDate": "2027-06-30",
            "probability": 65,
            "expectedRevenue": "8125.13",
            "stage": {"name": "Decision Makers Identified"},
            "account": {"id": gid(account)},
            "contact": {"id": gid(contact)},
            "sourcedBy": {"id": gid(creator.company)},
            "partner": {"id": gid(partner)},
            "owner": {"id": gid(creator)},
        },
        "userErrors": [],
    }
    assert opportunity.probability_override == 65


async def test_create_may_refer_to_an_account_and_contact_visible_through_a_shared_opportunity(anonymous_client):
    vendor = await make_user()
    partner_user = await make_user()
    account = await make_account(vendor.company)
    contact = await make_contact(vendor.company, account=account)
    shared = await make_opportunity(vendor, account=account, contact=contact)
    await add_member(shared, partner_user, MemberRole.VIEWER)

    async with client_as(anonymous_client, partner_user) as partner_client:
        body = await graphql(
            partner_client,
            CREATE,
            {"input": {"name": "Follow-up", "accountId": gid(account), "contactId": gid(contact)}},
        )

    payload = body["data"]["createOpportunity"]
    assert payload["userErrors"] == []
    assert (payload["opportunity"]["account"], payload["opportunity"]["contact"]) == (
        {"id": gid(account)},
        {"id": gid(contact)},
    )


async def test_create_refuses_another_company_as_the_source(anonymous_client):
    creator = await make_user()
    other = await make_company()

    async with client_as(anonymous_client, creator) as client:
        body = await graphql(client, CREATE, {"input": {"name": "Not mine", "sourcedById": gid(other)}})

    assert body["data"]["createOpportunity"] == {
        "opportunity": None,
        "userErrors": [
            {
                "code": "FORBIDDEN",
                "message": "An opportunity can only be sourced by your own company",
                "field": ["sourcedById"],
            }
        ],
    }
    assert await snapshot() == []


async def test_create_refuses_an_account_and_a_contact_the_viewer_cannot_see(anonymous_client):
    creator = await make_user()
    outsider = await make_user()
    foreign_account = await make_account(outsider.company)
    foreign_contact = await make_contact(outsider.company)

    async with client_as(anonymous_client, creator) as client:
        by_account = await graphql(client, CREATE, {"input": {"name": "Deal", "accountId": gid(foreign_account)}})
        by_contact = await graphql(client, CREATE, {"input": {"name": "Deal", "contactId": gid(foreign_contact)}})

    assert by_account["data"]["createOpportunity"] == {
        "opportunity": None,
        "userErrors": [
            {"code": "NOT_FOUND", "message": f"No Account with ID '{gid(foreign_account)}'", "field": ["accountId"]}
        ],
    }
    assert by_contact["data"]["createOpportunity"] == {
        "opportunity": None,
        "userErrors": [
            {"code": "NOT_FOUND", "message": f"No Contact with ID '{gid(foreign_contact)}'", "field": ["contactId"]}
        ],
    }
    assert await snapshot() == []


async def test_create_refuses_a_contact_outside_the_chosen_account(anonymous_client):
    creator = await make_user()
    account = await make_account(creator.company)
    elsewhere = await make_contact(creator.company, account=await make_account(creator.company))
    loose = await make_contact(creator.company)

    async with client_as(anonymous_client, creator) as client:
        other_account = await graphql(
            client, CREATE, {"input": {"name": "Deal", "accountId": gid(account), "contactId": gid(elsewhere)}}
        )
        no_account = await graphql(
            client, CREATE, {"input": {"name": "Deal", "accountId": gid(account), "contactId": gid(loose)}}
        )

    expected = {
        "opportunity": None,
        "userErrors": [
            {
                "code": "INVALID_INPUT",
                "message": "The contact does not belong to the chosen account",
                "field": ["contactId"],
            }
        ],
    }
    assert other_account["data"]["createOpportunity"] == expected
    assert no_account["data"]["createOpportunity"] == expected
    assert await snapshot() == []


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"currency": "EURO"}, ("INVALID_INPUT", "'EURO' is not an ISO 4217 currency code", ["currency"])),
        ({"currency": "ABC"}, ("INVALID_INPUT", "'ABC' is not an ISO 4217 currency code", ["currency"])),
        ({"probability": 101}, ("INVALID_INPUT", "probability must be between 0 and 100", ["probability"])),
        ({"probability": -1}, ("INVALID_INPUT", "probability must be between 0 and 100", ["probability"])),
        ({"amount": "-0.01"}, ("INVALID_INPUT", "amount must not be negative", ["amount"])),
        (
            {"amount": "1.005"},
            ("INVALID_INPUT", "amount may have at most two decimal places and 16 digits", ["amount"]),
        ),
        ({"name": "   "}, ("INVALID_INPUT", "name must not be empty", ["name"])),
        ({"name": "x" * 256}, ("INVALID_INPUT", "name may be at most 255 characters", ["name"])),
        ({"stageId": "not-an-id"}, ("NOT_FOUND", "No OpportunityStage with ID 'not-an-id'", ["stageId"])),
        (
            {"stageId": "T3Bwb3J0dW5pdHlTdGFnZTo5OTk="},
            ("NOT_FOUND", "No OpportunityStage with ID 'T3Bwb3J0dW5pdHlTdGFnZTo5OTk='", ["stageId"]),
        ),
        ({"partnerId": "TGVhZDox"}, ("NOT_FOUND", "No Company with ID 'TGVhZDox'", ["partnerId"])),
        ({"accountId": "Q29udGFjdDox"}, ("NOT_FOUND", "No Account with ID 'Q29udGFjdDox'", ["accountId"])),
    ],
)
async def test_create_refuses_bad_input_and_writes_nothing(anonymous_client, given, error):
    creator = await make_user()

    async with client_as(anonymous_client, creator) as client:
        body = await graphql(client, CREATE, {"input": {"name": "Deal", **given}})

    code, message, field = error
    assert body["data"]["createOpportunity"] == {
        "opportunity": None,
        "userErrors": [{"code": code, "message": message, "field": field}],
    }
    assert await snapshot() == []


async def test_create_refuses_a_stage_id_of_another_type(anonymous_client):
    creator = await make_user()
    account = await make_account(creator.company)

    async with client_as(anonymous_client, creator) as client:
        body = await graphql(client, CREATE, {"input": {"name": "Deal", "stageId": gid(account)}})

    assert body["data"]["createOpportunity"] == {
        "opportunity": None,
        "userErrors": [
            {"code": "NOT_FOUND", "message": f"No OpportunityStage with ID '{gid(account)}'", "field": ["stageId"]}
        ],
    }
    assert await snapshot() == []


async def test_create_without_a_name_is_a_graphql_validation_error(anonymous_client):
    creator = await make_user()

    async with client_as(anonymous_client, creator) as client:
        body = await graphql(client, CREATE, {"input": {"amount": "10"}})

    assert body == {
        "errors": [
            {
                "message": "Variable '$input' has invalid value: Expected value of type 'CreateOpportunityInput' "
                "to include required field 'name', found: {'amount': '10'}.",
                "locations": [{"line": 2, "column": 11}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }
    assert await snapshot() == []


# --- updateOpportunity --------------------------------------------------------------------


async def test_update_changes_only_the_given_fields(anonymous_client):
    owner = await make_user()
    account = await make_account(owner.company)
    contact = await make_contact(owner.company, account=account)
    partner = await make_company()
    opportunity = await make_opportunity(
        owner,
        name="Before",
        amount=Decimal("100.00"),
        close_date=date(2027, 2, 1),
        account=account,
        contact=contact,
        partner=partner,
        probability_override=40,
    )

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, UPDATE, {"input": {"opportunityId": gid(opportunity), "amount": "250.00"}})

    assert body["data"]["updateOpportunity"] == {
        "opportunity": {
            "id": gid(opportunity),
            "name": "Before",
            "amount": "250.00",
            "currency": "EUR",
            "closeDate": "2027-02-01",
            "probability": 40,
            "expectedRevenue": "100.00",
            "stage": {"name": "Prospecting"},
            "account": {"id": gid(account)},
            "contact": {"id": gid(contact)},
            "partner": {"id": gid(partner)},
        },
        "userErrors": [],
    }
    stored = await Opportunity.get(id=opportunity.id)
    assert (stored.name, stored.amount, stored.close_date, stored.account_id, stored.contact_id, stored.partner_id) == (
        "Before",
        Decimal("250.00"),
        date(2027, 2, 1),
        account.id,
        contact.id,
        partner.id,
    )
    assert stored.updated_at > opportunity.updated_at


async def test_update_sets_every_field_at_once(anonymous_client):
    owner = await make_user()
    partner = await make_company()
    account = await make_account(owner.company)
    contact = await make_contact(owner.company, account=account)
    opportunity = await make_opportunity(owner, name="Before", amount=None, currency=None)

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(
            client,
            UPDATE,
            {
                "input": {
                    "opportunityId": gid(opportunity),
                    "name": "After",
                    "amount": "80.00",
                    "currency": "chf",
                    "closeDate": "2027-09-01",
                    "accountId": gid(account),
                    "contactId": gid(contact),
                    "stageId": gid(await stage_named("Closed Won")),
                    "probability": 95,
                    "partnerId": gid(partner),
                }
            },
        )

    assert body["data"]["updateOpportunity"] == {
        "opportunity": {
            "id": gid(opportunity),
            "name": "After",
            "amount": "80.00",
            "currency": "CHF",
            "closeDate": "2027-09-01",
            "probability": 95,
            "expectedRevenue": "76.00",
            "stage": {"name": "Closed Won"},
            "account": {"id": gid(account)},
            "contact": {"id": gid(contact)},
            "partner": {"id": gid(partner)},
        },
        "userErrors": [],
    }
    stored = await Opportunity.get(id=opportunity.id)
    assert (stored.name, stored.currency, stored.partner_id, stored.probability_override) == (
        "After",
        "CHF",
        partner.id,
        95,
    )


async def test_update_with_explicit_nulls_clears_the_fields(anonymous_client):
    owner = await make_user()
    account = await make_account(owner.company)
    contact = await make_contact(owner.company, account=account)
    opportunity = await make_opportunity(
        owner, close_date=date(2027, 2, 1), account=account, contact=contact, partner=await make_company()
    )
    cleared = {
        "amount": None,
        "currency": None,
        "closeDate": None,
        "accountId": None,
        "contactId": None,
        "partnerId": None,
    }

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, UPDATE, {"input": {"opportunityId": gid(opportunity), **cleared}})

    found = body["data"]["updateOpportunity"]["opportunity"]
    assert {
        key: found[key]
        for key in ("amount", "currency", "closeDate", "account", "contact", "partner", "expectedRevenue")
    } == {
        "amount": None,
        "currency": None,
        "closeDate": None,
        "account": None,
        "contact": None,
        "partner": None,
        "expectedRevenue": None,
    }
    stored = await Opportunity.get(id=opportunity.id)
    assert (
        stored.amount,
        stored.currency,
        stored.close_date,
        stored.account_id,
        stored.contact_id,
        stored.partner_id,
    ) == (
        None,
        None,
        None,
        None,
        None,
        None,
    )


async def test_probability_follows_the_stage_until_set_and_again_once_cleared(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(owner, amount=Decimal("1000.00"))
    qualification = await stage_named("Qualification")
    proposal = await stage_named("Proposal/Price Quote")

    async def update(client, **given):
        body = await graphql(client, UPDATE, {"input": {"opportunityId": gid(opportunity), **given}})
        assert body["data"]["updateOpportunity"]["userErrors"] == []
        found = body["data"]["updateOpportunity"]["opportunity"]
        return found["stage"]["name"], found["probability"], found["expectedRevenue"]

    async with client_as(anonymous_client, owner) as client:
        moved = await update(client, stageId=gid(qualification))
        set_explicitly = await update(client, probability=42)
        moved_while_set = await update(client, stageId=gid(proposal))
        cleared = await update(client, probability=None)

    assert moved == ("Qualification", 20, "200.00")
    assert set_explicitly == ("Qualification", 42, "420.00")
    assert moved_while_set == ("Proposal/Price Quote", 42, "420.00")
    assert cleared == ("Proposal/Price Quote", 75, "750.00")
    assert (await Opportunity.get(id=opportunity.id)).probability_override is None


async def test_a_collaborator_may_update(anonymous_client):
    owner = await make_user()
    collaborator = await make_user()
    opportunity = await make_opportunity(owner, name="Before")
    await add_member(opportunity, collaborator, MemberRole.COLLABORATOR)

    async with client_as(anonymous_client, collaborator) as collaborator_client:
        body = await graphql(
            collaborator_client, UPDATE, {"input": {"opportunityId": gid(opportunity), "name": "After"}}
        )

    assert body["data"]["updateOpportunity"]["userErrors"] == []
    assert (await Opportunity.get(id=opportunity.id)).name == "After"


@pytest.mark.parametrize("role", [MemberRole.VIEWER, MemberRole.PARTICIPANT])
async def test_a_viewer_or_participant_may_not_update(anonymous_client, role):
    owner = await make_user()
    member = await make_user()
    opportunity = await make_opportunity(owner, name="Before")
    await add_member(opportunity, member, role)
    before = await snapshot()

    async with client_as(anonymous_client, member) as member_client:
        body = await graphql(member_client, UPDATE, {"input": {"opportunityId": gid(opportunity), "name": "After"}})

    assert body["data"]["updateOpportunity"] == {
        "opportunity": None,
        "userErrors": [
            {
                "code": "FORBIDDEN",
                "message": f"Your role on this opportunity ({role.value}) does not allow this",
                "field": ["opportunityId"],
            }
        ],
    }
    assert await snapshot() == before


async def test_an_outsider_updating_gets_not_found(anonymous_client):
    owner = await make_user()
    outsider = await make_user()
    opportunity = await make_opportunity(owner, name="Before")
    before = await snapshot()

    async with client_as(anonymous_client, outsider) as outsider_client:
        body = await graphql(outsider_client, UPDATE, {"input": {"opportunityId": gid(opportunity), "name": "After"}})

    assert body["data"]["updateOpportunity"] == {
        "opportunity": None,
        "userErrors": [
            {"code": "NOT_FOUND", "message": f"No Opportunity with ID '{gid(opportunity)}'", "field": ["opportunityId"]}
        ],
    }
    assert await snapshot() == before


async def test_update_by_an_id_of_another_type_is_not_found(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    await make_opportunity(owner, id=lead.id)
    before = await snapshot()

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, UPDATE, {"input": {"opportunityId": gid(lead), "name": "After"}})

    assert body["data"]["updateOpportunity"]["userErrors"] == [
        {"code": "NOT_FOUND", "message": f"No Opportunity with ID '{gid(lead)}'", "field": ["opportunityId"]}
    ]
    assert await snapshot() == before


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"name": None}, ("INVALID_INPUT", "name is required", ["name"])),
        ({"name": ""}, ("INVALID_INPUT", "name must not be empty", ["name"])),
        ({"name": "y" * 256}, ("INVALID_INPUT", "name may be at most 255 characters", ["name"])),
        (
            {"stageId": None},
            ("INVALID_INPUT", "stageId is required: an opportunity is always at some stage", ["stageId"]),
        ),
        ({"probability": 101}, ("INVALID_INPUT", "probability must be between 0 and 100", ["probability"])),
        ({"amount": "-5"}, ("INVALID_INPUT", "amount must not be negative", ["amount"])),
        ({"currency": "XXY"}, ("INVALID_INPUT", "'XXY' is not an ISO 4217 currency code", ["currency"])),
        ({"partnerId": "bm9wZQ=="}, ("NOT_FOUND", "No Company with ID 'bm9wZQ=='", ["partnerId"])),
    ],
)
async def test_update_refuses_bad_input_and_changes_nothing(anonymous_client, given, error):
    owner = await make_user()
    opportunity = await make_opportunity(owner, name="Before")
    before = await snapshot()

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, UPDATE, {"input": {"opportunityId": gid(opportunity), "amount": "1.00", **given}})

    code, message, field = error
    assert body["data"]["updateOpportunity"] == {
        "opportunity": None,
        "userErrors": [{"code": code, "message": message, "field": field}],
    }
    assert await snapshot() == before


async def test_update_refuses_a_stage_id_of_another_type(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(owner)
    before = await snapshot()

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(
            client, UPDATE, {"input": {"opportunityId": gid(opportunity), "stageId": gid(opportunity)}}
        )

    assert body["data"]["updateOpportunity"]["userErrors"] == [
        {"code": "NOT_FOUND", "message": f"No OpportunityStage with ID '{gid(opportunity)}'", "field": ["stageId"]}
    ]
    assert await snapshot() == before


async def test_update_keeps_the_contact_within_the_account(anonymous_client):
    owner = await make_user()
    account = await make_account(owner.company)
    other_account = await make_account(owner.company)
    contact = await make_contact(owner.company, account=account)
    stranger_contact = await make_contact(owner.company, account=other_account)
    opportunity = await make_opportunity(owner, account=account, contact=contact)
    before = await snapshot()

    async with client_as(anonymous_client, owner) as client:
        new_contact = await graphql(
            client, UPDATE, {"input": {"opportunityId": gid(opportunity), "contactId": gid(stranger_contact)}}
        )
        new_account = await graphql(
            client, UPDATE, {"input": {"opportunityId": gid(opportunity), "accountId": gid(other_account)}}
        )
        both = await graphql(
            client,
            UPDATE,
            {
                "input": {
                    "opportunityId": gid(opportunity),
                    "accountId": gid(other_account),
                    "contactId": gid(stranger_contact),
                }
            },
        )

    message = "The contact does not belong to the chosen account"
    assert new_contact["data"]["updateOpportunity"]["userErrors"] == [
        {"code": "INVALID_INPUT", "message": message, "field": ["contactId"]}
    ]
    assert new_account["data"]["updateOpportunity"]["userErrors"] == [
        {"code": "INVALID_INPUT", "message": message, "field": ["accountId"]}
    ]
    assert both["data"]["updateOpportunity"]["userErrors"] == []
    assert [before[0]["account_id"], before[0]["contact_id"]] == [account.id, contact.id]
    stored = await Opportunity.get(id=opportunity.id)
    assert (stored.account_id, stored.contact_id) == (other_account.id, stranger_contact.id)


async def test_update_refuses_an_account_the_viewer_cannot_see(anonymous_client):
    owner = await make_user()
    foreign = await make_account((await make_user()).company)
    opportunity = await make_opportunity(owner)
    before = await snapshot()

    async with client_as(anonymous_client, owner) as client:
        body = await graphql(client, UPDATE, {"input": {"opportunityId": gid(opportunity), "accountId": gid(foreign)}})

    assert body["data"]["updateOpportunity"]["userErrors"] == [
        {"code": "NOT_FOUND", "message": f"No Account with ID '{gid(foreign)}'", "field": ["accountId"]}
    ]
    assert await snapshot() == before

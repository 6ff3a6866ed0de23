"""The `pipeline` forecast: totals by stage and forecast category, per currency, over the
opportunities the viewer can see; money only where their role may read it."""

from datetime import date, timedelta
from decimal import Decimal

from models import MemberRole, Opportunity
from tests.factories import (
    add_member,
    client_as,
    gid,
    graphql,
    make_company,
    make_opportunity,
    make_policy,
    make_user,
    stage_named,
)

PIPELINE = """
query ($filter: PipelineFilter) {
  pipeline(filter: $filter) {
    opportunityCount
    totals { currency opportunityCount amount expectedRevenue }
    byStage { stage { name probability } opportunityCount totals { currency opportunityCount amount expectedRevenue } }
    byForecastCategory { forecastCategory opportunityCount totals { currency opportunityCount amount expectedRevenue } }
  }
}
"""
PIPELINE_COUNT = """
query ($filter: PipelineFilter) { pipeline(filter: $filter) { opportunityCount } }
"""
AMOUNTS = """
query { opportunities(first: 100) { edges { node { name amount expectedRevenue } } } }
"""
STAGES = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Decision Makers Identified",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
]


def money(currency, count, amount, expected_revenue) -> dict:
    return {"currency": currency, "opportunityCount": count, "amount": amount, "expectedRevenue": expected_revenue}


async def pipeline_of(client, filter=None) -> dict:
    body = await graphql(client, PIPELINE, {"filter": filter})
    assert "errors" not in body, body
    return body["data"]["pipeline"]


async def count_of(client, filter) -> int:
    body = await graphql(client, PIPELINE_COUNT, {"filter": filter})
    assert "errors" not in body, body
    return body["data"]["pipeline"]["opportunityCount"]


async def test_pipeline_totals_by_stage_and_forecast_category_per_currency(anonymous_client):
    owner = await make_user()
    await make_opportunity(owner, amount=Decimal("1000.00"), currency="EUR", stage=await stage_named("Prospecting"))
    await make_opportunity(
        owner, amount=Decimal("333.33"), currency="EUR", stage=await stage_named("Prospecting"), probability_override=50
    )
    await make_opportunity(
        owner, amount=Decimal("2000.00"), currency="USD", stage=await stage_named("Proposal/Price Quote")
    )
    await make_opportunity(owner, amount=None, currency=None, stage=await stage_named("Negotiation/Review"))
    await make_opportunity(owner, amount=Decimal("500.00"), currency="EUR", stage=await stage_named("Closed Won"))
    await make_opportunity(owner, amount=Decimal("10.00"), currency=None, stage=await stage_named("Qualification"))

    async with client_as(anonymous_client, owner) as owner_client:
        report = await pipeline_of(owner_client)

    assert report["opportunityCount"] == 6
    assert report["totals"] == [
        money("EUR", 3, "1833.33", "766.67"),
        money("USD", 1, "2000.00", "1500.00"),
        money(None, 1, "10.00", "2.00"),
    ]
    by_stage = {entry["stage"]["name"]: entry for entry in report["byStage"]}
    assert [entry["stage"]["name"] for entry in report["byStage"]] == STAGES
    assert by_stage["Prospecting"] == {
        "stage": {"name": "Prospecting", "probability": 10},
        "opportunityCount": 2,
        "totals": [money("EUR", 2, "1333.33", "266.67")],
    }
    assert by_stage["Negotiation/Review"]["opportunityCount"] == 1
    assert by_stage["Negotiation/Review"]["totals"] == []
    assert by_stage["Value Proposition"] == {
        "stage": {"name": "Value Proposition", "probability": 50},
        "opportunityCount": 0,
        "totals": [],
    }
    assert report["byForecastCategory"] == [
        {
            "forecastCategory": "PIPELINE",
            "opportunityCount": 3,
            "totals": [money("EUR", 2, "1333.33", "266.67"), money(None, 1, "10.00", "2.00")],
        },
        {"forecastCategory": "BEST_CASE", "opportunityCount": 0, "totals": []},
        {"forecastCategory": "COMMIT", "opportunityCount": 2, "totals": [money("USD", 1, "2000.00", "1500.00")]},
        {"forecastCategory": "CLOSED", "opportunityCount": 1, "totals": [money("EUR", 1, "500.00", "500.00")]},
        {"forecastCategory": "OMITTED", "opportunityCount": 0, "totals": []},
    ]


async def test_participant_only_opportunities_count_but_add_no_money(anonymous_client):
    vendor = await make_company()
    partner = await make_company()
    vendor_owner = await make_user(company=vendor)
    viewer = await make_user(company=partner)
    await make_policy(partner, MemberRole.PARTICIPANT)
    through_policy = await make_opportunity(
        vendor_owner, name="Through policy", partner=partner, amount=Decimal("100.00")
    )
    collaborating = await make_opportunity(
        vendor_owner, name="Collaborating", partner=partner, amount=Decimal("200.00")
    )
    await add_member(collaborating, viewer, MemberRole.COLLABORATOR)
    participating = await make_opportunity(vendor_owner, name="Participating", amount=Decimal("400.00"))
    await add_member(participating, viewer, MemberRole.PARTICIPANT)
    viewing = await make_opportunity(vendor_owner, name="Viewing", amount=Decimal("800.00"))
    await add_member(viewing, viewer, MemberRole.VIEWER)
    await make_opportunity(vendor_owner, name="Invisible", amount=Decimal("1600.00"))

    async with client_as(anonymous_client, viewer) as viewer_client:
        report = await pipeline_of(viewer_client)
        amounts = await graphql(viewer_client, AMOUNTS)

    assert report["opportunityCount"] == 4
    assert report["totals"] == [money("EUR", 2, "1000.00", "100.00")]
    assert {edge["node"]["name"]: edge["node"]["amount"] for edge in amounts["data"]["opportunities"]["edges"]} == {
        "Through policy": None,
        "Collaborating": "200.00",
        "Participating": None,
        "Viewing": "800.00",
    }
    assert through_policy.amount == Decimal("100.00")


async def test_company_admin_reads_every_amount_of_their_company_records(anonymous_client):
    vendor = await make_company()
    owner = await make_user(company=vendor)
    admin = await make_user(company=vendor, is_admin=True)
    participating = await make_opportunity(owner, amount=Decimal("100.00"))
    await add_member(participating, admin, MemberRole.PARTICIPANT)
    await make_opportunity(owner, amount=Decimal("50.50"), currency="GBP")

    async with client_as(anonymous_client, admin) as admin_client:
        report = await pipeline_of(admin_client)

    assert report["opportunityCount"] == 2
    assert report["totals"] == [money("EUR", 1, "100.00", "10.00"), money("GBP", 1, "50.50", "5.05")]


async def test_pipeline_filters_by_partner_sourced_by_owner_and_close_date(anonymous_client):
    vendor, partner, other_partner = await make_company(), await make_company(), await make_company()
    admin = await make_user(company=vendor, is_admin=True)
    colleague = await make_user(company=vendor)
    await make_opportunity(admin, partner=partner, close_date=date(2026, 1, 10))
    await make_opportunity(admin, partner=other_partner, close_date=date(2026, 3, 31))
    await make_opportunity(colleague, partner=partner, close_date=date(2026, 4, 1))
    await make_opportunity(colleague, close_date=None)
    partner_user = await make_user(company=partner)
    await make_opportunity(partner_user, partner=vendor, close_date=date(2026, 2, 1))

    async with client_as(anonymous_client, admin) as admin_client:
        counts = {
            "all": await count_of(admin_client, None),
            "partner": await count_of(admin_client, {"partnerId": gid(partner)}),
            "sourcedBy": await count_of(admin_client, {"sourcedById": gid(partner)}),
            "owner": await count_of(admin_client, {"ownerId": gid(colleague)}),
            "range": await count_of(admin_client, {"closeDateFrom": "2026-01-10", "closeDateTo": "2026-03-31"}),
            "from": await count_of(admin_client, {"closeDateFrom": "2026-02-01"}),
            "to": await count_of(admin_client, {"closeDateTo": "2026-01-31"}),
            "combined": await count_of(admin_client, {"ownerId": gid(admin), "partnerId": gid(partner)}),
            "unknown partner": await count_of(admin_client, {"partnerId": gid(await make_company())}),
        }

    assert counts == {
        "all": 5,
        "partner": 2,
        "sourcedBy": 1,
        "owner": 2,
        "range": 3,
        "from": 3,
        "to": 1,
        "combined": 1,
        "unknown partner": 0,
    }


async def test_an_outsider_sees_an_empty_pipeline(anonymous_client):
    owner = await make_user()
    await make_opportunity(owner, amount=Decimal("999.00"))
    outsider = await make_user()

    async with client_as(anonymous_client, outsider) as outsider_client:
        report = await pipeline_of(outsider_client)

    assert report["opportunityCount"] == 0
    assert report["totals"] == []
    assert all(entry["opportunityCount"] == 0 and entry["totals"] == [] for entry in report["byStage"])


def bad_input(message: str) -> list[dict]:
    return [
        {
            "message": message,
            "locations": [{"line": 3, "column": 3}],
            "path": ["pipeline"],
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]


async def test_reversed_close_date_range_is_bad_user_input(anonymous_client):
    owner = await make_user()
    await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, PIPELINE, {"filter": {"closeDateFrom": "2026-05-01", "closeDateTo": "2026-04-30"}}
        )

    assert body == {
        "data": None,
        "errors": bad_input("filter.closeDateFrom (2026-05-01) is after filter.closeDateTo (2026-04-30)"),
    }


async def test_close_date_range_longer_than_ten_years_is_bad_user_input(anonymous_client):
    owner = await make_user()
    today = date.today()
    far_past = today.replace(year=today.year - 11)

    async with client_as(anonymous_client, owner) as owner_client:
        too_long = await graphql(
            owner_client, PIPELINE, {"filter": {"closeDateFrom": "2020-01-01", "closeDateTo": "2030-01-02"}}
        )
        ten_years = await graphql(
            owner_client, PIPELINE_COUNT, {"filter": {"closeDateFrom": "2020-01-01", "closeDateTo": "2030-01-01"}}
        )
        open_end = await graphql(owner_client, PIPELINE, {"filter": {"closeDateFrom": far_past.isoformat()}})
        open_start = await graphql(
            owner_client, PIPELINE, {"filter": {"closeDateTo": (today + timedelta(days=365 * 11)).isoformat()}}
        )
        recent_open_end = await graphql(owner_client, PIPELINE_COUNT, {"filter": {"closeDateFrom": today.isoformat()}})

    assert too_long["errors"] == bad_input(
        "filter.closeDateTo: the range from 2020-01-01 to 2030-01-02 is longer than 10 years"
    )
    assert ten_years == {"data": {"pipeline": {"opportunityCount": 0}}}
    assert open_end["errors"] == bad_input(
        f"filter.closeDateFrom: an open range from {far_past} to today is longer than 10 years; give filter.closeDateTo too"
    )
    assert open_start["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert open_start["errors"][0]["message"].startswith("filter.closeDateTo: an open range from ")
    assert recent_open_end == {"data": {"pipeline": {"opportunityCount": 0}}}


async def test_an_id_of_another_type_in_the_filter_is_bad_user_input(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(owner)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, PIPELINE, {"filter": {"ownerId": gid(opportunity)}})

    assert body == {"data": None, "errors": bad_input(f"filter.ownerId: No User with ID '{gid(opportunity)}'")}
    assert await Opportunity.all().count() == 1

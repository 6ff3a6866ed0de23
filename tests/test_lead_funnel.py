"""The `leadFunnel` report: counts by status and acceptance, rates and time to conversion over
the leads the viewer can see, overall and by source and partner, for a creation-date range."""

from datetime import UTC, datetime, timedelta

from models import Lead, LeadAcceptance, LeadStatus
from tests.factories import client_as, graphql, make_company, make_lead, make_user

FIGURES = """
leadCount convertedCount acceptanceRate conversionRate medianSecondsToConversion
byStatus { status count } byAcceptance { acceptance count }
"""
FUNNEL = f"""
query ($filter: LeadFunnelFilter) {{
  leadFunnel(filter: $filter) {{
    {FIGURES}
    bySource {{ source {FIGURES} }}
    byPartner {{ partner {{ name }} {FIGURES} }}
  }}
}}
"""
FUNNEL_COUNT = """
query ($filter: LeadFunnelFilter) { leadFunnel(filter: $filter) { leadCount } }
"""
CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def figures(
    count: int,
    *,
    statuses: dict[str, int],
    acceptances: dict[str, int],
    converted: int = 0,
    acceptance_rate: float | None = None,
    conversion_rate: float | None = None,
    median: float | None = None,
) -> dict:
    return {
        "leadCount": count,
        "convertedCount": converted,
        "acceptanceRate": acceptance_rate,
        "conversionRate": conversion_rate,
        "medianSecondsToConversion": median,
        "byStatus": [{"status": status.value, "count": statuses.get(status.value, 0)} for status in LeadStatus],
        "byAcceptance": [
            {"acceptance": acceptance.value, "count": acceptances.get(acceptance.value, 0)}
            for acceptance in LeadAcceptance
        ],
    }


async def lead_created(
    owner, created_at: datetime = CREATED, converted_after: timedelta | None = None, **fields
) -> Lead:
    if converted_after is not None:
        fields.update(is_converted=True, status=LeadStatus.CLOSED_CONVERTED, converted_at=created_at + converted_after)
    lead = await make_lead(owner, **fields)
    await Lead.filter(id=lead.id).update(created_at=created_at)
    return lead


async def test_funnel_counts_rates_and_median_overall_by_source_and_by_partner(anonymous_client):
    vendor = await make_company(name="Vendor")
    alpha, beta = await make_company(name="Alpha Partners"), await make_company(name="Beta Partners")
    owner = await make_user(company=vendor)
    now = datetime.now(UTC)
    await lead_created(owner, source="Web")
    await lead_created(
        owner,
        source="Web",
        partner=alpha,
        stored_acceptance=LeadAcceptance.ACCEPTED,
        converted_after=timedelta(hours=2),
    )
    await lead_created(
        owner,
        source="Event",
        partner=alpha,
        stored_acceptance=LeadAcceptance.REJECTED,
        rejection_reason="Not ours",
        status=LeadStatus.CLOSED_NOT_CONVERTED,
        disqualification_reason="Lost",
    )
    await lead_created(owner, source="Event", partner=beta, acceptance_deadline=now - timedelta(minutes=1))
    await lead_created(
        owner,
        source=None,
        partner=beta,
        acceptance_deadline=now + timedelta(days=1),
        status=LeadStatus.WORKING_CONTACTED,
    )
    await lead_created(owner, source="Web", converted_after=timedelta(hours=4))
    await make_lead(await make_user(company=vendor), source="Web")

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, FUNNEL)

    assert "errors" not in body, body
    funnel = body["data"]["leadFunnel"]
    by_source, by_partner = funnel.pop("bySource"), funnel.pop("byPartner")
    assert funnel == figures(
        6,
        statuses={"OPEN_NOT_CONTACTED": 2, "WORKING_CONTACTED": 1, "CLOSED_CONVERTED": 2, "CLOSED_NOT_CONVERTED": 1},
        acceptances={"NOT_REQUIRED": 2, "PENDING": 1, "ACCEPTED": 1, "REJECTED": 1, "EXPIRED": 1},
        converted=2,
        acceptance_rate=1 / 3,
        conversion_rate=2 / 6,
        median=3 * 3600.0,
    )
    assert by_source == [
        {
            "source": "Event",
            **figures(
                2,
                statuses={"OPEN_NOT_CONTACTED": 1, "CLOSED_NOT_CONVERTED": 1},
                acceptances={"REJECTED": 1, "EXPIRED": 1},
                acceptance_rate=0.0,
                conversion_rate=0.0,
            ),
        },
        {
            "source": "Web",
            **figures(
                3,
                statuses={"OPEN_NOT_CONTACTED": 1, "CLOSED_CONVERTED": 2},
                acceptances={"NOT_REQUIRED": 2, "ACCEPTED": 1},
                converted=2,
                acceptance_rate=1.0,
                conversion_rate=2 / 3,
                median=3 * 3600.0,
            ),
        },
        {
            "source": None,
            **figures(1, statuses={"WORKING_CONTACTED": 1}, acceptances={"PENDING": 1}, conversion_rate=0.0),
        },
    ]
    assert by_partner == [
        {
            "partner": {"name": "Alpha Partners"},
            **figures(
                2,
                statuses={"CLOSED_CONVERTED": 1, "CLOSED_NOT_CONVERTED": 1},
                acceptances={"ACCEPTED": 1, "REJECTED": 1},
                converted=1,
                acceptance_rate=0.5,
                conversion_rate=0.5,
                median=2 * 3600.0,
            ),
        },
        {
            "partner": {"name": "Beta Partners"},
            **figures(
                2,
                statuses={"OPEN_NOT_CONTACTED": 1, "WORKING_CONTACTED": 1},
                acceptances={"PENDING": 1, "EXPIRED": 1},
                acceptance_rate=0.0,
                conversion_rate=0.0,
            ),
        },
        {
            "partner": None,
            **figures(
                2,
                statuses={"OPEN_NOT_CONTACTED": 1, "CLOSED_CONVERTED": 1},
                acceptances={"NOT_REQUIRED": 2},
                converted=1,
                conversion_rate=0.5,
                median=4 * 3600.0,
            ),
        },
    ]


async def test_funnel_keeps_the_leads_created_in_the_range_of_utc_days(anonymous_client):
    owner = await make_user()
    await lead_created(owner, created_at=datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC))
    await lead_created(owner, created_at=datetime(2026, 1, 1, 0, 0, tzinfo=UTC))
    await lead_created(owner, created_at=datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC))
    await lead_created(owner, created_at=datetime(2026, 2, 1, 0, 0, tzinfo=UTC))

    async with client_as(anonymous_client, owner) as owner_client:
        counts = [
            (await graphql(owner_client, FUNNEL_COUNT, {"filter": given}))["data"]["leadFunnel"]["leadCount"]
            for given in (
                None,
                {"createdFrom": "2026-01-01", "createdTo": "2026-01-31"},
                {"createdFrom": "2026-01-01"},
                {"createdTo": "2026-01-01"},
                {"createdFrom": "2026-01-01", "createdTo": "2026-01-01"},
            )
        ]

    assert counts == [4, 2, 3, 2, 1]


async def test_an_outsider_sees_an_empty_funnel(anonymous_client):
    owner = await make_user()
    await lead_created(owner, converted_after=timedelta(hours=1))
    outsider = await make_user()

    async with client_as(anonymous_client, outsider) as outsider_client:
        body = await graphql(outsider_client, FUNNEL)

    assert body == {
        "data": {
            "leadFunnel": {
                **figures(0, statuses={}, acceptances={}),
                "bySource": [],
                "byPartner": [],
            }
        }
    }


def bad_input(message: str) -> list[dict]:
    return [
        {
            "message": message,
            "locations": [{"line": 2, "column": 37}],
            "path": ["leadFunnel"],
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]


async def test_reversed_or_too_long_creation_range_is_bad_user_input(anonymous_client):
    owner = await make_user()
    await lead_created(owner)
    today = datetime.now(UTC).date()
    long_ago = today.replace(year=today.year - 10) - timedelta(days=1)

    async with client_as(anonymous_client, owner) as owner_client:
        reversed_range = await graphql(
            owner_client, FUNNEL_COUNT, {"filter": {"createdFrom": "2026-02-01", "createdTo": "2026-01-31"}}
        )
        too_long = await graphql(
            owner_client, FUNNEL_COUNT, {"filter": {"createdFrom": "0001-01-01", "createdTo": "9999-12-31"}}
        )
        open_range = await graphql(owner_client, FUNNEL_COUNT, {"filter": {"createdFrom": long_ago.isoformat()}})

    assert reversed_range == {
        "data": None,
        "errors": bad_input("filter.createdFrom (2026-02-01) is after filter.createdTo (2026-01-31)"),
    }
    assert too_long == {
        "data": None,
        "errors": bad_input("filter.createdTo: the range from 0001-01-01 to 9999-12-31 is longer than 10 years"),
    }
    assert open_range == {
        "data": None,
        "errors": bad_input(
            f"filter.createdFrom: an open range from {long_ago} to today is longer than 10 years; give filter.createdTo too"
        ),
    }

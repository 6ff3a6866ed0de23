from datetime import UTC, datetime, timedelta
from decimal import Decimal

from models import ForecastCategory, LeadAcceptance, LeadStatus, OpportunityStage
from models.pipeline_report import funnel_report, partner_ids, partners_by_name, pipeline_report, summed_decimal

QUALIFY = OpportunityStage(
    id=1, name="Qualify", sort_order=1, probability=10, forecast_category=ForecastCategory.PIPELINE
)
PROPOSE = OpportunityStage(
    id=2, name="Propose", sort_order=2, probability=50, forecast_category=ForecastCategory.PIPELINE
)
WON = OpportunityStage(id=3, name="Won", sort_order=3, probability=100, forecast_category=ForecastCategory.CLOSED)
STAGES = [QUALIFY, PROPOSE, WON]


def money_of(bucket):
    return [(total.currency, total.opportunity_count, total.amount, total.expected_revenue) for total in bucket.totals]


def test_expected_revenue_uses_the_override_else_the_stage_and_rounds_once_per_currency():
    counts = [(1, 3), (2, 1), (3, 2)]
    money = [
        (1, "USD", None, 2, Decimal("100.05")),
        (1, "USD", 33, 1, Decimal("0.05")),
        (2, "EUR", None, 1, Decimal("10.01")),
        (3, None, None, 1, Decimal("7.00")),
    ]

    report = pipeline_report(STAGES, counts, money)

    assert report.overall.opportunity_count == 6
    assert money_of(report.overall) == [
        ("EUR", 1, Decimal("10.01"), Decimal("5.01")),
        ("USD", 3, Decimal("100.10"), Decimal("10.02")),
        (None, 1, Decimal("7.00"), Decimal("7.00")),
    ]
    assert [(stage.name, bucket.opportunity_count) for stage, bucket in report.by_stage] == [
        ("Qualify", 3),
        ("Propose", 1),
        ("Won", 2),
    ]
    assert money_of(report.by_stage[0][1]) == [("USD", 3, Decimal("100.10"), Decimal("10.02"))]


def test_forecast_categories_merge_their_stages_unrounded_and_list_every_category():
    counts = [(1, 1), (2, 1)]
    money = [(1, "USD", None, 1, Decimal("0.05")), (2, "USD", None, 1, Decimal("0.01"))]

    report = pipeline_report(STAGES, counts, money)

    categories = dict(report.by_forecast_category)
    assert list(categories) == list(ForecastCategory)
    assert categories[ForecastCategory.PIPELINE].opportunity_count == 2
    assert money_of(categories[ForecastCategory.PIPELINE]) == [("USD", 2, Decimal("0.06"), Decimal("0.01"))]
    assert money_of(report.by_stage[0][1]) == [("USD", 1, Decimal("0.05"), Decimal("0.01"))]
    assert money_of(report.by_stage[1][1]) == [("USD", 1, Decimal("0.01"), Decimal("0.01"))]
    assert categories[ForecastCategory.CLOSED].opportunity_count == 0
    assert categories[ForecastCategory.CLOSED].totals == []


def test_a_float_sum_becomes_the_decimal_to_the_cent():
    assert summed_decimal(0.1 + 0.2) == Decimal("0.30")
    assert summed_decimal(Decimal("1.234")) == Decimal("1.234")


def test_the_funnel_counts_expired_leads_rates_and_the_median_time_to_conversion():
    created = datetime(2026, 1, 1, tzinfo=UTC)
    grouped = [
        ("web", None, LeadStatus.OPEN_NOT_CONTACTED.value, LeadAcceptance.PENDING.value, False, 3),
        ("web", 7, LeadStatus.CLOSED_CONVERTED.value, LeadAcceptance.ACCEPTED.value, True, 2),
        (None, 7, LeadStatus.WORKING_CONTACTED.value, LeadAcceptance.REJECTED.value, False, 1),
    ]
    expired = [("web", None, 2)]
    conversions = [
        ("web", 7, created, created + timedelta(hours=1)),
        ("web", 7, created, created + timedelta(hours=3)),
    ]

    report = funnel_report(grouped, expired, conversions)

    assert report.overall.lead_count == 6
    assert report.overall.acceptances[LeadAcceptance.PENDING] == 1
    assert report.overall.acceptances[LeadAcceptance.EXPIRED] == 2
    assert report.overall.acceptance_rate == 2 / 5
    assert report.overall.conversion_rate == 2 / 6
    assert report.overall.median_seconds_to_conversion == 7200.0
    assert [(source, figures.lead_count) for source, figures in report.by_source] == [("web", 5), (None, 1)]
    assert partner_ids(report) == [7]


def test_partners_sort_by_name_with_no_partner_last():
    grouped = [
        ("web", None, LeadStatus.OPEN_NOT_CONTACTED.value, LeadAcceptance.NOT_REQUIRED.value, False, 1),
        ("web", 8, LeadStatus.OPEN_NOT_CONTACTED.value, LeadAcceptance.NOT_REQUIRED.value, False, 1),
        ("web", 9, LeadStatus.OPEN_NOT_CONTACTED.value, LeadAcceptance.NOT_REQUIRED.value, False, 1),
    ]

    report = partners_by_name(funnel_report(grouped, [], []), {8: "Zeta", 9: "Alpha"})

    assert [partner_id for partner_id, _ in report.by_partner] == [9, 8, None]


def test_an_empty_funnel_has_no_rates():
    report = funnel_report([], [], [])

    assert report.overall.lead_count == 0
    assert report.overall.acceptance_rate is None
    assert report.overall.conversion_rate is None
    assert report.overall.median_seconds_to_conversion is None
    assert report.by_source == [] and report.by_partner == []

"""The `pipeline` and `leadFunnel` reports: the database groups and counts (GROUP BY) over the
viewer's scope; Python only merges the few grouped rows into the report."""

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import TypeVar

from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

from models import (
    DomainError,
    ForecastCategory,
    Lead,
    LeadAcceptance,
    LeadStatus,
    Opportunity,
    OpportunityStage,
    User,
)
from permissions import scopes
from resolvers.context import Context
from resolvers.ids import decode_id
from resolvers.pagination import bad_input

MAX_RANGE_YEARS = 10
CENT = Decimal("0.01")


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def check_date_range(start: date | None, end: date | None, names: tuple[str, str], today: date) -> None:
    """A GraphQL error (BAD_USER_INPUT) naming the field when the range is reversed or longer than
    10 years; an open end counts as today, so an open range reaching back or ahead more than
    10 years is refused too."""
    start_name, end_name = (f"filter.{name}" for name in names)
    if start is not None and end is not None and start > end:
        raise bad_input(f"{start_name} ({start}) is after {end_name} ({end})")
    if start is None and end is None:
        return
    if start is None:
        assert end is not None
        low, high = min(today, end), end
    else:
        low, high = start, end if end is not None else max(today, start)
    if high > _years_after(low, MAX_RANGE_YEARS):
        if start is not None and end is not None:
            raise bad_input(f"{end_name}: the range from {start} to {end} is longer than {MAX_RANGE_YEARS} years")
        given_name, given = (start_name, start) if start is not None else (end_name, end)
        missing = end_name if start is not None else start_name
        raise bad_input(
            f"{given_name}: an open range from {given} to today is longer than {MAX_RANGE_YEARS} years; give {missing} too"
        )


def _pk(value: str, type_name: str, name: str) -> int:
    try:
        return decode_id(value, type_name, ["filter", name])
    except DomainError as error:
        raise bad_input(f"filter.{name}: {error.message}") from None


def _rounded(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(value: object) -> Decimal:
    """A SUM as the database returns it: exact on PostgreSQL (NUMERIC); SQLite sums the text
    column as a float, exact to the cent below about 10^13."""
    if isinstance(value, Decimal):
        return value
    return _rounded(Decimal(repr(value)))


@dataclass
class PipelineCriteria:
    partner_id: str | None = None
    sourced_by_id: str | None = None
    owner_id: str | None = None
    close_date_from: date | None = None
    close_date_to: date | None = None


@dataclass
class MoneyTotal:
    currency: str | None
    opportunity_count: int = 0
    amount: Decimal = Decimal("0.00")
    unrounded_expected_revenue: Decimal = Decimal(0)

    @property
    def expected_revenue(self) -> Decimal:
        return _rounded(self.unrounded_expected_revenue)


@dataclass
class PipelineBucket:
    """The opportunities of a stage, a forecast category or the whole pipeline."""

    opportunity_count: int = 0
    money: dict[str | None, MoneyTotal] = field(default_factory=dict)

    def add(self, count: int) -> None:
        self.opportunity_count += count

    def add_money(self, currency: str | None, count: int, amount: Decimal, probability: int) -> None:
        total = self.money.setdefault(currency, MoneyTotal(currency))
        total.opportunity_count += count
        total.amount += amount
        total.unrounded_expected_revenue += amount * probability / Decimal(100)

    @property
    def totals(self) -> list[MoneyTotal]:
        """Per currency, by code; amounts without a currency last."""
        return sorted(self.money.values(), key=lambda total: (total.currency is None, total.currency or ""))


@dataclass
class PipelineReport:
    overall: PipelineBucket
    by_stage: list[tuple[OpportunityStage, PipelineBucket]]
    by_forecast_category: list[tuple[ForecastCategory, PipelineBucket]]


def matching_opportunities(viewer: User, criteria: PipelineCriteria, today: date) -> QuerySet[Opportunity]:
    check_date_range(criteria.close_date_from, criteria.close_date_to, ("closeDateFrom", "closeDateTo"), today)
    queryset = scopes.visible_opportunities(viewer)
    if criteria.partner_id is not None:
        queryset = queryset.filter(partner_id=_pk(criteria.partner_id, "Company", "partnerId"))
    if criteria.sourced_by_id is not None:
        queryset = queryset.filter(sourced_by_id=_pk(criteria.sourced_by_id, "Company", "sourcedById"))
    if criteria.owner_id is not None:
        queryset = queryset.filter(owner_id=_pk(criteria.owner_id, "User", "ownerId"))
    if criteria.close_date_from is not None:
        queryset = queryset.filter(close_date__gte=criteria.close_date_from)
    if criteria.close_date_to is not None:
        queryset = queryset.filter(close_date__lte=criteria.close_date_to)
    return queryset


async def pipeline(context: Context, criteria: PipelineCriteria) -> PipelineReport:
    """Counts and money by stage and forecast category. Every opportunity counts; only those whose
    money the viewer may read add their amount, per currency."""
    viewer = context.viewer
    queryset = matching_opportunities(viewer, criteria, datetime.now(UTC).date())
    stages = list(await scopes.visible_stages(viewer).order_by("sort_order"))
    counts = await queryset.annotate(count=Count("id")).group_by("stage_id").values_list("stage_id", "count")
    money = (
        await queryset.filter(
            scopes.money_readable_opportunities(viewer, await context.loaders.policy_role()), amount__not_isnull=True
        )
        .annotate(count=Count("id"), amount_sum=Sum("amount"))
        .group_by("stage_id", "currency", "probability_override")
        .values_list("stage_id", "currency", "probability_override", "count", "amount_sum")
    )
    overall = PipelineBucket()
    by_stage = {stage.id: PipelineBucket() for stage in stages}
    stage_of = {stage.id: stage for stage in stages}
    for stage_id, count in counts:
        by_stage[stage_id].add(count)
        overall.add(count)
    for stage_id, currency, override, count, amount_sum in money:
        probability = override if override is not None else stage_of[stage_id].probability
        for bucket in (by_stage[stage_id], overall):
            bucket.add_money(currency, count, _decimal(amount_sum), probability)
    by_category = {category: PipelineBucket() for category in ForecastCategory}
    for stage in stages:
        bucket, category = by_stage[stage.id], by_category[ForecastCategory(stage.forecast_category)]
        category.add(bucket.opportunity_count)
        for total in bucket.money.values():
            merged = category.money.setdefault(total.currency, MoneyTotal(total.currency))
            merged.opportunity_count += total.opportunity_count
            merged.amount += total.amount
            merged.unrounded_expected_revenue += total.unrounded_expected_revenue
    context.work.rows_aggregated += overall.opportunity_count
    return PipelineReport(
        overall=overall,
        by_stage=[(stage, by_stage[stage.id]) for stage in stages],
        by_forecast_category=list(by_category.items()),
    )


@dataclass
class FunnelCriteria:
    created_from: date | None = None
    created_to: date | None = None


@dataclass
class FunnelFigures:
    """Counts and rates of a set of leads."""

    statuses: Counter[LeadStatus] = field(default_factory=Counter)
    acceptances: Counter[LeadAcceptance] = field(default_factory=Counter)
    converted: int = 0
    conversion_seconds: list[float] = field(default_factory=list)

    @property
    def lead_count(self) -> int:
        return sum(self.statuses.values())

    @property
    def by_status(self) -> list[tuple[LeadStatus, int]]:
        return [(status, self.statuses[status]) for status in LeadStatus]

    @property
    def by_acceptance(self) -> list[tuple[LeadAcceptance, int]]:
        return [(acceptance, self.acceptances[acceptance]) for acceptance in LeadAcceptance]

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted over the shared leads whose answer is settled: accepted, rejected or expired."""
        settled = sum(
            self.acceptances[a] for a in (LeadAcceptance.ACCEPTED, LeadAcceptance.REJECTED, LeadAcceptance.EXPIRED)
        )
        return self.acceptances[LeadAcceptance.ACCEPTED] / settled if settled else None

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.lead_count if self.lead_count else None

    @property
    def median_seconds_to_conversion(self) -> float | None:
        return float(median(self.conversion_seconds)) if self.conversion_seconds else None


@dataclass
class FunnelReport:
    overall: FunnelFigures
    by_source: list[tuple[str | None, FunnelFigures]]
    by_partner: list[tuple[int | None, FunnelFigures]]


def matching_leads(viewer: User, criteria: FunnelCriteria, today: date) -> QuerySet[Lead]:
    """The visible leads created in the range (whole UTC days, both ends included), converted ones too."""
    check_date_range(criteria.created_from, criteria.created_to, ("createdFrom", "createdTo"), today)
    queryset = scopes.visible_leads(viewer)
    if criteria.created_from is not None:
        queryset = queryset.filter(created_at__gte=datetime.combine(criteria.created_from, time(), UTC))
    if criteria.created_to is not None:
        queryset = queryset.filter(
            created_at__lt=datetime.combine(criteria.created_to + timedelta(days=1), time(), UTC)
        )
    return queryset


K = TypeVar("K", bound=Hashable)


def _segments(figures: dict[K, FunnelFigures], *keys: K) -> list[FunnelFigures]:
    return [figures.setdefault(key, FunnelFigures()) for key in keys]


async def lead_funnel(context: Context, criteria: FunnelCriteria) -> FunnelReport:
    """Counts by status and acceptance (a pending lead past its deadline counts as EXPIRED),
    rates and the median time to conversion, overall and by source and by partner."""
    now = datetime.now(UTC)
    queryset = matching_leads(context.viewer, criteria, now.date())
    grouped = (
        await queryset.annotate(count=Count("id"))
        .group_by("source", "partner_id", "status", "stored_acceptance", "is_converted")
        .values_list("source", "partner_id", "status", "stored_acceptance", "is_converted", "count")
    )
    expired = (
        await queryset.filter(stored_acceptance=LeadAcceptance.PENDING, acceptance_deadline__lte=now)
        .annotate(count=Count("id"))
        .group_by("source", "partner_id")
        .values_list("source", "partner_id", "count")
    )
    conversions = await queryset.filter(is_converted=True, converted_at__not_isnull=True).values_list(
        "source", "partner_id", "created_at", "converted_at"
    )
    overall = FunnelFigures()
    by_source: dict[str | None, FunnelFigures] = {}
    by_partner: dict[int | None, FunnelFigures] = {}

    def figures_of(source: str | None, partner_id: int | None) -> list[FunnelFigures]:
        return [overall, *_segments(by_source, source), *_segments(by_partner, partner_id)]

    for source, partner_id, status, acceptance, is_converted, count in grouped:
        for figures in figures_of(source, partner_id):
            figures.statuses[LeadStatus(status)] += count
            figures.acceptances[LeadAcceptance(acceptance)] += count
            figures.converted += count if is_converted else 0
    for source, partner_id, count in expired:
        for figures in figures_of(source, partner_id):
            figures.acceptances[LeadAcceptance.PENDING] -= count
            figures.acceptances[LeadAcceptance.EXPIRED] += count
    for source, partner_id, created_at, converted_at in conversions:
        for figures in figures_of(source, partner_id):
            figures.conversion_seconds.append((converted_at - created_at).total_seconds())
    partner_ids = [partner_id for partner_id in by_partner if partner_id is not None]
    names = dict(await scopes.visible_companies(context.viewer).filter(id__in=partner_ids).values_list("id", "name"))
    context.work.rows_aggregated += overall.lead_count
    return FunnelReport(
        overall=overall,
        by_source=sorted(by_source.items(), key=lambda item: (item[0] is None, item[0] or "")),
        by_partner=sorted(by_partner.items(), key=lambda item: (item[0] is None, names.get(item[0], ""))),
    )

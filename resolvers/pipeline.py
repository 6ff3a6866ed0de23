"""The `pipeline` and `leadFunnel` reports: the database groups and counts (GROUP BY) over the
viewer's scope; models/pipeline_report.py merges the few grouped rows into the report."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

from models import DomainError, Lead, LeadAcceptance, Opportunity, User
from models.pipeline_report import (
    FunnelReport,
    PipelineReport,
    funnel_report,
    partner_ids,
    partners_by_name,
    pipeline_report,
)
from permissions import scopes
from resolvers.context import Context
from resolvers.ids import decode_id
from resolvers.pagination import bad_input

MAX_RANGE_YEARS = 10


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


@dataclass
class PipelineCriteria:
    partner_id: str | None = None
    sourced_by_id: str | None = None
    owner_id: str | None = None
    close_date_from: date | None = None
    close_date_to: date | None = None


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
    report = pipeline_report(stages, counts, money)
    context.work.rows_aggregated += report.overall.opportunity_count
    return report


@dataclass
class FunnelCriteria:
    created_from: date | None = None
    created_to: date | None = None


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
    report = funnel_report(grouped, expired, conversions)
    names = dict(
        await scopes.visible_companies(context.viewer).filter(id__in=partner_ids(report)).values_list("id", "name")
    )
    context.work.rows_aggregated += report.overall.lead_count
    return partners_by_name(report, names)

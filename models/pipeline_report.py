"""The arithmetic of the `pipeline` and `leadFunnel` reports: the database groups and counts,
these functions merge the few grouped rows into the report's buckets, totals and rates."""

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import TypeVar

from models.enums import ForecastCategory, LeadAcceptance, LeadStatus
from models.opportunity import OpportunityStage

CENT = Decimal("0.01")


def rounded(value: Decimal) -> Decimal:
    """To the cent, halves away from zero."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def summed_decimal(value: object) -> Decimal:
    """A SUM as the database returns it: exact on PostgreSQL (NUMERIC); SQLite sums the text
    column as a float, exact to the cent below about 10^13."""
    if isinstance(value, Decimal):
        return value
    return rounded(Decimal(repr(value)))


@dataclass
class MoneyTotal:
    currency: str | None
    opportunity_count: int = 0
    amount: Decimal = Decimal("0.00")
    unrounded_expected_revenue: Decimal = Decimal(0)

    @property
    def expected_revenue(self) -> Decimal:
        return rounded(self.unrounded_expected_revenue)


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

    def merge(self, other: "PipelineBucket") -> None:
        """Add another bucket's count and money; expected revenue stays unrounded until read."""
        self.add(other.opportunity_count)
        for total in other.money.values():
            merged = self.money.setdefault(total.currency, MoneyTotal(total.currency))
            merged.opportunity_count += total.opportunity_count
            merged.amount += total.amount
            merged.unrounded_expected_revenue += total.unrounded_expected_revenue

    @property
    def totals(self) -> list[MoneyTotal]:
        """Per currency, by code; amounts without a currency last."""
        return sorted(self.money.values(), key=lambda total: (total.currency is None, total.currency or ""))


@dataclass
class PipelineReport:
    overall: PipelineBucket
    by_stage: list[tuple[OpportunityStage, PipelineBucket]]
    by_forecast_category: list[tuple[ForecastCategory, PipelineBucket]]


StageCount = tuple[int, int]
"""(stage id, opportunity count)"""
StageMoney = tuple[int, str | None, int | None, int, object]
"""(stage id, currency, probability override, opportunity count, SUM of their amounts)"""


def pipeline_report(
    stages: list[OpportunityStage], counts: Iterable[StageCount], money: Iterable[StageMoney]
) -> PipelineReport:
    """Every stage in the given order and every forecast category, from the counts per stage and
    the readable money grouped by stage, currency and probability override: an opportunity's
    expected revenue uses its override, else its stage's probability."""
    overall = PipelineBucket()
    by_stage = {stage.id: PipelineBucket() for stage in stages}
    stage_of = {stage.id: stage for stage in stages}
    for stage_id, count in counts:
        by_stage[stage_id].add(count)
        overall.add(count)
    for stage_id, currency, override, count, amount_sum in money:
        probability = override if override is not None else stage_of[stage_id].probability
        for bucket in (by_stage[stage_id], overall):
            bucket.add_money(currency, count, summed_decimal(amount_sum), probability)
    by_category = {category: PipelineBucket() for category in ForecastCategory}
    for stage in stages:
        by_category[ForecastCategory(stage.forecast_category)].merge(by_stage[stage.id])
    return PipelineReport(
        overall=overall,
        by_stage=[(stage, by_stage[stage.id]) for stage in stages],
        by_forecast_category=list(by_category.items()),
    )


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


LeadGroup = tuple[str | None, int | None, str, str, bool, int]
"""(source, partner id, status, stored acceptance, is converted, lead count)"""
ExpiredGroup = tuple[str | None, int | None, int]
"""(source, partner id, count of pending leads past their deadline)"""
Conversion = tuple[str | None, int | None, datetime, datetime]
"""(source, partner id, created at, converted at) of one converted lead"""

K = TypeVar("K", bound=Hashable)


def _segments(figures: dict[K, FunnelFigures], *keys: K) -> list[FunnelFigures]:
    return [figures.setdefault(key, FunnelFigures()) for key in keys]


def funnel_report(
    grouped: Iterable[LeadGroup], expired: Iterable[ExpiredGroup], conversions: Iterable[Conversion]
) -> FunnelReport:
    """The figures overall, by source (by name, no source last) and by partner (in the order
    met: `partners_by_name` sorts them). A pending lead past its deadline counts as EXPIRED."""
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
    return FunnelReport(
        overall=overall,
        by_source=sorted(by_source.items(), key=lambda item: (item[0] is None, item[0] or "")),
        by_partner=list(by_partner.items()),
    )


def partner_ids(report: FunnelReport) -> list[int]:
    return [partner_id for partner_id, _ in report.by_partner if partner_id is not None]


def partners_by_name(report: FunnelReport, names: dict[int, str]) -> FunnelReport:
    """The partners by name (one the names leave out sorts as ""), no partner last."""

    def position(item: tuple[int | None, FunnelFigures]) -> tuple[bool, str]:
        return item[0] is None, names.get(item[0], "") if item[0] is not None else ""

    return replace(report, by_partner=sorted(report.by_partner, key=position))

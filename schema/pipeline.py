"""Reports: the `pipeline` forecast over opportunities and the `leadFunnel` over leads."""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

import models
from models import ForecastCategory as ForecastCategoryValue
from models.pipeline_report import FunnelFigures, PipelineBucket
from models.rows import Row
from resolvers import pipeline
from resolvers.context import Info
from resolvers.loaders import Loaded, load_now
from schema.company import Company
from schema.enums import ForecastCategory, LeadAcceptance, LeadStatus

if TYPE_CHECKING:
    from schema.opportunity import OpportunityStage

OpportunityStageRef = Annotated["OpportunityStage", strawberry.lazy("schema.opportunity")]


@strawberry.type(description="The money of some opportunities in one currency.")
class PipelineMoney:
    currency: str | None = strawberry.field(description="ISO 4217 code; null for amounts entered without a currency.")
    opportunity_count: int = strawberry.field(description="The opportunities that add their amount here.")
    amount: Decimal = strawberry.field(description="The sum of their amounts, in `currency`.")
    expected_revenue: Decimal = strawberry.field(
        description="The sum of amount x probability / 100 over these opportunities, rounded once to the cent."
    )


def _money(bucket: PipelineBucket) -> list[PipelineMoney]:
    return [
        PipelineMoney(
            currency=total.currency,
            opportunity_count=total.opportunity_count,
            amount=total.amount,
            expected_revenue=total.expected_revenue,
        )
        for total in bucket.totals
    ]


@strawberry.interface(description="How many opportunities, and their money per currency.")
class PipelineTotals:
    opportunity_count: int = strawberry.field(
        description="Every matching opportunity, those whose money the viewer may not read (PARTICIPANT) included."
    )
    totals: list[PipelineMoney] = strawberry.field(
        description="Per currency, by code: the opportunities with an amount whose money the viewer may read."
    )


@strawberry.type(description="The opportunities at one stage.")
class PipelineStageTotals(PipelineTotals):
    stage: models.OpportunityStage = strawberry.field(graphql_type=OpportunityStageRef, description="The stage.")


@strawberry.type(description="The opportunities of one forecast category.")
class PipelineForecastTotals(PipelineTotals):
    forecast_category: ForecastCategory = strawberry.field(description="The forecast category.")


@strawberry.type(description="The forecast of the opportunities the viewer can see.")
class Pipeline(PipelineTotals):
    by_stage: list[PipelineStageTotals] = strawberry.field(description="Every stage, in sales-process order.")
    by_forecast_category: list[PipelineForecastTotals] = strawberry.field(description="Every forecast category.")


@strawberry.input(description="Opportunities kept by `pipeline`; every criterion given must hold.")
class PipelineFilter:
    partner_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Keep opportunities with this partner company; an ID that is not a Company's is a BAD_USER_INPUT "
        "error.",
    )
    sourced_by_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Keep opportunities brought by this company; an ID that is not a Company's is a BAD_USER_INPUT "
        "error.",
    )
    owner_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Keep opportunities owned by this user; an ID that is not a User's is a BAD_USER_INPUT error.",
    )
    close_date_from: date | None = strawberry.field(
        default=None,
        description="Close date on or after. With closeDateTo, at most 10 years apart; alone, an open end counts as today.",
    )
    close_date_to: date | None = strawberry.field(default=None, description="Close date on or before.")


@strawberry.type(description="How many leads have one status.")
class LeadStatusCount:
    status: LeadStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="How many leads have it.")


@strawberry.type(description="How many leads have one acceptance.")
class LeadAcceptanceCount:
    acceptance: LeadAcceptance = strawberry.field(description="The acceptance, as readers see it.")
    count: int = strawberry.field(description="How many leads have it.")


@strawberry.interface(description="Counts and rates of a set of leads.")
class LeadFunnelFigures:
    lead_count: int = strawberry.field(description="How many leads.")
    by_status: list[LeadStatusCount] = strawberry.field(description="Every status, in lifecycle order.")
    by_acceptance: list[LeadAcceptanceCount] = strawberry.field(
        description="Every acceptance as readers see it: a pending lead past its deadline counts as EXPIRED."
    )
    converted_count: int = strawberry.field(description="How many of them are converted.")
    acceptance_rate: float | None = strawberry.field(
        description="Accepted over the shared leads whose answer is settled (accepted, rejected or expired); null when none is."
    )
    conversion_rate: float | None = strawberry.field(description="Converted over all; null when there are no leads.")
    median_seconds_to_conversion: float | None = strawberry.field(
        description="Median time from creation to conversion of the converted leads; null when none is converted."
    )


@strawberry.type(description="The leads with one source.")
class LeadFunnelSource(LeadFunnelFigures):
    source: str | None = strawberry.field(description="Null for leads without a source.")


@strawberry.type(description="The leads shared with one partner company.")
class LeadFunnelPartner(LeadFunnelFigures):
    partner_id: strawberry.Private[int | None]

    @strawberry.field(graphql_type=Company | None, description="Null for leads not shared with a partner.")
    def partner(self, info: Info) -> Loaded[models.Company | Row | None]:
        if self.partner_id is None:
            return None
        return load_now(info.context.loaders.company, self.partner_id)


@strawberry.type(description="The conversion funnel of the leads the viewer can see.")
class LeadFunnel(LeadFunnelFigures):
    by_source: list[LeadFunnelSource] = strawberry.field(description="By source, alphabetically; no source last.")
    by_partner: list[LeadFunnelPartner] = strawberry.field(description="By partner company name; not shared last.")


@strawberry.input(description="Leads kept by `leadFunnel`, converted ones included.")
class LeadFunnelFilter:
    created_from: date | None = strawberry.field(
        default=None,
        description="Created on or after this UTC day. With createdTo, at most 10 years apart; alone, an open end counts as today.",
    )
    created_to: date | None = strawberry.field(default=None, description="Created on or before this UTC day.")


def _figures(figures: FunnelFigures) -> dict:
    return {
        "lead_count": figures.lead_count,
        "by_status": [LeadStatusCount(status=status, count=count) for status, count in figures.by_status],
        "by_acceptance": [
            LeadAcceptanceCount(acceptance=acceptance, count=count) for acceptance, count in figures.by_acceptance
        ],
        "converted_count": figures.converted,
        "acceptance_rate": figures.acceptance_rate,
        "conversion_rate": figures.conversion_rate,
        "median_seconds_to_conversion": figures.median_seconds_to_conversion,
    }


@strawberry.type
class PipelineQuery:
    @strawberry.field(description="Totals by stage and by forecast category of the opportunities the viewer can see.")
    async def pipeline(
        self,
        info: Info,
        filter: Annotated[
            PipelineFilter | None,
            strawberry.argument(
                description="Which opportunities to count; every one the viewer can see when left out."
            ),
        ] = None,
    ) -> Pipeline:
        given = filter or PipelineFilter()
        report = await pipeline.pipeline(
            info.context,
            pipeline.PipelineCriteria(
                partner_id=given.partner_id,
                sourced_by_id=given.sourced_by_id,
                owner_id=given.owner_id,
                close_date_from=given.close_date_from,
                close_date_to=given.close_date_to,
            ),
        )
        return Pipeline(
            opportunity_count=report.overall.opportunity_count,
            totals=_money(report.overall),
            by_stage=[
                PipelineStageTotals(stage=stage, opportunity_count=bucket.opportunity_count, totals=_money(bucket))
                for stage, bucket in report.by_stage
            ],
            by_forecast_category=[
                PipelineForecastTotals(
                    forecast_category=ForecastCategoryValue(category),
                    opportunity_count=bucket.opportunity_count,
                    totals=_money(bucket),
                )
                for category, bucket in report.by_forecast_category
            ],
        )

    @strawberry.field(description="Counts, rates and time to conversion of the leads the viewer can see.")
    async def lead_funnel(
        self,
        info: Info,
        filter: Annotated[
            LeadFunnelFilter | None,
            strawberry.argument(description="Which leads to count; every one the viewer can see when left out."),
        ] = None,
    ) -> LeadFunnel:
        given = filter or LeadFunnelFilter()
        report = await pipeline.lead_funnel(
            info.context, pipeline.FunnelCriteria(created_from=given.created_from, created_to=given.created_to)
        )
        return LeadFunnel(
            **_figures(report.overall),
            by_source=[LeadFunnelSource(source=source, **_figures(figures)) for source, figures in report.by_source],
            by_partner=[
                LeadFunnelPartner(partner_id=partner_id, **_figures(figures))
                for partner_id, figures in report.by_partner
            ],
        )

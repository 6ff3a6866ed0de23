from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.enums import ForecastCategory
from models.rows import Row

if TYPE_CHECKING:
    from models.account import Account, Contact
    from models.catalog import PartnerProgram, SalesPlan, Solution
    from models.company import Company
    from models.lead import Lead
    from models.template import OpportunityTemplate
    from models.user import User


class OpportunityStage(Model):
    """A step of the sales process with its default probability and forecast category."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    probability = fields.IntField()
    forecast_category = fields.CharEnumField(ForecastCategory, max_length=16)
    is_closed = fields.BooleanField(default=False)
    is_won = fields.BooleanField(default=False)
    sort_order = fields.IntField(unique=True)

    class Meta:
        table = "opportunity_stage"
        ordering = ["sort_order"]


class Opportunity(Model):
    """A deal in progress, moving through stages."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=255, db_index=True)
    account: fields.ForeignKeyNullableRelation["Account"] = fields.ForeignKeyField(
        "models.Account", related_name="opportunities", null=True, on_delete=fields.RESTRICT
    )
    account_id: int | None
    contact: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="opportunities", null=True, on_delete=fields.RESTRICT
    )
    contact_id: int | None
    template: fields.ForeignKeyNullableRelation["OpportunityTemplate"] = fields.ForeignKeyField(
        "models.OpportunityTemplate", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    template_id: int | None
    amount = fields.DecimalField(max_digits=18, decimal_places=2, null=True)
    currency = fields.CharField(max_length=3, null=True)
    close_date = fields.DateField(null=True, db_index=True)
    stage: fields.ForeignKeyRelation["OpportunityStage"] = fields.ForeignKeyField(
        "models.OpportunityStage", related_name="opportunities", on_delete=fields.RESTRICT
    )
    stage_id: int
    probability_override = fields.IntField(null=True, source_field="probability")
    sourced_by: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="sourced_opportunities", on_delete=fields.RESTRICT
    )
    sourced_by_id: int
    partner: fields.ForeignKeyNullableRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="partner_opportunities", null=True, on_delete=fields.RESTRICT
    )
    partner_id: int | None
    owner: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="owned_opportunities", on_delete=fields.RESTRICT
    )
    owner_id: int
    sales_plans: fields.ManyToManyRelation["SalesPlan"] = fields.ManyToManyField(
        "models.SalesPlan", related_name="opportunities", through="opportunity_sales_plan"
    )
    solutions: fields.ManyToManyRelation["Solution"] = fields.ManyToManyField(
        "models.Solution", related_name="opportunities", through="opportunity_solution"
    )
    partner_programs: fields.ManyToManyRelation["PartnerProgram"] = fields.ManyToManyField(
        "models.PartnerProgram", related_name="opportunities", through="opportunity_partner_program"
    )
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "opportunity"
        indexes = (
            Index(fields=("sourced_by_id",)),
            Index(fields=("partner_id",)),
            Index(fields=("stage_id",)),
            Index(fields=("account_id",)),
            Index(fields=("contact_id",)),
            Index(fields=("owner_id",)),
            Index(fields=("created_at", "id")),
            Index(fields=("updated_at", "id")),
            Index(fields=("close_date", "id")),
            Index(fields=("amount", "id")),
        )


def probability_of(opportunity: "Opportunity", stage: "OpportunityStage | Row") -> int:
    """The explicit probability when set, else the stage's."""
    if opportunity.probability_override is not None:
        return opportunity.probability_override
    return stage.probability


def expected_revenue(amount: Decimal | None, probability: int) -> Decimal | None:
    """amount x probability / 100, to the cent, halves rounded away from zero as in accounting."""
    if amount is None:
        return None
    return (amount * probability / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class LeadOpportunity(Model):
    """How an opportunity came from a lead: created by converting it, or linked to it."""

    id = fields.IntField(primary_key=True)
    lead: fields.ForeignKeyRelation["Lead"] = fields.ForeignKeyField(
        "models.Lead", related_name="opportunity_links", on_delete=fields.CASCADE
    )
    lead_id: int
    opportunity: fields.ForeignKeyRelation["Opportunity"] = fields.ForeignKeyField(
        "models.Opportunity", related_name="lead_links", on_delete=fields.CASCADE
    )
    opportunity_id: int
    created_by_conversion = fields.BooleanField(description="True when converting created the opportunity")
    actor: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.RESTRICT
    )
    actor_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "lead_opportunity"
        unique_together = (("lead", "opportunity"),)
        indexes = (Index(fields=("opportunity_id",)),)

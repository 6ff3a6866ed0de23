"""Opportunity templates: how a lead's fields, links, members and sections become an opportunity."""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.conversion_records import STORED_JSON
from models.errors import DomainError, ErrorCode

if TYPE_CHECKING:
    from models.company import Company
    from models.opportunity import OpportunityStage

STANDARD_TEMPLATE_NAME = "Standard"

# The kind of value each mappable field holds; a mapping must join fields of one kind.
LEAD_FIELD_KINDS = {
    "topic": "text",
    "customer_name": "text",
    "first_name": "text",
    "last_name": "text",
    "email": "text",
    "phone": "text",
    "job_title": "text",
    "website": "text",
    "description": "text",
    "source": "text",
    "score": "percentage",
    "estimated_amount": "money",
    "currency": "currency",
    "estimated_close_date": "date",
}
OPPORTUNITY_FIELD_KINDS = {
    "name": "text",
    "amount": "money",
    "currency": "currency",
    "close_date": "date",
    "probability": "percentage",
}
TEXT_LIMITS = {"name": 255}
STANDARD_MAPPINGS = [
    ("topic", "name"),
    ("customer_name", "name"),
    ("estimated_amount", "amount"),
    ("currency", "currency"),
    ("estimated_close_date", "close_date"),
]
KIND_TYPES: dict[str, type] = {"text": str, "percentage": int, "money": Decimal, "currency": str, "date": date}


class OpportunityTemplate(Model):
    """Which lead fields fill which opportunity fields, and what a conversion copies over."""

    id = fields.IntField(primary_key=True)
    company: fields.ForeignKeyNullableRelation["Company"] = fields.ForeignKeyField(
        "models.Company",
        related_name="opportunity_templates",
        null=True,
        on_delete=fields.CASCADE,
        description="Owning company, null for the built-in Standard template",
    )
    company_id: int | None
    name = fields.CharField(max_length=120)
    is_default = fields.BooleanField(default=False)
    copy_members = fields.BooleanField(default=True)
    copy_links = fields.BooleanField(default=True)
    copy_company_sections = fields.BooleanField(default=True)
    default_stage: fields.ForeignKeyNullableRelation["OpportunityStage"] = fields.ForeignKeyField(
        "models.OpportunityStage", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    default_stage_id: int | None
    field_mappings: fields.JSONField[list[list[str]]] = fields.JSONField(
        default=list, description="Ordered [lead_field, opportunity_field] pairs", **STORED_JSON
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "opportunity_template"
        unique_together = (("company", "name"),)

    @property
    def mappings(self) -> list[tuple[str, str]]:
        return [(lead_field, opportunity_field) for lead_field, opportunity_field in self.field_mappings]


def check_mappings(mappings: list[tuple[str, str]], field: list[str]) -> list[tuple[str, str]]:
    """The mappings when every field is known and both sides hold the same kind of value;
    INVALID_TEMPLATE naming the first bad mapping otherwise."""
    for index, (lead_field, opportunity_field) in enumerate(mappings):
        at = [*field, str(index)]
        if lead_field not in LEAD_FIELD_KINDS:
            raise DomainError(
                ErrorCode.INVALID_TEMPLATE, f"'{lead_field}' is not a lead field that can be mapped", [*at, "leadField"]
            )
        if opportunity_field not in OPPORTUNITY_FIELD_KINDS:
            raise DomainError(
                ErrorCode.INVALID_TEMPLATE,
                f"'{opportunity_field}' is not an opportunity field that can be filled",
                [*at, "opportunityField"],
            )
        lead_kind, opportunity_kind = LEAD_FIELD_KINDS[lead_field], OPPORTUNITY_FIELD_KINDS[opportunity_field]
        if lead_kind != opportunity_kind:
            raise DomainError(
                ErrorCode.INVALID_TEMPLATE,
                f"'{lead_field}' holds {lead_kind} and cannot fill '{opportunity_field}', which holds {opportunity_kind}",
                at,
            )
    return mappings

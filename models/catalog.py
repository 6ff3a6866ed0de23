from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.company import Company


class SalesPlan(Model):
    """A company's sales plan that leads and opportunities can be linked to."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="sales_plans", on_delete=fields.RESTRICT
    )
    company_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sales_plan"
        unique_together = (("company", "name"),)


class Solution(Model):
    """A product or solution a company offers."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="solutions", on_delete=fields.RESTRICT
    )
    company_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "solution"
        unique_together = (("company", "name"),)


class PartnerProgram(Model):
    """A partner program a company runs."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="partner_programs", on_delete=fields.RESTRICT
    )
    company_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "partner_program"
        unique_together = (("company", "name"),)

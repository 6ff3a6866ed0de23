from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.company import Company


class CatalogEntry(Model):
    """What every catalog entry has: a name, unique within its company, and its creation time; each
    entry declares its own `company`, since the company's reverse relation is named for the kind."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        abstract = True


class SalesPlan(CatalogEntry):
    """A company's sales plan that leads and opportunities can be linked to."""

    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="sales_plans", on_delete=fields.RESTRICT
    )
    company_id: int

    class Meta:
        table = "sales_plan"
        unique_together = (("company", "name"),)


class Solution(CatalogEntry):
    """A product or solution a company offers."""

    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="solutions", on_delete=fields.RESTRICT
    )
    company_id: int

    class Meta:
        table = "solution"
        unique_together = (("company", "name"),)


class PartnerProgram(CatalogEntry):
    """A partner program a company runs."""

    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="partner_programs", on_delete=fields.RESTRICT
    )
    company_id: int

    class Meta:
        table = "partner_program"
        unique_together = (("company", "name"),)

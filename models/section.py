from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.company import Company
    from models.lead import Lead
    from models.opportunity import Opportunity


class LeadCompanySection(Model):
    """What one member company records about a lead, crm_account private to that company."""

    id = fields.IntField(primary_key=True)
    lead: fields.ForeignKeyRelation["Lead"] = fields.ForeignKeyField(
        "models.Lead", related_name="company_sections", on_delete=fields.CASCADE
    )
    lead_id: int
    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name=False, on_delete=fields.CASCADE
    )
    company_id: int
    industry = fields.CharField(max_length=120, null=True)
    region = fields.CharField(max_length=120, null=True)
    crm_account = fields.CharField(max_length=255, null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "lead_company_section"
        unique_together = (("lead", "company"),)


class OpportunityCompanySection(Model):
    """What one member company records about an opportunity, crm_account private to that company."""

    id = fields.IntField(primary_key=True)
    opportunity: fields.ForeignKeyRelation["Opportunity"] = fields.ForeignKeyField(
        "models.Opportunity", related_name="company_sections", on_delete=fields.CASCADE
    )
    opportunity_id: int
    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name=False, on_delete=fields.CASCADE
    )
    company_id: int
    industry = fields.CharField(max_length=120, null=True)
    region = fields.CharField(max_length=120, null=True)
    crm_account = fields.CharField(max_length=255, null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "opportunity_company_section"
        unique_together = (("opportunity", "company"),)

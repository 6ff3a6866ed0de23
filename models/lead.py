from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.indexes import Index
from tortoise.models import Model

from models.enums import LeadAcceptance, LeadStatus
from models.matching import match_keys, with_match_keys
from models.rows import Row

if TYPE_CHECKING:
    from models.account import Account, Contact
    from models.activity import Activity
    from models.catalog import PartnerProgram, SalesPlan, Solution
    from models.company import Company
    from models.user import User


class Lead(Model):
    """A prospective deal shared between a vendor and a partner until it is converted."""

    id = fields.IntField(primary_key=True)
    topic = fields.CharField(max_length=255, null=True)
    first_name = fields.CharField(max_length=120, null=True)
    last_name = fields.CharField(max_length=120, null=True)
    email = fields.CharField(max_length=254, null=True, db_index=True)
    phone = fields.CharField(max_length=50, null=True)
    job_title = fields.CharField(max_length=120, null=True)
    customer_name = fields.CharField(max_length=255, null=True, db_index=True)
    website = fields.CharField(max_length=255, null=True)
    description = fields.TextField(null=True)
    source = fields.CharField(max_length=120, null=True)
    external_id = fields.CharField(
        max_length=100, null=True, description="The identifier an import gave the row, unique per sourcing company"
    )
    score = fields.IntField(null=True, db_index=True)
    estimated_amount = fields.DecimalField(max_digits=18, decimal_places=2, null=True)
    currency = fields.CharField(max_length=3, null=True)
    estimated_close_date = fields.DateField(null=True)
    status = fields.CharEnumField(LeadStatus, max_length=32, default=LeadStatus.OPEN_NOT_CONTACTED, db_index=True)
    stored_acceptance = fields.CharEnumField(
        LeadAcceptance, max_length=16, default=LeadAcceptance.NOT_REQUIRED, source_field="acceptance", db_index=True
    )
    acceptance_deadline = fields.DatetimeField(null=True)
    rejection_reason: str | None = fields.TextField(null=True)
    disqualification_reason: str | None = fields.TextField(null=True)
    sourced_by: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="sourced_leads", on_delete=fields.RESTRICT
    )
    sourced_by_id: int
    partner: fields.ForeignKeyNullableRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="partner_leads", null=True, on_delete=fields.RESTRICT
    )
    partner_id: int | None
    owner: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="owned_leads", on_delete=fields.RESTRICT
    )
    owner_id: int
    is_converted = fields.BooleanField(default=False, db_index=True)
    converted_at = fields.DatetimeField(null=True)
    converted_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="converted_leads", null=True, on_delete=fields.RESTRICT
    )
    converted_by_id: int | None
    converted_account: fields.ForeignKeyNullableRelation["Account"] = fields.ForeignKeyField(
        "models.Account", related_name="converted_leads", null=True, on_delete=fields.RESTRICT
    )
    converted_account_id: int | None
    converted_contact: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="converted_leads", null=True, on_delete=fields.RESTRICT
    )
    converted_contact_id: int | None
    sales_plans: fields.ManyToManyRelation["SalesPlan"] = fields.ManyToManyField(
        "models.SalesPlan", related_name="leads", through="lead_sales_plan"
    )
    solutions: fields.ManyToManyRelation["Solution"] = fields.ManyToManyField(
        "models.Solution", related_name="leads", through="lead_solution"
    )
    partner_programs: fields.ManyToManyRelation["PartnerProgram"] = fields.ManyToManyField(
        "models.PartnerProgram", related_name="leads", through="lead_partner_program"
    )
    activities: fields.ReverseRelation["Activity"]
    normalized_name = fields.CharField(
        max_length=255, null=True, description="customer_name as duplicates match it (null when empty)"
    )
    website_domain = fields.CharField(
        max_length=255, null=True, description="The host of website as duplicates match it (null when empty)"
    )
    merged_into: fields.ForeignKeyNullableRelation["Lead"] = fields.ForeignKeyField(
        "models.Lead", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    merged_into_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "lead"
        unique_together = (("sourced_by", "external_id"),)
        indexes = (
            Index(fields=("partner_id",)),
            Index(fields=("owner_id",)),
            Index(fields=("acceptance_deadline",)),
            Index(fields=("is_converted", "created_at", "id")),
            Index(fields=("is_converted", "updated_at", "id")),
            Index(fields=("is_converted", "score", "id")),
            Index(fields=("is_converted", "customer_name", "id")),
            Index(fields=("email", "created_at", "id")),
            Index(fields=("normalized_name", "created_at", "id")),
            Index(fields=("website_domain", "created_at", "id")),
        )

    def refresh_match_keys(self) -> None:
        """Derive the stored match keys (`normalized_name`, `website_domain`) from the customer name
        and the website; every write of those fields goes through here (`save` calls it)."""
        self.normalized_name, self.website_domain = match_keys(self.customer_name, self.website)

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        self.refresh_match_keys()
        await super().save(using_db, with_match_keys(update_fields, "customer_name"), force_create, force_update)

    def acceptance_at(self, now: datetime) -> LeadAcceptance:
        """The acceptance a reader sees: a pending lead past its deadline reads EXPIRED."""
        return acceptance_at(self, now)


def acceptance_at(lead: "Lead | Row", now: datetime) -> LeadAcceptance:
    """The acceptance a reader sees of a lead or a row of one: a pending lead past its deadline
    reads EXPIRED."""
    if (
        lead.stored_acceptance == LeadAcceptance.PENDING
        and lead.acceptance_deadline is not None
        and lead.acceptance_deadline <= now
    ):
        return LeadAcceptance.EXPIRED
    return LeadAcceptance(lead.stored_acceptance)


CONVERSION_FIELDS = [
    "status",
    "is_converted",
    "converted_at",
    "converted_by_id",
    "converted_account_id",
    "converted_contact_id",
    "updated_at",
]
"""The fields a conversion sets on a lead and an undo clears: `save(update_fields=...)` of either."""

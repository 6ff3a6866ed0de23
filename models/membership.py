from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.enums import MemberRole

if TYPE_CHECKING:
    from models.company import Company
    from models.lead import Lead
    from models.opportunity import Opportunity
    from models.user import User


class LeadMember(Model):
    """A user's direct membership of a lead, with a role."""

    id = fields.IntField(primary_key=True)
    lead: fields.ForeignKeyRelation["Lead"] = fields.ForeignKeyField(
        "models.Lead", related_name="memberships", on_delete=fields.CASCADE
    )
    lead_id: int
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="lead_memberships", on_delete=fields.CASCADE
    )
    user_id: int
    role = fields.CharEnumField(MemberRole, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "lead_member"
        unique_together = (("lead", "user"),)
        indexes = (Index(fields=("user_id", "lead_id")),)


class OpportunityMember(Model):
    """A user's direct membership of an opportunity, with a role."""

    id = fields.IntField(primary_key=True)
    opportunity: fields.ForeignKeyRelation["Opportunity"] = fields.ForeignKeyField(
        "models.Opportunity", related_name="memberships", on_delete=fields.CASCADE
    )
    opportunity_id: int
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="opportunity_memberships", on_delete=fields.CASCADE
    )
    user_id: int
    role = fields.CharEnumField(MemberRole, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "opportunity_member"
        unique_together = (("opportunity", "user"),)
        indexes = (Index(fields=("user_id", "opportunity_id")),)


class AccessPolicy(Model):
    """Gives every user of a company a role on the records that company sources or partners on."""

    id = fields.IntField(primary_key=True)
    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="access_policies", on_delete=fields.CASCADE
    )
    company_id: int
    role = fields.CharEnumField(MemberRole, max_length=16)
    created_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "access_policy"
        unique_together = (("company", "role"),)

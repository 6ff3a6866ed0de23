from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.enums import ActivityKind

if TYPE_CHECKING:
    from models.lead import Lead
    from models.opportunity import Opportunity
    from models.user import User


class Activity(Model):
    """A call, email, meeting, task or note, logged on a lead and linked to opportunities."""

    id = fields.IntField(primary_key=True)
    lead: fields.ForeignKeyNullableRelation["Lead"] = fields.ForeignKeyField(
        "models.Lead", related_name="activities", null=True, on_delete=fields.CASCADE
    )
    lead_id: int | None
    opportunities: fields.ManyToManyRelation["Opportunity"] = fields.ManyToManyField(
        "models.Opportunity", related_name="activities", through="opportunity_activity"
    )
    kind = fields.CharEnumField(ActivityKind, max_length=16)
    subject = fields.CharField(max_length=255)
    due_at = fields.DatetimeField(null=True)
    done_at = fields.DatetimeField(null=True)
    owner: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="activities", on_delete=fields.RESTRICT
    )
    owner_id: int
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "activity"
        indexes = (Index(fields=("lead_id", "created_at")), Index(fields=("owner_id",)))

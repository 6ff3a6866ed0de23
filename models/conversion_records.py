"""What conversion keeps: per-company settings, the event log and idempotency keys."""

import functools
import json
from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

STORED_JSON: dict[str, Any] = {
    "encoder": functools.partial(json.dumps, separators=(",", ":")),
    "decoder": json.loads,
}
"""How JSON columns are written and read: the standard library's compact JSON, as the migrations
record it, whichever accelerator Tortoise would otherwise pick up (it takes orjson when installed)."""

if TYPE_CHECKING:
    from models.account import Account, Contact
    from models.company import Company
    from models.lead import Lead
    from models.opportunity import Opportunity
    from models.template import OpportunityTemplate
    from models.user import User


class ConversionSettings(Model):
    """A company's defaults for choices a conversion leaves out."""

    id = fields.IntField(primary_key=True)
    company: fields.OneToOneRelation["Company"] = fields.OneToOneField(
        "models.Company", related_name="conversion_settings", on_delete=fields.CASCADE
    )
    company_id: int
    create_account = fields.BooleanField(default=True)
    create_contact = fields.BooleanField(default=True)
    create_opportunity = fields.BooleanField(default=True)
    default_template: fields.ForeignKeyNullableRelation["OpportunityTemplate"] = fields.ForeignKeyField(
        "models.OpportunityTemplate", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    default_template_id: int | None
    minimum_score = fields.IntField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "conversion_settings"


class ConversionEventKind(str, Enum):
    CONVERTED = "CONVERTED"
    OPPORTUNITY_CREATED = "OPPORTUNITY_CREATED"
    OPPORTUNITY_LINKED = "OPPORTUNITY_LINKED"
    OPPORTUNITY_UNLINKED = "OPPORTUNITY_UNLINKED"
    CONVERSION_UNDONE = "CONVERSION_UNDONE"
    LEADS_MERGED = "LEADS_MERGED"
    MERGED_INTO = "MERGED_INTO"


class ConversionEvent(Model):
    """One conversion, link, unlink, undo or merge: who, when, and what it created, linked, deleted or
    merged (a merge names the leads in `details`: "merged" on the survivor, "merged_into" on each
    duplicate)."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(ConversionEventKind, max_length=24)
    lead: fields.ForeignKeyRelation["Lead"] = fields.ForeignKeyField(
        "models.Lead", related_name="events", on_delete=fields.CASCADE
    )
    lead_id: int
    opportunity: fields.ForeignKeyNullableRelation["Opportunity"] = fields.ForeignKeyField(
        "models.Opportunity", related_name="events", null=True, on_delete=fields.SET_NULL
    )
    opportunity_id: int | None
    account: fields.ForeignKeyNullableRelation["Account"] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    account_id: int | None
    contact: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    contact_id: int | None
    actor: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.RESTRICT
    )
    actor_id: int
    details: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict, **STORED_JSON)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "conversion_event"


class IdempotencyRecord(Model):
    """The first result of a conversion sent with an idempotency key, kept per user."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.CASCADE
    )
    user_id: int
    key = fields.CharField(max_length=255)
    request_hash = fields.CharField(max_length=64)
    result: fields.JSONField[dict[str, Any]] = fields.JSONField(**STORED_JSON)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_record"
        unique_together = (("user", "key"),)

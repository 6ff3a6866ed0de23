from collections.abc import Iterable
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.indexes import Index
from tortoise.models import Model

from models.matching import match_keys, with_match_keys

if TYPE_CHECKING:
    from models.company import Company
    from models.user import User


class Account(Model):
    """A customer organisation that opportunities are sold to."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=255, db_index=True)
    website = fields.CharField(max_length=255, null=True)
    industry = fields.CharField(max_length=120, null=True)
    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="accounts", on_delete=fields.RESTRICT, description="Company that created it"
    )
    company_id: int
    created_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    normalized_name = fields.CharField(
        max_length=255, null=True, description="name as duplicate accounts match it (null when empty)"
    )
    website_domain = fields.CharField(
        max_length=255, null=True, description="The host of website as duplicate accounts match it (null when empty)"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "account"
        indexes = (Index(fields=("normalized_name",)), Index(fields=("website_domain",)))

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        """Keeps the stored match keys (`normalized_name`, `website_domain`) derived from the name
        and the website: every write of those fields goes through here."""
        self.normalized_name, self.website_domain = match_keys(self.name, self.website)
        await super().save(using_db, with_match_keys(update_fields, "name"), force_create, force_update)


class Contact(Model):
    """A person at a customer, optionally part of an account."""

    id = fields.IntField(primary_key=True)
    first_name = fields.CharField(max_length=120, null=True)
    last_name = fields.CharField(max_length=120)
    email = fields.CharField(max_length=254, null=True, db_index=True)
    phone = fields.CharField(max_length=50, null=True)
    job_title = fields.CharField(max_length=120, null=True)
    account: fields.ForeignKeyNullableRelation["Account"] = fields.ForeignKeyField(
        "models.Account", related_name="contacts", null=True, on_delete=fields.SET_NULL
    )
    account_id: int | None
    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="contacts", on_delete=fields.RESTRICT, description="Company that created it"
    )
    company_id: int
    created_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "contact"

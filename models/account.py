from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

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
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "account"


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

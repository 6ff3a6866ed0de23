import re

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.company import Company
from models.errors import DomainError, ErrorCode

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    """The canonical form an email is stored and looked up in; DomainError when malformed."""
    normalized = email.strip().lower()
    if len(normalized) > 254 or not EMAIL_PATTERN.match(normalized):
        raise DomainError(ErrorCode.INVALID_INPUT, f"'{email}' is not a valid email address", ["email"])
    return normalized


class User(Model):
    """A person who signs in, a member of exactly one company."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200)
    company: fields.ForeignKeyRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="users", on_delete=fields.RESTRICT
    )
    company_id: int
    is_admin = fields.BooleanField(default=False)
    can_edit_converted_leads = fields.BooleanField(default=False)
    is_active = fields.BooleanField(default=True)
    token_version = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "user"
        ordering = ["email"]
        indexes = (Index(fields=("company_id", "is_admin")),)

    def __str__(self) -> str:
        return self.email


async def create_user(
    *,
    email: str,
    name: str,
    company_name: str,
    is_admin: bool = False,
    can_edit_converted_leads: bool = False,
) -> User:
    """Create a user, and their company when no company has that name yet."""
    normalized = normalize_email(email)
    name = name.strip()
    company_name = company_name.strip()
    if not name:
        raise DomainError(ErrorCode.INVALID_INPUT, "name must not be empty", ["name"])
    if not company_name:
        raise DomainError(ErrorCode.INVALID_INPUT, "company must not be empty", ["company"])
    async with in_transaction():
        if await User.filter(email=normalized).exists():
            raise DomainError(ErrorCode.CONFLICT, f"a user with email {normalized} already exists", ["email"])
        company, _ = await Company.get_or_create(name=company_name)
        return await User.create(
            email=normalized,
            name=name,
            company=company,
            is_admin=is_admin,
            can_edit_converted_leads=can_edit_converted_leads,
        )

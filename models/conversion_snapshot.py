"""What a conversion records of the records it creates, for undoing it later: each one's fields
as JSON keeps them and, for an opportunity, what it copied from the lead."""

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from models.account import Account, Contact
from models.opportunity import Opportunity

LINKED_CATALOGS = ("sales_plans", "solutions", "partner_programs")
"""The catalog relations a lead and its opportunities share, through a link table each."""
OPPORTUNITY_FIELDS = (
    "name",
    "amount",
    "currency",
    "close_date",
    "probability_override",
    "stage_id",
    "account_id",
    "contact_id",
    "partner_id",
    "owner_id",
)
ACCOUNT_FIELDS = ("name", "website", "industry")
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "job_title", "account_id")
SECTION_COLUMNS = ("company_id", "industry", "region", "crm_account")


def plain(value: Any) -> Any:
    """A field's value as JSON keeps it, the same whether read back or just written."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def fields_of(record: Opportunity | Account | Contact, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: plain(getattr(record, name)) for name in names}


def opportunity_snapshot(opportunity: Opportunity, copied: dict[str, Any]) -> dict[str, Any]:
    """An opportunity as its conversion created it: its fields and what it copied from the lead."""
    return {
        "fields": fields_of(opportunity, OPPORTUNITY_FIELDS),
        "members": sorted([int(user_id), str(role)] for user_id, role in copied["members"]),
        **{relation: sorted(int(pk) for pk in copied[relation]) for relation in (*LINKED_CATALOGS, "activities")},
        "sections": sorted([plain(value) for value in section] for section in copied["sections"]),
    }


def account_snapshot(account: Account) -> dict[str, Any]:
    return {"fields": fields_of(account, ACCOUNT_FIELDS)}


def contact_snapshot(contact: Contact) -> dict[str, Any]:
    return {"fields": fields_of(contact, CONTACT_FIELDS)}

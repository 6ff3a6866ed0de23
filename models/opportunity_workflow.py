"""Creating and changing opportunities, and creating the accounts and contacts they refer to.

Each function takes records the caller already loaded through the viewer's scopes, checks the
values, writes in one transaction (the caller's, when it holds one) and raises DomainError
naming the input field at fault.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from models.account import Account, Contact
from models.company import Company
from models.enums import MemberRole
from models.errors import DomainError, ErrorCode
from models.membership import OpportunityMember
from models.opportunity import Opportunity, OpportunityStage
from models.user import User
from models.validation import clean_amount, clean_currency, clean_email, clean_percentage, clean_text, clean_website


@dataclass
class OpportunityDraft:
    """A new opportunity: its values as given and the records its references resolved to."""

    name: str | None
    amount: Decimal | None = None
    currency: str | None = None
    close_date: date | None = None
    probability: int | None = None
    stage: OpportunityStage | None = None
    account: Account | None = None
    contact: Contact | None = None
    sourced_by: Company | None = None
    partner: Company | None = None


def _check_contact_in_account(account_id: int | None, contact: Contact | None, field: list[str]) -> None:
    """A contact must belong to the opportunity's account when it has both."""
    if account_id is not None and contact is not None and contact.account_id != account_id:
        raise DomainError(ErrorCode.INVALID_INPUT, "The contact does not belong to the chosen account", field)


async def first_stage() -> OpportunityStage:
    """Where a new opportunity starts: the first stage of the sales process (Prospecting)."""
    stage = await OpportunityStage.all().order_by("sort_order").first()
    if stage is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No opportunity stages are defined", ["stageId"])
    return stage


async def create_opportunity(creator: User, draft: OpportunityDraft) -> Opportunity:
    """An opportunity sourced by the creator's company, with the creator as owner and direct OWNER."""
    name = clean_text(draft.name, ["name"], max_length=255, required=True)
    amount = clean_amount(draft.amount, ["amount"])
    currency = clean_currency(draft.currency, ["currency"])
    probability = clean_percentage(draft.probability, ["probability"])
    sourced_by_id = draft.sourced_by.pk if draft.sourced_by is not None else creator.company_id
    if sourced_by_id != creator.company_id:
        raise DomainError(
            ErrorCode.FORBIDDEN, "An opportunity can only be sourced by your own company", ["sourcedById"]
        )
    _check_contact_in_account(draft.account.pk if draft.account else None, draft.contact, ["contactId"])
    async with in_transaction():
        stage = draft.stage or await first_stage()
        opportunity = await Opportunity.create(
            name=name,
            amount=amount,
            currency=currency,
            close_date=draft.close_date,
            probability_override=probability,
            stage=stage,
            account=draft.account,
            contact=draft.contact,
            sourced_by_id=sourced_by_id,
            partner=draft.partner,
            owner=creator,
        )
        await OpportunityMember.create(opportunity=opportunity, user=creator, role=MemberRole.OWNER)
    return opportunity


async def update_opportunity(opportunity: Opportunity, changes: dict[str, Any]) -> Opportunity:
    """Apply the given changes, keyed by attribute (`name`, `amount`, `currency`, `close_date`,
    `probability`, `stage`, `account`, `contact`, `partner`); a key left out is untouched and
    None clears, except that `name` and `stage` cannot be cleared and a cleared `probability`
    follows the stage again."""
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = clean_text(changes["name"], ["name"], max_length=255, required=True)
    if "amount" in changes:
        values["amount"] = clean_amount(changes["amount"], ["amount"])
    if "currency" in changes:
        values["currency"] = clean_currency(changes["currency"], ["currency"])
    if "close_date" in changes:
        values["close_date"] = changes["close_date"]
    if "probability" in changes:
        values["probability_override"] = clean_percentage(changes["probability"], ["probability"])
    if "stage" in changes:
        if changes["stage"] is None:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "stageId is required: an opportunity is always at some stage", ["stageId"]
            )
        values["stage_id"] = changes["stage"].pk
    if "account" in changes:
        values["account_id"] = changes["account"].pk if changes["account"] is not None else None
    if "contact" in changes:
        values["contact_id"] = changes["contact"].pk if changes["contact"] is not None else None
    if "partner" in changes:
        values["partner_id"] = changes["partner"].pk if changes["partner"] is not None else None
    async with in_transaction():
        if "account" in changes or "contact" in changes:
            account_id = values.get("account_id", opportunity.account_id)
            contact = changes["contact"] if "contact" in changes else await _current_contact(opportunity)
            _check_contact_in_account(account_id, contact, ["contactId"] if "contact" in changes else ["accountId"])
        opportunity.update_from_dict(values)
        await opportunity.save()
    return opportunity


async def _current_contact(opportunity: Opportunity) -> Contact | None:
    if opportunity.contact_id is None:
        return None
    return await Contact.get_or_none(id=opportunity.contact_id)


async def create_account(creator: User, *, name: str | None, website: str | None, industry: str | None) -> Account:
    """An account created by the creator's company."""
    values: dict[str, Any] = {
        "name": clean_text(name, ["name"], max_length=255, required=True),
        "website": clean_website(website, ["website"]),
        "industry": clean_text(industry, ["industry"], max_length=120),
    }
    async with in_transaction():
        return await Account.create(**values, company_id=creator.company_id, created_by=creator)


async def create_contact(
    creator: User,
    *,
    first_name: str | None,
    last_name: str | None,
    email: str | None,
    phone: str | None,
    job_title: str | None,
    account: Account | None,
) -> Contact:
    """A contact created by the creator's company, optionally part of an account."""
    values: dict[str, Any] = {
        "first_name": clean_text(first_name, ["firstName"], max_length=120),
        "last_name": clean_text(last_name, ["lastName"], max_length=120, required=True),
        "email": clean_email(email, ["email"]),
        "phone": clean_text(phone, ["phone"], max_length=50),
        "job_title": clean_text(job_title, ["jobTitle"], max_length=120),
    }
    async with in_transaction():
        return await Contact.create(**values, account=account, company_id=creator.company_id, created_by=creator)

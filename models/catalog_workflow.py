"""Catalog entries (sales plans, solutions, partner programs) and their links to records."""

from typing import TypeVar

from tortoise.exceptions import IntegrityError

from models.catalog import PartnerProgram, SalesPlan, Solution
from models.errors import DomainError, ErrorCode
from models.lead import Lead
from models.membership_workflow import require_editable
from models.opportunity import Opportunity
from models.user import User
from models.validation import clean_text

Record = Lead | Opportunity
CatalogEntry = SalesPlan | Solution | PartnerProgram
E = TypeVar("E", SalesPlan, Solution, PartnerProgram)

NAME_MAX_LENGTH = 200


async def create_entry(model: type[E], viewer: User, name: str) -> E:
    """A new entry of the admin's company's catalog (the caller checked that the viewer is an
    admin); names are unique per company, ignoring case."""
    label = model._meta.db_table.replace("_", " ")
    cleaned = clean_text(name, ["name"], max_length=NAME_MAX_LENGTH, required=True)
    conflict = DomainError(ErrorCode.CONFLICT, f"Your company already has a {label} named '{cleaned}'", ["name"])
    if await model.filter(company_id=viewer.company_id, name__iexact=cleaned).exists():
        raise conflict
    try:
        return await model.create(company_id=viewer.company_id, name=cleaned)
    except IntegrityError:
        raise conflict from None


async def link(
    record: Record, sales_plans: list[SalesPlan], solutions: list[Solution], partner_programs: list[PartnerProgram]
) -> None:
    """Link the entries to the record; entries already linked stay linked (no error)."""
    require_editable(record, ["leadId"])
    for relation, entries in (
        (record.sales_plans, sales_plans),
        (record.solutions, solutions),
        (record.partner_programs, partner_programs),
    ):
        if entries:
            await relation.add(*entries)


async def unlink(
    record: Record, sales_plans: list[SalesPlan], solutions: list[Solution], partner_programs: list[PartnerProgram]
) -> None:
    """Remove the entries' links to the record; an entry that was not linked is ignored."""
    require_editable(record, ["leadId"])
    for relation, entries in (
        (record.sales_plans, sales_plans),
        (record.solutions, solutions),
        (record.partner_programs, partner_programs),
    ):
        if entries:
            await relation.remove(*entries)

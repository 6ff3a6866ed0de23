"""Company sections of leads and opportunities: listing them and setting the viewer's company's."""

from typing import Any

from tortoise.transactions import in_transaction

from models import DomainError, Lead, LeadCompanySection, OpportunityCompanySection, User
from models.rows import Row, kind_of
from models.section_workflow import Section, set_company_section
from permissions import roles
from permissions.roles import Action
from resolvers.collaboration import Record, forget, require_record
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.loaders import DataLoader, grouped_rows_loader


def lead_sections_loader(viewer: User) -> DataLoader[int, list[Row]]:
    """The sections of many leads in one query, as rows, oldest first."""
    return grouped_rows_loader(LeadCompanySection, "lead_id", order_by=("id",))


def opportunity_sections_loader(viewer: User) -> DataLoader[int, list[Row]]:
    """The sections of many opportunities in one query, as rows, oldest first."""
    return grouped_rows_loader(OpportunityCompanySection, "opportunity_id", order_by=("id",))


async def sections_of(context: Context, record: Record) -> list[Row]:
    if kind_of(record) is Lead:
        return list(await context.loaders.get(lead_sections_loader).load(record.pk))
    return list(await context.loaders.get(opportunity_sections_loader).load(record.pk))


async def sections_of_many(context: Context, records: list[Record]) -> list[list[Row]]:
    """`sections_of` for many records of one kind, in one batch."""
    if not records:
        return []
    keys = [record.pk for record in records]
    if kind_of(records[0]) is Lead:
        return [list(sections) for sections in await context.loaders.get(lead_sections_loader).load_many(keys)]
    return [list(sections) for sections in await context.loaders.get(opportunity_sections_loader).load_many(keys)]


def crm_account_for(context: Context, section: Section | Row) -> str | None:
    """A section's CRM account is private to its company."""
    return section.crm_account if roles.may_read_crm_account(context.viewer.company_id, section.company_id) else None


async def set_section(
    context: Context, lead_id: str | None, opportunity_id: str | None, changes: dict[str, Any]
) -> tuple[tuple[Record, Section] | None, list[DomainError]]:
    """Create or update the viewer's company's section of a record (COLLABORATOR or more)."""

    async def action() -> tuple[Record, Section]:
        async with in_transaction():
            record = await require_record(context, lead_id, opportunity_id, Action.UPDATE)
            section = await set_company_section(record, context.viewer.company_id, changes)
        forget(context, lead_sections_loader, opportunity_sections_loader)
        return record, section

    return await attempt(action)

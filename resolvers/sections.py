"""Company sections of leads and opportunities: listing them and setting the viewer's company's."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from tortoise.transactions import in_transaction

from models import DomainError, Lead, LeadCompanySection, OpportunityCompanySection, User
from models.rows import Row, select_rows
from models.section_workflow import Section, set_company_section
from permissions import roles
from permissions.roles import Action
from resolvers.collaboration import Record, forget, require_record
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.loaders import DataLoader


def _sections_loader(
    model: type[LeadCompanySection] | type[OpportunityCompanySection], record_field: str
) -> Callable[[User], DataLoader[int, list[Row]]]:
    """The sections of many records in one query, as rows (`models.rows`), oldest first."""
    key = attrgetter(record_field)

    def factory(viewer: User) -> DataLoader[int, list[Row]]:
        async def load(record_ids: Sequence[int]) -> list[list[Row]]:
            groups: dict[int, list[Row]] = defaultdict(list)
            for section in await select_rows(model, [{record_field: record_ids}], order_by=("id",)):
                groups[key(section)].append(section)
            return [groups.get(record_id, []) for record_id in record_ids]

        return DataLoader(load_fn=load)

    return factory


lead_sections_loader = _sections_loader(LeadCompanySection, "lead_id")
opportunity_sections_loader = _sections_loader(OpportunityCompanySection, "opportunity_id")


async def sections_of(context: Context, record: Record) -> list[Row]:
    if isinstance(record, Lead):
        return list(await context.loaders.get(lead_sections_loader).load(record.pk))
    return list(await context.loaders.get(opportunity_sections_loader).load(record.pk))


async def sections_of_many(context: Context, records: list[Record]) -> list[list[Row]]:
    """`sections_of` for many records of one kind, in one batch."""
    if not records:
        return []
    keys = [record.pk for record in records]
    if isinstance(records[0], Lead):
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

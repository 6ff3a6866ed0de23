"""Catalogs (sales plans, solutions, partner programs): listing, creating, and linking entries
to leads and opportunities."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import DomainError, Lead, Opportunity, PartnerProgram, SalesPlan, Solution, User, catalog_workflow
from models.catalog import EntryRow, linked_entries
from models.errors import ErrorCode
from models.membership_workflow import require_editable
from models.rows import kind_of
from permissions import roles, scopes
from permissions.roles import Action, AdminAction
from resolvers.collaboration import Record, forget, require_record
from resolvers.context import Context
from resolvers.errors import InputErrors, attempt
from resolvers.ids import decode_id
from resolvers.loaders import DataLoader, by_id_loader
from resolvers.pagination import Ordering, Page, paginate

Entry = TypeVar("Entry", SalesPlan, Solution, PartnerProgram)
Scope = Callable[[User], QuerySet[Entry]]


def _links_loader(
    scope: Scope[Entry], record_model: type[Lead] | type[Opportunity], relation: str
) -> Callable[[User], DataLoader[int, list[EntryRow]]]:
    """The entries linked to many records in one query, each tagged with its record, by name.
    The query starts from the records' links, so that it reads only theirs whatever the size of
    the link tables; the entries stay within the viewer's scope."""

    def factory(viewer: User) -> DataLoader[int, list[EntryRow]]:
        entries = scopes.as_sql(scope, viewer)

        async def load(record_ids: Sequence[int]) -> list[list[EntryRow]]:
            groups: dict[int, list[EntryRow]] = defaultdict(list)
            for record_id, entry in await linked_entries(record_model, relation, record_ids, entries):
                groups[record_id].append(entry)
            return [groups.get(record_id, []) for record_id in record_ids]

        return DataLoader(load_fn=load)

    return factory


lead_sales_plans_loader = _links_loader(scopes.visible_sales_plans, Lead, "sales_plans")
lead_solutions_loader = _links_loader(scopes.visible_solutions, Lead, "solutions")
lead_partner_programs_loader = _links_loader(scopes.visible_partner_programs, Lead, "partner_programs")
opportunity_sales_plans_loader = _links_loader(scopes.visible_sales_plans, Opportunity, "sales_plans")
opportunity_solutions_loader = _links_loader(scopes.visible_solutions, Opportunity, "solutions")
opportunity_partner_programs_loader = _links_loader(scopes.visible_partner_programs, Opportunity, "partner_programs")

LINK_LOADERS = (
    lead_sales_plans_loader,
    lead_solutions_loader,
    lead_partner_programs_loader,
    opportunity_sales_plans_loader,
    opportunity_solutions_loader,
    opportunity_partner_programs_loader,
)


async def sales_plans_of(context: Context, record: Record) -> list[EntryRow]:
    factory = lead_sales_plans_loader if kind_of(record) is Lead else opportunity_sales_plans_loader
    return await context.loaders.get(factory).load(record.pk)


async def solutions_of(context: Context, record: Record) -> list[EntryRow]:
    factory = lead_solutions_loader if kind_of(record) is Lead else opportunity_solutions_loader
    return await context.loaders.get(factory).load(record.pk)


async def partner_programs_of(context: Context, record: Record) -> list[EntryRow]:
    factory = lead_partner_programs_loader if kind_of(record) is Lead else opportunity_partner_programs_loader
    return await context.loaders.get(factory).load(record.pk)


def _links_of_many(
    lead_factory: Callable[[User], DataLoader[int, list[EntryRow]]],
    opportunity_factory: Callable[[User], DataLoader[int, list[EntryRow]]],
) -> Callable[[Context, list[Record]], Awaitable[list[list[EntryRow]]]]:
    """The entries of one catalog linked to many records of one kind, in one batch."""

    async def links_of_many(context: Context, records: list[Record]) -> list[list[EntryRow]]:
        if not records:
            return []
        factory = lead_factory if kind_of(records[0]) is Lead else opportunity_factory
        return await context.loaders.get(factory).load_many([record.pk for record in records])

    return links_of_many


sales_plans_of_many = _links_of_many(lead_sales_plans_loader, opportunity_sales_plans_loader)
solutions_of_many = _links_of_many(lead_solutions_loader, opportunity_solutions_loader)
partner_programs_of_many = _links_of_many(lead_partner_programs_loader, opportunity_partner_programs_loader)


def sales_plan_loader(viewer: User) -> DataLoader[int, SalesPlan | None]:
    return by_id_loader(scopes.visible_sales_plans, viewer)


def solution_loader(viewer: User) -> DataLoader[int, Solution | None]:
    return by_id_loader(scopes.visible_solutions, viewer)


def partner_program_loader(viewer: User) -> DataLoader[int, PartnerProgram | None]:
    return by_id_loader(scopes.visible_partner_programs, viewer)


BY_NAME = Ordering("name")
LISTS = {SalesPlan: "salesPlans", Solution: "solutions", PartnerProgram: "partnerPrograms"}
CREATING = {
    SalesPlan: AdminAction.CREATE_SALES_PLAN,
    Solution: AdminAction.CREATE_SOLUTION,
    PartnerProgram: AdminAction.CREATE_PARTNER_PROGRAM,
}


async def entries_page(
    context: Context,
    scope: Scope[Entry],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    company_id: str | None,
) -> Page[Entry]:
    """A page of the entries the viewer sees, by name, optionally of one company only."""
    entries = scope(context.viewer)
    args = context.page_args(LISTS[entries.model], first, after, last, before)
    if company_id is not None:
        try:
            entries = entries.filter(company_id=decode_id(company_id, "Company", ["companyId"]))
        except DomainError:
            entries = entries.filter(id__in=[])
    return await paginate(entries, args, BY_NAME)


def entry_edge_cursor(context: Context, entry: SalesPlan | Solution | PartnerProgram) -> str:
    """The cursor of a catalog entry in its list (`salesPlans`, `solutions`, `partnerPrograms`)."""
    return context.cursors.encode(LISTS[type(entry)], entry.name, entry.pk)


async def create_entry(context: Context, model: type[Entry], name: str) -> tuple[Entry | None, list[DomainError]]:
    async def action() -> Entry:
        roles.require_admin(context.viewer, CREATING[model])
        async with in_transaction():
            return await catalog_workflow.create_entry(model, context.viewer, name)

    return await attempt(action)


@dataclass
class CatalogIds:
    """The entries a link or unlink input names, as global IDs."""

    sales_plan_ids: list[str]
    solution_ids: list[str]
    partner_program_ids: list[str]


async def _entries(
    scope: QuerySet[Entry], type_name: str, ids: list[str], field: str, problems: list[DomainError]
) -> list[Entry]:
    """The entries the ids name, through the scope; each unknown one is added to `problems`
    naming its position, e.g. ["salesPlanIds", "0"]."""
    wanted: list[tuple[int, int]] = []
    for index, value in enumerate(ids):
        try:
            wanted.append((index, decode_id(value, type_name, [field, str(index)])))
        except DomainError as error:
            problems.append(error)
    found = {entry.pk: entry for entry in await scope.filter(id__in=[pk for _, pk in wanted])}
    for index, pk in wanted:
        if pk not in found:
            problems.append(
                DomainError(ErrorCode.NOT_FOUND, f"No {type_name} with ID '{ids[index]}'", [field, str(index)])
            )
    return [found[pk] for _, pk in wanted if pk in found]


async def change_links(
    context: Context, lead_id: str | None, opportunity_id: str | None, ids: CatalogIds, *, linking: bool
) -> tuple[Record | None, list[DomainError]]:
    """Link (or unlink) catalog entries to a record (COLLABORATOR or more)."""
    viewer = context.viewer

    async def action() -> Record:
        async with in_transaction():
            record = await require_record(context, lead_id, opportunity_id, Action.UPDATE)
            require_editable(record, ["leadId"])
            problems: list[DomainError] = []
            sales_plans = await _entries(
                scopes.visible_sales_plans(viewer), "SalesPlan", ids.sales_plan_ids, "salesPlanIds", problems
            )
            solutions = await _entries(
                scopes.visible_solutions(viewer), "Solution", ids.solution_ids, "solutionIds", problems
            )
            partner_programs = await _entries(
                scopes.visible_partner_programs(viewer),
                "PartnerProgram",
                ids.partner_program_ids,
                "partnerProgramIds",
                problems,
            )
            if problems:
                raise InputErrors(problems)
            change = catalog_workflow.link if linking else catalog_workflow.unlink
            await change(record, sales_plans, solutions, partner_programs)
        forget(context, *LINK_LOADERS)
        return record

    return await attempt(action)

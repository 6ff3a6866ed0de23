"""Opportunities and stages: scoped loaders, the `opportunity`, `opportunities` and `stages` reads,
money hidden from PARTICIPANTs, and createOpportunity / updateOpportunity."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from tortoise.expressions import Case, Q, When
from tortoise.functions import Coalesce, Lower
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import Account, Company, Contact, DomainError, Lead, LeadOpportunity, Opportunity, OpportunityStage, User
from models import opportunity as opportunity_model
from models import opportunity_workflow as workflow
from models.rows import Row
from models.validation import MAX_AMOUNT
from permissions import roles, scopes
from permissions.roles import Action
from resolvers.access import load_for, require_opportunity, roles_on
from resolvers.collaboration import viewer_role
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.ids import decode_id
from resolvers.loaders import DataLoader, opportunity_loader, stage_loader
from resolvers.nodes import load_nodes
from resolvers.pagination import LoadedPage, Ordering, Page, PageArgs, cursor_of, cut, paginate
from resolvers.search import search_term

T = TypeVar("T")
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class NestedPageKey:
    """One parent's page of a nested connection listed oldest first (by id)."""

    parent_id: int
    args: PageArgs


def nested_page_key(
    context: Context,
    connection: str,
    parent_id: int,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> NestedPageKey:
    """Checks the paging arguments like every connection (a GraphQL error when out of bounds);
    `connection` names the field (`Opportunity.leads`), its cursors name the parent too."""
    return NestedPageKey(parent_id, context.page_args(f"{connection}:{parent_id}", first, after, last, before))


def _slice(rows: list[M], key: NestedPageKey) -> LoadedPage[M]:
    return cut(rows, key.args, lambda row: (row.pk, row.pk))


def nested_page_loader(children_of: Callable[[list[int]], Any]) -> DataLoader[NestedPageKey, LoadedPage[Any]]:
    """Pages of a nested connection for many parents at once: `children_of(parent_ids)` returns
    every visible child of those parents as (parent_id, child) pairs in one round of queries;
    each parent's page is then cut from its own list."""

    async def load(keys: Sequence[NestedPageKey]) -> list[LoadedPage[Any]]:
        groups: dict[int, list[Any]] = defaultdict(list)
        for parent_id, child in await children_of(sorted({key.parent_id for key in keys})):
            groups[parent_id].append(child)
        for children in groups.values():
            children.sort(key=lambda child: child.pk)
        return [_slice(groups.get(key.parent_id, []), key) for key in keys]

    return DataLoader(load_fn=load)


def opportunity_leads_loader(viewer: User) -> DataLoader[NestedPageKey, LoadedPage[Lead]]:
    """The visible leads each opportunity came from or was linked to."""

    async def children_of(opportunity_ids: list[int]) -> list[tuple[int, Lead]]:
        links = await LeadOpportunity.filter(opportunity_id__in=opportunity_ids).values_list(
            "opportunity_id", "lead_id"
        )
        lead_ids = list({lead_id for _, lead_id in links})
        leads = {lead.pk: lead for lead in await scopes.visible_leads(viewer).filter(id__in=lead_ids)}
        return [(opportunity_id, leads[lead_id]) for opportunity_id, lead_id in links if lead_id in leads]

    return nested_page_loader(children_of)


async def stage_of(context: Context, opportunity: Opportunity) -> OpportunityStage | Row:
    stage = await context.loaders.get(stage_loader).load(opportunity.stage_id)
    assert stage is not None, "every stage is visible"
    return stage


async def stages_of(context: Context, records: list[Opportunity]) -> list[OpportunityStage | Row]:
    """`stage_of` for many opportunities in one batch."""
    stages = await context.loaders.get(stage_loader).load_many([opportunity.stage_id for opportunity in records])
    found = [stage for stage in stages if stage is not None]
    assert len(found) == len(stages), "every stage is visible"
    return found


async def amounts(context: Context, records: list[Opportunity]) -> list[Decimal | None]:
    """`amount` of many opportunities in one batch."""
    return [
        opportunity.amount if roles.may(role, Action.READ_MONEY) else None
        for opportunity, role in zip(records, await roles_on(context, records), strict=True)
    ]


async def probability(context: Context, opportunity: Opportunity) -> int:
    return opportunity_model.probability_of(opportunity, await stage_of(context, opportunity))


async def may_read_money(context: Context, opportunity: Opportunity) -> bool:
    return roles.may(await viewer_role(context, opportunity), Action.READ_MONEY)


async def amount(context: Context, opportunity: Opportunity) -> Decimal | None:
    return opportunity.amount if await may_read_money(context, opportunity) else None


async def expected_revenue(context: Context, opportunity: Opportunity) -> Decimal | None:
    if not await may_read_money(context, opportunity):
        return None
    return opportunity_model.expected_revenue(opportunity.amount, await probability(context, opportunity))


async def opportunity_by_id(context: Context, opportunity_id: str) -> Opportunity | None:
    """The opportunity, or None when the ID is not a visible opportunity's."""
    try:
        pk = decode_id(opportunity_id, "Opportunity", ["id"])
    except DomainError:
        return None
    return await context.loaders.get(opportunity_loader).load(pk)


STAGE_ORDER = Ordering("sort_order")


async def stages(
    context: Context, first: int | None, after: str | None, last: int | None, before: str | None
) -> Page[OpportunityStage]:
    """The stages in sales-process order."""
    args = context.page_args("stages", first, after, last, before)
    return await paginate(scopes.visible_stages(context.viewer), args, STAGE_ORDER)


class OpportunityOrderField(str, Enum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    CLOSE_DATE = "CLOSE_DATE"
    AMOUNT = "AMOUNT"
    NAME = "NAME"


@dataclass
class OpportunityCriteria:
    """What `opportunities` may be narrowed to; an ID of another type or unknown matches nothing."""

    stage_ids: Sequence[str] | None = None
    is_closed: bool | None = None
    partner_id: str | None = None
    sourced_by_id: str | None = None
    account_id: str | None = None
    search: str | None = None


def pks_or_nothing(values: Sequence[str], type_name: str) -> list[int]:
    """The primary keys of the IDs that are of the type; the others match no record."""
    found = []
    for value in values:
        try:
            found.append(decode_id(value, type_name, []))
        except DomainError:
            continue
    return found


def filtered(queryset: QuerySet[Opportunity], given: OpportunityCriteria) -> QuerySet[Opportunity]:
    if given.stage_ids is not None:
        queryset = queryset.filter(stage_id__in=pks_or_nothing(given.stage_ids, "OpportunityStage"))
    if given.is_closed is not None:
        queryset = queryset.filter(stage__is_closed=given.is_closed)
    if given.partner_id is not None:
        queryset = queryset.filter(partner_id__in=pks_or_nothing([given.partner_id], "Company"))
    if given.sourced_by_id is not None:
        queryset = queryset.filter(sourced_by_id__in=pks_or_nothing([given.sourced_by_id], "Company"))
    if given.account_id is not None:
        queryset = queryset.filter(account_id__in=pks_or_nothing([given.account_id], "Account"))
    if (term := search_term(given.search, "filter.search")) is not None:
        queryset = queryset.filter(name__icontains=term)
    return queryset


LATEST_DATE = date(9999, 12, 31)
EARLIEST_DATE = date(1, 1, 1)


def _amount_key(missing: int, money_hidden: Q) -> Case:
    """The amount to sort by: `missing` where there is none, or where the viewer may not read it."""
    return Case(When(money_hidden, then=missing), default=Coalesce("amount", missing))  # type: ignore[arg-type]  # a constant is wrapped


async def sorted_by(
    context: Context, queryset: QuerySet[Opportunity], order: OpportunityOrderField, descending: bool
) -> tuple[QuerySet[Opportunity], Ordering]:
    """The queryset with the sort key annotated where needed. Opportunities without a close date
    or an amount come last in both directions, and so do those whose amount the viewer may not
    read (PARTICIPANT), so that neither the order nor a cursor tells their amount; names sort
    case-insensitively."""
    if order is OpportunityOrderField.CREATED_AT:
        return queryset, Ordering("created_at", descending)
    if order is OpportunityOrderField.UPDATED_AT:
        return queryset, Ordering("updated_at", descending)
    if order is OpportunityOrderField.NAME:
        return queryset.annotate(sort_name=Lower("name")), Ordering("sort_name", descending)
    if order is OpportunityOrderField.CLOSE_DATE:
        missing = EARLIEST_DATE if descending else LATEST_DATE
        return queryset.annotate(sort_close_date=Coalesce("close_date", missing)), Ordering(
            "sort_close_date", descending
        )
    missing_amount = -1 if descending else int(MAX_AMOUNT) + 1
    hidden = scopes.money_hidden_opportunities(context.viewer, await context.loaders.policy_role())
    return queryset.annotate(sort_amount=_amount_key(missing_amount, hidden)), Ordering("sort_amount", descending)


def opportunities_list(order: OpportunityOrderField, descending: bool) -> str:
    """The name cursors of `opportunities` in this order carry: those of another order are refused."""
    return f"opportunities:{order.value}:{'DESC' if descending else 'ASC'}"


async def list_opportunities(
    context: Context,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    given: OpportunityCriteria,
    order: OpportunityOrderField,
    descending: bool,
) -> Page[Opportunity]:
    args = context.page_args(opportunities_list(order, descending), first, after, last, before)
    queryset, ordering = await sorted_by(
        context, filtered(scopes.visible_opportunities(context.viewer), given), order, descending
    )
    return await paginate(queryset, args, ordering)


async def opportunity_edge_cursor(context: Context, opportunity: Opportunity) -> str:
    """The cursor of an opportunity in `opportunities` in its default order, newest first."""
    order = OpportunityOrderField.CREATED_AT
    queryset, ordering = await sorted_by(context, scopes.visible_opportunities(context.viewer), order, True)
    return await cursor_of(context.cursors, opportunities_list(order, True), queryset, ordering, opportunity.pk)


REFERENCES: dict[str, tuple[str, type[Model]]] = {
    "stage": ("stageId", OpportunityStage),
    "account": ("accountId", Account),
    "contact": ("contactId", Contact),
    "sourced_by": ("sourcedById", Company),
    "partner": ("partnerId", Company),
}


async def references(context: Context, ids: dict[str, str | None]) -> dict[str, Any]:
    """The records the given reference IDs (keyed by attribute) refer to; NOT_FOUND naming the
    input field for an ID the viewer cannot see or of another type."""
    resolved: dict[str, Any] = {}
    for attribute, global_id in ids.items():
        field_name, model = REFERENCES[attribute]
        resolved[attribute] = await load_for(context, model, global_id, [field_name]) if global_id is not None else None
    return resolved


async def create(
    context: Context, values: dict[str, Any], reference_ids: dict[str, str | None]
) -> tuple[Opportunity | None, list[DomainError]]:
    """createOpportunity: `values` are the given field values, `reference_ids` the given IDs,
    both keyed by attribute."""

    async def action() -> Opportunity:
        async with in_transaction():
            draft = workflow.OpportunityDraft(**values, **await references(context, reference_ids))
            return await workflow.create_opportunity(context.viewer, draft)

    return await attempt(action)


async def update(
    context: Context, opportunity_id: str, values: dict[str, Any], reference_ids: dict[str, str | None]
) -> tuple[Opportunity | None, list[DomainError]]:
    """updateOpportunity for a COLLABORATOR or more: only the given keys change."""

    async def action() -> Opportunity:
        async with in_transaction():
            opportunity, _ = await require_opportunity(context, opportunity_id, Action.UPDATE)
            changes = {**values, **await references(context, reference_ids)}
            return await workflow.update_opportunity(opportunity, changes)

    return await attempt(action)


async def nodes_of(
    context: Context, factory: Callable[[User], DataLoader[int, T | None]], node_ids: Any
) -> list[T | None]:
    """Records by the node part of their global IDs, through the request's scoped loader."""
    return await load_nodes(context.loaders.get(factory), node_ids)

"""Reading leads: `lead`, `leads` with its filter and order, and a lead's nested records."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import TypeVar, cast

from models import DomainError, Lead, LeadAcceptance, LeadOpportunity, LeadStatus, Opportunity, User
from models.lead_list import LeadConditions, LeadWindow, lead_count, lead_page
from models.rows import Row
from permissions import roles, scopes
from permissions.roles import Action
from resolvers.access import role_on, roles_on
from resolvers.context import Context, Info
from resolvers.ids import decode_id
from resolvers.loaders import DataLoader, grouped_rows_loader, lead_loader, opportunity_loader
from resolvers.nodes import load_nodes
from resolvers.pagination import CountedPage, Ordering, Page, bad_input, cursor_of, cut, page_of
from resolvers.search import search_term

T = TypeVar("T")


def lead_links_newest_first_loader(viewer: User) -> DataLoader[int, list[Row]]:
    """A lead's links to opportunities, newest link first; `opportunities_of` keeps those whose
    opportunity the viewer can see (through `opportunity_loader`, in the same batch), so that the
    query reads only these leads' links whatever the number of opportunities the viewer sees."""
    return grouped_rows_loader(LeadOpportunity, "lead_id", order_by=("-id",))


async def lead(info: Info, lead_id: str) -> Lead | None:
    """The lead, or None when it is not visible, unknown or the ID is not a Lead's."""
    try:
        pk = decode_id(lead_id, "Lead", ["id"])
    except DomainError:
        return None
    return await info.context.loaders.get(lead_loader).load(pk)


async def leads_by_node_ids(info: Info, node_ids: Iterable[str]) -> list[Lead | None]:
    return await load_nodes(info.context.loaders.get(lead_loader), node_ids)


async def estimated_amount(info: Info, lead: Lead) -> Decimal | None:
    """The amount, or None for a viewer whose role may not read money."""
    if roles.may(await role_on(info.context, lead), Action.READ_MONEY):
        return lead.estimated_amount
    return None


async def estimated_amounts(context: Context, records: list[Lead]) -> list[Decimal | None]:
    """`estimated_amount` of many leads in one batch."""
    return [
        lead.estimated_amount if roles.may(role, Action.READ_MONEY) else None
        for lead, role in zip(records, await roles_on(context, records), strict=True)
    ]


def opportunities_list(lead: Lead) -> str:
    """The name cursors of a lead's `opportunities` carry: another lead's are refused."""
    return f"Lead.opportunities:{lead.pk}"


async def opportunities_of(
    info: Info, lead: Lead, *, first: int | None, after: str | None, last: int | None, before: str | None
) -> Page[Opportunity]:
    """The visible opportunities linked to the lead, newest link first: every lead's links load
    in one batch and the page is cut from them (a lead has few)."""
    args = info.context.page_args(opportunities_list(lead), first, after, last, before)
    links = await info.context.loaders.get(lead_links_newest_first_loader).load(lead.pk)
    opportunities = await info.context.loaders.get(opportunity_loader).load_many(
        [link.opportunity_id for link in links]
    )
    rows = [
        (link, opportunity) for link, opportunity in zip(links, opportunities, strict=True) if opportunity is not None
    ]
    page = cut(rows, args, lambda row: (row[0].id, row[0].id), descending=True)
    return page.with_rows([opportunity for _, opportunity in page.rows])


async def opportunities_of_many(
    context: Context,
    records: list[Lead],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> list[Page[Opportunity]]:
    """`opportunities_of` for many leads: their links and their opportunities in one batch each."""
    arguments = [context.page_args(opportunities_list(lead), first, after, last, before) for lead in records]
    links_of = await context.loaders.get(lead_links_newest_first_loader).load_many([lead.pk for lead in records])
    found = await context.loaders.get(opportunity_loader).load_many(
        [link.opportunity_id for links in links_of for link in links]
    )
    pages: list[Page[Opportunity]] = []
    position = 0
    for args, links in zip(arguments, links_of, strict=True):
        opportunities = found[position : position + len(links)]
        position += len(links)
        rows = [
            (link, opportunity)
            for link, opportunity in zip(links, opportunities, strict=True)
            if opportunity is not None
        ]
        page = cut(rows, args, lambda row: (row[0].id, row[0].id), descending=True)
        pages.append(page.with_rows([opportunity for _, opportunity in page.rows]))
    return pages


async def opportunity_edge_cursor(context: Context, lead: Lead, opportunity: Opportunity) -> str | None:
    """The cursor of the opportunity in the lead's `opportunities`; None when they are not linked."""
    link_ids = cast(
        list[int],
        await LeadOpportunity.filter(lead_id=lead.pk, opportunity_id=opportunity.pk)
        .limit(1)
        .values_list("id", flat=True),
    )
    if not link_ids:
        return None
    link_id = link_ids[0]
    return context.cursors.encode(opportunities_list(lead), link_id, link_id)


class LeadOrderField(str, Enum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    SCORE = "SCORE"
    CUSTOMER_NAME = "CUSTOMER_NAME"


@dataclass
class LeadCriteria:
    """What `leads` keeps; None leaves a criterion out."""

    status: list[LeadStatus] | None = None
    acceptance: list[LeadAcceptance] | None = None
    sourced_by_id: str | None = None
    partner_id: str | None = None
    search: str | None = None
    min_score: int | None = None
    include_converted: bool = False


@dataclass
class LeadSort:
    field: LeadOrderField = LeadOrderField.CREATED_AT
    descending: bool = True


def _company_pk(value: str, name: str) -> int:
    try:
        return decode_id(value, "Company", ["filter", name])
    except DomainError as error:
        raise bad_input(f"filter.{name}: {error.message}") from None


def conditions_of(criteria: LeadCriteria) -> LeadConditions:
    """The criteria checked, as the list's conditions."""
    sourced_by_id = _company_pk(criteria.sourced_by_id, "sourcedById") if criteria.sourced_by_id is not None else None
    partner_id = _company_pk(criteria.partner_id, "partnerId") if criteria.partner_id is not None else None
    term = search_term(criteria.search, "filter.search")
    if criteria.min_score is not None and not 0 <= criteria.min_score <= 100:
        raise bad_input(f"filter.minScore must be between 0 and 100, got {criteria.min_score}")
    return LeadConditions(
        include_converted=criteria.include_converted,
        statuses=tuple(criteria.status) if criteria.status is not None else None,
        acceptances=tuple(criteria.acceptance) if criteria.acceptance is not None else None,
        sourced_by_id=sourced_by_id,
        partner_id=partner_id,
        search=term,
        min_score=criteria.min_score,
    )


def leads_list(sort: LeadSort) -> str:
    """The name cursors of `leads` in this order carry: those of another order are refused."""
    return f"leads:{sort.field.value}:{'DESC' if sort.descending else 'ASC'}"


async def leads(
    info: Info,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    criteria: LeadCriteria,
    sort: LeadSort,
) -> Page[Row]:
    """One page of the visible leads that meet the criteria, as rows, in one statement (and one
    more for `totalCount`)."""
    args = info.context.page_args(leads_list(sort), first, after, last, before)
    conditions = conditions_of(criteria)
    scope = scopes.as_sql(scopes.visible_leads, info.context.viewer)
    now = datetime.now(UTC)
    window = LeadWindow(
        sort=sort.field.value.lower(),
        descending=sort.descending,
        after=args.after,
        before=args.before,
        backward=args.backward,
        limit=args.size + 1,
    )
    page = page_of(await lead_page(scope, conditions, window, now), args, lambda found: (found[1], found[0].pk))
    return CountedPage(
        rows=[lead for lead, _ in page.rows],
        cursors=page.cursors,
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        queryset=None,
        count=partial(lead_count, scope, conditions, now),
    )


async def lead_edge_cursor(context: Context, lead: Lead) -> str:
    """The cursor of a lead in `leads` in its default order, newest first."""
    ordering = Ordering("created_at", descending=True)
    return await cursor_of(
        context.cursors, leads_list(LeadSort()), scopes.visible_leads(context.viewer), ordering, lead.pk
    )

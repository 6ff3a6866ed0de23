"""Reading leads: `lead`, `leads` with its filter and order, and a lead's nested records."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import TypeVar, cast

from tortoise.expressions import Q
from tortoise.functions import Coalesce, Lower
from tortoise.queryset import QuerySet

from models import DomainError, Lead, LeadAcceptance, LeadOpportunity, LeadStatus, Opportunity, User
from models.rows import Row
from permissions import roles, scopes
from permissions.roles import Action
from resolvers.access import role_on, roles_on
from resolvers.context import Context, Info
from resolvers.ids import decode_id
from resolvers.loaders import DataLoader, grouped_rows_loader, lead_loader, opportunity_loader
from resolvers.nodes import load_nodes
from resolvers.pagination import Ordering, Page, bad_input, cursor_of, cut, paginate
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


SORT_KEYS = {
    LeadOrderField.SCORE: ("sort_score", lambda: Coalesce("score", -1)),
    LeadOrderField.CUSTOMER_NAME: ("sort_customer_name", lambda: Lower(Coalesce("customer_name", ""))),
}


def _company_pk(value: str, name: str) -> int:
    try:
        return decode_id(value, "Company", ["filter", name])
    except DomainError as error:
        raise bad_input(f"filter.{name}: {error.message}") from None


def _acceptance(wanted: list[LeadAcceptance], now: datetime) -> Q:
    """Acceptance as readers see it: PENDING past its deadline reads EXPIRED."""
    conditions = []
    for acceptance in wanted:
        if acceptance is LeadAcceptance.EXPIRED:
            conditions.append(Q(stored_acceptance=LeadAcceptance.PENDING, acceptance_deadline__lte=now))
        elif acceptance is LeadAcceptance.PENDING:
            conditions.append(
                Q(stored_acceptance=LeadAcceptance.PENDING)
                & (Q(acceptance_deadline__isnull=True) | Q(acceptance_deadline__gt=now))
            )
        else:
            conditions.append(Q(stored_acceptance=acceptance))
    return Q(*conditions, join_type="OR") if conditions else Q(id__in=[])


def matching(viewer: User, criteria: LeadCriteria, now: datetime) -> QuerySet[Lead]:
    """The visible leads that meet every criterion."""
    queryset = scopes.visible_leads(viewer)
    if not criteria.include_converted:
        queryset = queryset.filter(is_converted=False)
    if criteria.status is not None:
        queryset = queryset.filter(status__in=list(criteria.status))
    if criteria.acceptance is not None:
        queryset = queryset.filter(_acceptance(criteria.acceptance, now))
    if criteria.sourced_by_id is not None:
        queryset = queryset.filter(sourced_by_id=_company_pk(criteria.sourced_by_id, "sourcedById"))
    if criteria.partner_id is not None:
        queryset = queryset.filter(partner_id=_company_pk(criteria.partner_id, "partnerId"))
    term = search_term(criteria.search, "filter.search")
    if term is not None:
        queryset = queryset.filter(
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(customer_name__icontains=term)
            | Q(email__icontains=term)
        )
    if criteria.min_score is not None:
        if not 0 <= criteria.min_score <= 100:
            raise bad_input(f"filter.minScore must be between 0 and 100, got {criteria.min_score}")
        queryset = queryset.filter(score__gte=criteria.min_score)
    return queryset


def sorted_by(queryset: QuerySet[Lead], sort: LeadSort) -> tuple[QuerySet[Lead], Ordering]:
    """Nullable columns sort through a never-null annotation, so both databases agree."""
    if sort.field in SORT_KEYS:
        name, expression = SORT_KEYS[sort.field]
        return queryset.annotate(**{name: expression()}), Ordering(name, sort.descending)
    return queryset, Ordering(sort.field.value.lower(), sort.descending)


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
) -> Page[Lead]:
    args = info.context.page_args(leads_list(sort), first, after, last, before)
    queryset, ordering = sorted_by(matching(info.context.viewer, criteria, datetime.now(UTC)), sort)
    return await paginate(queryset, args, ordering)


async def lead_edge_cursor(context: Context, lead: Lead) -> str:
    """The cursor of a lead in `leads` in its default order, newest first."""
    sort = LeadSort()
    queryset, ordering = sorted_by(scopes.visible_leads(context.viewer), sort)
    return await cursor_of(context.cursors, leads_list(sort), queryset, ordering, lead.pk)

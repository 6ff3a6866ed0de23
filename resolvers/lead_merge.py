"""Duplicate leads: `Lead.duplicates`, `Lead.mergedInto` and the mergeLeads mutation."""

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import ConversionEvent, ConversionEventKind, DomainError, ErrorCode, Lead, User, lead_merge
from permissions import roles, scopes
from resolvers.access import direct_lead_role_loader, roles_on
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.ids import decode_id
from resolvers.lead_events import LeadEventKind, publish
from resolvers.loaders import DataLoader, Loaded, lead_loader, load_now
from resolvers.pagination import Ordering, Page, PageArgs, Position, page_of, reading_order, where, window

BY_CREATION = Ordering("created_at", descending=True)
"""The order of `duplicates`: most recently created first, ties broken by id."""


@dataclass(frozen=True)
class MatchKeys:
    """What a lead's duplicates are matched on, as stored: its email, normalized customer name
    and website domain (None when empty: an empty value matches nothing)."""

    lead_id: int
    email: str | None
    name: str | None
    domain: str | None

    @classmethod
    def of(cls, lead: Lead) -> "MatchKeys":
        return cls(lead.pk, lead.email or None, lead.normalized_name or None, lead.website_domain or None)

    def columns(self) -> list[tuple[str, str]]:
        """The indexed columns a duplicate shares with the lead, with their values."""
        given = (("email", self.email), ("normalized_name", self.name), ("website_domain", self.domain))
        return [(column, value) for column, value in given if value is not None]

    def condition(self) -> Q:
        """The other leads that match: the SQL of `matches` (only for keys with columns)."""
        return Q(*(where(column, value) for column, value in self.columns()), join_type=Q.OR) & Q(id__not=self.lead_id)

    def matches(self, other: Lead) -> bool:
        return other.pk != self.lead_id and (
            (self.email is not None and other.email == self.email)
            or (self.name is not None and other.normalized_name == self.name)
            or (self.domain is not None and other.website_domain == self.domain)
        )


@dataclass(frozen=True)
class DuplicatesKey:
    """One lead's page of `duplicates`: its match keys and the checked paging arguments."""

    match: MatchKeys
    args: PageArgs


@dataclass
class DuplicatesPage(Page[Lead]):
    """A page of duplicates whose total is counted for all leads of the request at once, when asked."""

    counter: DataLoader[MatchKeys, int] | None = None
    match: MatchKeys | None = None

    async def total_count(self) -> int:
        assert self.counter is not None and self.match is not None
        return await self.counter.load(self.match)


def _position(lead: Lead) -> Position:
    return lead.created_at, lead.pk


def _candidates(viewer: User) -> QuerySet[Lead]:
    return scopes.visible_leads(viewer).filter(merged_into_id__isnull=True)


def duplicates_counter(viewer: User) -> DataLoader[MatchKeys, int]:
    """How many duplicates each lead has: one statement for the whole batch, a filtered COUNT
    per lead over the leads that share one of the batch's match values."""

    async def load(keys: Sequence[MatchKeys]) -> list[int]:
        matched = [key for key in keys if key.columns()]
        if not matched:
            return [0 for _ in keys]
        wanted = Q(*(key.condition() for key in matched), join_type=Q.OR)
        counts = {f"n{index}": Count("id", _filter=key.condition()) for index, key in enumerate(matched)}
        (row,) = await _candidates(viewer).filter(wanted).annotate(**counts).values(*counts)
        found = {key: int(row[f"n{index}"] or 0) for index, key in enumerate(matched)}
        return [found.get(key, 0) for key in keys]

    return DataLoader(load_fn=load)


def duplicates_loader(viewer: User) -> DataLoader[DuplicatesKey, DuplicatesPage]:
    """Pages of many leads' duplicates in one statement, each bounded by its page: for every lead
    and match column, the first `first + 1` visible, unmerged leads after the cursor that share
    the value (a limited subquery on the indexed column); each lead's page is the first
    `first + 1` of the rows that match it, since its own are all among those read."""

    async def load(keys: Sequence[DuplicatesKey]) -> list[DuplicatesPage]:
        # Each branch repeats its column's value outside the subquery too, so that PostgreSQL reads
        # the outer rows through the column's index instead of scanning the table.
        picked = [
            where(column, value)
            & Q(
                id__in=Subquery(
                    _candidates(viewer)
                    .filter(where(column, value), window(BY_CREATION, key.args), id__not=key.match.lead_id)
                    .order_by(*reading_order(BY_CREATION, key.args))
                    .limit(key.args.size + 1)
                    .values("id")
                )
            )
            for key in keys
            for column, value in key.match.columns()
        ]
        rows: list[Lead] = list(await Lead.filter(Q(*picked, join_type=Q.OR))) if picked else []
        rows.sort(key=_position, reverse=True)
        counter = duplicates_counter(viewer)
        pages = []
        for key in keys:
            after = key.args.after
            mine = [lead for lead in rows if key.match.matches(lead) and (after is None or _position(lead) < after)]
            page = page_of(mine[: key.args.size + 1], key.args, _position)
            pages.append(
                DuplicatesPage(
                    rows=page.rows,
                    cursors=page.cursors,
                    has_next_page=page.has_next_page,
                    has_previous_page=page.has_previous_page,
                    queryset=None,
                    counter=counter,
                    match=key.match,
                )
            )
        return pages

    return DataLoader(load_fn=load)


def duplicates_list(lead: Lead) -> str:
    """The name cursors of a lead's `duplicates` carry: another lead's are refused."""
    return f"Lead.duplicates:{lead.pk}"


async def duplicates_of_many(
    context: Context, records: list[Lead], *, first: int | None, after: str | None
) -> list[DuplicatesPage]:
    """A page of `duplicates` for each lead, most recent first: all of them in one query."""
    keys = [
        DuplicatesKey(MatchKeys.of(lead), context.page_args(duplicates_list(lead), first, after, None, None))
        for lead in records
    ]
    return await context.loaders.get(duplicates_loader).load_many(keys)


async def duplicates_of(context: Context, lead: Lead, *, first: int | None, after: str | None) -> DuplicatesPage:
    (page,) = await duplicates_of_many(context, [lead], first=first, after=after)
    return page


def merged_into(context: Context, lead: Lead) -> Loaded[Lead | None]:
    """The lead this one was merged into, when the viewer can see it."""
    if lead.merged_into_id is None:
        return None
    return load_now(context.loaders.get(lead_loader), lead.merged_into_id)


async def merged_leads_of(context: Context, event: ConversionEvent) -> list[Lead]:
    """The duplicates a LEADS_MERGED event names, in the order merged, among those the viewer can see."""
    if event.kind != ConversionEventKind.LEADS_MERGED:
        return []
    found = await context.loaders.get(lead_loader).load_many([int(pk) for pk in event.details.get("merged", [])])
    return [lead for lead in found if lead is not None]


def merged_into_of(context: Context, event: ConversionEvent) -> Loaded[Lead | None]:
    """The survivor a MERGED_INTO event names, when the viewer can see it."""
    survivor = event.details.get("merged_into") if event.kind == ConversionEventKind.MERGED_INTO else None
    if survivor is None:
        return None
    return load_now(context.loaders.get(lead_loader), int(survivor))


def _check_ids(lead_pk: int, duplicate_ids: list[str]) -> list[int]:
    if not duplicate_ids:
        raise DomainError(ErrorCode.INVALID_INPUT, "Name at least one duplicate to merge", ["duplicateIds"])
    if len(duplicate_ids) > lead_merge.MAX_DUPLICATES:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"At most {lead_merge.MAX_DUPLICATES} duplicates merge at once, got {len(duplicate_ids)}",
            ["duplicateIds"],
        )
    pks: list[int] = []
    for index, value in enumerate(duplicate_ids):
        field = ["duplicateIds", str(index)]
        pk = decode_id(value, "Lead", field)
        if pk == lead_pk:
            raise DomainError(ErrorCode.INVALID_INPUT, "A lead cannot be merged into itself", field)
        if pk in pks:
            raise DomainError(ErrorCode.INVALID_INPUT, f"'{value}' is named twice", field)
        pks.append(pk)
    return pks


async def _locked(context: Context, given: list[str], pks: list[int]) -> list[Lead]:
    """The survivor then the duplicates, each checked: locked in one statement in id order, so
    that merges and conversions of overlapping leads wait for each other instead of deadlocking."""
    fields = [["leadId"], *(["duplicateIds", str(index)] for index in range(len(pks) - 1))]
    found = {
        lead.pk: lead
        for lead in await scopes.visible_leads(context.viewer).filter(id__in=pks).order_by("id").select_for_update()
    }
    leads = [found.get(pk) for pk in pks]
    visible = [lead for lead in leads if lead is not None]
    held = dict(zip((lead.pk for lead in visible), await roles_on(context, visible), strict=True))
    for value, pk, lead, field in zip(given, pks, leads, fields, strict=True):
        if lead is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"No Lead with ID '{value}'", field)
        role = held[pk]
        if not roles.may(role, roles.Action.MERGE_LEADS):
            raise DomainError(
                ErrorCode.FORBIDDEN,
                f"Merging needs the OWNER role on every lead; yours is {role.value if role else 'none'}",
                field,
            )
        lead_merge.check_mergeable(lead, field)
    return [lead for lead in leads if lead is not None]


async def merge_leads(
    context: Context, lead_id: str, duplicate_ids: list[str]
) -> tuple[Lead | None, list[DomainError]]:
    async def action() -> Lead:
        lead_pk = decode_id(lead_id, "Lead", ["leadId"])
        duplicate_pks = _check_ids(lead_pk, duplicate_ids)
        async with in_transaction():
            survivor, *duplicates = await _locked(context, [lead_id, *duplicate_ids], [lead_pk, *duplicate_pks])
            merged = await lead_merge.merge_leads(survivor, duplicates, context.viewer)
        context.loaders.get(direct_lead_role_loader).clear(merged.pk)
        await publish(context, LeadEventKind.LEADS_MERGED, merged)
        for duplicate in duplicates:
            await publish(context, LeadEventKind.MERGED_INTO, duplicate)
        return merged

    return await attempt(action)

"""Duplicate leads: `Lead.duplicates`, `Lead.mergedInto` and the mergeLeads mutation."""

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import ConversionEvent, ConversionEventKind, DomainError, ErrorCode, Lead, User, lead_merge
from permissions import roles, scopes
from resolvers.access import direct_lead_role_loader, roles_on
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.ids import decode_id
from resolvers.lead_events import LeadEventKind, publish
from resolvers.loaders import DataLoader, Loaded, lead_loader, load_now
from resolvers.pagination import LoadedPage, cut, where


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

    def matches(self, other: Lead) -> bool:
        return other.pk != self.lead_id and (
            (self.email is not None and other.email == self.email)
            or (self.name is not None and other.normalized_name == self.name)
            or (self.domain is not None and other.website_domain == self.domain)
        )


def duplicates_loader(viewer: User) -> DataLoader[MatchKeys, list[Lead]]:
    """The visible, unmerged leads that match each lead, newest first: one query for the whole
    batch, on the indexed email, normalized name and website domain columns."""

    async def load(keys: Sequence[MatchKeys]) -> list[list[Lead]]:
        emails = sorted({key.email for key in keys if key.email is not None})
        names = sorted({key.name for key in keys if key.name is not None})
        domains = sorted({key.domain for key in keys if key.domain is not None})
        wanted = [
            where(f"{column}__in", values)
            for column, values in (("email", emails), ("normalized_name", names), ("website_domain", domains))
            if values
        ]
        if not wanted:
            return [[] for _ in keys]
        candidates = list(
            await scopes.visible_leads(viewer)
            .filter(Q(*wanted, join_type="OR"), merged_into_id__isnull=True)
            .order_by("-created_at", "-id")
        )
        return [[lead for lead in candidates if key.matches(lead)] for key in keys]

    return DataLoader(load_fn=load)


def duplicates_list(lead: Lead) -> str:
    """The name cursors of a lead's `duplicates` carry: another lead's are refused."""
    return f"Lead.duplicates:{lead.pk}"


async def duplicates_of_many(
    context: Context, records: list[Lead], *, first: int | None, after: str | None
) -> list[LoadedPage[Lead]]:
    """A page of `duplicates` for each lead, most recent first: all of them in one query."""
    arguments = [context.page_args(duplicates_list(lead), first, after, None, None) for lead in records]
    found = await context.loaders.get(duplicates_loader).load_many([MatchKeys.of(lead) for lead in records])
    return [
        cut(rows, args, lambda lead: (lead.created_at, lead.pk), descending=True)
        for args, rows in zip(arguments, found, strict=True)
    ]


async def duplicates_of(context: Context, lead: Lead, *, first: int | None, after: str | None) -> LoadedPage[Lead]:
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

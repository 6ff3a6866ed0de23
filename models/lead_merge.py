"""Merging duplicate leads: the survivor keeps its values, fills its empty fields from the
duplicates, and gains their members, activities, catalog links and company sections; each
duplicate is closed, points at the survivor and is read-only from then on.

The caller has loaded and locked every lead (in id order) through the viewer's scope, checked
that the viewer is OWNER of each, and runs this in the same transaction."""

from typing import Any

from models.activity import Activity
from models.catalog import PartnerProgram, SalesPlan, Solution
from models.conversion_records import ConversionEvent, ConversionEventKind
from models.enums import LeadStatus, MemberRole
from models.errors import DomainError, ErrorCode
from models.lead import Lead
from models.membership import LeadMember
from models.section import LeadCompanySection
from models.user import User

MAX_DUPLICATES = 10
FILLED_FIELDS = (
    "topic",
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "customer_name",
    "website",
    "description",
    "source",
    "score",
    "estimated_close_date",
)
"""The lead fields a survivor fills from its duplicates when its own is empty; the estimated
amount fills with its currency, as a pair."""
SECTION_FIELDS = ("industry", "region", "crm_account")
CATALOGS: tuple[tuple[str, type[SalesPlan | Solution | PartnerProgram]], ...] = (
    ("sales_plans", SalesPlan),
    ("solutions", Solution),
    ("partner_programs", PartnerProgram),
)


def check_mergeable(lead: Lead, field: list[str]) -> None:
    """A converted or already merged lead takes no part in a merge, as survivor or duplicate."""
    if lead.merged_into_id is not None:
        raise DomainError(ErrorCode.ALREADY_MERGED, "The lead was already merged into another lead", field)
    if lead.is_converted:
        raise DomainError(ErrorCode.ALREADY_CONVERTED, "A converted lead cannot be merged", field)


def _empty(value: Any) -> bool:
    return value is None or value == ""


def fill_from(survivor: Lead, duplicates: list[Lead]) -> None:
    """Copy the duplicates' values into the survivor's empty fields only, the first duplicate
    (in the order given) that has a value winning. The estimated amount comes with its currency,
    from the first duplicate that has an amount in the survivor's currency (any, when it has
    none); a currency alone fills only when no duplicate brings an amount."""
    for name in FILLED_FIELDS:
        given = [getattr(lead, name) for lead in duplicates if not _empty(getattr(lead, name))]
        if _empty(getattr(survivor, name)) and given:
            setattr(survivor, name, given[0])
    if survivor.estimated_amount is None:
        priced = next(
            (
                lead
                for lead in duplicates
                if lead.estimated_amount is not None and survivor.currency in (None, lead.currency)
            ),
            None,
        )
        if priced is not None:
            survivor.estimated_amount, survivor.currency = priced.estimated_amount, priced.currency
    currencies = [lead.currency for lead in duplicates if not _empty(lead.currency)]
    if _empty(survivor.currency) and currencies:
        survivor.currency = currencies[0]


def merged_reason(survivor: Lead) -> str:
    """The disqualification reason of a merged duplicate: the survivor by its topic, else its
    customer name, else its prospect's name (a lead has one of them)."""
    label = (
        survivor.topic
        or survivor.customer_name
        or " ".join(part for part in (survivor.first_name, survivor.last_name) if part)
    )
    return f"Merged into {label}"


async def _merge_members(survivor: Lead, duplicate_ids: list[int]) -> None:
    """The duplicates' direct members join the survivor; one who is a member already keeps the
    higher of the roles."""
    rows = await LeadMember.filter(lead_id__in=[survivor.pk, *duplicate_ids]).order_by("id")
    kept = {row.user_id: row for row in rows if row.lead_id == survivor.pk}
    wanted: dict[int, MemberRole] = {}
    for row in rows:
        if row.lead_id != survivor.pk:
            role = MemberRole(row.role)
            if row.user_id not in wanted or role.rank > wanted[row.user_id].rank:
                wanted[row.user_id] = role
    for user_id, role in wanted.items():
        member = kept.get(user_id)
        if member is None:
            await LeadMember.create(lead_id=survivor.pk, user_id=user_id, role=role)
        elif role.rank > MemberRole(member.role).rank:
            member.role = role
            await member.save(update_fields=["role"])


async def _merge_catalog_links(survivor: Lead, duplicate_ids: list[int]) -> None:
    """The survivor is linked to every catalog entry one of the duplicates is linked to."""
    for relation, model in CATALOGS:
        linked = set(await model.filter(leads__id=survivor.pk).values_list("id", flat=True))
        gained = [
            entry
            for entry in await model.filter(leads__id__in=duplicate_ids).distinct().order_by("id")
            if entry.pk not in linked
        ]
        if gained:
            await getattr(survivor, relation).add(*gained)


async def _merge_sections(survivor: Lead, duplicates: list[Lead]) -> None:
    """A company section the survivor lacks moves over from the first duplicate that has one; a
    section it has fills its empty fields from the duplicates' sections, in order."""
    rows = await LeadCompanySection.filter(lead_id__in=[survivor.pk, *(lead.pk for lead in duplicates)])
    position = {survivor.pk: -1, **{lead.pk: index for index, lead in enumerate(duplicates)}}
    rows.sort(key=lambda row: position[row.lead_id])
    sections: dict[int, LeadCompanySection] = {}
    for row in rows:
        section = sections.get(row.company_id)
        if section is None:
            sections[row.company_id] = row
            if row.lead_id != survivor.pk:
                row.lead_id = survivor.pk
                await row.save(update_fields=["lead_id"])
            continue
        filled = [name for name in SECTION_FIELDS if _empty(getattr(section, name)) and not _empty(getattr(row, name))]
        for name in filled:
            setattr(section, name, getattr(row, name))
        if filled:
            await section.save(update_fields=[*filled, "updated_at"])


async def _record(survivor: Lead, duplicates: list[Lead], viewer: User) -> None:
    """The merge in each lead's event history: on the survivor, naming the duplicates in the
    order given; on each duplicate, naming the survivor."""
    await ConversionEvent.create(
        kind=ConversionEventKind.LEADS_MERGED,
        lead=survivor,
        actor=viewer,
        details={"merged": [lead.pk for lead in duplicates]},
    )
    for duplicate in duplicates:
        await ConversionEvent.create(
            kind=ConversionEventKind.MERGED_INTO, lead=duplicate, actor=viewer, details={"merged_into": survivor.pk}
        )


async def merge_leads(survivor: Lead, duplicates: list[Lead], viewer: User) -> Lead:
    """Merge the duplicates (in the order given) into the survivor on behalf of the viewer; run in
    the caller's transaction, after `check_mergeable` on every lead."""
    duplicate_ids = [lead.pk for lead in duplicates]
    fill_from(survivor, duplicates)
    await survivor.save()
    await _merge_members(survivor, duplicate_ids)
    await Activity.filter(lead_id__in=duplicate_ids).update(lead_id=survivor.pk)
    await _merge_catalog_links(survivor, duplicate_ids)
    await _merge_sections(survivor, duplicates)
    reason = merged_reason(survivor)
    for duplicate in duplicates:
        duplicate.status = LeadStatus.CLOSED_NOT_CONVERTED
        duplicate.disqualification_reason = reason
        duplicate.merged_into_id = survivor.pk
        await duplicate.save()
    await _record(survivor, duplicates, viewer)
    return survivor

"""Undoing a lead's conversion: every conversion link of the lead goes; each record its
conversions created is deleted when nothing else depends on it and nobody changed it since,
else kept with a reason; the lead returns to the status it had before it was converted.

Conversions store a snapshot of what they created in their event's details (see
models.conversion_snapshot); events recorded before snapshots existed are judged by timestamps and
by what the lead itself has. Runs in the caller's transaction, after the caller has locked the
lead, and raises DomainError."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pypika_tortoise import Table
from tortoise.queryset import QuerySet

from models.account import Account, Contact
from models.activity import Activity
from models.conversion import link_field
from models.conversion_records import ConversionEvent, ConversionEventKind
from models.conversion_snapshot import (
    ACCOUNT_FIELDS,
    CONTACT_FIELDS,
    LINKED_CATALOGS,
    OPPORTUNITY_FIELDS,
    SECTION_COLUMNS,
    fields_of,
)
from models.enums import LeadStatus, MemberRole
from models.errors import DomainError, ErrorCode
from models.lead import CONVERSION_FIELDS, Lead
from models.membership import LeadMember, OpportunityMember
from models.opportunity import LeadOpportunity, Opportunity
from models.section import LeadCompanySection, OpportunityCompanySection
from models.user import User

Created = Opportunity | Account | Contact

CATALOGS = {relation: relation.replace("_", " ") for relation in LINKED_CATALOGS}
"""Each catalog relation, as a reason names it."""
FIELD_LABELS = {
    "probability_override": "probability",
    "stage_id": "stage",
    "account_id": "account",
    "contact_id": "contact",
    "partner_id": "partner",
    "owner_id": "owner",
    "close_date": "close date",
    "first_name": "first name",
    "last_name": "last name",
    "job_title": "job title",
}
FALLBACK_STATUS = LeadStatus.WORKING_CONTACTED
"""The status an undone lead returns to when its conversion did not record the one before."""


@dataclass
class UndoScopes:
    """What the viewer may see, from the permissions layer: only those records are answered."""

    opportunities: QuerySet[Opportunity]
    accounts: QuerySet[Account]
    contacts: QuerySet[Contact]


@dataclass
class Kept:
    record: Created
    reason: str


@dataclass
class UndoResult:
    lead: Lead
    deleted: list[Created] = field(default_factory=list)
    """The deleted records the viewer could see (their primary keys stay set)."""
    kept: list[Kept] = field(default_factory=list)
    """The kept records the viewer could see, with why each was kept."""
    events: list[ConversionEvent] = field(default_factory=list)
    status_assumed: bool = False
    """Whether the conversion had not recorded the status before it, so FALLBACK_STATUS was used."""


@dataclass
class Origin:
    """Where a created record came from: when, by whom, and its snapshot (None for old events)."""

    at: datetime
    actor_id: int
    snapshot: dict[str, Any] | None


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _changed_fields(kind: str, record: Created, origin: Origin, names: tuple[str, ...]) -> list[str]:
    if origin.snapshot is None:
        return [f"{kind} was edited after the conversion"] if record.updated_at > origin.at else []
    before = origin.snapshot.get("fields", {})
    now = fields_of(record, names)
    changed = [FIELD_LABELS.get(name, name) for name in names if name in before and before[name] != now[name]]
    if not changed:
        return []
    return [f"{kind}'s {_and(changed)} changed after the conversion"]


async def _linked(model: type[Lead | Opportunity], relation: str, ids: list[int]) -> dict[int, set[int]]:
    """Each lead's or opportunity's linked ids of one many-to-many relation (activities or a
    catalog), in one query."""
    through = link_field(model, relation)
    table = Table(through.through)
    db = model._meta.db
    query = (
        db.query_class.from_(table)
        .select(table[through.backward_key], table[through.forward_key])
        .where(table[through.backward_key].isin(ids))
    )
    _, rows = await db.execute_query(*query.get_parameterized_sql())
    found: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        found[int(row[through.backward_key])].add(int(row[through.forward_key]))
    return found


class OpportunityChanges:
    """What happened to the created opportunities since their conversion, read in a few queries."""

    def __init__(self, lead: Lead, opportunities: list[Opportunity]) -> None:
        self.lead = lead
        self.ids = [opportunity.pk for opportunity in opportunities]

    async def load(self) -> None:
        ids = self.ids
        self.other_leads = Counter(
            await LeadOpportunity.filter(opportunity_id__in=ids)
            .exclude(lead_id=self.lead.pk)
            .values_list("opportunity_id", flat=True)
        )
        self.activities = await _linked(Opportunity, "activities", ids)
        self.catalogs = {relation: await _linked(Opportunity, relation, ids) for relation in CATALOGS}
        self.members: dict[int, set[tuple[int, str]]] = defaultdict(set)
        for opportunity_id, user_id, role in await OpportunityMember.filter(opportunity_id__in=ids).values_list(
            "opportunity_id", "user_id", "role"
        ):
            self.members[opportunity_id].add((user_id, MemberRole(role).value))
        self.sections: dict[int, set[tuple[Any, ...]]] = defaultdict(set)
        for row in await OpportunityCompanySection.filter(opportunity_id__in=ids).values_list(
            "opportunity_id", *SECTION_COLUMNS
        ):
            self.sections[row[0]].add(tuple(row[1:]))
        self.lead_activities: set[int] | None = None

    async def _lead_state(self) -> None:
        """What the lead has, for conversions that recorded no snapshot: a converted lead's
        members, sections and catalog links cannot change, so they are what was copied."""
        if self.lead_activities is not None:
            return
        lead = self.lead
        self.lead_activities = {row["id"] for row in await Activity.filter(lead_id=lead.pk).values("id")}
        self.lead_members = {
            (user_id, MemberRole(role).value)
            for user_id, role in await LeadMember.filter(lead_id=lead.pk).values_list("user_id", "role")
        }
        self.lead_sections = {
            tuple(row) for row in await LeadCompanySection.filter(lead_id=lead.pk).values_list(*SECTION_COLUMNS)
        }
        self.lead_catalogs = {relation: (await _linked(Lead, relation, [lead.pk]))[lead.pk] for relation in CATALOGS}

    async def reasons(self, opportunity: Opportunity, origin: Origin) -> list[str]:
        pk = opportunity.pk
        reasons: list[str] = []
        if self.other_leads[pk]:
            n = self.other_leads[pk]
            reasons.append(
                "opportunity is linked to another lead" if n == 1 else f"opportunity is linked to {n} other leads"
            )
        snapshot = origin.snapshot
        if snapshot is None:
            await self._lead_state()
        activities = self.activities.get(pk, set())
        copied_activities = set(snapshot["activities"]) if snapshot is not None else self.lead_activities or set()
        added = activities - copied_activities
        if added:
            reasons.append(
                f"opportunity has {_count(len(added), 'activity', 'activities')} logged after the conversion"
            )
        elif snapshot is not None and activities != copied_activities:
            reasons.append("opportunity's activities changed after the conversion")
        members = self.members.get(pk, set())
        if snapshot is not None:
            reasons += _member_changes(members, {(int(user), str(role)) for user, role in snapshot["members"]})
        else:
            expected = self.lead_members | {(origin.actor_id, MemberRole.OWNER.value)}
            if members - expected:
                reasons.append("opportunity's members changed after the conversion")
        sections = self.sections.get(pk, set())
        if snapshot is not None:
            sections_changed = sections != {tuple(section) for section in snapshot["sections"]}
        else:
            sections_changed = not sections <= self.lead_sections
        if sections_changed:
            reasons.append("opportunity's company sections changed after the conversion")
        for relation, label in CATALOGS.items():
            linked = self.catalogs[relation].get(pk, set())
            if snapshot is not None:
                changed = linked != set(snapshot[relation])
            else:
                changed = not linked <= self.lead_catalogs[relation]
            if changed:
                reasons.append(f"opportunity's {label} changed after the conversion")
        reasons += _changed_fields("opportunity", opportunity, origin, OPPORTUNITY_FIELDS)
        return reasons


def _member_changes(members: set[tuple[int, str]], copied: set[tuple[int, str]]) -> list[str]:
    now = dict(members)
    before = dict(copied)
    added = [user for user in now if user not in before]
    removed = [user for user in before if user not in now]
    changed = [user for user in now if user in before and now[user] != before[user]]
    reasons = []
    if added:
        reasons.append(f"opportunity has {_count(len(added), 'member')} added after the conversion")
    if removed:
        reasons.append(f"opportunity has {_count(len(removed), 'member')} removed after the conversion")
    if changed:
        reasons.append(f"opportunity has {_count(len(changed), 'member')} whose role changed after the conversion")
    return reasons


def _episode(events: list[ConversionEvent]) -> list[ConversionEvent]:
    """The events since the lead was last undone: those of its current conversion."""
    for index in range(len(events) - 1, -1, -1):
        if events[index].kind == ConversionEventKind.CONVERSION_UNDONE:
            return events[index + 1 :]
    return events


def _origin(event: ConversionEvent, key: str) -> Origin:
    return Origin(at=event.created_at, actor_id=event.actor_id, snapshot=event.details.get(key))


def _created_by(conversion: ConversionEvent | None, key: str, current_id: int | None) -> bool:
    """Whether the lead's current account or contact is the one its conversion created."""
    if conversion is None or current_id is None or conversion.details.get(key) != "created":
        return False
    return bool(getattr(conversion, f"{key}_id") == current_id)


async def _dependents(
    model: type[Opportunity] | type[Contact] | type[Lead], column: str, pk: int, excluded: list[int]
) -> list[int]:
    return [row["id"] for row in await model.filter(**{column: pk}).exclude(id__in=excluded).values("id")]


async def _visible(scope: QuerySet[Any], records: list[Any]) -> set[int]:
    if not records:
        return set()
    return {row["id"] for row in await scope.filter(id__in=[record.pk for record in records]).values("id")}


@dataclass
class Conversion:
    """What the lead's current conversion created: its CONVERTED event (None for odd data), the
    opportunities created by it or added after it, and the account and contact it created."""

    event: ConversionEvent | None
    opportunities: list[tuple[Opportunity, Origin]]
    account: Account | None
    contact: Contact | None


async def _current_conversion(lead: Lead) -> Conversion:
    """The lead's current conversion, its created records locked where the database can (as
    require_opportunity locks an opportunity for an edit): an edit, activity or member that
    commits while the undo waits is judged, not deleted with the record."""
    episode = _episode(list(await ConversionEvent.filter(lead_id=lead.pk).order_by("created_at", "id")))
    event = next((event for event in reversed(episode) if event.kind == ConversionEventKind.CONVERTED), None)
    origins: dict[int, Origin] = {
        link.opportunity_id: Origin(at=link.created_at, actor_id=link.actor_id, snapshot=None)
        for link in await LeadOpportunity.filter(lead_id=lead.pk, created_by_conversion=True)
    }
    for recorded in episode:
        creating = recorded.kind in (ConversionEventKind.CONVERTED, ConversionEventKind.OPPORTUNITY_CREATED)
        if creating and recorded.opportunity_id in origins:
            origins[recorded.opportunity_id] = _origin(recorded, "opportunity_snapshot")
    opportunities = (
        list(await Opportunity.filter(id__in=list(origins)).order_by("id").select_for_update()) if origins else []
    )
    return Conversion(
        event=event,
        opportunities=[(opportunity, origins[opportunity.pk]) for opportunity in opportunities],
        account=(
            await Account.filter(id=lead.converted_account_id).select_for_update().first()
            if _created_by(event, "account", lead.converted_account_id)
            else None
        ),
        contact=(
            await Contact.filter(id=lead.converted_contact_id).select_for_update().first()
            if _created_by(event, "contact", lead.converted_contact_id)
            else None
        ),
    )


async def _judge(
    lead: Lead, conversion: Conversion
) -> tuple[list[Created], list[Kept], dict[int, set[tuple[int, str]]]]:
    """Which created records go and which stay (with why), opportunities first, then the
    contact, then the account: a kept opportunity keeps its contact and account. Also each
    opportunity's members as [user id, role]."""
    deleted: list[Created] = []
    kept: list[Kept] = []
    members: dict[int, set[tuple[int, str]]] = {}

    def decide(record: Created, reasons: list[str]) -> bool:
        if reasons:
            kept.append(Kept(record, "; ".join(reasons)))
        else:
            deleted.append(record)
        return bool(reasons)

    if conversion.opportunities:
        changes = OpportunityChanges(lead, [opportunity for opportunity, _ in conversion.opportunities])
        await changes.load()
        members = changes.members
        for opportunity, origin in conversion.opportunities:
            decide(opportunity, await changes.reasons(opportunity, origin))
    kept_opportunities = {item.record.pk for item in kept}
    deleted_opportunities = [record.pk for record in deleted]
    event, contact, account = conversion.event, conversion.contact, conversion.account
    contact_kept = False
    if contact is not None and event is not None:
        reasons = await _record_reasons(
            "contact", contact, lead, kept_opportunities, deleted_opportunities, "contact_id"
        )
        reasons += _changed_fields("contact", contact, _origin(event, "contact_snapshot"), CONTACT_FIELDS)
        contact_kept = decide(contact, reasons)
    if account is not None and event is not None:
        reasons = await _record_reasons(
            "account", account, lead, kept_opportunities, deleted_opportunities, "account_id"
        )
        if contact_kept and contact is not None and contact.account_id == account.pk:
            reasons.append("account's contact is kept")
        others = await _dependents(Contact, "account_id", account.pk, [contact.pk] if contact else [])
        if others:
            reasons.append(f"account has {_count(len(others), 'other contact')}")
        reasons += _changed_fields("account", account, _origin(event, "account_snapshot"), ACCOUNT_FIELDS)
        decide(account, reasons)
    return deleted, kept, members


async def _visible_ids(scopes: UndoScopes, records: list[Created]) -> dict[type, set[int]]:
    return {
        model: await _visible(scope, [record for record in records if isinstance(record, model)])
        for model, scope in (
            (Opportunity, scopes.opportunities),
            (Account, scopes.accounts),
            (Contact, scopes.contacts),
        )
    }


async def _restore(lead: Lead, status: LeadStatus) -> None:
    lead.status = status
    lead.is_converted = False
    lead.converted_at = None
    lead.converted_by_id = None
    lead.converted_account_id = None
    lead.converted_contact_id = None
    await lead.save(update_fields=CONVERSION_FIELDS)


async def _delete(lead: Lead, deleted: list[Created]) -> None:
    """Unlink every opportunity from the lead, then delete in dependency order: opportunities
    (their members, sections and links with them), contacts, accounts."""
    await LeadOpportunity.filter(lead_id=lead.pk).delete()
    for model in (Opportunity, Contact, Account):
        ids = [record.pk for record in deleted if isinstance(record, model)]
        if ids:
            await model.filter(id__in=ids).delete()


def _readers(opportunity: Opportunity, members: set[tuple[int, str]]) -> dict[str, Any]:
    """Who could see an opportunity as it is deleted: its direct members with their roles, and
    the companies whose policies reach it (the permissions layer reads them back)."""
    return {
        "members": sorted([user_id, role] for user_id, role in members),
        "sourced_by": opportunity.sourced_by_id,
        "partner": opportunity.partner_id,
    }


async def _record_undo(
    lead: Lead,
    viewer: User,
    deleted: list[Created],
    kept: list[Kept],
    status: LeadStatus,
    assumed: bool,
    members: dict[int, set[tuple[int, str]]],
) -> list[ConversionEvent]:
    """One event on the lead (naming the kept account and contact), and one on each kept
    opportunity; each tells everything the undo deleted and kept, and who could see each deleted
    opportunity (not every reader of the lead could). One INSERT for them all, however many
    opportunities were kept."""
    what = {
        "deleted": [[type(record).__name__, record.pk] for record in deleted],
        "deleted_opportunity_readers": {
            str(record.pk): _readers(record, members.get(record.pk, set()))
            for record in deleted
            if isinstance(record, Opportunity)
        },
        "kept": [[type(item.record).__name__, item.record.pk, item.reason] for item in kept],
        "restored_status": status.value,
        "status_assumed": assumed,
    }
    records = [item.record for item in kept]

    def undone(**on: Any) -> ConversionEvent:
        return ConversionEvent(kind=ConversionEventKind.CONVERSION_UNDONE, lead=lead, actor=viewer, details=what, **on)

    events = [
        undone(
            account=next((record for record in records if isinstance(record, Account)), None),
            contact=next((record for record in records if isinstance(record, Contact)), None),
        ),
        *(undone(opportunity=record) for record in records if isinstance(record, Opportunity)),
    ]
    await ConversionEvent.bulk_create(events)
    return events


def _status_before(conversion: ConversionEvent | None) -> tuple[LeadStatus, bool]:
    """The status the lead had before it was converted, and whether it had to be assumed."""
    previous = conversion.details.get("previous_status") if conversion is not None else None
    known = {status.value for status in LeadStatus if status is not LeadStatus.CLOSED_CONVERTED}
    if previous not in known:
        return FALLBACK_STATUS, True
    return LeadStatus(previous), False


async def undo_conversion(lead: Lead, viewer: User, scopes: UndoScopes) -> UndoResult:
    """Undo the (locked) lead's conversion: NOT_CONVERTED when it is not converted."""
    if not lead.is_converted:
        raise DomainError(
            ErrorCode.NOT_CONVERTED, "The lead is not converted: there is no conversion to undo", ["leadId"]
        )
    conversion = await _current_conversion(lead)
    deleted, kept, members = await _judge(lead, conversion)
    visible = await _visible_ids(scopes, [*deleted, *(item.record for item in kept)])
    status, assumed = _status_before(conversion.event)
    await _restore(lead, status)
    await _delete(lead, deleted)
    events = await _record_undo(lead, viewer, deleted, kept, status, assumed, members)
    return UndoResult(
        lead=lead,
        deleted=[record for record in deleted if record.pk in visible[type(record)]],
        kept=[item for item in kept if item.record.pk in visible[type(item.record)]],
        events=events,
        status_assumed=assumed,
    )


async def _record_reasons(
    kind: str,
    record: Account | Contact,
    lead: Lead,
    kept_opportunity_ids: set[int],
    deleted_opportunity_ids: list[int],
    column: str,
) -> list[str]:
    """Why an account or contact the conversion created must stay: the opportunities and the
    other leads that still use it."""
    reasons: list[str] = []
    using = await _dependents(Opportunity, column, record.pk, deleted_opportunity_ids)
    if any(pk in kept_opportunity_ids for pk in using):
        reasons.append(f"{kind} is used by a kept opportunity")
    others = [pk for pk in using if pk not in kept_opportunity_ids]
    if others:
        reasons.append(f"{kind} has {_count(len(others), 'other opportunity', 'other opportunities')}")
    leads = await _dependents(Lead, f"converted_{column}", record.pk, [lead.pk])
    if leads:
        reasons.append(
            f"{kind} is linked to another lead" if len(leads) == 1 else f"{kind} is linked to {len(leads)} other leads"
        )
    return reasons

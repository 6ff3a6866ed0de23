"""Members of leads and opportunities: the listing (direct and through access policies) and the
add / update / remove member mutations."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TypeVar

from tortoise.transactions import in_transaction

from models import (
    AccessPolicy,
    DomainError,
    Lead,
    LeadMember,
    MemberRole,
    MembershipSource,
    Opportunity,
    OpportunityMember,
    User,
    membership_workflow,
)
from models.rows import Row, kind_of, select_rows
from permissions import roles, scopes
from permissions.roles import Action
from resolvers.access import load_for, require_lead, require_opportunity
from resolvers.collaboration import Record, forget, viewer_role
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.loaders import DataLoader

RecordKey = tuple[int, int, int | None]
R = TypeVar("R", Lead, Opportunity)
"""A record as the members loader needs it: primary key, sourcedBy and partner company ids."""


@dataclass(frozen=True)
class MemberEntry:
    user: Row
    """The user, read as a row of `User` (`models.rows`)."""
    role: MemberRole
    source: MembershipSource


SortedEntry = tuple[tuple[int, str, int, bool], MemberEntry]
"""An entry with the key members are listed by: highest role first, then by name, id and source
(a direct membership before a policy's)."""


def _sorted_entry(user: Row, role: MemberRole, source: MembershipSource) -> SortedEntry:
    entry = MemberEntry(user=user, role=role, source=source)
    return (-role.rank, user.name.casefold(), user.pk, source is MembershipSource.ACCESS_POLICY), entry


def _entries(
    direct: dict[int, MemberRole],
    key: RecordKey,
    users_by_id: dict[int, Row],
    policy_entries: dict[int, list[SortedEntry]],
) -> list[MemberEntry]:
    """How each user holds a role on the record: their direct membership with its own role, and
    separately the highest role the access policies that apply give them (`policy_entries`, per
    company, made once per batch)."""
    _, sourced_by_id, partner_id = key
    entries = [
        _sorted_entry(users_by_id[user_id], role, MembershipSource.DIRECT)
        for user_id, role in direct.items()
        if user_id in users_by_id
    ]
    entries += policy_entries.get(sourced_by_id, ())
    if partner_id is not None and partner_id != sourced_by_id:
        entries += policy_entries.get(partner_id, ())
    entries.sort(key=_by_key)
    return [entry for _, entry in entries]


def _by_key(entry: SortedEntry) -> tuple[int, str, int, bool]:
    return entry[0]


def _members_loader(
    member_model: type[LeadMember] | type[OpportunityMember], record_field: str
) -> Callable[[User], DataLoader[RecordKey, list[MemberEntry]]]:
    """Members of many records in three queries: direct members, policies, users."""
    record_of = attrgetter(record_field)

    def factory(viewer: User) -> DataLoader[RecordKey, list[MemberEntry]]:
        async def load(keys: Sequence[RecordKey]) -> list[list[MemberEntry]]:
            direct: dict[int, dict[int, MemberRole]] = defaultdict(dict)
            for member in await select_rows(member_model, [{record_field: [key[0] for key in keys]}]):
                direct[record_of(member)][member.user_id] = MemberRole(member.role)
            companies = {
                company for _, sourced_by_id, partner_id in keys for company in (sourced_by_id, partner_id) if company
            }
            policy_roles: dict[int, list[MemberRole]] = defaultdict(list)
            for policy in await select_rows(AccessPolicy, [{"company_id": companies}]):
                policy_roles[policy.company_id].append(MemberRole(policy.role))
            direct_user_ids = {user_id for members in direct.values() for user_id in members}
            users = await select_rows(
                scopes.as_sql(scopes.users_of_visible_records, viewer),
                [{"id": direct_user_ids}, *scopes.policy_holders(companies, policy_roles)],
            )
            users_by_id = {user.pk: user for user in users}
            policy_entries: dict[int, list[SortedEntry]] = defaultdict(list)
            for user in users:
                policy_role = roles.policy_role(user.is_admin, policy_roles.get(user.company_id, []))
                if policy_role is not None:
                    policy_entries[user.company_id].append(
                        _sorted_entry(user, policy_role, MembershipSource.ACCESS_POLICY)
                    )
            return [_entries(direct[key[0]], key, users_by_id, policy_entries) for key in keys]

        return DataLoader(load_fn=load)

    return factory


lead_members_loader = _members_loader(LeadMember, "lead_id")
opportunity_members_loader = _members_loader(OpportunityMember, "opportunity_id")


async def members_of(context: Context, record: Record) -> list[MemberEntry]:
    factory = lead_members_loader if kind_of(record) is Lead else opportunity_members_loader
    return await context.loaders.get(factory).load((record.pk, record.sourced_by_id, record.partner_id))


async def members_of_many(context: Context, records: Sequence[Record]) -> list[list[MemberEntry]]:
    """`members_of` for many records of one kind, in one batch."""
    if not records:
        return []
    factory = lead_members_loader if kind_of(records[0]) is Lead else opportunity_members_loader
    return await context.loaders.get(factory).load_many(
        [(record.pk, record.sourced_by_id, record.partner_id) for record in records]
    )


async def _change(
    context: Context,
    load_record: Callable[[], Awaitable[tuple[R, MemberRole]]],
    user_id: str,
    apply: Callable[[R, User], Awaitable[object]],
) -> tuple[R | None, list[DomainError]]:
    """Apply a membership change to the record; the record is returned while the viewer still
    sees it (one who removed themselves may no longer)."""

    async def action() -> R | None:
        async with in_transaction():
            record, _ = await load_record()
            await apply(record, await load_for(context, User, user_id, ["userId"]))
        forget(context, lead_members_loader, opportunity_members_loader)
        return record if await viewer_role(context, record) is not None else None

    return await attempt(action)


async def add_lead_member(
    context: Context, lead_id: str, user_id: str, role: MemberRole
) -> tuple[Lead | None, list[DomainError]]:
    return await _change(
        context,
        lambda: require_lead(context, lead_id, Action.MANAGE_MEMBERS),
        user_id,
        lambda record, user: membership_workflow.add_member(record, user, role),
    )


async def update_lead_member(
    context: Context, lead_id: str, user_id: str, role: MemberRole
) -> tuple[Lead | None, list[DomainError]]:
    return await _change(
        context,
        lambda: require_lead(context, lead_id, Action.MANAGE_MEMBERS),
        user_id,
        lambda record, user: membership_workflow.change_member(record, user, role),
    )


async def remove_lead_member(context: Context, lead_id: str, user_id: str) -> tuple[Lead | None, list[DomainError]]:
    return await _change(
        context,
        lambda: require_lead(context, lead_id, Action.MANAGE_MEMBERS),
        user_id,
        membership_workflow.remove_member,
    )


async def add_opportunity_member(
    context: Context, opportunity_id: str, user_id: str, role: MemberRole
) -> tuple[Opportunity | None, list[DomainError]]:
    return await _change(
        context,
        lambda: require_opportunity(context, opportunity_id, Action.MANAGE_MEMBERS),
        user_id,
        lambda record, user: membership_workflow.add_member(record, user, role),
    )


async def update_opportunity_member(
    context: Context, opportunity_id: str, user_id: str, role: MemberRole
) -> tuple[Opportunity | None, list[DomainError]]:
    return await _change(
        context,
        lambda: require_opportunity(context, opportunity_id, Action.MANAGE_MEMBERS),
        user_id,
        lambda record, user: membership_workflow.change_member(record, user, role),
    )


async def remove_opportunity_member(
    context: Context, opportunity_id: str, user_id: str
) -> tuple[Opportunity | None, list[DomainError]]:
    return await _change(
        context,
        lambda: require_opportunity(context, opportunity_id, Action.MANAGE_MEMBERS),
        user_id,
        membership_workflow.remove_member,
    )

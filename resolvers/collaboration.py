"""What the collaboration mutations share: the record an input names, forgetting what the
request's loaders read before a write, and the viewer's permissions on a record."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from models import DomainError, Lead, LeadAcceptance, MemberRole, Opportunity, User
from models.errors import ErrorCode
from models.lead import acceptance_at
from permissions import roles
from permissions.roles import Action
from resolvers.access import (
    direct_lead_role_loader,
    direct_opportunity_role_loader,
    require_lead,
    require_opportunity,
    role_on,
    roles_on,
)
from resolvers.context import Context
from resolvers.loaders import DataLoader, LoaderFactory, Loaders

Record = Lead | Opportunity
T = TypeVar("T")


async def require_record(context: Context, lead_id: str | None, opportunity_id: str | None, action: Action) -> Record:
    """The lead or the opportunity an input names by exactly one of `leadId` and
    `opportunityId`, locked, checked for visibility (NOT_FOUND) and role (FORBIDDEN)."""
    if lead_id is None and opportunity_id is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Give the leadId or the opportunityId of the record", ["leadId"])
    if lead_id is not None and opportunity_id is not None:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "Give either a leadId or an opportunityId, not both", ["opportunityId"]
        )
    if lead_id is not None:
        lead, _ = await require_lead(context, lead_id, action)
        return lead
    assert opportunity_id is not None
    opportunity, _ = await require_opportunity(context, opportunity_id, action)
    return opportunity


def forget(context: Context, *factories: LoaderFactory) -> None:
    """Drop what the request's loaders read before a write, so that the payload reads it anew."""
    for factory in (direct_lead_role_loader, direct_opportunity_role_loader, *factories):
        context.loaders.get(factory).clear_all()


@dataclass(frozen=True)
class Permissions:
    update: bool
    convert: bool
    manage_members: bool
    log_activity: bool
    respond: bool


def waits_on_viewers_company(context: Context, lead: Lead) -> bool:
    """Whether the lead is shared with the viewer's company and waits for its answer: pending,
    not past its deadline, and the viewer's company is its partner (as `respondToLead` rules)."""
    return (
        roles.may_answer(context.viewer.company_id, sourced_by_id=lead.sourced_by_id, partner_id=lead.partner_id)
        and acceptance_at(lead, datetime.now(UTC)) is LeadAcceptance.PENDING
    )


def _policy_role_once(viewer: User) -> DataLoader[Loaders, MemberRole | None]:
    """`Loaders.policy_role` caches its answer only once its query returns, so the viewer roles
    of a list of records, resolved concurrently, would each query it; through this loader they
    share one query."""

    async def load(keys: Sequence[Loaders]) -> list[MemberRole | None]:
        return [await loaders.policy_role() for loaders in keys]

    return DataLoader(load_fn=load)


async def viewer_role(context: Context, record: Record) -> MemberRole | None:
    """The viewer's effective role on the record (`role_on`), for many records in few queries."""
    await context.loaders.get(_policy_role_once).load(context.loaders)
    return await role_on(context, record)


async def permissions_on(context: Context, record: Record) -> Permissions:
    """What the viewer's role allows on the record now. A converted lead takes no more field
    edits (unless the viewer may edit converted leads), member changes or responses."""
    return permissions_for(context, record, await viewer_role(context, record))


async def permissions_on_many(context: Context, records: list[Record]) -> list[Permissions]:
    """`permissions_on` for many records of one kind, in one batch."""
    return [
        permissions_for(context, record, role)
        for record, role in zip(records, await roles_on(context, records), strict=True)
    ]


def permissions_for(context: Context, record: Record, role: MemberRole | None) -> Permissions:
    """What `role` allows on the record now."""
    if isinstance(record, Opportunity):
        return Permissions(
            update=roles.may(role, Action.UPDATE),
            convert=False,
            manage_members=roles.may(role, Action.MANAGE_MEMBERS),
            log_activity=roles.may(role, Action.LOG_ACTIVITY),
            respond=False,
        )
    converted = record.is_converted
    return Permissions(
        update=roles.may(role, Action.UPDATE) and (not converted or context.viewer.can_edit_converted_leads),
        convert=roles.may(role, Action.CONVERT),
        manage_members=roles.may(role, Action.MANAGE_MEMBERS) and not converted,
        log_activity=roles.may(role, Action.LOG_ACTIVITY),
        respond=roles.may(role, Action.RESPOND) and not converted and waits_on_viewers_company(context, record),
    )

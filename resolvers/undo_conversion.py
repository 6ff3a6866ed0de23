"""undoConversion: lock the lead (its OWNER only), replay or record the idempotency key, call
models.conversion_undo, and publish the events once the transaction has committed."""

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from models import DomainError, Lead, MemberRole, idempotency
from models.conversion_records import ConversionEvent, ConversionEventKind
from models.conversion_undo import Kept, UndoScopes, undo_conversion
from permissions import roles, scopes
from permissions.roles import Action
from resolvers.access import require_lead
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.ids import global_id
from resolvers.lead_events import publish_recorded
from resolvers.loaders import account_loader, contact_loader, opportunity_loader

OPERATION = "undoConversion"


@dataclass
class UndoRequest:
    lead_id: str
    idempotency_key: str | None
    fingerprint: str


def undo_fingerprint(raw_input: dict[str, Any]) -> str:
    """The input's fingerprint, distinct from convertLead's for the same lead: a key first used
    to convert is not one to undo with."""
    return idempotency.fingerprint({"operation": OPERATION, **raw_input})


@dataclass
class Undone:
    """What the payload answers: the lead, the global IDs deleted, and the records kept."""

    lead: Lead | None
    deleted_ids: list[str] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    events: list[ConversionEvent] = field(default_factory=list)


def _stored(undone: Undone, deleted: list[tuple[str, int]]) -> dict[str, Any]:
    assert undone.lead is not None
    return {
        "operation": OPERATION,
        "lead": undone.lead.pk,
        "deleted": [[type_name, pk] for type_name, pk in deleted],
        "kept": [[type(item.record).__name__, item.record.pk, item.reason] for item in undone.kept],
    }


async def _replay(context: Context, stored: dict[str, Any]) -> Undone:
    """The first result of an idempotent request, as the viewer may see it now: one query per
    kind of record kept, however many were."""
    viewer = context.viewer
    scope_of: dict[str, Any] = {
        "Opportunity": scopes.visible_opportunities(viewer),
        "Account": scopes.visible_accounts(viewer),
        "Contact": scopes.visible_contacts(viewer),
    }
    wanted: dict[str, list[int]] = defaultdict(list)
    for type_name, pk, _ in stored["kept"]:
        wanted[type_name].append(pk)
    found = {
        (type_name, record.pk): record
        for type_name, pks in wanted.items()
        for record in await scope_of[type_name].filter(id__in=pks)
    }
    return Undone(
        lead=await scopes.visible_leads(viewer).filter(id=stored["lead"]).first(),
        deleted_ids=[global_id(type_name, pk) for type_name, pk in stored["deleted"]],
        kept=[
            Kept(found[type_name, pk], reason) for type_name, pk, reason in stored["kept"] if (type_name, pk) in found
        ],
    )


async def _undo(context: Context, request: UndoRequest) -> Undone:
    idempotency.check_key(request.idempotency_key)
    viewer = context.viewer
    async with in_transaction():
        lead, _ = await require_lead(context, request.lead_id, Action.UNDO_CONVERSION)
        if request.idempotency_key:
            stored = await idempotency.recall(viewer.id, request.idempotency_key, request.fingerprint)
            if stored is not None:
                return await _replay(context, stored)
        result = await undo_conversion(
            lead,
            viewer,
            UndoScopes(
                opportunities=scopes.visible_opportunities(viewer),
                accounts=scopes.visible_accounts(viewer),
                contacts=scopes.visible_contacts(viewer),
            ),
        )
        deleted = [(type(record).__name__, record.pk) for record in result.deleted]
        undone = Undone(
            lead=result.lead,
            deleted_ids=[global_id(type_name, pk) for type_name, pk in deleted],
            kept=result.kept,
            events=result.events,
        )
        if request.idempotency_key:
            await idempotency.remember(
                viewer.id, request.idempotency_key, request.fingerprint, _stored(undone, deleted)
            )
        return undone


async def undo(context: Context, request: UndoRequest) -> tuple[Undone | None, list[DomainError]]:
    result, errors = await attempt(lambda: _undo(context, request))
    if result is not None and result.lead is not None:
        await publish_recorded(context, result.lead, result.events)
    return result, errors


async def deleted_ids_of(context: Context, event: ConversionEvent) -> list[str]:
    """What an undo deleted, by global ID, among what the viewer could see before: a deleted
    opportunity only when they were its member or a policy reached it; the account and contact
    the lead was converted to, as every reader of the lead could see them. Nothing for other
    events."""
    if event.kind != ConversionEventKind.CONVERSION_UNDONE:
        return []
    deleted = event.details.get("deleted", [])
    if not any(type_name == "Opportunity" for type_name, _ in deleted):
        return [global_id(type_name, pk) for type_name, pk in deleted]
    readers = event.details.get("deleted_opportunity_readers", {})
    viewer = context.viewer
    viewer_policy_role = await context.loaders.policy_role()

    def could_see(type_name: str, pk: int) -> bool:
        if type_name != "Opportunity":
            return True
        seen = readers.get(str(pk))
        if seen is None:
            return False
        direct = next((MemberRole(role) for user_id, role in seen["members"] if user_id == viewer.id), None)
        role = roles.effective_role(
            direct=direct,
            viewer_policy_role=viewer_policy_role,
            viewer_company_id=viewer.company_id,
            sourced_by_id=seen["sourced_by"],
            partner_id=seen["partner"],
        )
        return role is not None

    return [global_id(type_name, pk) for type_name, pk in deleted if could_see(type_name, pk)]


async def kept_of(context: Context, event: ConversionEvent) -> list[Kept]:
    """What an undo kept and why, among the records the viewer can see now; nothing for other
    events."""
    if event.kind != ConversionEventKind.CONVERSION_UNDONE:
        return []
    loaders: dict[str, Any] = {"Opportunity": opportunity_loader, "Account": account_loader, "Contact": contact_loader}
    kept = event.details.get("kept", [])
    records = await asyncio.gather(*(context.loaders.get(loaders[type_name]).load(pk) for type_name, pk, _ in kept))
    return [Kept(record, reason) for record, (_, _, reason) in zip(records, kept, strict=True) if record is not None]

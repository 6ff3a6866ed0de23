"""undoConversion: lock the lead (its OWNER only), replay or record the idempotency key, call
models.conversion_undo, and publish the events once the transaction has committed."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from models import DomainError, Lead, idempotency
from models.conversion_records import ConversionEvent, ConversionEventKind
from models.conversion_undo import Kept, UndoScopes, undo_conversion
from permissions import scopes
from permissions.roles import Action
from resolvers.access import require_lead
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.ids import global_id
from resolvers.lead_events import CONVERSION_KINDS, publish
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
    """The first result of an idempotent request, as the viewer may see it now."""
    viewer = context.viewer
    scope_of: dict[str, Any] = {
        "Opportunity": scopes.visible_opportunities(viewer),
        "Account": scopes.visible_accounts(viewer),
        "Contact": scopes.visible_contacts(viewer),
    }
    kept = []
    for type_name, pk, reason in stored["kept"]:
        record = await scope_of[type_name].filter(id=pk).first()
        if record is not None:
            kept.append(Kept(record, reason))
    return Undone(
        lead=await scopes.visible_leads(viewer).filter(id=stored["lead"]).first(),
        deleted_ids=[global_id(type_name, pk) for type_name, pk in stored["deleted"]],
        kept=kept,
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
        for event in result.events:
            kind = CONVERSION_KINDS[ConversionEventKind(event.kind)]
            await publish(context, kind, result.lead, event.opportunity_id)
    return result, errors


def deleted_ids_of(event: ConversionEvent) -> list[str]:
    """What an undo deleted, by global ID; nothing for other events."""
    if event.kind != ConversionEventKind.CONVERSION_UNDONE:
        return []
    return [global_id(type_name, pk) for type_name, pk in event.details.get("deleted", [])]


async def kept_of(context: Context, event: ConversionEvent) -> list[Kept]:
    """What an undo kept and why, among the records the viewer can see now; nothing for other
    events."""
    if event.kind != ConversionEventKind.CONVERSION_UNDONE:
        return []
    loaders: dict[str, Any] = {"Opportunity": opportunity_loader, "Account": account_loader, "Contact": contact_loader}
    kept = event.details.get("kept", [])
    records = await asyncio.gather(*(context.loaders.get(loaders[type_name]).load(pk) for type_name, pk, _ in kept))
    return [Kept(record, reason) for record, (_, _, reason) in zip(records, kept, strict=True) if record is not None]

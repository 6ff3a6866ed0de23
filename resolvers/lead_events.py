"""Live lead events: what mutations publish once their transaction has committed, and the
`leadEvents` subscription that delivers each event to the subscribers who can see its lead.

The bus that carries events between requests (and workers) belongs to the composition root;
resolvers only know the `LeadEventBus` protocol and find the bus on the request's Context.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from graphql import GraphQLError

from models import DomainError, Lead, User
from models.conversion_records import ConversionEvent, ConversionEventKind
from permissions import scopes
from resolvers.ids import decode_id
from resolvers.loaders import Loaders

if TYPE_CHECKING:
    from models.conversion import ConversionResult
    from resolvers.context import Context


class LeadEventKind(str, Enum):
    STATUS_CHANGED = "STATUS_CHANGED"
    ACCEPTANCE_ANSWERED = "ACCEPTANCE_ANSWERED"
    CONVERTED = "CONVERTED"
    OPPORTUNITY_LINKED = "OPPORTUNITY_LINKED"
    OPPORTUNITY_UNLINKED = "OPPORTUNITY_UNLINKED"
    CONVERSION_UNDONE = "CONVERSION_UNDONE"
    LEADS_MERGED = "LEADS_MERGED"
    MERGED_INTO = "MERGED_INTO"


CONVERSION_KINDS = {
    ConversionEventKind.CONVERTED: LeadEventKind.CONVERTED,
    ConversionEventKind.OPPORTUNITY_CREATED: LeadEventKind.OPPORTUNITY_LINKED,
    ConversionEventKind.OPPORTUNITY_LINKED: LeadEventKind.OPPORTUNITY_LINKED,
    ConversionEventKind.OPPORTUNITY_UNLINKED: LeadEventKind.OPPORTUNITY_UNLINKED,
    ConversionEventKind.CONVERSION_UNDONE: LeadEventKind.CONVERSION_UNDONE,
    ConversionEventKind.LEADS_MERGED: LeadEventKind.LEADS_MERGED,
    ConversionEventKind.MERGED_INTO: LeadEventKind.MERGED_INTO,
}


@dataclass(frozen=True)
class LeadEvent:
    """What happened to a lead, by primary keys only: each subscriber loads what it may see."""

    kind: LeadEventKind
    lead_id: int
    actor_id: int
    opportunity_id: int | None = None
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": self.kind.value,
                "leadId": self.lead_id,
                "actorId": self.actor_id,
                "opportunityId": self.opportunity_id,
                "occurredAt": self.occurred_at.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> LeadEvent:
        raw: dict[str, Any] = json.loads(text)
        return cls(
            kind=LeadEventKind(raw["kind"]),
            lead_id=int(raw["leadId"]),
            actor_id=int(raw["actorId"]),
            opportunity_id=None if raw.get("opportunityId") is None else int(raw["opportunityId"]),
            occurred_at=datetime.fromisoformat(raw["occurredAt"]),
        )


class LeadEventSubscription(Protocol):
    """One subscriber's events, from the moment `subscribe` returned until `close`."""

    def __aiter__(self) -> AsyncIterator[LeadEvent]: ...

    async def __anext__(self) -> LeadEvent: ...

    def close(self) -> None: ...


class LeadEventBus(Protocol):
    """Carries lead events to every subscriber of every worker."""

    async def publish(self, event: LeadEvent) -> None:
        """Send an event; never raises: the write it reports has already committed."""
        ...

    def subscribe(self) -> LeadEventSubscription:
        """Registered on return: no event published from then on is missed."""
        ...


@dataclass
class Delivery:
    """An event as one subscriber may see it: the lead loaded through their scope."""

    kind: LeadEventKind
    lead: Lead
    actor_id: int
    opportunity_id: int | None
    occurred_at: datetime


async def publish(context: Context, kind: LeadEventKind, lead: Lead, opportunity_id: int | None = None) -> None:
    await context.events.publish(
        LeadEvent(kind=kind, lead_id=lead.pk, actor_id=context.viewer.id, opportunity_id=opportunity_id)
    )


async def publish_conversion(context: Context, result: ConversionResult | None) -> None:
    """The events a conversion, link or unlink recorded; a replayed request recorded none."""
    if result is not None:
        await publish_recorded(context, result.lead, result.events)


async def publish_recorded(context: Context, lead: Lead, events: list[ConversionEvent]) -> None:
    """Conversion events of the lead, once their transaction has committed, as lead events."""
    for recorded in events:
        await publish(context, CONVERSION_KINDS[ConversionEventKind(recorded.kind)], lead, recorded.opportunity_id)


def not_found(lead_id: str) -> GraphQLError:
    return GraphQLError(f"No Lead with ID '{lead_id}'", extensions={"code": "NOT_FOUND"})


async def _current_viewer(viewer: User) -> User | None:
    """The viewer as they are now; None once deactivated or their tokens are revoked."""
    current = await User.get_or_none(id=viewer.id).select_related("company")
    if current is None or not current.is_active or current.token_version != viewer.token_version:
        return None
    return current


async def subscribe(context: Context, lead_id: str | None) -> Deliveries:
    """The events of the leads the viewer can see (of one lead when `lead_id` is given).

    Registers with the bus before checking the lead, so that no event published once the
    subscription is accepted is missed; a lead the viewer cannot see is refused exactly as
    one that does not exist.
    """
    subscription = context.events.subscribe()
    try:
        wanted: int | None = None
        if lead_id is not None:
            try:
                wanted = decode_id(lead_id, "Lead", ["leadId"])
            except DomainError:
                raise not_found(lead_id) from None
            if not await scopes.visible_leads(context.viewer).filter(id=wanted).exists():
                raise not_found(lead_id)
    except BaseException:
        subscription.close()
        raise
    return Deliveries(context, subscription, wanted)


class Deliveries:
    """The subscriber's share of the bus: visibility is checked per event, at delivery, with
    the viewer as they are at that moment. An async iterator rather than a generator, so that
    closing it unregisters even when it was never iterated."""

    def __init__(self, context: Context, subscription: LeadEventSubscription, wanted: int | None) -> None:
        self.context = context
        self.subscription = subscription
        self.wanted = wanted

    def __aiter__(self) -> Deliveries:
        return self

    async def __anext__(self) -> Delivery:
        try:
            while True:
                event = await self.subscription.__anext__()
                if self.wanted is not None and event.lead_id != self.wanted:
                    continue
                viewer = await _current_viewer(self.context.viewer)
                if viewer is None:
                    await self.context.sign_out("User is deactivated or their tokens were revoked")
                    raise StopAsyncIteration
                lead = await scopes.visible_leads(viewer).filter(id=event.lead_id).first()
                if lead is None:
                    continue
                self.context.viewer = viewer
                self.context.loaders = Loaders(viewer)
                return Delivery(
                    kind=event.kind,
                    lead=lead,
                    actor_id=event.actor_id,
                    opportunity_id=event.opportunity_id,
                    occurred_at=event.occurred_at,
                )
        except BaseException:
            self.subscription.close()
            raise

    async def aclose(self) -> None:
        self.subscription.close()

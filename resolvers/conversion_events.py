"""The conversion event log: a lead's and an opportunity's events, and events by node ID."""

from collections.abc import Iterable

from tortoise.expressions import Subquery

from models import Lead, Opportunity, User
from models.conversion_records import ConversionEvent
from models.rows import kind_of
from permissions import scopes
from resolvers.context import Info
from resolvers.ids import node_pk
from resolvers.loaders import DataLoader, grouped_loader


def lead_events_loader(viewer: User) -> DataLoader[int, list[ConversionEvent]]:
    return grouped_loader(
        lambda ids: ConversionEvent.filter(lead_id__in=ids).order_by("created_at", "id"), lambda e: e.lead_id
    )


def opportunity_events_loader(viewer: User) -> DataLoader[int, list[ConversionEvent]]:
    """An opportunity's events, of the leads the viewer can see."""
    return grouped_loader(
        lambda ids: ConversionEvent.filter(
            opportunity_id__in=ids, lead_id__in=Subquery(scopes.visible_leads(viewer).values("id"))
        ).order_by("created_at", "id"),
        lambda e: e.opportunity_id,
    )


async def events_of(info: Info, record: Lead | Opportunity) -> list[ConversionEvent]:
    """The events of a record the viewer already sees (the record is the scope)."""
    factory = lead_events_loader if kind_of(record) is Lead else opportunity_events_loader
    return await info.context.loaders.get(factory).load(record.pk)


async def events_by_node_ids(info: Info, node_ids: Iterable[str]) -> list[ConversionEvent | None]:
    """An event is visible when its lead is."""
    pks = [node_pk(node_id) for node_id in node_ids]
    found = {
        event.pk: event
        for event in await ConversionEvent.filter(
            id__in=[pk for pk in pks if pk is not None],
            lead_id__in=Subquery(scopes.visible_leads(info.context.viewer).values("id")),
        )
    }
    return [found.get(pk) if pk is not None else None for pk in pks]

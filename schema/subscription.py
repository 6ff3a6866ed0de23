"""Live updates: the `leadEvents` subscription (graphql-transport-ws, token in connection_init)."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers import lead_events
from resolvers.context import Info
from resolvers.loaders import load_now, opportunity_loader
from schema.lead import Lead
from schema.user import User

if TYPE_CHECKING:
    from schema.opportunity import Opportunity

OpportunityRef = Annotated["Opportunity", strawberry.lazy("schema.opportunity")]

LeadEventKind = strawberry.enum(
    lead_events.LeadEventKind,
    name="LeadEventKind",
    description="What happened: OPPORTUNITY_LINKED also covers an opportunity created for an already converted lead.",
)


@strawberry.type(description="Something that happened to a lead the subscriber can see.")
class LeadEvent:
    kind: LeadEventKind  # type: ignore[valid-type]
    lead: Lead = strawberry.field(description="The lead as the subscriber sees it when the event is delivered.")
    occurred_at: datetime

    @strawberry.field(description="Who did it.")
    def actor(self, info: Info) -> User | None:
        return load_now(info.context.loaders.user, self.actor_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="The opportunity converted to, linked or unlinked; null when there is none or the subscriber cannot see it.")
    def opportunity(self, info: Info) -> OpportunityRef | None:
        if self.opportunity_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.get(opportunity_loader), self.opportunity_id)  # type: ignore[attr-defined,return-value]


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Status changes, acceptance answers, conversions, links and unlinks of the leads the viewer "
        "can see, or of one of them. Over graphql-transport-ws on /graphql, with "
        '`{"Authorization": "Bearer <token>"}` as the connection_init payload.'
    )
    async def lead_events(self, info: Info, lead_id: strawberry.ID | None = None) -> AsyncIterator[LeadEvent]:
        return await lead_events.subscribe(info.context, lead_id)  # type: ignore[return-value]

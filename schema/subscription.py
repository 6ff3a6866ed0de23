"""Live updates: the `leadEvents` subscription (graphql-transport-ws, token in connection_init)."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

import models
from resolvers import lead_events
from resolvers.context import Info
from resolvers.lead_events import Deliveries, Delivery
from resolvers.loaders import Loaded, load_now, opportunity_loader
from schema.enums import describe_values
from schema.lead import Lead
from schema.user import User

if TYPE_CHECKING:
    from schema.opportunity import Opportunity

OpportunityRef = Annotated["Opportunity", strawberry.lazy("schema.opportunity")]

LeadEventKind = lead_events.LeadEventKind
describe_values(
    strawberry.enum(
        LeadEventKind,
        name="LeadEventKind",
        description="What happened: OPPORTUNITY_LINKED also covers an opportunity created for an already converted "
        "lead.",
    ),
    {
        "STATUS_CHANGED": "setLeadStatus moved the lead to another status.",
        "ACCEPTANCE_ANSWERED": "The partner company accepted or rejected the lead.",
        "CONVERTED": "The lead was converted, by convertLead or by linking an opportunity to it.",
        "OPPORTUNITY_LINKED": "The converted lead gained an opportunity, created or linked.",
        "OPPORTUNITY_UNLINKED": "A linked opportunity was unlinked from the lead.",
        "CONVERSION_UNDONE": "The lead's conversion was undone: once for the lead, and once for each opportunity "
        "the conversion created that was kept (with that opportunity).",
        "LEADS_MERGED": "mergeLeads merged duplicates into the lead: it may have gained fields, members, activities, "
        "links and sections.",
        "MERGED_INTO": "mergeLeads merged the lead into another (its `mergedInto`): it is closed and read-only.",
    },
)


@strawberry.type(description="Something that happened to a lead the subscriber can see.")
class LeadEvent:
    kind: LeadEventKind = strawberry.field(description="What happened.")
    lead: Lead = strawberry.field(description="The lead as the subscriber sees it when the event is delivered.")
    occurred_at: datetime = strawberry.field(description="When it happened (UTC).")

    @strawberry.field(graphql_type=User | None, description="Who did it.")
    def actor(self, event: strawberry.Parent[Delivery], info: Info) -> Loaded[models.User | None]:
        return load_now(info.context.loaders.user, event.actor_id)

    @strawberry.field(
        graphql_type=OpportunityRef | None,
        description="The opportunity converted to, linked or unlinked; null when there is none or the subscriber cannot see it.",
    )
    def opportunity(self, event: strawberry.Parent[Delivery], info: Info) -> Loaded[models.Opportunity | None]:
        if event.opportunity_id is None:
            return None
        return load_now(info.context.loaders.get(opportunity_loader), event.opportunity_id)


@strawberry.type(description="Live updates, over graphql-transport-ws on /graphql.")
class Subscription:
    @strawberry.subscription(
        graphql_type=AsyncIterator[LeadEvent],
        description="Status changes, acceptance answers, conversions, links, unlinks and undone conversions of the "
        "leads the viewer "
        "can see, or of one of them. Over graphql-transport-ws on /graphql, with "
        '`{"Authorization": "Bearer <token>"}` as the connection_init payload.',
    )
    async def lead_events(
        self,
        info: Info,
        lead_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only the events of this lead; every lead the viewer can see when left out. A lead the "
                "viewer cannot see is a NOT_FOUND error."
            ),
        ] = None,
    ) -> Deliveries:
        return await lead_events.subscribe(info.context, lead_id)

"""Activities: calls, emails, meetings, tasks and notes logged on leads and opportunities."""

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from resolvers import activities as activity_resolvers
from resolvers.context import Info
from resolvers.loaders import Loaded, load_now
from resolvers.nodes import load_nodes
from schema.connection import Edge
from schema.enums import ActivityKind
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.mutation_results import MutationInput, given, on_record
from schema.user import User

if TYPE_CHECKING:
    from schema.lead import Lead
    from schema.opportunity import Opportunity

LeadRef = Annotated["Lead", strawberry.lazy("schema.lead")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("schema.opportunity")]


@strawberry.type(description="A call, email, meeting, task or note logged on a lead or an opportunity.")
class Activity(relay.Node):
    id: relay.NodeID[int]
    kind: ActivityKind = strawberry.field(description="What kind of activity it is.")
    subject: str = strawberry.field(description="What it is about; at most 255 characters.")
    due_at: datetime | None = strawberry.field(description="When it is due (UTC); null when it has no due date.")
    done_at: datetime | None = strawberry.field(description="When it was done (UTC); null while it is not done.")
    created_at: datetime = strawberry.field(description="When it was logged (UTC).")

    @strawberry.field(graphql_type=User, description="Who logged it.")
    def owner(self, activity: strawberry.Parent[models.Activity], info: Info) -> Loaded[models.User | None]:
        return load_now(info.context.loaders.get(activity_resolvers.activity_owner_loader), activity.owner_id)

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.Activity))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await load_nodes(info.context.loaders.get(activity_resolvers.activity_loader), node_ids)


@strawberry.input(description="Exactly one of leadId and opportunityId, and the activity; dueAt and doneAt are UTC.")
class LogActivityInput:
    kind: ActivityKind = strawberry.field(description="What kind of activity it is.")
    subject: str = strawberry.field(description="What it is about; required, at most 255 characters.")
    lead_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The lead to log it on; give this or opportunityId. Converted leads take activities too.",
    )
    opportunity_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The opportunity to log it on; give this or leadId."
    )
    due_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="When it is due; without an offset, UTC."
    )
    done_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="When it was done; without an offset, UTC."
    )


@strawberry.type(description="The result of logActivity.")
class LogActivityPayload:
    activity: models.Activity | None = strawberry.field(
        graphql_type=Activity | None, default=None, description="The new activity; null when refused."
    )
    lead: models.Lead | None = strawberry.field(
        graphql_type=LeadRef | None,
        default=None,
        description="The lead it was logged on, when the input named one; null when refused.",
    )
    opportunity: models.Opportunity | None = strawberry.field(
        graphql_type=OpportunityRef | None,
        default=None,
        description="The opportunity it was logged on, when the input named one; null when refused.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

    @strawberry.field(
        graphql_type=Edge[Activity] | None,
        description=(
            "The new activity's edge in the record's `activities` (newest first), for Relay's @prependEdge; "
            "its cursor pages that list. Null when nothing was logged."
        ),
    )
    def activity_edge(self, info: Info) -> Edge[models.Activity] | None:
        record = self.lead or self.opportunity
        if self.activity is None or record is None:
            return None
        cursor = activity_resolvers.activity_edge_cursor(info.context, record, self.activity)
        return Edge(cursor=cursor, node=self.activity)


@strawberry.type
class ActivityMutation:
    @strawberry.mutation(
        description="Log an activity on a lead or an opportunity (PARTICIPANT or more; converted leads too), owned by "
        "the viewer. userErrors: INVALID_INPUT (not exactly one of leadId and opportunityId, or no subject), "
        "NOT_FOUND, FORBIDDEN, ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def log_activity(self, info: Info, input: MutationInput[LogActivityInput]) -> LogActivityPayload:
        result, errors = await activity_resolvers.log_activity(
            info.context,
            given(input.lead_id),
            given(input.opportunity_id),
            {
                "kind": input.kind,
                "subject": input.subject,
                "due_at": input.due_at or None,
                "done_at": input.done_at or None,
            },
        )
        if result is None:
            return LogActivityPayload(user_errors=user_errors(errors))
        record, activity = result
        return LogActivityPayload(activity=activity, **on_record(record))

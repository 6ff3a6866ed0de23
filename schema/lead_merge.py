"""Duplicate leads: `Lead.duplicates`, `Lead.mergedInto` and the mergeLeads mutation."""

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

import models
from resolvers import lead_merge
from resolvers.context import Context, Info
from resolvers.loaders import Loaded
from schema.connection import After, Connection, First
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.mutation_results import MutationInput
from schema.planner import batched

if TYPE_CHECKING:
    from schema.lead import Lead

LeadRef = Annotated["Lead", strawberry.lazy("schema.lead")]


async def duplicates_of_many(
    context: Context, records: list[models.Lead], **arguments: Any
) -> list[Connection["Lead"]]:
    return [Connection.from_page(page) for page in await lead_merge.duplicates_of_many(context, records, **arguments)]


@strawberry.type
class LeadMerging:
    """The duplicate fields of Lead, read from its record."""

    @strawberry.field(
        description="Other leads the viewer can see that look like this one: the same email, the same customer name "
        'once case, punctuation and legal suffixes are ignored ("ACME, Inc." is "Acme"), or the same website domain '
        "(without www.). Empty values match nothing; merged leads are left out. Most recently created first.",
        metadata=batched(duplicates_of_many),
    )
    async def duplicates(
        self, lead: strawberry.Parent[models.Lead], info: Info, first: First = None, after: After = None
    ) -> Connection[LeadRef]:
        return Connection.from_page(await lead_merge.duplicates_of(info.context, lead, first=first, after=after))

    @strawberry.field(
        description="The lead this one was merged into by mergeLeads; null when it was not merged, or when the viewer "
        "cannot see that lead. A merged lead is CLOSED_NOT_CONVERTED and read-only.",
        graphql_type=LeadRef | None,
    )
    def merged_into(self, lead: strawberry.Parent[models.Lead], info: Info) -> Loaded[models.Lead | None]:
        return lead_merge.merged_into(info.context, lead)


@strawberry.input(description="The lead that stays and the duplicates merged into it.")
class MergeLeadsInput:
    lead_id: strawberry.ID = strawberry.field(
        description="The surviving lead: it keeps its own values and gains what the duplicates bring."
    )
    duplicate_ids: list[strawberry.ID] = strawberry.field(
        description="The leads to merge into it, one to 10, each once, not the surviving lead; the survivor's empty "
        "fields are filled from them in this order."
    )


@strawberry.type(description="The result of mergeLeads.")
class MergeLeadsPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=LeadRef | None, default=None, description="The surviving lead as merged; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type
class LeadMergeMutation:
    @strawberry.mutation(
        description="Merge duplicate leads into one (OWNER of every lead). The surviving lead keeps its values and "
        "fills only its empty fields from the duplicates, in order; it gains their direct members (the higher role "
        "wins), activities, sales plans, solutions and partner programs, and each company section it lacks (one it "
        'has fills its empty fields). Each duplicate becomes CLOSED_NOT_CONVERTED with the reason "Merged into ..." '
        "and `mergedInto` set, and is read-only from then on. All or nothing. userErrors: NOT_FOUND, FORBIDDEN (not "
        "OWNER of every lead), INVALID_INPUT (no duplicate, more than 10, one named twice, or the surviving lead "
        "itself), ALREADY_CONVERTED, ALREADY_MERGED (a lead already merged, the survivor included), CONFLICT."
    )
    async def merge_leads(self, info: Info, input: MutationInput[MergeLeadsInput]) -> MergeLeadsPayload:
        lead, errors = await lead_merge.merge_leads(info.context, input.lead_id, list(input.duplicate_ids))
        return MergeLeadsPayload(lead=lead, user_errors=user_errors(errors))

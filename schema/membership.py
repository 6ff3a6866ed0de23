"""Members of leads and opportunities, and company access policies."""

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from models.rows import Row
from resolvers import members as member_resolvers
from resolvers import policies as policy_resolvers
from resolvers.context import Info
from resolvers.loaders import Loaded, load_now
from resolvers.nodes import load_nodes
from schema.company import Company
from schema.connection import After, Before, Connection, Edge, First, Last
from schema.enums import MemberRole, MembershipSource
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.mutation_results import MutationInput
from schema.user import User

if TYPE_CHECKING:
    from schema.lead import Lead
    from schema.opportunity import Opportunity

LeadRef = Annotated["Lead", strawberry.lazy("schema.lead")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("schema.opportunity")]


@strawberry.type(
    description="One way a user holds a role on a lead or an opportunity. A direct member has an entry with "
    "source DIRECT and their membership's own role; a user whom access policies give a role (a company admin "
    "always gets OWNER) has an entry with source ACCESS_POLICY and the highest such role; someone who holds "
    "both has both entries. Their effective role is the higher of the two: what viewerRole reads for them."
)
class Member:
    user: User = strawberry.field(description="The user who holds the role.")
    role: MemberRole = strawberry.field(description="The role the user holds on the record this way.")
    source: MembershipSource = strawberry.field(
        description="How the user holds the role: a DIRECT membership, or an ACCESS_POLICY of their company."
    )


@strawberry.type(description="Gives every user of a company a role on the records the company sources or partners on.")
class AccessPolicy(relay.Node):
    id: relay.NodeID[int]
    role: MemberRole = strawberry.field(
        description="The role every user of the company gets on the records the company sources or partners on."
    )
    created_at: datetime = strawberry.field(description="When the policy was created (UTC).")

    @strawberry.field(graphql_type=Company, description="The company whose users the policy gives the role.")
    def company(
        self, policy: strawberry.Parent[models.AccessPolicy], info: Info
    ) -> Loaded[models.Company | Row | None]:
        return load_now(info.context.loaders.company, policy.company_id)

    @strawberry.field(
        graphql_type=User | None, description="The admin who created it; null once they are gone or not visible."
    )
    def created_by(self, policy: strawberry.Parent[models.AccessPolicy], info: Info) -> Loaded[models.User | None]:
        if policy.created_by_id is None:
            return None
        return load_now(info.context.loaders.user, policy.created_by_id)

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.AccessPolicy))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await load_nodes(info.context.loaders.get(policy_resolvers.access_policy_loader), node_ids)


@strawberry.input(description="Who to make a direct member of a lead, and with which role.")
class AddLeadMemberInput:
    lead_id: strawberry.ID = strawberry.field(description="The lead.")
    user_id: strawberry.ID = strawberry.field(
        description="The user, one the viewer can see (else NOT_FOUND) and not yet a direct member (else CONFLICT)."
    )
    role: MemberRole = strawberry.field(description="The role to give.")


@strawberry.input(description="Whose direct role on a lead to change, and to what.")
class UpdateLeadMemberInput:
    lead_id: strawberry.ID = strawberry.field(description="The lead.")
    user_id: strawberry.ID = strawberry.field(description="The user, a direct member of the lead (else NOT_FOUND).")
    role: MemberRole = strawberry.field(description="The new role.")


@strawberry.input(description="Whose direct membership of a lead to end.")
class RemoveLeadMemberInput:
    lead_id: strawberry.ID = strawberry.field(description="The lead.")
    user_id: strawberry.ID = strawberry.field(description="The user, a direct member of the lead (else NOT_FOUND).")


@strawberry.input(description="Who to make a direct member of an opportunity, and with which role.")
class AddOpportunityMemberInput:
    opportunity_id: strawberry.ID = strawberry.field(description="The opportunity.")
    user_id: strawberry.ID = strawberry.field(
        description="The user, one the viewer can see (else NOT_FOUND) and not yet a direct member (else CONFLICT)."
    )
    role: MemberRole = strawberry.field(description="The role to give.")


@strawberry.input(description="Whose direct role on an opportunity to change, and to what.")
class UpdateOpportunityMemberInput:
    opportunity_id: strawberry.ID = strawberry.field(description="The opportunity.")
    user_id: strawberry.ID = strawberry.field(
        description="The user, a direct member of the opportunity (else NOT_FOUND)."
    )
    role: MemberRole = strawberry.field(description="The new role.")


@strawberry.input(description="Whose direct membership of an opportunity to end.")
class RemoveOpportunityMemberInput:
    opportunity_id: strawberry.ID = strawberry.field(description="The opportunity.")
    user_id: strawberry.ID = strawberry.field(
        description="The user, a direct member of the opportunity (else NOT_FOUND)."
    )


@strawberry.type(description="The result of addLeadMember.")
class AddLeadMemberPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=LeadRef | None, default=None, description="The lead with its members; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="The result of updateLeadMember.")
class UpdateLeadMemberPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=LeadRef | None,
        default=None,
        description="The lead with its members; null when refused, or when the viewer no longer sees it.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="The result of removeLeadMember.")
class RemoveLeadMemberPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=LeadRef | None,
        default=None,
        description="The lead with its members; null when refused, or when the viewer removed themselves and no "
        "longer sees it.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="The result of addOpportunityMember.")
class AddOpportunityMemberPayload:
    opportunity: models.Opportunity | None = strawberry.field(
        graphql_type=OpportunityRef | None,
        default=None,
        description="The opportunity with its members; null when refused.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="The result of updateOpportunityMember.")
class UpdateOpportunityMemberPayload:
    opportunity: models.Opportunity | None = strawberry.field(
        graphql_type=OpportunityRef | None,
        default=None,
        description="The opportunity with its members; null when refused, or when the viewer no longer sees it.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="The result of removeOpportunityMember.")
class RemoveOpportunityMemberPayload:
    opportunity: models.Opportunity | None = strawberry.field(
        graphql_type=OpportunityRef | None,
        default=None,
        description="The opportunity with its members; null when refused, or when the viewer removed themselves and "
        "no longer sees it.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.input(description="A new access policy of the admin's company.")
class CreateAccessPolicyInput:
    role: MemberRole = strawberry.field(description="The role it gives every user of the company; one policy per role.")


@strawberry.type(description="The result of createAccessPolicy.")
class CreateAccessPolicyPayload:
    access_policy: models.AccessPolicy | None = strawberry.field(
        graphql_type=AccessPolicy | None, default=None, description="The new policy; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

    @strawberry.field(
        graphql_type=Edge[AccessPolicy] | None,
        description="The new policy's edge in `accessPolicies`, for Relay's @appendEdge; null when it was not created.",
    )
    def access_policy_edge(self, info: Info) -> Edge[models.AccessPolicy] | None:
        if self.access_policy is None:
            return None
        cursor = policy_resolvers.policy_edge_cursor(info.context, self.access_policy)
        return Edge(cursor=cursor, node=self.access_policy)


@strawberry.type
class MembershipQuery:
    @strawberry.field(description="The access policies of the viewer's company, highest role first, then oldest first.")
    async def access_policies(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[AccessPolicy]:
        return Connection.from_page(
            await policy_resolvers.policies_of_viewer_company(info.context, first, after, last, before)
        )


@strawberry.type
class MembershipMutation:
    @strawberry.mutation(
        description="Make a user a direct member of a lead (OWNER only). userErrors: NOT_FOUND (the lead or the user), "
        "FORBIDDEN, CONFLICT (already a direct member), LEAD_CONVERTED, ALREADY_MERGED (a merged lead)."
    )
    async def add_lead_member(self, info: Info, input: MutationInput[AddLeadMemberInput]) -> AddLeadMemberPayload:
        lead, errors = await member_resolvers.add_lead_member(info.context, input.lead_id, input.user_id, input.role)
        return AddLeadMemberPayload(lead=lead, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Change a direct member's role on a lead (OWNER only). userErrors: NOT_FOUND (the lead, the user, "
        "or not a direct member), FORBIDDEN, LAST_OWNER, LEAD_CONVERTED, ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def update_lead_member(
        self, info: Info, input: MutationInput[UpdateLeadMemberInput]
    ) -> UpdateLeadMemberPayload:
        lead, errors = await member_resolvers.update_lead_member(info.context, input.lead_id, input.user_id, input.role)
        return UpdateLeadMemberPayload(lead=lead, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="End a direct membership of a lead (OWNER only); roles from access policies stay. userErrors: "
        "NOT_FOUND (the lead, the user, or not a direct member), FORBIDDEN, LAST_OWNER, LEAD_CONVERTED, ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def remove_lead_member(
        self, info: Info, input: MutationInput[RemoveLeadMemberInput]
    ) -> RemoveLeadMemberPayload:
        lead, errors = await member_resolvers.remove_lead_member(info.context, input.lead_id, input.user_id)
        return RemoveLeadMemberPayload(lead=lead, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Make a user a direct member of an opportunity (OWNER only). userErrors: NOT_FOUND (the "
        "opportunity or the user), FORBIDDEN, CONFLICT (already a direct member)."
    )
    async def add_opportunity_member(
        self, info: Info, input: MutationInput[AddOpportunityMemberInput]
    ) -> AddOpportunityMemberPayload:
        opportunity, errors = await member_resolvers.add_opportunity_member(
            info.context, input.opportunity_id, input.user_id, input.role
        )
        return AddOpportunityMemberPayload(opportunity=opportunity, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Change a direct member's role on an opportunity (OWNER only). userErrors: NOT_FOUND (the "
        "opportunity, the user, or not a direct member), FORBIDDEN, LAST_OWNER, CONFLICT."
    )
    async def update_opportunity_member(
        self, info: Info, input: MutationInput[UpdateOpportunityMemberInput]
    ) -> UpdateOpportunityMemberPayload:
        opportunity, errors = await member_resolvers.update_opportunity_member(
            info.context, input.opportunity_id, input.user_id, input.role
        )
        return UpdateOpportunityMemberPayload(opportunity=opportunity, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="End a direct membership of an opportunity (OWNER only); roles from access policies stay. "
        "userErrors: NOT_FOUND (the opportunity, the user, or not a direct member), FORBIDDEN, LAST_OWNER, CONFLICT."
    )
    async def remove_opportunity_member(
        self, info: Info, input: MutationInput[RemoveOpportunityMemberInput]
    ) -> RemoveOpportunityMemberPayload:
        opportunity, errors = await member_resolvers.remove_opportunity_member(
            info.context, input.opportunity_id, input.user_id
        )
        return RemoveOpportunityMemberPayload(opportunity=opportunity, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Give every user of the admin's company a role on the records the company sources or partners on "
        "(company admins only). userErrors: FORBIDDEN (not an admin), CONFLICT (the company has a policy with this "
        "role)."
    )
    async def create_access_policy(
        self, info: Info, input: MutationInput[CreateAccessPolicyInput]
    ) -> CreateAccessPolicyPayload:
        policy, errors = await policy_resolvers.create_policy(info.context, input.role)
        return CreateAccessPolicyPayload(access_policy=policy, user_errors=user_errors(errors))

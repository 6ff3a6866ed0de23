"""Leads: the Lead type, the `lead` and `leads` queries, and the lead lifecycle mutations."""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from models.lead import acceptance_at
from models.lead_workflow import EDITABLE_FIELDS, LeadDecision
from models.rows import Row, is_row_of
from resolvers import lead_mutations, leads
from resolvers.context import Context, Info
from resolvers.loaders import (
    Loaded,
    company_of,
    load_now,
    record_account_loader,
    record_contact_loader,
    record_user_loader,
    record_users_of,
    references,
)
from schema.collaboration import RecordCollaboration
from schema.company import Company
from schema.connection import After, Before, Connection, Edge, First, Last
from schema.conversion import RecordConversion
from schema.enums import LeadAcceptance, LeadStatus, OrderDirection, describe_values
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.lead_merge import LeadMerging
from schema.mutation_results import MutationInput, given_fields
from schema.planner import batched
from schema.user import User

if TYPE_CHECKING:
    from schema.opportunity import Account, Contact, Opportunity

OpportunityRef = Annotated["Opportunity", strawberry.lazy("schema.opportunity")]
AccountRef = Annotated["Account", strawberry.lazy("schema.opportunity")]
ContactRef = Annotated["Contact", strawberry.lazy("schema.opportunity")]

describe_values(
    strawberry.enum(LeadDecision, name="LeadDecision", description="A partner's answer to a shared lead."),
    {
        "ACCEPT": "Accept the lead: `acceptance` becomes ACCEPTED and it can be converted.",
        "REJECT": "Reject the lead, with a reason: `acceptance` becomes REJECTED and the owner may share it with "
        "another partner.",
    },
)
LeadOrderField = leads.LeadOrderField
describe_values(
    strawberry.enum(LeadOrderField, name="LeadOrderField", description="What `leads` can be sorted by."),
    {
        "CREATED_AT": "When the lead was created.",
        "UPDATED_AT": "When the lead last changed.",
        "SCORE": "The score; leads without a score sort below 0.",
        "CUSTOMER_NAME": "The customer name, ignoring case; leads without one sort before A.",
    },
)


async def opportunities_of_many(
    context: Context, records: list[models.Lead], **arguments: Any
) -> list[Connection["Opportunity"]]:
    return [Connection.from_page(page) for page in await leads.opportunities_of_many(context, records, **arguments)]


@strawberry.type(
    description="A prospective deal brought by a company (`sourcedBy`) and possibly shared with a partner company, "
    "until it is converted into an opportunity. Visible to its members and to the users access policies give a role; "
    "for anyone else it does not exist."
)
class Lead(RecordCollaboration, RecordConversion, LeadMerging, relay.Node):
    id: relay.NodeID[int]
    topic: str | None = strawberry.field(
        description="What the deal is about; at most 255 characters. A lead has a topic, a last name or a customer "
        "name."
    )
    first_name: str | None = strawberry.field(description="The prospect's first name; at most 120 characters.")
    last_name: str | None = strawberry.field(description="The prospect's last name; at most 120 characters.")
    email: str | None = strawberry.field(description="The prospect's email address, in lowercase.")
    phone: str | None = strawberry.field(description="The prospect's phone number, as entered; at most 50 characters.")
    job_title: str | None = strawberry.field(description="The prospect's job title; at most 120 characters.")
    customer_name: str | None = strawberry.field(
        description="The prospect's organisation; at most 255 characters. The Standard conversion template names the "
        "new account after it."
    )
    website: str | None = strawberry.field(description="The customer's website; at most 255 characters.")
    description: str | None = strawberry.field(description="Free text about the lead; at most 10,000 characters.")
    source: str | None = strawberry.field(
        description="Where the lead came from (a campaign, an event, a referral), as free text of at most 120 "
        "characters; leadFunnel groups leads by it."
    )
    score: int | None = strawberry.field(
        description="How promising the lead is, a whole number from 0 to 100; null when not scored. A company's "
        "conversion settings may require a minimum score to convert."
    )
    currency: str | None = strawberry.field(
        description='The ISO 4217 code of `estimatedAmount`, such as "EUR"; null when not set.'
    )
    estimated_close_date: date | None = strawberry.field(
        description="When the deal is expected to close; null when unknown."
    )
    status: LeadStatus = strawberry.field(description="Where the lead is in its lifecycle.")
    acceptance_deadline: datetime | None = strawberry.field(
        description="When a PENDING lead stops waiting for its partner's answer and reads EXPIRED (UTC); null when "
        "there is no deadline."
    )
    rejection_reason: str | None = strawberry.field(
        description="Why the partner company rejected the lead; null unless `acceptance` is REJECTED."
    )
    disqualification_reason: str | None = strawberry.field(
        description="Why the lead was disqualified; null unless `status` is CLOSED_NOT_CONVERTED."
    )
    is_converted: bool = strawberry.field(
        description="Whether the lead was converted (by convertLead or linkOpportunity); a converted lead is read-only "
        "except for conversion actions and activities."
    )
    converted_at: datetime | None = strawberry.field(description="When the lead was converted (UTC); null until it is.")
    created_at: datetime = strawberry.field(description="When the lead was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the lead last changed (UTC).")

    @strawberry.field(
        description="The expected value of the deal in `currency`, with at most two decimal places; null when not set, "
        "and always null for a viewer whose role is PARTICIPANT.",
        metadata=batched(leads.estimated_amounts),
    )
    async def estimated_amount(self, lead: strawberry.Parent[models.Lead], info: Info) -> Decimal | None:
        return await leads.estimated_amount(info, lead)

    @strawberry.field(
        description="Whether the partner company accepted the lead; a PENDING lead past its deadline reads EXPIRED. "
        "NOT_REQUIRED when the lead is not shared."
    )
    def acceptance(self, lead: strawberry.Parent[models.Lead]) -> LeadAcceptance:
        return acceptance_at(lead, datetime.now(UTC))

    @strawberry.field(
        description="The company that brought the lead: its creator's company.",
        graphql_type=Company,
        metadata=batched(references(company_of, "sourced_by_id")),
    )
    def sourced_by(self, lead: strawberry.Parent[models.Lead], info: Info) -> Loaded[models.Company | Row | None]:
        return load_now(info.context.loaders.company, lead.sourced_by_id)

    @strawberry.field(
        description="The company the lead is shared with; null when it is not shared.",
        graphql_type=Company | None,
        metadata=batched(references(company_of, "partner_id")),
    )
    def partner(self, lead: strawberry.Parent[models.Lead], info: Info) -> Loaded[models.Company | Row | None]:
        if lead.partner_id is None:
            return None
        return load_now(info.context.loaders.company, lead.partner_id)

    @strawberry.field(
        description="The user who created the lead.",
        graphql_type=User,
        metadata=batched(references(record_users_of, "owner_id")),
    )
    def owner(self, lead: strawberry.Parent[models.Lead], info: Info) -> Loaded[Row | None]:
        return load_now(info.context.loaders.get(record_user_loader), lead.owner_id)

    @strawberry.field(
        description="Who converted the lead; null until it is converted, or when the viewer cannot see them.",
        graphql_type=User | None,
    )
    def converted_by(self, lead: strawberry.Parent[models.Lead], info: Info) -> Loaded[models.User | None]:
        if lead.converted_by_id is None:
            return None
        return load_now(info.context.loaders.user, lead.converted_by_id)

    @strawberry.field(
        description="The account the conversion created or attached; null when the lead is not converted or its "
        "conversion skipped the account.",
        graphql_type=AccountRef | None,
    )
    def converted_account(self, lead: strawberry.Parent[models.Lead], info: Info) -> Loaded[models.Account | None]:
        if lead.converted_account_id is None:
            return None
        return load_now(info.context.loaders.get(record_account_loader), lead.converted_account_id)

    @strawberry.field(
        description="The contact the conversion created or attached; null when the lead is not converted or its "
        "conversion skipped the contact.",
        graphql_type=ContactRef | None,
    )
    def converted_contact(self, lead: strawberry.Parent[models.Lead], info: Info) -> Loaded[models.Contact | None]:
        if lead.converted_contact_id is None:
            return None
        return load_now(info.context.loaders.get(record_contact_loader), lead.converted_contact_id)

    @strawberry.field(
        description="The opportunities the lead was converted to or linked to that the viewer can see, newest link "
        "first.",
        metadata=batched(opportunities_of_many),
    )
    async def opportunities(
        self,
        lead: strawberry.Parent[models.Lead],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[OpportunityRef]:
        page = await leads.opportunities_of(info, lead, first=first, after=after, last=last, before=before)
        return Connection.from_page(page)

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.Lead)) or is_row_of(obj, models.Lead)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await leads.leads_by_node_ids(info, node_ids)


@strawberry.input(description="Leads kept by `leads`; every criterion given must hold.")
class LeadFilter:
    status: list[LeadStatus] | None = strawberry.field(
        default=None, description="Keep leads with any of these statuses."
    )
    acceptance: list[LeadAcceptance] | None = strawberry.field(
        default=None,
        description="Keep leads with any of these acceptances, as readers see them: a PENDING lead past its deadline "
        "counts as EXPIRED, not PENDING.",
    )
    sourced_by_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Keep leads brought by this company. An ID that is not a Company's is a BAD_USER_INPUT error; an "
        "unknown company matches nothing.",
    )
    partner_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Keep leads shared with this company. An ID that is not a Company's is a BAD_USER_INPUT error; an "
        "unknown company matches nothing.",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Keep leads whose first name, last name, customer name or email contains this text, ignoring "
        "case; blank matches every lead. At most 200 characters: longer is a BAD_USER_INPUT error.",
    )
    min_score: int | None = strawberry.field(
        default=None,
        description="Keep leads with a score of at least this (0 to 100; more or less is a BAD_USER_INPUT error); "
        "leads without a score are left out.",
    )
    include_converted: bool = strawberry.field(
        default=False, description="Converted leads are left out unless this is true."
    )


@strawberry.input(description="How `leads` are sorted; ties are broken by creation order.")
class LeadOrder:
    field: LeadOrderField = strawberry.field(default=leads.LeadOrderField.CREATED_AT, description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="Which way; newest, highest or Z first by default."
    )


@strawberry.input(
    description="A new lead. Give at least one of topic, lastName and customerName; fields left out are empty."
)
class CreateLeadInput:
    topic: str | None = strawberry.field(default=None, description="What the deal is about; at most 255 characters.")
    first_name: str | None = strawberry.field(
        default=None, description="The prospect's first name; at most 120 characters."
    )
    last_name: str | None = strawberry.field(
        default=None, description="The prospect's last name; at most 120 characters."
    )
    email: str | None = strawberry.field(
        default=None,
        description="The prospect's email address; stored in lowercase. Not an email address: INVALID_INPUT.",
    )
    phone: str | None = strawberry.field(
        default=None, description="The prospect's phone number; at most 50 characters."
    )
    job_title: str | None = strawberry.field(
        default=None, description="The prospect's job title; at most 120 characters."
    )
    customer_name: str | None = strawberry.field(
        default=None, description="The prospect's organisation; at most 255 characters."
    )
    website: str | None = strawberry.field(default=None, description="The customer's website; at most 255 characters.")
    description: str | None = strawberry.field(
        default=None, description="Free text about the lead; at most 10,000 characters."
    )
    source: str | None = strawberry.field(default=None, description="Where the lead came from; at most 120 characters.")
    score: int | None = strawberry.field(default=None, description="How promising the lead is, from 0 to 100.")
    estimated_amount: Decimal | None = strawberry.field(
        default=None,
        description="The expected value of the deal: not negative, at most two decimal places and 16 digits before "
        "the dot. Needs a `currency`.",
    )
    currency: str | None = strawberry.field(
        default=None, description='The ISO 4217 code of `estimatedAmount`, such as "EUR"; any case.'
    )
    estimated_close_date: date | None = strawberry.field(
        default=None, description="When the deal is expected to close."
    )
    sourced_by_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The company that brings the lead: only the viewer's own company (the default); another is "
        "FORBIDDEN.",
    )
    partner_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The company to share the lead with. Another company than `sourcedBy` makes `acceptance` PENDING "
        "until it answers; an unknown company is NOT_FOUND.",
    )
    acceptance_deadline: datetime | None = strawberry.field(
        default=None,
        description="When the partner's answer is due, in the future; only with a partner. Past it, `acceptance` "
        "reads EXPIRED.",
    )


@strawberry.input(description="Fields left out are untouched; an explicit null clears one.")
class UpdateLeadInput:
    lead_id: strawberry.ID = strawberry.field(description="The lead to change.")
    topic: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="What the deal is about; at most 255 characters. Null clears it, as long as a last name or a "
        "customer name remains.",
    )
    first_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="The prospect's first name; at most 120 characters."
    )
    last_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="The prospect's last name; at most 120 characters."
    )
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description="The prospect's email address; stored in lowercase."
    )
    phone: str | None = strawberry.field(
        default=strawberry.UNSET, description="The prospect's phone number; at most 50 characters."
    )
    job_title: str | None = strawberry.field(
        default=strawberry.UNSET, description="The prospect's job title; at most 120 characters."
    )
    customer_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="The prospect's organisation; at most 255 characters."
    )
    website: str | None = strawberry.field(
        default=strawberry.UNSET, description="The customer's website; at most 255 characters."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="Free text about the lead; at most 10,000 characters."
    )
    source: str | None = strawberry.field(
        default=strawberry.UNSET, description="Where the lead came from; at most 120 characters."
    )
    score: int | None = strawberry.field(
        default=strawberry.UNSET, description="How promising the lead is, from 0 to 100."
    )
    estimated_amount: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="The expected value of the deal: not negative, at most two decimal places and 16 digits before "
        "the dot. A lead with an amount needs a `currency`.",
    )
    currency: str | None = strawberry.field(
        default=strawberry.UNSET, description='The ISO 4217 code of `estimatedAmount`, such as "EUR"; any case.'
    )
    estimated_close_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="When the deal is expected to close."
    )
    partner_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Share the lead with this company, starting a new wait for its answer; null stops sharing. Only "
        "an OWNER at the sourcing company, and only while no partner waits or has accepted "
        "(INVALID_STATUS_TRANSITION).",
    )
    acceptance_deadline: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="The deadline of the new share, in the future; null for none."
    )


@strawberry.input(description="A lead's new status.")
class SetLeadStatusInput:
    lead_id: strawberry.ID = strawberry.field(description="The lead to move.")
    status: LeadStatus = strawberry.field(
        description="The new status. CLOSED_CONVERTED is refused with CONVERSION_REQUIRED: only conversion reaches it."
    )
    reason: str | None = strawberry.field(
        default=None,
        description="Why the lead is disqualified: required for CLOSED_NOT_CONVERTED (at most 2,000 characters), "
        "ignored otherwise.",
    )


@strawberry.input(description="The partner company's answer to a lead shared with it.")
class RespondToLeadInput:
    lead_id: strawberry.ID = strawberry.field(description="The PENDING lead to answer.")
    decision: LeadDecision = strawberry.field(description="Accept or reject the lead.")
    reason: str | None = strawberry.field(
        default=None,
        description="Why the lead is rejected: required to reject (at most 2,000 characters), ignored to accept.",
    )


@strawberry.type(description="The result of createLead.")
class CreateLeadPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=Lead | None, default=None, description="The new lead; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

    @strawberry.field(
        graphql_type=Edge[Lead] | None,
        description=(
            "The new lead's edge in `leads` in its default order (newest first), for Relay's @prependEdge; "
            "its cursor pages that list. Null when the lead was not created."
        ),
    )
    async def lead_edge(self, info: Info) -> Edge[models.Lead] | None:
        if self.lead is None:
            return None
        return Edge(cursor=await leads.lead_edge_cursor(info.context, self.lead), node=self.lead)


@strawberry.type(description="The result of updateLead.")
class UpdateLeadPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=Lead | None, default=None, description="The lead as changed; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="The result of setLeadStatus.")
class SetLeadStatusPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=Lead | None, default=None, description="The lead with its new status; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="The result of respondToLead.")
class RespondToLeadPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=Lead | None, default=None, description="The lead with its new acceptance; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type
class LeadQuery:
    @strawberry.field(
        graphql_type=Lead | None, description="The lead with this ID; null when it does not exist for the viewer."
    )
    async def lead(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The lead's global ID.")],
    ) -> models.Lead | None:
        return await leads.lead(info, id)

    @strawberry.field(
        description="The leads the viewer can see that match `filter`, newest first unless `orderBy` says otherwise; "
        "converted leads only with `includeConverted`."
    )
    async def leads(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            LeadFilter | None,
            strawberry.argument(description="Which leads to keep; all unconverted ones when left out."),
        ] = None,
        order_by: Annotated[
            LeadOrder | None,
            strawberry.argument(description="How to sort them; newest first when left out."),
        ] = None,
    ) -> Connection[Lead]:
        filter = filter or LeadFilter()
        order_by = order_by or LeadOrder()
        criteria = leads.LeadCriteria(
            status=filter.status,
            acceptance=filter.acceptance,
            sourced_by_id=filter.sourced_by_id,
            partner_id=filter.partner_id,
            search=filter.search,
            min_score=filter.min_score,
            include_converted=filter.include_converted,
        )
        sort = leads.LeadSort(field=order_by.field, descending=order_by.direction is OrderDirection.DESC)
        page = await leads.leads(info, first=first, after=after, last=last, before=before, criteria=criteria, sort=sort)
        return Connection.from_page(page)


@strawberry.type
class LeadMutation:
    @strawberry.mutation(
        description="Create a lead sourced by the viewer's company, with the viewer as its owner and direct OWNER; "
        "with a `partnerId` of another company it is shared and waits for that company's answer. userErrors: "
        "INVALID_INPUT, NOT_FOUND (partnerId or sourcedById), FORBIDDEN (another company as sourcedById), CONFLICT."
    )
    async def create_lead(self, info: Info, input: MutationInput[CreateLeadInput]) -> CreateLeadPayload:
        lead, errors = await lead_mutations.create_lead(
            info.context,
            {name: value for name, value in given_fields(input, only=EDITABLE_FIELDS).items() if value is not None},
            sourced_by_id=input.sourced_by_id,
            partner_id=input.partner_id,
            acceptance_deadline=input.acceptance_deadline,
        )
        return CreateLeadPayload(lead=lead, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Change a lead's fields (COLLABORATOR or more), or share it with another partner (OWNER). "
        "userErrors: NOT_FOUND, FORBIDDEN, INVALID_INPUT, LEAD_CONVERTED, INVALID_STATUS_TRANSITION (a partner waits "
        "or has accepted), ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def update_lead(self, info: Info, input: MutationInput[UpdateLeadInput]) -> UpdateLeadPayload:
        sharing = given_fields(input, only=("partner_id", "acceptance_deadline"))
        lead, errors = await lead_mutations.update_lead(
            info.context, input.lead_id, given_fields(input, only=EDITABLE_FIELDS), sharing
        )
        return UpdateLeadPayload(lead=lead, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Move a lead to another status (COLLABORATOR or more): open and working statuses move freely, "
        "CLOSED_NOT_CONVERTED needs a reason and can be reopened. userErrors: NOT_FOUND, FORBIDDEN, INVALID_INPUT (no "
        "reason), CONVERSION_REQUIRED, LEAD_CONVERTED, ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def set_lead_status(self, info: Info, input: MutationInput[SetLeadStatusInput]) -> SetLeadStatusPayload:
        lead, errors = await lead_mutations.set_lead_status(info.context, input.lead_id, input.status, input.reason)
        return SetLeadStatusPayload(lead=lead, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Accept or reject a lead shared with the viewer's company (COLLABORATOR or more there); the "
        "responder becomes a direct COLLABORATOR. userErrors: NOT_FOUND, FORBIDDEN (not the partner company, or too "
        "low a role), INVALID_STATUS_TRANSITION (not PENDING, or past its deadline), INVALID_INPUT (a rejection "
        "without a reason), ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def respond_to_lead(self, info: Info, input: MutationInput[RespondToLeadInput]) -> RespondToLeadPayload:
        lead, errors = await lead_mutations.respond_to_lead(info.context, input.lead_id, input.decision, input.reason)
        return RespondToLeadPayload(lead=lead, user_errors=user_errors(errors))

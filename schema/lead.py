"""Leads: the Lead type, the `lead` and `leads` queries, and the lead lifecycle mutations."""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from models.lead_workflow import EDITABLE_FIELDS
from models.lead_workflow import LeadDecision as LeadDecisionValue
from resolvers import lead_mutations, leads
from resolvers.context import Info
from resolvers.loaders import load_now, record_account_loader, record_contact_loader, record_user_loader
from schema.collaboration import RecordCollaboration
from schema.company import Company
from schema.connection import After, Before, Connection, Edge, First, Last
from schema.conversion import RecordConversion
from schema.enums import LeadAcceptance, LeadStatus, OrderDirection
from schema.errors import UserError, user_errors
from schema.mutation_results import given_fields
from schema.user import User

if TYPE_CHECKING:
    from schema.opportunity import Account, Contact, Opportunity

OpportunityRef = Annotated["Opportunity", strawberry.lazy("schema.opportunity")]
AccountRef = Annotated["Account", strawberry.lazy("schema.opportunity")]
ContactRef = Annotated["Contact", strawberry.lazy("schema.opportunity")]

LeadDecision = strawberry.enum(LeadDecisionValue, name="LeadDecision", description="A partner's answer to a shared lead.")
LeadOrderField = strawberry.enum(leads.LeadOrderField, name="LeadOrderField")


@strawberry.type(description="A prospective deal shared between a vendor and a partner until it is converted.")
class Lead(RecordCollaboration, RecordConversion, relay.Node):
    id: relay.NodeID[int]
    topic: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    job_title: str | None
    customer_name: str | None
    website: str | None
    description: str | None
    source: str | None
    score: int | None = strawberry.field(description="From 0 to 100.")
    currency: str | None = strawberry.field(description="ISO 4217 code of the estimated amount.")
    estimated_close_date: date | None
    status: LeadStatus  # type: ignore[valid-type]
    acceptance_deadline: datetime | None = strawberry.field(
        description="When a pending lead stops waiting for its partner's answer and reads EXPIRED."
    )
    rejection_reason: str | None
    disqualification_reason: str | None
    is_converted: bool
    converted_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Null for a viewer whose role may not read money (PARTICIPANT).")
    async def estimated_amount(self, info: Info) -> Decimal | None:
        return await leads.estimated_amount(info, self)  # type: ignore[arg-type]

    @strawberry.field(description="Whether the partner company accepted the lead; EXPIRED once a pending lead passes its deadline.")
    def acceptance(self) -> LeadAcceptance:  # type: ignore[valid-type]
        return self.acceptance_at(datetime.now(UTC))  # type: ignore[attr-defined]

    @strawberry.field(description="The company that brought the lead.")
    def sourced_by(self, info: Info) -> Company:
        return load_now(info.context.loaders.company, self.sourced_by_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="The company the lead is shared with.")
    def partner(self, info: Info) -> Company | None:
        if self.partner_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.company, self.partner_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def owner(self, info: Info) -> User:
        return load_now(info.context.loaders.get(record_user_loader), self.owner_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def converted_by(self, info: Info) -> User | None:
        if self.converted_by_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.user, self.converted_by_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def converted_account(self, info: Info) -> AccountRef | None:
        if self.converted_account_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.get(record_account_loader), self.converted_account_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def converted_contact(self, info: Info) -> ContactRef | None:
        if self.converted_contact_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.get(record_contact_loader), self.converted_contact_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="The opportunities linked to the lead that the viewer can see, newest link first.")
    async def opportunities(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[OpportunityRef]:
        page = await leads.opportunities_of(info, self, first=first, after=after, last=last, before=before)  # type: ignore[arg-type]
        return Connection.from_page(page)

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.Lead))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[models.Lead | None]:
        return await leads.leads_by_node_ids(info, node_ids)


@strawberry.input(description="Leads kept by `leads`; every criterion given must hold.")
class LeadFilter:
    status: list[LeadStatus] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Any of these statuses."
    )
    acceptance: list[LeadAcceptance] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Any of these, as readers see them: PENDING is pending and not expired."
    )
    sourced_by_id: strawberry.ID | None = None
    partner_id: strawberry.ID | None = None
    search: str | None = strawberry.field(
        default=None, description=(
            "Case-insensitive part of the first or last name, customer name or email; at most 200 characters"
            " (longer is BAD_USER_INPUT)."
        ),
    )
    min_score: int | None = None
    include_converted: bool = strawberry.field(default=False, description="Converted leads are left out unless true.")


@strawberry.input
class LeadOrder:
    field: LeadOrderField = leads.LeadOrderField.CREATED_AT  # type: ignore[valid-type]
    direction: OrderDirection = OrderDirection.DESC  # type: ignore[valid-type]


@strawberry.input
class CreateLeadInput:
    topic: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    job_title: str | None = None
    customer_name: str | None = None
    website: str | None = None
    description: str | None = None
    source: str | None = None
    score: int | None = None
    estimated_amount: Decimal | None = None
    currency: str | None = None
    estimated_close_date: date | None = None
    sourced_by_id: strawberry.ID | None = strawberry.field(default=None, description="The viewer's company (the default).")
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="A company other than sourcedBy shares the lead with it: acceptance starts PENDING."
    )
    acceptance_deadline: datetime | None = strawberry.field(
        default=None, description="When the partner's answer is due; in the future."
    )


@strawberry.input(description="Fields left out are untouched; an explicit null clears one.")
class UpdateLeadInput:
    lead_id: strawberry.ID
    topic: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    job_title: str | None = strawberry.UNSET
    customer_name: str | None = strawberry.UNSET
    website: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    source: str | None = strawberry.UNSET
    score: int | None = strawberry.UNSET
    estimated_amount: Decimal | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    estimated_close_date: date | None = strawberry.UNSET
    partner_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="A new partner shares the lead again (owners only; not while a partner waits or has accepted).",
    )
    acceptance_deadline: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="The deadline of a new share; in the future."
    )


@strawberry.input
class SetLeadStatusInput:
    lead_id: strawberry.ID
    status: LeadStatus  # type: ignore[valid-type]
    reason: str | None = strawberry.field(default=None, description="Why the lead is disqualified (CLOSED_NOT_CONVERTED).")


@strawberry.input
class RespondToLeadInput:
    lead_id: strawberry.ID
    decision: LeadDecision  # type: ignore[valid-type]
    reason: str | None = strawberry.field(default=None, description="Why the lead is rejected; required to reject.")


@strawberry.type
class CreateLeadPayload:
    lead: Lead | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @strawberry.field(
        description=(
            "The new lead's edge in `leads` in its default order (newest first), for Relay's @prependEdge; "
            "its cursor pages that list. Null when the lead was not created."
        )
    )
    async def lead_edge(self, info: Info) -> Edge[Lead] | None:
        if self.lead is None:
            return None
        return Edge(cursor=await leads.lead_edge_cursor(info.context, self.lead), node=self.lead)  # type: ignore[arg-type]


@strawberry.type
class UpdateLeadPayload:
    lead: Lead | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetLeadStatusPayload:
    lead: Lead | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RespondToLeadPayload:
    lead: Lead | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LeadQuery:
    @strawberry.field(description="The lead; null when the viewer cannot see it.")
    async def lead(self, info: Info, id: strawberry.ID) -> Lead | None:
        return await leads.lead(info, id)  # type: ignore[return-value]

    @strawberry.field(description="The leads the viewer can see, newest first unless ordered otherwise.")
    async def leads(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: LeadFilter | None = None,
        order_by: LeadOrder | None = None,
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
    @strawberry.mutation(description="A new lead owned by the viewer; shared with `partnerId` when that is another company.")
    async def create_lead(self, info: Info, input: CreateLeadInput) -> CreateLeadPayload:
        lead, errors = await lead_mutations.create_lead(
            info.context,
            {name: value for name, value in given_fields(input, only=EDITABLE_FIELDS).items() if value is not None},
            sourced_by_id=input.sourced_by_id,
            partner_id=input.partner_id,
            acceptance_deadline=input.acceptance_deadline,
        )
        return CreateLeadPayload(lead=lead, user_errors=user_errors(errors))  # type: ignore[arg-type]

    @strawberry.mutation(description="Change a lead's fields, or share it with another partner (COLLABORATOR or more).")
    async def update_lead(self, info: Info, input: UpdateLeadInput) -> UpdateLeadPayload:
        sharing = given_fields(input, only=("partner_id", "acceptance_deadline"))
        lead, errors = await lead_mutations.update_lead(info.context, input.lead_id, given_fields(input, only=EDITABLE_FIELDS), sharing)
        return UpdateLeadPayload(lead=lead, user_errors=user_errors(errors))  # type: ignore[arg-type]

    @strawberry.mutation(description="Move a lead to another status; CLOSED_NOT_CONVERTED needs a reason.")
    async def set_lead_status(self, info: Info, input: SetLeadStatusInput) -> SetLeadStatusPayload:
        lead, errors = await lead_mutations.set_lead_status(info.context, input.lead_id, input.status, input.reason)
        return SetLeadStatusPayload(lead=lead, user_errors=user_errors(errors))  # type: ignore[arg-type]

    @strawberry.mutation(description="Accept or reject a lead shared with the viewer's company.")
    async def respond_to_lead(self, info: Info, input: RespondToLeadInput) -> RespondToLeadPayload:
        lead, errors = await lead_mutations.respond_to_lead(info.context, input.lead_id, input.decision, input.reason)
        return RespondToLeadPayload(lead=lead, user_errors=user_errors(errors))  # type: ignore[arg-type]

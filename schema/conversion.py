"""Conversion (CONTRACT.md section 7): convertLead, convertLeads, linkOpportunity,
unlinkOpportunity, templates, conversion settings, the preview and the event log."""

from datetime import date, datetime
from enum import Enum
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from models.conversion import ConversionResult
from models.conversion_records import ConversionEventKind
from resolvers import convert_lead as conversion
from resolvers import leads as lead_resolvers
from resolvers import loaders
from resolvers import templates
from resolvers.context import Info
from resolvers.loaders import load_now
from schema.connection import Edge
from schema.errors import UserError, user_errors
from schema.mutation_results import given_fields
from schema.user import User

if TYPE_CHECKING:
    from schema.lead import Lead
    from schema.opportunity import Account, Contact, Opportunity, OpportunityStage

LeadRef = Annotated["Lead", strawberry.lazy("schema.lead")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("schema.opportunity")]
AccountRef = Annotated["Account", strawberry.lazy("schema.opportunity")]
ContactRef = Annotated["Contact", strawberry.lazy("schema.opportunity")]
StageRef = Annotated["OpportunityStage", strawberry.lazy("schema.opportunity")]

ConversionEventKindEnum = strawberry.enum(ConversionEventKind, name="ConversionEventKind")


@strawberry.input(description="A new account; fields left out come from the lead.")
class AccountDraft:
    name: str | None = strawberry.UNSET
    website: str | None = strawberry.UNSET
    industry: str | None = strawberry.UNSET
    allow_duplicate: bool = False


@strawberry.input(description="A new contact; fields left out come from the lead.")
class ContactDraft:
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    job_title: str | None = strawberry.UNSET
    allow_duplicate: bool = False


@strawberry.input(description="A new opportunity; fields left out come from the lead through the template.")
class OpportunityDraft:
    name: str | None = strawberry.UNSET
    amount: Decimal | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    close_date: date | None = strawberry.UNSET
    probability: int | None = strawberry.UNSET
    template_id: strawberry.ID | None = strawberry.UNSET
    stage_id: strawberry.ID | None = strawberry.UNSET
    copy_members: bool | None = strawberry.UNSET
    copy_links: bool | None = strawberry.UNSET
    exclude_member_ids: list[strawberry.ID] | None = strawberry.UNSET


@strawberry.input(one_of=True, description="Create an account, attach an existing one, or skip.")
class AccountChoice:
    create: AccountDraft | None = strawberry.UNSET
    existing_id: strawberry.ID | None = strawberry.UNSET
    skip: bool | None = strawberry.UNSET


@strawberry.input(one_of=True, description="Create a contact, attach an existing one, or skip.")
class ContactChoice:
    create: ContactDraft | None = strawberry.UNSET
    existing_id: strawberry.ID | None = strawberry.UNSET
    skip: bool | None = strawberry.UNSET


@strawberry.input(one_of=True, description="Create an opportunity, link an existing one, or skip.")
class OpportunityChoice:
    create: OpportunityDraft | None = strawberry.UNSET
    existing_id: strawberry.ID | None = strawberry.UNSET
    skip: bool | None = strawberry.UNSET


@strawberry.input
class ConvertLeadInput:
    lead_id: strawberry.ID
    account: AccountChoice | None = strawberry.UNSET
    contact: ContactChoice | None = strawberry.UNSET
    opportunity: OpportunityChoice | None = strawberry.UNSET
    idempotency_key: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Up to 255 characters, chosen by the client: repeating the call with the same key returns the "
        "first result and writes nothing; the same key with another input is IDEMPOTENCY_KEY_REUSED; a longer key "
        "is INVALID_INPUT.",
    )


@strawberry.input
class ConvertLeadsInput:
    items: list[ConvertLeadInput]


@strawberry.input
class LinkOpportunityInput:
    lead_id: strawberry.ID
    opportunity_id: strawberry.ID


@strawberry.input
class UnlinkOpportunityInput:
    lead_id: strawberry.ID
    opportunity_id: strawberry.ID


def choice_input(choice: Any) -> conversion.ChoiceInput | None:
    if choice is None or choice is strawberry.UNSET:
        return None
    create = choice.create if choice.create not in (None, strawberry.UNSET) else None
    return conversion.ChoiceInput(
        create=given_fields(create) if create is not None else None,
        existing_id=choice.existing_id if choice.existing_id not in (None, strawberry.UNSET) else None,
        skip=choice.skip if choice.skip is not strawberry.UNSET else None,
    )


def raw_input(value: Any) -> Any:
    """The input as plain data, for the idempotency fingerprint."""
    if hasattr(value, "__dict__"):
        return {name: raw_input(item) for name, item in vars(value).items() if item is not strawberry.UNSET}
    if isinstance(value, list):
        return [raw_input(item) for item in value]
    return value


def convert_request(input: ConvertLeadInput) -> conversion.ConvertRequest:
    key = input.idempotency_key if input.idempotency_key not in (None, strawberry.UNSET) else None
    return conversion.ConvertRequest(
        lead_id=input.lead_id,
        account=choice_input(input.account),
        contact=choice_input(input.contact),
        opportunity=choice_input(input.opportunity),
        idempotency_key=key,
        fingerprint=conversion.fingerprint(raw_input(input)),
    )


async def opportunity_edge(info: Info, lead: Any, opportunity: Any) -> Edge[Any] | None:
    if lead is None or opportunity is None:
        return None
    cursor = await lead_resolvers.opportunity_edge_cursor(info.context, lead, opportunity)
    return None if cursor is None else Edge(cursor=cursor, node=opportunity)


@strawberry.type
class ConvertLeadPayload:
    lead: LeadRef | None = None
    account: AccountRef | None = None
    contact: ContactRef | None = None
    opportunity: OpportunityRef | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @strawberry.field(
        description=(
            "The opportunity's edge in the lead's `opportunities` (newest link first), for Relay's @prependEdge; "
            "its cursor pages that list. Null when no opportunity was created or linked."
        )
    )
    async def opportunity_edge(self, info: Info) -> Edge[OpportunityRef] | None:
        return await opportunity_edge(info, self.lead, self.opportunity)

    @classmethod
    def of(cls, result: ConversionResult | None, errors: list[models.DomainError]) -> "ConvertLeadPayload":
        if result is None:
            return cls(user_errors=user_errors(errors))  # type: ignore[arg-type]
        return cls(lead=result.lead, account=result.account, contact=result.contact, opportunity=result.opportunity)  # type: ignore[arg-type]


@strawberry.type
class ConvertLeadsPayload:
    results: list[ConvertLeadPayload] = strawberry.field(
        description="One result per item, in order; an item that was refused has its own userErrors, with `field` "
        'a path into the batch input such as ["items", "1", "idempotencyKey"]. Empty when the batch itself was refused.'
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why the batch as a whole was refused: INVALID_INPUT on items when it holds no lead or more than "
        "100. When not empty, nothing was converted. Empty whenever the items were tried, even if some were refused.",
    )


@strawberry.type
class LinkOpportunityPayload:
    lead: LeadRef | None = None
    opportunity: OpportunityRef | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @strawberry.field(
        description=(
            "The opportunity's edge in the lead's `opportunities` (newest link first), for Relay's @prependEdge; "
            "its cursor pages that list. Null when no opportunity was created or linked."
        )
    )
    async def opportunity_edge(self, info: Info) -> Edge[OpportunityRef] | None:
        return await opportunity_edge(info, self.lead, self.opportunity)


@strawberry.type
class UnlinkOpportunityPayload:
    lead: LeadRef | None = None
    opportunity: OpportunityRef | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A conversion, link or unlink: who, when, and what it created or linked.")
class ConversionEvent(relay.Node):
    id: relay.NodeID[int]
    kind: ConversionEventKindEnum  # type: ignore[valid-type]
    created_at: datetime = strawberry.field(description="When it happened (UTC).")

    @strawberry.field
    def actor(self, info: Info) -> User | None:
        return load_now(info.context.loaders.user, self.actor_id)  # type: ignore[attr-defined]

    @strawberry.field
    def lead(self, info: Info) -> LeadRef | None:
        return load_now(info.context.loaders.get(loaders.lead_loader), self.lead_id)  # type: ignore[attr-defined]

    @strawberry.field
    def opportunity(self, info: Info) -> OpportunityRef | None:
        if self.opportunity_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.get(loaders.opportunity_loader), self.opportunity_id)  # type: ignore[attr-defined]

    @strawberry.field
    def account(self, info: Info) -> AccountRef | None:
        if self.account_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.get(loaders.account_loader), self.account_id)  # type: ignore[attr-defined]

    @strawberry.field
    def contact(self, info: Info) -> ContactRef | None:
        if self.contact_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.get(loaders.contact_loader), self.contact_id)  # type: ignore[attr-defined]

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.ConversionEvent))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Any, required: bool = False) -> list[Any]:
        return await templates.events_by_node_ids(info, node_ids)


@strawberry.type
class ConversionMutation:
    @strawberry.mutation(description="Convert a lead into an account, a contact and an opportunity (CONTRACT.md section 7).")
    async def convert_lead(self, info: Info, input: ConvertLeadInput) -> ConvertLeadPayload:
        return ConvertLeadPayload.of(*await conversion.convert(info.context, convert_request(input)))

    @strawberry.mutation(
        description="Convert 1 to 100 leads, each on its own and all or nothing for that lead; one result per item, "
        "in order. Whatever refuses one item (bad input, a conflict, an unexpected error: INTERNAL) is that item's "
        "userErrors; the other items are still converted."
    )
    async def convert_leads(self, info: Info, input: ConvertLeadsInput) -> ConvertLeadsPayload:
        outcomes, errors = await conversion.convert_many(info.context, [convert_request(item) for item in input.items])
        return ConvertLeadsPayload(
            results=[ConvertLeadPayload.of(*outcome) for outcome in outcomes],
            user_errors=user_errors(errors),  # type: ignore[arg-type]
        )

    @strawberry.mutation(description="Link an opportunity the viewer is a member of; converts an unconverted lead.")
    async def link_opportunity(self, info: Info, input: LinkOpportunityInput) -> LinkOpportunityPayload:
        result, errors = await conversion.link(info.context, input.lead_id, input.opportunity_id)
        if result is None:
            return LinkOpportunityPayload(user_errors=user_errors(errors))  # type: ignore[arg-type]
        return LinkOpportunityPayload(lead=result.lead, opportunity=result.opportunity)  # type: ignore[arg-type]

    @strawberry.mutation(description="Remove a link made by linking; an opportunity the conversion created stays.")
    async def unlink_opportunity(self, info: Info, input: UnlinkOpportunityInput) -> UnlinkOpportunityPayload:
        result, errors = await conversion.unlink(info.context, input.lead_id, input.opportunity_id)
        if result is None:
            return UnlinkOpportunityPayload(user_errors=user_errors(errors))  # type: ignore[arg-type]
        return UnlinkOpportunityPayload(lead=result.lead, opportunity=result.opportunity)  # type: ignore[arg-type]


@strawberry.enum(description="Whether converting the lead created the opportunity or an existing one was linked.")
class OpportunityLinkHow(Enum):
    CREATED = "CREATED"
    LINKED = "LINKED"


@strawberry.type(description="How and when an opportunity came from a lead, and by whom.")
class LeadOpportunityLink:
    """Fields of a models.LeadOpportunity."""

    @strawberry.field(description="When (UTC).")
    def linked_at(self) -> datetime:
        return self.created_at  # type: ignore[attr-defined]

    @strawberry.field
    def how(self) -> OpportunityLinkHow:
        return OpportunityLinkHow.CREATED if self.created_by_conversion else OpportunityLinkHow.LINKED  # type: ignore[attr-defined]

    @strawberry.field
    def by(self, info: Info) -> User | None:
        return load_now(info.context.loaders.user, self.actor_id)  # type: ignore[attr-defined]

    @strawberry.field
    def lead(self, info: Info) -> LeadRef | None:
        return load_now(info.context.loaders.get(loaders.lead_loader), self.lead_id)  # type: ignore[attr-defined]

    @strawberry.field
    def opportunity(self, info: Info) -> OpportunityRef | None:
        return load_now(info.context.loaders.get(loaders.opportunity_loader), self.opportunity_id)  # type: ignore[attr-defined]


@strawberry.type
class RecordConversion:
    """Conversion fields of Lead and Opportunity; `self` is a models.Lead or models.Opportunity."""

    @strawberry.field(description="Conversions, links and unlinks of this record, oldest first.")
    async def events(self, info: Info) -> list[ConversionEvent]:
        return await templates.events_of(info, self)  # type: ignore[arg-type,return-value]

    @strawberry.field(
        description="On a lead: each opportunity it led to. On an opportunity: each lead it came from. "
        "Only links whose other side the viewer can see."
    )
    async def conversion_links(self, info: Info) -> list[LeadOpportunityLink]:
        return await templates.links_of(info, self)  # type: ignore[arg-type,return-value]

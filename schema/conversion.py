"""Conversion: convertLead, convertLeads, linkOpportunity,
unlinkOpportunity, templates, conversion settings, the preview and the event log."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from models import idempotency
from models.conversion import ConversionResult
from models.conversion_records import ConversionEventKind
from resolvers import conversion_events, conversion_links, lead_merge, loaders, undo_conversion
from resolvers import convert_lead as conversion
from resolvers import leads as lead_resolvers
from resolvers.context import Info
from resolvers.loaders import Loaded, load_now
from schema.connection import Edge
from schema.conversion_undo import KeptRecord
from schema.enums import describe_values
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.mutation_results import MutationInput, given_fields
from schema.user import User

if TYPE_CHECKING:
    from schema.lead import Lead
    from schema.opportunity import Account, Contact, Opportunity, OpportunityStage

LeadRef = Annotated["Lead", strawberry.lazy("schema.lead")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("schema.opportunity")]
AccountRef = Annotated["Account", strawberry.lazy("schema.opportunity")]
ContactRef = Annotated["Contact", strawberry.lazy("schema.opportunity")]
StageRef = Annotated["OpportunityStage", strawberry.lazy("schema.opportunity")]

describe_values(
    strawberry.enum(ConversionEventKind, name="ConversionEventKind", description="What a conversion event records."),
    {
        "CONVERTED": "The lead was converted, by convertLead or by linking an opportunity to it.",
        "OPPORTUNITY_CREATED": "A converted lead gained a new opportunity through convertLead.",
        "OPPORTUNITY_LINKED": "An existing opportunity was linked to a converted lead.",
        "OPPORTUNITY_UNLINKED": "A linked opportunity was unlinked from the lead.",
        "CONVERSION_UNDONE": "The lead's conversion was undone by undoConversion; recorded on the lead, and on "
        "each opportunity the conversion created that was kept.",
        "LEADS_MERGED": "Duplicates were merged into the lead by mergeLeads; mergedLeads names them.",
        "MERGED_INTO": "The lead was merged into another by mergeLeads; mergedInto names that lead.",
    },
)


@strawberry.input(description="A new account; fields left out come from the lead.")
class AccountDraft:
    name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The account's name, at most 255 characters; left out, it comes from the lead's customerName "
        "(required one way or the other).",
    )
    website: str | None = strawberry.field(
        default=strawberry.UNSET, description="The account's website; left out, the lead's website."
    )
    industry: str | None = strawberry.field(
        default=strawberry.UNSET, description="The account's industry; empty when left out."
    )
    allow_duplicate: bool = strawberry.field(
        default=False,
        description="Create the account even when visible accounts match its name or website domain; false answers "
        "DUPLICATE_ACCOUNT with their IDs instead.",
    )


@strawberry.input(description="A new contact; fields left out come from the lead.")
class ContactDraft:
    first_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="The contact's first name; left out, it comes from the lead."
    )
    last_name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The contact's last name, at most 120 characters; left out, it comes from the lead (required one "
        "way or the other).",
    )
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description="The contact's email address; left out, it comes from the lead."
    )
    phone: str | None = strawberry.field(
        default=strawberry.UNSET, description="The contact's phone number; left out, it comes from the lead."
    )
    job_title: str | None = strawberry.field(
        default=strawberry.UNSET, description="The contact's job title; left out, it comes from the lead."
    )
    allow_duplicate: bool = strawberry.field(
        default=False,
        description="Create the contact even when visible contacts have its email; false answers DUPLICATE_CONTACT "
        "with their IDs instead.",
    )


@strawberry.input(description="A new opportunity; fields left out come from the lead through the template.")
class OpportunityDraft:
    name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The opportunity's name, at most 255 characters; left out, the template fills it (the Standard "
        "template: the topic, else the customer name).",
    )
    amount: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="The deal's value in `currency`, with at most two decimal places; left out, the template fills it "
        "(the Standard template: the estimated amount).",
    )
    currency: str | None = strawberry.field(
        default=strawberry.UNSET, description="The ISO 4217 code of the amount; left out, the template fills it."
    )
    close_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="When the deal is expected to close; left out, the template fills it."
    )
    probability: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The chance of winning, 0 to 100 percent; left out, the template fills it, else it follows the "
        "stage.",
    )
    template_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The template to convert with; left out, the company's default template."
    )
    stage_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The stage to start at; left out, the template's default stage, else the first stage.",
    )
    copy_members: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether the lead's direct members join the opportunity with their roles; left out, as the "
        "template says. The converting user always becomes an OWNER.",
    )
    copy_links: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether the lead's sales plans, solutions, partner programs and activities are linked to the "
        "opportunity; left out, as the template says.",
    )
    exclude_member_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Direct members of the lead who do not join the opportunity; each must be a user the viewer can "
        "see (else NOT_FOUND at its index).",
    )


@strawberry.input(one_of=True, description="Create an account, attach an existing one, or skip.")
class AccountChoice:
    create: AccountDraft | None = strawberry.field(
        default=strawberry.UNSET, description="Create a new account from the lead and this draft."
    )
    existing_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Attach an account the viewer can see; only its empty fields are filled from the lead.",
    )
    skip: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="True: no account. Only true is accepted; leave the choice out to follow the company's settings.",
    )


@strawberry.input(one_of=True, description="Create a contact, attach an existing one, or skip.")
class ContactChoice:
    create: ContactDraft | None = strawberry.field(
        default=strawberry.UNSET,
        description="Create a new contact from the lead and this draft, in the chosen account.",
    )
    existing_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Attach a contact the viewer can see, of the chosen account (else INVALID_INPUT); only its empty "
        "fields are filled from the lead.",
    )
    skip: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="True: no contact. Only true is accepted; leave the choice out to follow the company's settings.",
    )


@strawberry.input(one_of=True, description="Create an opportunity, link an existing one, or skip.")
class OpportunityChoice:
    create: OpportunityDraft | None = strawberry.field(
        default=strawberry.UNSET,
        description="Create a new opportunity from the lead through a template and this draft.",
    )
    existing_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Link an opportunity the viewer is a member of, directly or through a policy.",
    )
    skip: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="True: no opportunity. Only true is accepted; leave the choice out to follow the company's "
        "settings.",
    )


@strawberry.input(
    description="Which lead to convert and what to make of it. A choice left out follows the conversion settings of "
    "the viewer's company (by default: create all three)."
)
class ConvertLeadInput:
    lead_id: strawberry.ID = strawberry.field(description="The lead to convert.")
    account: AccountChoice | None = strawberry.field(
        default=strawberry.UNSET,
        description="The account: create one, attach an existing one, or skip. Must be left out when the lead is "
        "already converted.",
    )
    contact: ContactChoice | None = strawberry.field(
        default=strawberry.UNSET,
        description="The contact: create one, attach an existing one, or skip. Must be left out when the lead is "
        "already converted.",
    )
    opportunity: OpportunityChoice | None = strawberry.field(
        default=strawberry.UNSET,
        description="The opportunity: create one, link an existing one, or skip. The only choice a converted lead "
        "takes, to gain one more opportunity.",
    )
    idempotency_key: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A key of the client's choosing, at most 255 characters, that makes a retry safe: repeating the "
        "call with the same key and input returns the first result and writes nothing; the same key with another "
        "input is IDEMPOTENCY_KEY_REUSED; a longer key is INVALID_INPUT. Keys are the viewer's own.",
    )


@strawberry.input(description="Several conversions in one request.")
class ConvertLeadsInput:
    items: list[ConvertLeadInput] = strawberry.field(
        description="The conversions, at most 100, each as convertLead takes it; they run one by one, in order."
    )


@strawberry.input(description="Which opportunity to link to which lead.")
class LinkOpportunityInput:
    lead_id: strawberry.ID = strawberry.field(description="The lead; an unconverted lead is converted by the link.")
    opportunity_id: strawberry.ID = strawberry.field(
        description="The opportunity, one the viewer is a member of, directly or through a policy (else NOT_FOUND)."
    )


@strawberry.input(description="Which link between a lead and an opportunity to remove.")
class UnlinkOpportunityInput:
    lead_id: strawberry.ID = strawberry.field(description="The lead.")
    opportunity_id: strawberry.ID = strawberry.field(
        description="The opportunity linked to it by linking, not created by converting it."
    )


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
        fingerprint=idempotency.fingerprint(raw_input(input)),
    )


async def opportunity_edge(
    info: Info, lead: models.Lead | None, opportunity: models.Opportunity | None
) -> Edge[models.Opportunity] | None:
    if lead is None or opportunity is None:
        return None
    cursor = await lead_resolvers.opportunity_edge_cursor(info.context, lead, opportunity)
    return None if cursor is None else Edge(cursor=cursor, node=opportunity)


@strawberry.type(description="The result of one conversion.")
class ConvertLeadPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=LeadRef | None, default=None, description="The converted lead; null when refused."
    )
    account: models.Account | None = strawberry.field(
        graphql_type=AccountRef | None,
        default=None,
        description="The account created or attached; null when skipped, when the lead was already converted, or when "
        "refused.",
    )
    contact: models.Contact | None = strawberry.field(
        graphql_type=ContactRef | None,
        default=None,
        description="The contact created or attached; null when skipped, when the lead was already converted, or when "
        "refused.",
    )
    opportunity: models.Opportunity | None = strawberry.field(
        graphql_type=OpportunityRef | None,
        default=None,
        description="The opportunity created or linked; null when skipped or refused.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

    @strawberry.field(
        graphql_type=Edge[OpportunityRef] | None,
        description=(
            "The opportunity's edge in the lead's `opportunities` (newest link first), for Relay's @prependEdge; "
            "its cursor pages that list. Null when no opportunity was created or linked."
        ),
    )
    async def opportunity_edge(self, info: Info) -> Edge[models.Opportunity] | None:
        return await opportunity_edge(info, self.lead, self.opportunity)

    @classmethod
    def of(cls, result: ConversionResult | None, errors: list[models.DomainError]) -> "ConvertLeadPayload":
        if result is None:
            return cls(user_errors=user_errors(errors))
        return cls(lead=result.lead, account=result.account, contact=result.contact, opportunity=result.opportunity)


@strawberry.type(description="The results of convertLeads.")
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


@strawberry.type(description="The result of linkOpportunity.")
class LinkOpportunityPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=LeadRef | None, default=None, description="The lead, now converted; null when refused."
    )
    opportunity: models.Opportunity | None = strawberry.field(
        graphql_type=OpportunityRef | None, default=None, description="The linked opportunity; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

    @strawberry.field(
        graphql_type=Edge[OpportunityRef] | None,
        description=(
            "The opportunity's edge in the lead's `opportunities` (newest link first), for Relay's @prependEdge; "
            "its cursor pages that list. Null when no opportunity was created or linked."
        ),
    )
    async def opportunity_edge(self, info: Info) -> Edge[models.Opportunity] | None:
        return await opportunity_edge(info, self.lead, self.opportunity)


@strawberry.type(description="The result of unlinkOpportunity.")
class UnlinkOpportunityPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=LeadRef | None, default=None, description="The lead, which stays converted; null when refused."
    )
    opportunity: models.Opportunity | None = strawberry.field(
        graphql_type=OpportunityRef | None,
        default=None,
        description="The opportunity no longer linked; null when refused.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(
    description="A conversion, link, unlink, undone conversion or merge: who, when, and what it created, linked, "
    "deleted, kept or merged."
)
class ConversionEvent(relay.Node):
    id: relay.NodeID[int]
    kind: ConversionEventKind = strawberry.field(description="What happened.")
    created_at: datetime = strawberry.field(description="When it happened (UTC).")

    @strawberry.field(graphql_type=User | None, description="Who did it; null when the viewer cannot see that user.")
    def actor(self, event: strawberry.Parent[models.ConversionEvent], info: Info) -> Loaded[models.User | None]:
        return load_now(info.context.loaders.user, event.actor_id)

    @strawberry.field(
        graphql_type=LeadRef | None, description="The lead converted, linked, unlinked, undone or merged."
    )
    def lead(self, event: strawberry.Parent[models.ConversionEvent], info: Info) -> Loaded[models.Lead | None]:
        return load_now(info.context.loaders.get(loaders.lead_loader), event.lead_id)

    @strawberry.field(
        graphql_type=OpportunityRef | None,
        description="The opportunity created, linked or unlinked; null when there was none.",
    )
    def opportunity(
        self, event: strawberry.Parent[models.ConversionEvent], info: Info
    ) -> Loaded[models.Opportunity | None]:
        if event.opportunity_id is None:
            return None
        return load_now(info.context.loaders.get(loaders.opportunity_loader), event.opportunity_id)

    @strawberry.field(
        graphql_type=AccountRef | None,
        description="The account created or attached by a conversion; null for other events or when there was none.",
    )
    def account(self, event: strawberry.Parent[models.ConversionEvent], info: Info) -> Loaded[models.Account | None]:
        if event.account_id is None:
            return None
        return load_now(info.context.loaders.get(loaders.account_loader), event.account_id)

    @strawberry.field(
        graphql_type=ContactRef | None,
        description="The contact created or attached by a conversion; null for other events or when there was none.",
    )
    def contact(self, event: strawberry.Parent[models.ConversionEvent], info: Info) -> Loaded[models.Contact | None]:
        if event.contact_id is None:
            return None
        return load_now(info.context.loaders.get(loaders.contact_loader), event.contact_id)

    @strawberry.field(
        graphql_type=list[strawberry.ID],
        description="On a CONVERSION_UNDONE event: the global IDs of the records the undo deleted, among those the "
        "viewer could see before. Empty for other events.",
    )
    async def deleted_ids(self, event: strawberry.Parent[models.ConversionEvent], info: Info) -> list[str]:
        return await undo_conversion.deleted_ids_of(info.context, event)

    @strawberry.field(
        graphql_type=list[KeptRecord],
        description="On a CONVERSION_UNDONE event: the records the conversion created that the undo kept, each with "
        "its reason, among those the viewer can see. Empty for other events.",
    )
    async def kept(self, event: strawberry.Parent[models.ConversionEvent], info: Info) -> list[KeptRecord]:
        return [KeptRecord.of(item) for item in await undo_conversion.kept_of(info.context, event)]

    @strawberry.field(
        graphql_type=list[LeadRef],
        description="On a LEADS_MERGED event: the duplicates merged into the lead, in the order given, among those "
        "the viewer can see. Empty for other events.",
    )
    async def merged_leads(self, event: strawberry.Parent[models.ConversionEvent], info: Info) -> list[models.Lead]:
        return await lead_merge.merged_leads_of(info.context, event)

    @strawberry.field(
        graphql_type=LeadRef | None,
        description="On a MERGED_INTO event: the lead this one was merged into; null for other events, or when the "
        "viewer cannot see that lead.",
    )
    def merged_into(self, event: strawberry.Parent[models.ConversionEvent], info: Info) -> Loaded[models.Lead | None]:
        return lead_merge.merged_into_of(info.context, event)

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.ConversionEvent))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await conversion_events.events_by_node_ids(info, node_ids)


@strawberry.type
class ConversionMutation:
    @strawberry.mutation(
        description="Convert a lead (COLLABORATOR or more) into an account, a contact and an opportunity, each "
        "created, attached or skipped, all or nothing; the lead becomes CLOSED_CONVERTED. On a converted lead, only an "
        "opportunity choice adds one more opportunity. userErrors: NOT_FOUND, FORBIDDEN, INVALID_INPUT, "
        "LEAD_NOT_ACCEPTED, LEAD_DISQUALIFIED, LEAD_NOT_QUALIFIED, ALREADY_CONVERTED, ALREADY_LINKED, "
        "NOTHING_TO_CONVERT, DUPLICATE_ACCOUNT, DUPLICATE_CONTACT, IDEMPOTENCY_KEY_REUSED, ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def convert_lead(self, info: Info, input: MutationInput[ConvertLeadInput]) -> ConvertLeadPayload:
        return ConvertLeadPayload.of(*await conversion.convert(info.context, convert_request(input)))

    @strawberry.mutation(
        description="Convert 1 to 100 leads, each on its own and all or nothing for that lead; one result per item, "
        "in order, and whatever refuses one item never stops the others. Each item's userErrors: the codes of "
        "convertLead, or INTERNAL when an unexpected error stopped that item. The batch's own userErrors: "
        "INVALID_INPUT when it holds no item or more than 100, and then nothing is converted."
    )
    async def convert_leads(self, info: Info, input: MutationInput[ConvertLeadsInput]) -> ConvertLeadsPayload:
        outcomes, errors = await conversion.convert_many(info.context, [convert_request(item) for item in input.items])
        return ConvertLeadsPayload(
            results=[ConvertLeadPayload.of(*outcome) for outcome in outcomes],
            user_errors=user_errors(errors),
        )

    @strawberry.mutation(
        description="Link an opportunity the viewer is a member of to a lead (COLLABORATOR or more on the lead); an "
        "unconverted lead is converted by the link. userErrors: NOT_FOUND, FORBIDDEN, ALREADY_LINKED, "
        "LEAD_NOT_ACCEPTED, LEAD_DISQUALIFIED, LEAD_NOT_QUALIFIED, ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def link_opportunity(self, info: Info, input: MutationInput[LinkOpportunityInput]) -> LinkOpportunityPayload:
        result, errors = await conversion.link(info.context, input.lead_id, input.opportunity_id)
        if result is None:
            return LinkOpportunityPayload(user_errors=user_errors(errors))
        return LinkOpportunityPayload(lead=result.lead, opportunity=result.opportunity)

    @strawberry.mutation(
        description="Remove a link that linkOpportunity (or an existingId choice) made (COLLABORATOR or more on the "
        "lead); an opportunity the conversion created stays linked, and the lead stays converted. userErrors: "
        "NOT_FOUND, FORBIDDEN, NOT_LINKED, INVALID_INPUT (created by the conversion), ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def unlink_opportunity(
        self, info: Info, input: MutationInput[UnlinkOpportunityInput]
    ) -> UnlinkOpportunityPayload:
        result, errors = await conversion.unlink(info.context, input.lead_id, input.opportunity_id)
        if result is None:
            return UnlinkOpportunityPayload(user_errors=user_errors(errors))
        return UnlinkOpportunityPayload(lead=result.lead, opportunity=result.opportunity)


@strawberry.enum(description="Whether converting the lead created the opportunity or an existing one was linked.")
class OpportunityLinkHow(Enum):
    CREATED = strawberry.enum_value("CREATED", description="Converting the lead created the opportunity.")
    LINKED = strawberry.enum_value("LINKED", description="An existing opportunity was linked to the lead.")


@strawberry.type(description="How and when an opportunity came from a lead, and by whom.")
class LeadOpportunityLink:
    @strawberry.field(description="When (UTC).")
    def linked_at(self, link: strawberry.Parent[models.LeadOpportunity]) -> datetime:
        return link.created_at

    @strawberry.field(description="Whether converting the lead created the opportunity, or an existing one was linked.")
    def how(self, link: strawberry.Parent[models.LeadOpportunity]) -> OpportunityLinkHow:
        return OpportunityLinkHow.CREATED if link.created_by_conversion else OpportunityLinkHow.LINKED

    @strawberry.field(
        graphql_type=User | None, description="Who converted or linked; null when the viewer cannot see that user."
    )
    def by(self, link: strawberry.Parent[models.LeadOpportunity], info: Info) -> Loaded[models.User | None]:
        return load_now(info.context.loaders.user, link.actor_id)

    @strawberry.field(graphql_type=LeadRef | None, description="The lead.")
    def lead(self, link: strawberry.Parent[models.LeadOpportunity], info: Info) -> Loaded[models.Lead | None]:
        return load_now(info.context.loaders.get(loaders.lead_loader), link.lead_id)

    @strawberry.field(graphql_type=OpportunityRef | None, description="The opportunity.")
    def opportunity(
        self, link: strawberry.Parent[models.LeadOpportunity], info: Info
    ) -> Loaded[models.Opportunity | None]:
        return load_now(info.context.loaders.get(loaders.opportunity_loader), link.opportunity_id)


@strawberry.type
class RecordConversion:
    """Conversion fields of Lead and Opportunity, read from their record."""

    @strawberry.field(
        graphql_type=list[ConversionEvent],
        description="Conversions, links, unlinks, undone conversions and merges of this record, oldest first.",
    )
    async def events(
        self, record: strawberry.Parent[models.Lead | models.Opportunity], info: Info
    ) -> list[models.ConversionEvent]:
        return await conversion_events.events_of(info, record)

    @strawberry.field(
        graphql_type=list[LeadOpportunityLink],
        description="On a lead: each opportunity it led to. On an opportunity: each lead it came from. "
        "Only links whose other side the viewer can see.",
    )
    async def conversion_links(
        self, record: strawberry.Parent[models.Lead | models.Opportunity], info: Info
    ) -> list[models.LeadOpportunity]:
        return await conversion_links.links_of(info, record)

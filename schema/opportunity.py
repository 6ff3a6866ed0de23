"""Opportunities, stages, accounts, contacts and the company directory: types, queries and
mutations. Account and Contact live in schema/account.py and are re-exported here."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from models.rows import Row, is_row_of
from resolvers import accounts, loaders, opportunities
from resolvers.context import Info
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
from schema.account import Account, AccountMutation, AccountQuery, Contact
from schema.collaboration import RecordCollaboration
from schema.company import Company
from schema.connection import After, Before, Connection, Edge, First, Last
from schema.conversion import RecordConversion
from schema.enums import ForecastCategory, OrderDirection, describe_values
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.mutation_results import MutationInput, given_fields
from schema.planner import batched
from schema.template import OpportunityTemplate
from schema.user import User

if TYPE_CHECKING:
    from schema.lead import Lead

LeadRef = Annotated["Lead", strawberry.lazy("schema.lead")]

__all__ = ["Account", "Contact", "Opportunity", "OpportunityMutation", "OpportunityQuery", "OpportunityStage"]


@strawberry.type(description="A step of the sales process with its default probability and forecast category.")
class OpportunityStage(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description='The stage\'s name, such as "Prospecting" or "Closed Won"; unique.')
    probability: int = strawberry.field(
        description="The probability, from 0 to 100 percent, of an opportunity at this stage that sets none of its own."
    )
    forecast_category: ForecastCategory = strawberry.field(
        description="How opportunities at this stage count in the forecast."
    )
    is_closed: bool = strawberry.field(description="Whether an opportunity at this stage is closed (won or lost).")
    is_won: bool = strawberry.field(description="Whether an opportunity at this stage is won.")
    sort_order: int = strawberry.field(
        description="The stage's place in the sales process: stages are listed by it, lowest first."
    )

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.OpportunityStage)) or is_row_of(obj, models.OpportunityStage)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await opportunities.nodes_of(info.context, loaders.stage_loader, node_ids)


@strawberry.type(
    description="A deal in progress, moving through stages: created with createOpportunity or by converting a lead. "
    "Visible to its members and to the users access policies give a role; for anyone else it does not exist."
)
class Opportunity(RecordCollaboration, RecordConversion, relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The opportunity's name; at most 255 characters.")
    currency: str | None = strawberry.field(
        description='The ISO 4217 code of `amount`, such as "EUR"; null when not set.'
    )
    close_date: date | None = strawberry.field(
        description="When the deal is expected to close, or closed; null when unknown."
    )
    created_at: datetime = strawberry.field(description="When the opportunity was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the opportunity last changed (UTC).")

    @strawberry.field(
        graphql_type=Account | None, description="The customer account the deal is with; null when none is set."
    )
    def account(self, opportunity: strawberry.Parent[models.Opportunity], info: Info) -> Loaded[models.Account | None]:
        if opportunity.account_id is None:
            return None
        return load_now(info.context.loaders.get(record_account_loader), opportunity.account_id)

    @strawberry.field(
        graphql_type=OpportunityTemplate | None,
        description="The template the conversion that created the opportunity used; null for an opportunity made with "
        "createOpportunity.",
    )
    def template(
        self, opportunity: strawberry.Parent[models.Opportunity], info: Info
    ) -> Loaded[models.OpportunityTemplate | None]:
        if opportunity.template_id is None:
            return None
        return load_now(info.context.loaders.get(loaders.template_loader), opportunity.template_id)

    @strawberry.field(
        graphql_type=Contact | None,
        description="The customer's contact person for the deal, a contact of `account` when both are set; null when "
        "none is set.",
    )
    def contact(self, opportunity: strawberry.Parent[models.Opportunity], info: Info) -> Loaded[models.Contact | None]:
        if opportunity.contact_id is None:
            return None
        return load_now(info.context.loaders.get(record_contact_loader), opportunity.contact_id)

    @strawberry.field(
        description="The deal's value in `currency`, with at most two decimal places; null when not set, and always "
        "null for a viewer whose role is PARTICIPANT.",
        metadata=batched(opportunities.amounts),
    )
    async def amount(self, opportunity: strawberry.Parent[models.Opportunity], info: Info) -> Decimal | None:
        return await opportunities.amount(info.context, opportunity)

    @strawberry.field(
        graphql_type=OpportunityStage,
        description="Where the deal is in the sales process.",
        metadata=batched(opportunities.stages_of),
    )
    async def stage(
        self, opportunity: strawberry.Parent[models.Opportunity], info: Info
    ) -> models.OpportunityStage | Row:
        return await opportunities.stage_of(info.context, opportunity)

    @strawberry.field(
        description="The chance of winning, from 0 to 100 percent: the probability set on the opportunity, else its "
        "stage's."
    )
    async def probability(self, opportunity: strawberry.Parent[models.Opportunity], info: Info) -> int:
        return await opportunities.probability(info.context, opportunity)

    @strawberry.field(
        description="The amount times the probability / 100, in `currency`, rounded to the cent; null without an "
        "amount, and always null for a viewer whose role is PARTICIPANT."
    )
    async def expected_revenue(self, opportunity: strawberry.Parent[models.Opportunity], info: Info) -> Decimal | None:
        return await opportunities.expected_revenue(info.context, opportunity)

    @strawberry.field(description="How the opportunity counts in the forecast: its stage's category.")
    async def forecast_category(
        self, opportunity: strawberry.Parent[models.Opportunity], info: Info
    ) -> ForecastCategory:
        return (await opportunities.stage_of(info.context, opportunity)).forecast_category

    @strawberry.field(description="Whether the opportunity is closed (won or lost): its stage says so.")
    async def is_closed(self, opportunity: strawberry.Parent[models.Opportunity], info: Info) -> bool:
        return (await opportunities.stage_of(info.context, opportunity)).is_closed

    @strawberry.field(description="Whether the opportunity is won: its stage says so.")
    async def is_won(self, opportunity: strawberry.Parent[models.Opportunity], info: Info) -> bool:
        return (await opportunities.stage_of(info.context, opportunity)).is_won

    @strawberry.field(
        graphql_type=Company,
        description="The company that brought the deal.",
        metadata=batched(references(company_of, "sourced_by_id")),
    )
    def sourced_by(
        self, opportunity: strawberry.Parent[models.Opportunity], info: Info
    ) -> Loaded[models.Company | Row | None]:
        return load_now(info.context.loaders.company, opportunity.sourced_by_id)

    @strawberry.field(
        graphql_type=Company | None,
        description="The partner company on the deal; null when there is none.",
        metadata=batched(references(company_of, "partner_id")),
    )
    def partner(
        self, opportunity: strawberry.Parent[models.Opportunity], info: Info
    ) -> Loaded[models.Company | Row | None]:
        if opportunity.partner_id is None:
            return None
        return load_now(info.context.loaders.company, opportunity.partner_id)

    @strawberry.field(
        graphql_type=User,
        description="The user who created the opportunity, or converted the lead that created it.",
        metadata=batched(references(record_users_of, "owner_id")),
    )
    def owner(self, opportunity: strawberry.Parent[models.Opportunity], info: Info) -> Loaded[Row | None]:
        return load_now(info.context.loaders.get(record_user_loader), opportunity.owner_id)

    @strawberry.field(
        description="The leads the viewer can see that this opportunity came from or was linked to, oldest first."
    )
    async def leads(
        self,
        opportunity: strawberry.Parent[models.Opportunity],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[LeadRef]:
        key = opportunities.nested_page_key(
            info.context, "Opportunity.leads", opportunity.id, first, after, last, before
        )
        return Connection.from_page(await info.context.loaders.get(opportunities.opportunity_leads_loader).load(key))

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.Opportunity))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await opportunities.nodes_of(info.context, loaders.opportunity_loader, node_ids)


OpportunityOrderField = opportunities.OpportunityOrderField
describe_values(
    strawberry.enum(
        OpportunityOrderField,
        name="OpportunityOrderField",
        description="What `opportunities` can be sorted by.",
    ),
    {
        "CREATED_AT": "When the opportunity was created.",
        "UPDATED_AT": "When the opportunity last changed.",
        "CLOSE_DATE": "The close date; opportunities without one come last either way.",
        "AMOUNT": "The amount; opportunities without one, or whose amount the viewer may not read, come last either "
        "way.",
        "NAME": "The name, ignoring case.",
    },
)


@strawberry.input(description="How `opportunities` are sorted; ties are broken by creation order.")
class OpportunityOrder:
    field: OpportunityOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="Which way; newest, largest or Z first by default."
    )


@strawberry.input(description="Every given condition must hold; an ID that is not a visible record's matches nothing.")
class OpportunityFilter:
    stage_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Keep opportunities at any of these stages."
    )
    is_closed: bool | None = strawberry.field(
        default=None, description="True keeps closed opportunities (won or lost), false open ones."
    )
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Keep opportunities with this partner company."
    )
    sourced_by_id: strawberry.ID | None = strawberry.field(
        default=None, description="Keep opportunities brought by this company."
    )
    account_id: strawberry.ID | None = strawberry.field(
        default=None, description="Keep opportunities with this account."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Keep opportunities whose name contains this text, ignoring case; blank matches every "
        "opportunity. At most 200 characters: longer is a BAD_USER_INPUT error.",
    )


@strawberry.input(description="A new opportunity; fields left out are empty.")
class CreateOpportunityInput:
    name: str = strawberry.field(description="The opportunity's name; required, at most 255 characters.")
    amount: Decimal | None = strawberry.field(
        default=None,
        description="The deal's value: not negative, at most two decimal places and 16 digits before the dot.",
    )
    currency: str | None = strawberry.field(
        default=None, description='The ISO 4217 code of `amount`, such as "EUR"; any case.'
    )
    close_date: date | None = strawberry.field(default=None, description="When the deal is expected to close.")
    account_id: strawberry.ID | None = strawberry.field(
        default=None, description="The customer account, one the viewer can see (else NOT_FOUND)."
    )
    contact_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The contact person, one the viewer can see (else NOT_FOUND) and of `accountId` when both are "
        "given (else INVALID_INPUT).",
    )
    stage_id: strawberry.ID | None = strawberry.field(
        default=None, description="The stage to start at; the first stage, Prospecting, when left out."
    )
    probability: int | None = strawberry.field(
        default=None, description="The chance of winning, from 0 to 100 percent; leave it out to follow the stage."
    )
    sourced_by_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The company that brings the deal: only the viewer's own company (the default); another is "
        "FORBIDDEN.",
    )
    partner_id: strawberry.ID | None = strawberry.field(default=None, description="The partner company on the deal.")


@strawberry.input(description="A field left out is untouched; an explicit null clears it.")
class UpdateOpportunityInput:
    opportunity_id: strawberry.ID = strawberry.field(description="The opportunity to change.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="The opportunity's name; at most 255 characters; cannot be cleared."
    )
    amount: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="The deal's value: not negative, at most two decimal places and 16 digits before the dot.",
    )
    currency: str | None = strawberry.field(
        default=strawberry.UNSET, description='The ISO 4217 code of `amount`, such as "EUR"; any case.'
    )
    close_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="When the deal is expected to close."
    )
    account_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The customer account, one the viewer can see; the contact must belong to it.",
    )
    contact_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The contact person, one the viewer can see and of the opportunity's account when it has one.",
    )
    stage_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The new stage; cannot be cleared."
    )
    probability: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The chance of winning, from 0 to 100 percent; null makes it follow the stage again.",
    )
    partner_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The partner company on the deal; null removes it."
    )


@strawberry.type(description="The result of createOpportunity.")
class CreateOpportunityPayload:
    opportunity: models.Opportunity | None = strawberry.field(
        graphql_type=Opportunity | None, default=None, description="The new opportunity; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

    @strawberry.field(
        graphql_type=Edge[Opportunity] | None,
        description=(
            "The new opportunity's edge in `opportunities` in its default order (newest first), for Relay's "
            "@prependEdge; its cursor pages that list. Null when the opportunity was not created."
        ),
    )
    async def opportunity_edge(self, info: Info) -> Edge[models.Opportunity] | None:
        if self.opportunity is None:
            return None
        cursor = await opportunities.opportunity_edge_cursor(info.context, self.opportunity)
        return Edge(cursor=cursor, node=self.opportunity)


@strawberry.type(description="The result of updateOpportunity.")
class UpdateOpportunityPayload:
    opportunity: models.Opportunity | None = strawberry.field(
        graphql_type=Opportunity | None, default=None, description="The opportunity as changed; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


VALUE_FIELDS = ("name", "amount", "currency", "close_date", "probability")
REFERENCE_FIELDS = {"stage": "stage_id", "account": "account_id", "contact": "contact_id", "partner": "partner_id"}


@strawberry.type
class OpportunityQuery(AccountQuery):
    @strawberry.field(
        graphql_type=Opportunity | None,
        description="The opportunity with this ID; null when it does not exist for the viewer.",
    )
    async def opportunity(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The opportunity's global ID.")],
    ) -> models.Opportunity | None:
        return await opportunities.opportunity_by_id(info.context, id)

    @strawberry.field(
        description="The opportunities the viewer can see that match `filter`, newest first unless `orderBy` says "
        "otherwise."
    )
    async def opportunities(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            OpportunityFilter | None,
            strawberry.argument(description="Which opportunities to keep; all when left out."),
        ] = None,
        order_by: Annotated[
            OpportunityOrder | None,
            strawberry.argument(description="How to sort them; newest first when left out."),
        ] = None,
    ) -> Connection[Opportunity]:
        given = filter or OpportunityFilter()
        order = order_by or OpportunityOrder(field=opportunities.OpportunityOrderField.CREATED_AT)
        page = await opportunities.list_opportunities(
            info.context,
            first=first,
            after=after,
            last=last,
            before=before,
            given=opportunities.OpportunityCriteria(
                stage_ids=given.stage_ids,
                is_closed=given.is_closed,
                partner_id=given.partner_id,
                sourced_by_id=given.sourced_by_id,
                account_id=given.account_id,
                search=given.search,
            ),
            order=opportunities.OpportunityOrderField(order.field),
            descending=order.direction is OrderDirection.DESC,
        )
        return Connection.from_page(page)

    @strawberry.field(description="Every stage of the sales process, in order; the same for every user.")
    async def stages(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[OpportunityStage]:
        return Connection.from_page(await opportunities.stages(info.context, first, after, last, before))

    @strawberry.field(
        description="The companies of the partner network, by name: every signed-in user sees all of them."
    )
    async def companies(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        search: Annotated[
            str | None,
            strawberry.argument(description="Keep companies whose name or domain contains this text, ignoring case."),
        ] = None,
    ) -> Connection[Company]:
        page = await accounts.list_companies(
            info.context, first=first, after=after, last=last, before=before, search=search
        )
        return Connection.from_page(page)


@strawberry.type
class OpportunityMutation(AccountMutation):
    @strawberry.mutation(
        description="Create an opportunity sourced by the viewer's company, with the viewer as its owner and direct "
        "OWNER. userErrors: INVALID_INPUT, NOT_FOUND (a referenced record), FORBIDDEN (another company as "
        "sourcedById), CONFLICT."
    )
    async def create_opportunity(
        self, info: Info, input: MutationInput[CreateOpportunityInput]
    ) -> CreateOpportunityPayload:
        reference_ids = {
            "sourced_by": input.sourced_by_id,
            **{name: getattr(input, id_field) for name, id_field in REFERENCE_FIELDS.items()},
        }
        reference_ids = {name: value for name, value in reference_ids.items() if value is not None}
        opportunity, errors = await opportunities.create(
            info.context, given_fields(input, only=VALUE_FIELDS), reference_ids
        )
        return CreateOpportunityPayload(opportunity=opportunity, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Change an opportunity's fields (COLLABORATOR or more). userErrors: NOT_FOUND, FORBIDDEN, "
        "INVALID_INPUT, CONFLICT."
    )
    async def update_opportunity(
        self, info: Info, input: MutationInput[UpdateOpportunityInput]
    ) -> UpdateOpportunityPayload:
        reference_ids = {
            name: getattr(input, id_field)
            for name, id_field in REFERENCE_FIELDS.items()
            if getattr(input, id_field) is not strawberry.UNSET
        }
        opportunity, errors = await opportunities.update(
            info.context, input.opportunity_id, given_fields(input, only=VALUE_FIELDS), reference_ids
        )
        return UpdateOpportunityPayload(opportunity=opportunity, user_errors=user_errors(errors))

"""Opportunities, stages, accounts, contacts and the company directory: types, queries and
mutations. Account and Contact live in schema/account.py and are re-exported here."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from resolvers import accounts, loaders, opportunities
from resolvers.context import Info
from resolvers.loaders import load_now, record_account_loader, record_contact_loader, record_user_loader
from schema.account import Account, AccountMutation, AccountQuery, Contact
from schema.collaboration import RecordCollaboration
from schema.company import Company
from schema.connection import After, Before, Connection, Edge, First, Last
from schema.conversion import RecordConversion
from schema.enums import ForecastCategory, OrderDirection
from schema.errors import UserError, user_errors
from schema.mutation_results import given_fields
from schema.template import OpportunityTemplate
from schema.user import User

if TYPE_CHECKING:
    from schema.lead import Lead

LeadRef = Annotated["Lead", strawberry.lazy("schema.lead")]

__all__ = ["Account", "Contact", "Opportunity", "OpportunityMutation", "OpportunityQuery", "OpportunityStage"]


@strawberry.type(description="A step of the sales process with its default probability and forecast category.")
class OpportunityStage(relay.Node):
    id: relay.NodeID[int]
    name: str
    probability: int = strawberry.field(description="The probability of an opportunity at this stage, 0 to 100.")
    forecast_category: ForecastCategory  # type: ignore[valid-type]
    is_closed: bool
    is_won: bool
    sort_order: int

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.OpportunityStage))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[models.OpportunityStage | None]:
        return await opportunities.nodes_of(info.context, loaders.stage_loader, node_ids)


@strawberry.type(description="A deal in progress, moving through stages.")
class Opportunity(RecordCollaboration, RecordConversion, relay.Node):
    id: relay.NodeID[int]
    name: str
    currency: str | None
    close_date: date | None
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    def account(self, info: Info) -> Account | None:
        if self.account_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.get(record_account_loader), self.account_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="The template the opportunity was made from, when a conversion made it.")
    def template(self, info: Info) -> OpportunityTemplate | None:
        if self.template_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.get(loaders.template_loader), self.template_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def contact(self, info: Info) -> Contact | None:
        if self.contact_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.get(record_contact_loader), self.contact_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="Null for a viewer whose role is PARTICIPANT.")
    async def amount(self, info: Info) -> Decimal | None:
        return await opportunities.amount(info.context, self)  # type: ignore[arg-type]

    @strawberry.field
    async def stage(self, info: Info) -> OpportunityStage:
        return await opportunities.stage_of(info.context, self)  # type: ignore[arg-type,return-value]

    @strawberry.field(description="The probability set on the opportunity, else its stage's.")
    async def probability(self, info: Info) -> int:
        return await opportunities.probability(info.context, self)  # type: ignore[arg-type]

    @strawberry.field(description="amount x probability / 100; null for a viewer whose role is PARTICIPANT.")
    async def expected_revenue(self, info: Info) -> Decimal | None:
        return await opportunities.expected_revenue(info.context, self)  # type: ignore[arg-type]

    @strawberry.field(description="The stage's forecast category.")
    async def forecast_category(self, info: Info) -> ForecastCategory:  # type: ignore[valid-type]
        return (await opportunities.stage_of(info.context, self)).forecast_category  # type: ignore[arg-type]

    @strawberry.field(description="Whether the stage closes the opportunity.")
    async def is_closed(self, info: Info) -> bool:
        return (await opportunities.stage_of(info.context, self)).is_closed  # type: ignore[arg-type]

    @strawberry.field(description="Whether the stage is a win.")
    async def is_won(self, info: Info) -> bool:
        return (await opportunities.stage_of(info.context, self)).is_won  # type: ignore[arg-type]

    @strawberry.field
    def sourced_by(self, info: Info) -> Company:
        return load_now(info.context.loaders.company, self.sourced_by_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def partner(self, info: Info) -> Company | None:
        if self.partner_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.company, self.partner_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def owner(self, info: Info) -> User:
        return load_now(info.context.loaders.get(record_user_loader), self.owner_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="The leads the viewer can see that this opportunity came from or was linked to, oldest first.")
    async def leads(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[LeadRef]:
        key = opportunities.nested_page_key(info.context, "Opportunity.leads", self.id, first, after, last, before)
        return Connection.from_page(await info.context.loaders.get(opportunities.opportunity_leads_loader).load(key))

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.Opportunity))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[models.Opportunity | None]:
        return await opportunities.nodes_of(info.context, loaders.opportunity_loader, node_ids)


OpportunityOrderField = strawberry.enum(opportunities.OpportunityOrderField, name="OpportunityOrderField")


@strawberry.input(description="How `opportunities` are sorted; ties are broken by creation order.")
class OpportunityOrder:
    field: OpportunityOrderField  # type: ignore[valid-type]
    direction: OrderDirection = OrderDirection.DESC


@strawberry.input(description="Every given condition must hold; an ID that is not a visible record's matches nothing.")
class OpportunityFilter:
    stage_ids: list[strawberry.ID] | None = None
    is_closed: bool | None = None
    partner_id: strawberry.ID | None = None
    sourced_by_id: strawberry.ID | None = None
    account_id: strawberry.ID | None = None
    search: str | None = strawberry.field(
        default=None, description="Part of the name, in any case; at most 200 characters (longer is BAD_USER_INPUT)."
    )


@strawberry.input
class CreateOpportunityInput:
    name: str
    amount: Decimal | None = None
    currency: str | None = None
    close_date: date | None = None
    account_id: strawberry.ID | None = None
    contact_id: strawberry.ID | None = None
    stage_id: strawberry.ID | None = strawberry.field(default=None, description="Defaults to the first stage, Prospecting.")
    probability: int | None = strawberry.field(default=None, description="Leave it out to follow the stage.")
    sourced_by_id: strawberry.ID | None = strawberry.field(default=None, description="Only the viewer's company, the default.")
    partner_id: strawberry.ID | None = None


@strawberry.input(description="A field left out is untouched; an explicit null clears it.")
class UpdateOpportunityInput:
    opportunity_id: strawberry.ID
    name: str | None = strawberry.UNSET
    amount: Decimal | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    close_date: date | None = strawberry.UNSET
    account_id: strawberry.ID | None = strawberry.UNSET
    contact_id: strawberry.ID | None = strawberry.UNSET
    stage_id: strawberry.ID | None = strawberry.UNSET
    probability: int | None = strawberry.field(
        default=strawberry.UNSET, description="Null makes the probability follow the stage again."
    )
    partner_id: strawberry.ID | None = strawberry.UNSET


@strawberry.type
class CreateOpportunityPayload:
    opportunity: Opportunity | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @strawberry.field(
        description=(
            "The new opportunity's edge in `opportunities` in its default order (newest first), for Relay's "
            "@prependEdge; its cursor pages that list. Null when the opportunity was not created."
        )
    )
    async def opportunity_edge(self, info: Info) -> Edge[Opportunity] | None:
        if self.opportunity is None:
            return None
        cursor = await opportunities.opportunity_edge_cursor(info.context, self.opportunity)  # type: ignore[arg-type]
        return Edge(cursor=cursor, node=self.opportunity)


@strawberry.type
class UpdateOpportunityPayload:
    opportunity: Opportunity | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


VALUE_FIELDS = ("name", "amount", "currency", "close_date", "probability")
REFERENCE_FIELDS = {"stage": "stage_id", "account": "account_id", "contact": "contact_id", "partner": "partner_id"}


@strawberry.type
class OpportunityQuery(AccountQuery):
    @strawberry.field(description="The opportunity; null when the viewer cannot see it.")
    async def opportunity(self, info: Info, id: strawberry.ID) -> Opportunity | None:
        return await opportunities.opportunity_by_id(info.context, id)  # type: ignore[return-value]

    @strawberry.field(description="Opportunities the viewer can see; newest first unless `orderBy` says otherwise.")
    async def opportunities(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: OpportunityFilter | None = None,
        order_by: OpportunityOrder | None = None,
    ) -> Connection[Opportunity]:
        given = filter or OpportunityFilter()
        order = order_by or OpportunityOrder(field=opportunities.OpportunityOrderField.CREATED_AT)
        page = await opportunities.list_opportunities(
            info.context,
            first=first,
            after=after,
            last=last,
            before=before,
            given=opportunities.OpportunityFilter(
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

    @strawberry.field(description="The stages of the sales process, in order.")
    async def stages(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[OpportunityStage]:
        return Connection.from_page(await opportunities.stages(info.context, first, after, last, before))

    @strawberry.field(description="The companies of the network, by name; `search` matches name or domain.")
    async def companies(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        search: str | None = None,
    ) -> Connection[Company]:
        page = await accounts.list_companies(info.context, first=first, after=after, last=last, before=before, search=search)
        return Connection.from_page(page)


@strawberry.type
class OpportunityMutation(AccountMutation):
    @strawberry.mutation(description="Create an opportunity; the viewer becomes its owner and direct OWNER.")
    async def create_opportunity(self, info: Info, input: CreateOpportunityInput) -> CreateOpportunityPayload:
        reference_ids = {"sourced_by": input.sourced_by_id, **{name: getattr(input, id_field) for name, id_field in REFERENCE_FIELDS.items()}}
        reference_ids = {name: value for name, value in reference_ids.items() if value is not None}
        opportunity, errors = await opportunities.create(info.context, given_fields(input, only=VALUE_FIELDS), reference_ids)
        return CreateOpportunityPayload(opportunity=opportunity, user_errors=user_errors(errors))  # type: ignore[arg-type]

    @strawberry.mutation(description="Change an opportunity's fields (COLLABORATOR or more).")
    async def update_opportunity(self, info: Info, input: UpdateOpportunityInput) -> UpdateOpportunityPayload:
        reference_ids = {
            name: getattr(input, id_field)
            for name, id_field in REFERENCE_FIELDS.items()
            if getattr(input, id_field) is not strawberry.UNSET
        }
        opportunity, errors = await opportunities.update(
            info.context, input.opportunity_id, given_fields(input, only=VALUE_FIELDS), reference_ids
        )
        return UpdateOpportunityPayload(opportunity=opportunity, user_errors=user_errors(errors))  # type: ignore[arg-type]

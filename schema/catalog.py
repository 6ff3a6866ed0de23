"""Catalogs: sales plans, solutions and partner programs, and linking them to records."""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry
from strawberry import relay
from tortoise.models import Model

import models
from models.catalog import EntryRow
from models.rows import Row
from permissions import scopes
from resolvers import catalog as catalog_resolvers
from resolvers.context import Info
from resolvers.loaders import DataLoader, Loaded, company_of, load_now, references
from resolvers.nodes import load_nodes
from schema.company import Company
from schema.connection import After, Before, Connection, Edge, First, Last
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.mutation_results import MutationInput, given, on_record
from schema.planner import batched

if TYPE_CHECKING:
    from schema.lead import Lead
    from schema.opportunity import Opportunity

LeadRef = Annotated["Lead", strawberry.lazy("schema.lead")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("schema.opportunity")]


@strawberry.type
class CatalogEntry(relay.Node):
    """What the three catalogs share; each names its model and its scoped loader."""

    id: relay.NodeID[int]
    name: str = strawberry.field(
        description="The entry's name, unique within its company's catalog whatever the case; at most 200 characters."
    )
    created_at: datetime = strawberry.field(description="When the entry was created (UTC).")
    model: ClassVar[type[Model]]
    loader: ClassVar[Callable[[models.User], DataLoader[int, Any]]]

    @strawberry.field(
        graphql_type=Company,
        description="The company whose catalog holds the entry.",
        metadata=batched(references(company_of, "company_id")),
    )
    def company(
        self,
        entry: strawberry.Parent[models.SalesPlan | models.Solution | models.PartnerProgram | EntryRow],
        info: Info,
    ) -> Loaded[models.Company | Row | None]:
        return load_now(info.context.loaders.company, entry.company_id)

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, cls.model)) or (isinstance(obj, EntryRow) and obj.model is cls.model)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await load_nodes(info.context.loaders.get(cls.loader), node_ids)


@strawberry.type(description="A company's sales plan that leads and opportunities can be linked to.")
class SalesPlan(CatalogEntry):
    model = models.SalesPlan
    loader = catalog_resolvers.sales_plan_loader


@strawberry.type(description="A product or solution a company offers.")
class Solution(CatalogEntry):
    model = models.Solution
    loader = catalog_resolvers.solution_loader


@strawberry.type(description="A partner program a company runs.")
class PartnerProgram(CatalogEntry):
    model = models.PartnerProgram
    loader = catalog_resolvers.partner_program_loader


@strawberry.input(description="Exactly one of leadId and opportunityId, and the entries to link.")
class LinkCatalogInput:
    lead_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The lead to link them to; give this or opportunityId."
    )
    opportunity_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The opportunity to link them to; give this or leadId."
    )
    sales_plan_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Sales plans to link; unknown ones are NOT_FOUND at their index."
    )
    solution_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Solutions to link; unknown ones are NOT_FOUND at their index."
    )
    partner_program_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Partner programs to link; unknown ones are NOT_FOUND at their index."
    )


@strawberry.input(description="Exactly one of leadId and opportunityId, and the entries to unlink.")
class UnlinkCatalogInput:
    lead_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The lead to unlink them from; give this or opportunityId."
    )
    opportunity_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The opportunity to unlink them from; give this or leadId."
    )
    sales_plan_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Sales plans to unlink; unknown ones are NOT_FOUND at their index."
    )
    solution_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Solutions to unlink; unknown ones are NOT_FOUND at their index."
    )
    partner_program_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Partner programs to unlink; unknown ones are NOT_FOUND at their index."
    )


@strawberry.type(description="The result of linkCatalog.")
class LinkCatalogPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=LeadRef | None,
        default=None,
        description="The lead with its links, when the input named one; null when refused.",
    )
    opportunity: models.Opportunity | None = strawberry.field(
        graphql_type=OpportunityRef | None,
        default=None,
        description="The opportunity with its links, when the input named one; null when refused.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="The result of unlinkCatalog.")
class UnlinkCatalogPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=LeadRef | None,
        default=None,
        description="The lead with its links, when the input named one; null when refused.",
    )
    opportunity: models.Opportunity | None = strawberry.field(
        graphql_type=OpportunityRef | None,
        default=None,
        description="The opportunity with its links, when the input named one; null when refused.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.input(description="A new sales plan of the admin's company.")
class CreateSalesPlanInput:
    name: str = strawberry.field(
        description="The name; required, at most 200 characters, unique in the company's sales plans whatever the case."
    )


@strawberry.input(description="A new solution of the admin's company.")
class CreateSolutionInput:
    name: str = strawberry.field(
        description="The name; required, at most 200 characters, unique in the company's solutions whatever the case."
    )


@strawberry.input(description="A new partner program of the admin's company.")
class CreatePartnerProgramInput:
    name: str = strawberry.field(
        description="The name; required, at most 200 characters, unique in the company's partner programs whatever the "
        "case."
    )


@strawberry.type(description="The result of createSalesPlan.")
class CreateSalesPlanPayload:
    sales_plan: models.SalesPlan | None = strawberry.field(
        graphql_type=SalesPlan | None, default=None, description="The new sales plan; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

    @strawberry.field(
        graphql_type=Edge[SalesPlan] | None,
        description="The new entry's edge in `salesPlans` (by name), for Relay's @appendEdge; null when it was not created.",
    )
    def sales_plan_edge(self, info: Info) -> Edge[models.SalesPlan] | None:
        if self.sales_plan is None:
            return None
        return Edge(cursor=catalog_resolvers.entry_edge_cursor(info.context, self.sales_plan), node=self.sales_plan)


@strawberry.type(description="The result of createSolution.")
class CreateSolutionPayload:
    solution: models.Solution | None = strawberry.field(
        graphql_type=Solution | None, default=None, description="The new solution; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

    @strawberry.field(
        graphql_type=Edge[Solution] | None,
        description="The new entry's edge in `solutions` (by name), for Relay's @appendEdge; null when it was not created.",
    )
    def solution_edge(self, info: Info) -> Edge[models.Solution] | None:
        if self.solution is None:
            return None
        return Edge(cursor=catalog_resolvers.entry_edge_cursor(info.context, self.solution), node=self.solution)


@strawberry.type(description="The result of createPartnerProgram.")
class CreatePartnerProgramPayload:
    partner_program: models.PartnerProgram | None = strawberry.field(
        graphql_type=PartnerProgram | None, default=None, description="The new partner program; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

    @strawberry.field(
        graphql_type=Edge[PartnerProgram] | None,
        description="The new entry's edge in `partnerPrograms` (by name), for Relay's @appendEdge; null when it was not created.",
    )
    def partner_program_edge(self, info: Info) -> Edge[models.PartnerProgram] | None:
        if self.partner_program is None:
            return None
        return Edge(
            cursor=catalog_resolvers.entry_edge_cursor(info.context, self.partner_program), node=self.partner_program
        )


def catalog_ids(input: LinkCatalogInput | UnlinkCatalogInput) -> catalog_resolvers.CatalogIds:
    return catalog_resolvers.CatalogIds(
        sales_plan_ids=[str(value) for value in input.sales_plan_ids],
        solution_ids=[str(value) for value in input.solution_ids],
        partner_program_ids=[str(value) for value in input.partner_program_ids],
    )


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Sales plans of the network by name, optionally of one company.")
    async def sales_plans(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        company_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Keep the sales plans of this company; an ID that is not a Company's matches nothing."
            ),
        ] = None,
    ) -> Connection[SalesPlan]:
        page = await catalog_resolvers.entries_page(
            info.context,
            scopes.visible_sales_plans,
            first=first,
            after=after,
            last=last,
            before=before,
            company_id=company_id,
        )
        return Connection.from_page(page)

    @strawberry.field(description="Solutions of the network by name, optionally of one company.")
    async def solutions(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        company_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Keep the solutions of this company; an ID that is not a Company's matches nothing."
            ),
        ] = None,
    ) -> Connection[Solution]:
        page = await catalog_resolvers.entries_page(
            info.context,
            scopes.visible_solutions,
            first=first,
            after=after,
            last=last,
            before=before,
            company_id=company_id,
        )
        return Connection.from_page(page)

    @strawberry.field(description="Partner programs of the network by name, optionally of one company.")
    async def partner_programs(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        company_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Keep the partner programs of this company; an ID that is not a Company's matches nothing."
            ),
        ] = None,
    ) -> Connection[PartnerProgram]:
        page = await catalog_resolvers.entries_page(
            info.context,
            scopes.visible_partner_programs,
            first=first,
            after=after,
            last=last,
            before=before,
            company_id=company_id,
        )
        return Connection.from_page(page)


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(
        description="Link catalog entries of any company to a lead or an opportunity (COLLABORATOR or more); entries "
        "already linked stay linked. userErrors: INVALID_INPUT (not exactly one of leadId and opportunityId), "
        "NOT_FOUND (the record, or an entry at its index), FORBIDDEN, LEAD_CONVERTED, ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def link_catalog(self, info: Info, input: MutationInput[LinkCatalogInput]) -> LinkCatalogPayload:
        record, errors = await catalog_resolvers.change_links(
            info.context, given(input.lead_id), given(input.opportunity_id), catalog_ids(input), linking=True
        )
        return LinkCatalogPayload(**on_record(record), user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Unlink catalog entries from a lead or an opportunity (COLLABORATOR or more); entries not linked "
        "are ignored. userErrors: INVALID_INPUT (not exactly one of leadId and opportunityId), NOT_FOUND (the record, "
        "or an entry at its index), FORBIDDEN, LEAD_CONVERTED, ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def unlink_catalog(self, info: Info, input: MutationInput[UnlinkCatalogInput]) -> UnlinkCatalogPayload:
        record, errors = await catalog_resolvers.change_links(
            info.context, given(input.lead_id), given(input.opportunity_id), catalog_ids(input), linking=False
        )
        return UnlinkCatalogPayload(**on_record(record), user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Add a sales plan to the admin's company's catalog (company admins only). userErrors: FORBIDDEN "
        "(not an admin), INVALID_INPUT, CONFLICT (the name is taken)."
    )
    async def create_sales_plan(self, info: Info, input: MutationInput[CreateSalesPlanInput]) -> CreateSalesPlanPayload:
        entry, errors = await catalog_resolvers.create_entry(info.context, models.SalesPlan, input.name)
        return CreateSalesPlanPayload(sales_plan=entry, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Add a solution to the admin's company's catalog (company admins only). userErrors: FORBIDDEN (not "
        "an admin), INVALID_INPUT, CONFLICT (the name is taken)."
    )
    async def create_solution(self, info: Info, input: MutationInput[CreateSolutionInput]) -> CreateSolutionPayload:
        entry, errors = await catalog_resolvers.create_entry(info.context, models.Solution, input.name)
        return CreateSolutionPayload(solution=entry, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Add a partner program to the admin's company's catalog (company admins only). userErrors: "
        "FORBIDDEN (not an admin), INVALID_INPUT, CONFLICT (the name is taken)."
    )
    async def create_partner_program(
        self, info: Info, input: MutationInput[CreatePartnerProgramInput]
    ) -> CreatePartnerProgramPayload:
        entry, errors = await catalog_resolvers.create_entry(info.context, models.PartnerProgram, input.name)
        return CreatePartnerProgramPayload(partner_program=entry, user_errors=user_errors(errors))

"""Opportunity templates, conversion settings and the conversion preview."""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry import relay

import models
from models.template import OpportunityTemplate as OpportunityTemplateModel
from resolvers import loaders, templates
from resolvers.context import Info
from resolvers.loaders import load_now
from schema.connection import After, Before, Connection, Edge, First, Last
from schema.enums import MemberRole
from schema.errors import UserError, user_errors
from schema.mutation_results import given_fields
from schema.user import User

if TYPE_CHECKING:
    from schema.lead import Lead
    from schema.opportunity import Account, Contact, Opportunity, OpportunityStage

StageRef = Annotated["OpportunityStage", strawberry.lazy("schema.opportunity")]
AccountRef = Annotated["Account", strawberry.lazy("schema.opportunity")]
ContactRef = Annotated["Contact", strawberry.lazy("schema.opportunity")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("schema.opportunity")]
LeadRef = Annotated["Lead", strawberry.lazy("schema.lead")]


@strawberry.type(description="Which lead field fills which opportunity field.")
class FieldMapping:
    lead_field: str
    opportunity_field: str


@strawberry.type(description="How a conversion turns a lead into an opportunity.")
class OpportunityTemplate(relay.Node):
    id: relay.NodeID[int]
    name: str
    is_default: bool
    copy_members: bool
    copy_links: bool
    copy_company_sections: bool

    @strawberry.field
    def default_stage(self, info: Info) -> StageRef | None:
        if self.default_stage_id is None:  # type: ignore[attr-defined]
            return None
        return load_now(info.context.loaders.get(loaders.stage_loader), self.default_stage_id)  # type: ignore[attr-defined]

    @strawberry.field
    def field_mappings(self) -> list[FieldMapping]:
        return [
            FieldMapping(lead_field=templates.FIELD_TO_CAMEL[lead], opportunity_field=templates.FIELD_TO_CAMEL[opportunity])
            for lead, opportunity in self.mappings  # type: ignore[attr-defined]
        ]

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, OpportunityTemplateModel))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Any, required: bool = False) -> list[Any]:
        return await templates.templates_by_node_ids(info, node_ids)


@strawberry.type(description="A company's defaults for conversions that leave a choice out.")
class ConversionSettings:
    create_account: bool
    create_contact: bool
    create_opportunity: bool
    minimum_score: int | None

    @strawberry.field
    async def default_template(self, info: Info) -> OpportunityTemplate:
        return await templates.template_or_default(info.context, None)  # type: ignore[return-value]


@strawberry.input
class FieldMappingInput:
    lead_field: str
    opportunity_field: str


@strawberry.input
class CreateOpportunityTemplateInput:
    name: str
    copy_members: bool | None = strawberry.UNSET
    copy_links: bool | None = strawberry.UNSET
    copy_company_sections: bool | None = strawberry.UNSET
    default_stage_id: strawberry.ID | None = strawberry.UNSET
    field_mappings: list[FieldMappingInput] | None = strawberry.UNSET


@strawberry.input
class UpdateOpportunityTemplateInput:
    template_id: strawberry.ID
    name: str | None = strawberry.UNSET
    copy_members: bool | None = strawberry.UNSET
    copy_links: bool | None = strawberry.UNSET
    copy_company_sections: bool | None = strawberry.UNSET
    default_stage_id: strawberry.ID | None = strawberry.UNSET
    field_mappings: list[FieldMappingInput] | None = strawberry.UNSET


@strawberry.input
class UpdateConversionSettingsInput:
    create_account: bool | None = strawberry.UNSET
    create_contact: bool | None = strawberry.UNSET
    create_opportunity: bool | None = strawberry.UNSET
    default_template_id: strawberry.ID | None = strawberry.UNSET
    minimum_score: int | None = strawberry.UNSET


@strawberry.type
class OpportunityTemplatePayload:
    template: OpportunityTemplate | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @strawberry.field(
        description=(
            "The template's edge in `opportunityTemplates`, for Relay's @appendEdge; its cursor pages that list. "
            "Null when nothing was written."
        )
    )
    def template_edge(self, info: Info) -> Edge[OpportunityTemplate] | None:
        if self.template is None:
            return None
        return Edge(cursor=templates.template_edge_cursor(info.context, self.template), node=self.template)  # type: ignore[arg-type]


@strawberry.type
class UpdateConversionSettingsPayload:
    settings: ConversionSettings | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccountPreview:
    name: str | None
    website: str | None
    industry: str | None


@strawberry.type
class ContactPreview:
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    job_title: str | None


@strawberry.type
class PreviewMember:
    user: User
    role: MemberRole  # type: ignore[valid-type]


@strawberry.type
class OpportunityPreview:
    name: str | None
    amount: Decimal | None = strawberry.field(
        description="The amount the opportunity would get; null when there is none, or when the viewer's role on "
        "the lead (PARTICIPANT) may not read its money."
    )
    currency: str | None
    close_date: date | None
    probability: int | None
    stage: StageRef | None
    members: list[PreviewMember]
    sales_plan_names: list[str]
    solution_names: list[str]
    partner_program_names: list[str]
    activity_count: int
    section_companies: list[str] = strawberry.field(description="Names of the companies whose sections would be copied.")


@strawberry.type(description="What convertLead would create with the defaults, without writing anything.")
class ConversionPreview:
    template: OpportunityTemplate
    account: AccountPreview
    contact: ContactPreview
    opportunity: OpportunityPreview
    duplicate_accounts: list[AccountRef]
    duplicate_contacts: list[ContactRef]
    linkable_opportunities: list[OpportunityRef]
    blockers: list[UserError] = strawberry.field(description="What would refuse the conversion now; empty when it would succeed.")


async def build_preview(info: Info, lead_id: str, template_id: str | None) -> ConversionPreview:
    try:
        found = await templates.preview(info.context, lead_id, template_id)
    except models.DomainError as error:
        raise GraphQLError(error.message, extensions={"code": error.code}) from None
    if found is None:
        raise GraphQLError(f"No Lead with ID '{lead_id}'", extensions={"code": "NOT_FOUND"})
    opportunity = found.opportunity
    companies = await info.context.loaders.company.load_many([section.company_id for section in found.company_sections])
    company_names = {company.pk: company.name for company in companies if company is not None}
    return ConversionPreview(
        template=found.template,  # type: ignore[arg-type]
        account=AccountPreview(**{key: found.account.get(key) for key in ("name", "website", "industry")}),
        contact=ContactPreview(**{key: found.contact.get(key) for key in ("first_name", "last_name", "email", "phone", "job_title")}),
        opportunity=OpportunityPreview(
            name=opportunity.get("name"),
            amount=opportunity.get("amount"),
            currency=opportunity.get("currency"),
            close_date=opportunity.get("close_date"),
            probability=opportunity.get("probability_override"),
            stage=found.stage,  # type: ignore[arg-type]
            members=[PreviewMember(user=m.user, role=m.role) for m in found.members],  # type: ignore[arg-type]
            sales_plan_names=[entry.name for entry in found.sales_plans],
            solution_names=[entry.name for entry in found.solutions],
            partner_program_names=[entry.name for entry in found.partner_programs],
            activity_count=found.activity_count,
            section_companies=[company_names[s.company_id] for s in found.company_sections],
        ),
        duplicate_accounts=found.duplicate_accounts,  # type: ignore[arg-type]
        duplicate_contacts=found.duplicate_contacts,  # type: ignore[arg-type]
        linkable_opportunities=found.linkable_opportunities,  # type: ignore[arg-type]
        blockers=user_errors(found.blockers),
    )


@strawberry.type
class TemplateQuery:
    @strawberry.field(
        description="The built-in Standard template and the viewer's company's templates: the default first, then by name."
    )
    async def opportunity_templates(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[OpportunityTemplate]:
        return Connection.from_page(await templates.templates_page(info.context, first, after, last, before))

    @strawberry.field(description="The viewer's company's conversion settings.")
    async def conversion_settings(self, info: Info) -> ConversionSettings:
        return await templates.settings_of(info.context)  # type: ignore[return-value]

    @strawberry.field(
        description="What convertLead would create for the lead, without writing; a NOT_FOUND error when the lead is not visible."
    )
    async def conversion_preview(self, info: Info, lead_id: strawberry.ID, template_id: strawberry.ID | None = None) -> ConversionPreview:
        return await build_preview(info, lead_id, template_id)


@strawberry.type
class TemplateMutation:
    @strawberry.mutation(description="Create a template for the admin's company.")
    async def create_opportunity_template(self, info: Info, input: CreateOpportunityTemplateInput) -> OpportunityTemplatePayload:
        template, errors = await templates.create_template(info.context, given_fields(input))
        return OpportunityTemplatePayload(template=template, user_errors=user_errors(errors))  # type: ignore[arg-type]

    @strawberry.mutation(description="Change a template of the admin's company.")
    async def update_opportunity_template(self, info: Info, input: UpdateOpportunityTemplateInput) -> OpportunityTemplatePayload:
        template, errors = await templates.update_template(info.context, input.template_id, given_fields(input, skip=("template_id",)))
        return OpportunityTemplatePayload(template=template, user_errors=user_errors(errors))  # type: ignore[arg-type]

    @strawberry.mutation(description="Change the admin's company's conversion settings.")
    async def update_conversion_settings(self, info: Info, input: UpdateConversionSettingsInput) -> UpdateConversionSettingsPayload:
        settings, errors = await templates.update_settings(info.context, given_fields(input))
        return UpdateConversionSettingsPayload(settings=settings, user_errors=user_errors(errors))  # type: ignore[arg-type]

"""Opportunity templates, conversion settings and the conversion preview."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry import relay

import models
from models.rows import Row
from models.template import OpportunityTemplate as OpportunityTemplateModel
from resolvers import conversion_preview, conversion_settings, loaders, templates
from resolvers.context import Info
from resolvers.loaders import Loaded, load_now
from schema.connection import After, Before, Connection, Edge, First, Last
from schema.enums import MemberRole
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.mutation_results import MutationInput, given_fields
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
    lead_field: str = strawberry.field(description='The lead field read, by its GraphQL name, such as "customerName".')
    opportunity_field: str = strawberry.field(
        description='The opportunity field it fills: "name", "amount", "currency", "closeDate" or "probability".'
    )


@strawberry.type(description="How a conversion turns a lead into an opportunity.")
class OpportunityTemplate(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The template's name, unique within its company; at most 120 characters.")
    is_default: bool = strawberry.field(
        description="Whether this is the built-in Standard template, which every company can use and nobody can change."
    )
    copy_members: bool = strawberry.field(
        description="Whether a conversion copies the lead's direct members to the opportunity with their roles."
    )
    copy_links: bool = strawberry.field(
        description="Whether a conversion links the lead's sales plans, solutions, partner programs and activities to "
        "the opportunity."
    )
    copy_company_sections: bool = strawberry.field(
        description="Whether a conversion copies each company's section of the lead (industry, region, crmAccount)."
    )

    @strawberry.field(
        graphql_type=StageRef | None, description="The stage new opportunities start at; null for the first stage."
    )
    def default_stage(
        self, template: strawberry.Parent[OpportunityTemplateModel], info: Info
    ) -> Loaded[models.OpportunityStage | Row | None]:
        if template.default_stage_id is None:
            return None
        return load_now(info.context.loaders.get(loaders.stage_loader), template.default_stage_id)

    @strawberry.field(
        description="Which lead field fills which opportunity field, in order: for each opportunity field the first "
        "non-empty lead field wins, and a draft's values override them."
    )
    def field_mappings(self, template: strawberry.Parent[OpportunityTemplateModel]) -> list[FieldMapping]:
        return [
            FieldMapping(
                lead_field=templates.FIELD_TO_CAMEL[lead], opportunity_field=templates.FIELD_TO_CAMEL[opportunity]
            )
            for lead, opportunity in template.mappings
        ]

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, OpportunityTemplateModel))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await templates.templates_by_node_ids(info, node_ids)


@strawberry.type(description="A company's defaults for conversions that leave a choice out.")
class ConversionSettings:
    create_account: bool = strawberry.field(
        description="Whether a conversion that leaves out the account choice creates an account (true) or skips it."
    )
    create_contact: bool = strawberry.field(
        description="Whether a conversion that leaves out the contact choice creates a contact (true) or skips it."
    )
    create_opportunity: bool = strawberry.field(
        description="Whether a conversion that leaves out the opportunity choice creates an opportunity (true) or "
        "skips it."
    )
    minimum_score: int | None = strawberry.field(
        description="The score, 0 to 100, a lead needs to be converted (else LEAD_NOT_QUALIFIED); null for no minimum."
    )

    @strawberry.field(
        graphql_type=OpportunityTemplate,
        description="The template conversions use when they name none: the company's chosen one, else the built-in "
        "Standard template.",
    )
    async def default_template(self, info: Info) -> models.OpportunityTemplate:
        return await templates.template_or_default(info.context, None)


@strawberry.input(description="One field mapping of a template.")
class FieldMappingInput:
    lead_field: str = strawberry.field(
        description="A lead field by its GraphQL name: topic, customerName, firstName, lastName, email, phone, "
        "jobTitle, website, description, source, score, estimatedAmount, currency or estimatedCloseDate."
    )
    opportunity_field: str = strawberry.field(
        description="The opportunity field it fills: name (from text), amount (from estimatedAmount), currency, "
        "closeDate (from estimatedCloseDate) or probability (from score). Another pairing is INVALID_TEMPLATE."
    )


@strawberry.input(description="A new template of the admin's company.")
class CreateOpportunityTemplateInput:
    name: str = strawberry.field(
        description="The template's name; required, at most 120 characters, unique in the company (else CONFLICT)."
    )
    copy_members: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether conversions copy the lead's direct members; true when left out."
    )
    copy_links: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether conversions link the lead's catalog entries and activities; true when left out.",
    )
    copy_company_sections: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether conversions copy the lead's company sections; true when left out.",
    )
    default_stage_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The stage new opportunities start at; the first stage when left out or null.",
    )
    field_mappings: list[FieldMappingInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Which lead field fills which opportunity field, in order; none when left out, so that drafts "
        "must give the opportunity's name.",
    )


@strawberry.input(description="The template to change and its new values; a field left out is untouched.")
class UpdateOpportunityTemplateInput:
    template_id: strawberry.ID = strawberry.field(
        description="The template, one of the admin's company (the built-in Standard template is FORBIDDEN)."
    )
    name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The template's name; at most 120 characters, unique in the company (else CONFLICT).",
    )
    copy_members: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether conversions copy the lead's direct members; null is INVALID_INPUT.",
    )
    copy_links: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether conversions link the lead's catalog entries and activities; null is INVALID_INPUT.",
    )
    copy_company_sections: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether conversions copy the lead's company sections; null is INVALID_INPUT.",
    )
    default_stage_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The stage new opportunities start at; null for the first stage."
    )
    field_mappings: list[FieldMappingInput] | None = strawberry.field(
        default=strawberry.UNSET, description="The new mappings, replacing all the old ones; null removes them all."
    )


@strawberry.input(description="The admin's company's new conversion settings; a field left out is untouched.")
class UpdateConversionSettingsInput:
    create_account: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether an omitted account choice creates an account; null is INVALID_INPUT.",
    )
    create_contact: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether an omitted contact choice creates a contact; null is INVALID_INPUT.",
    )
    create_opportunity: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether an omitted opportunity choice creates an opportunity; null is INVALID_INPUT.",
    )
    default_template_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The template conversions use when they name none, one the viewer can see; null for the built-in "
        "Standard template.",
    )
    minimum_score: int | None = strawberry.field(
        default=strawberry.UNSET, description="The score, 0 to 100, a lead needs to be converted; null for no minimum."
    )


@strawberry.type(description="The result of createOpportunityTemplate or updateOpportunityTemplate.")
class OpportunityTemplatePayload:
    template: models.OpportunityTemplate | None = strawberry.field(
        graphql_type=OpportunityTemplate | None, default=None, description="The template as saved; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

    @strawberry.field(
        graphql_type=Edge[OpportunityTemplate] | None,
        description=(
            "The template's edge in `opportunityTemplates`, for Relay's @appendEdge; its cursor pages that list. "
            "Null when nothing was written."
        ),
    )
    def template_edge(self, info: Info) -> Edge[models.OpportunityTemplate] | None:
        if self.template is None:
            return None
        return Edge(cursor=templates.template_edge_cursor(info.context, self.template), node=self.template)


@strawberry.type(description="The result of updateConversionSettings.")
class UpdateConversionSettingsPayload:
    settings: models.ConversionSettings | None = strawberry.field(
        graphql_type=ConversionSettings | None, default=None, description="The settings as saved; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="The account a conversion would create.")
class AccountPreview:
    name: str | None = strawberry.field(
        description="Its name: the lead's customer name; null when the lead has none (then the conversion needs a name "
        "in its draft)."
    )
    website: str | None = strawberry.field(description="Its website: the lead's; null when the lead has none.")
    industry: str | None = strawberry.field(
        description="Its industry; null, as a conversion sets none unless its draft does."
    )


@strawberry.type(description="The contact a conversion would create, from the lead.")
class ContactPreview:
    first_name: str | None = strawberry.field(description="Its first name; null when the lead has none.")
    last_name: str | None = strawberry.field(
        description="Its last name; null when the lead has none (then the conversion needs one in its draft)."
    )
    email: str | None = strawberry.field(description="Its email address; null when the lead has none.")
    phone: str | None = strawberry.field(description="Its phone number; null when the lead has none.")
    job_title: str | None = strawberry.field(description="Its job title; null when the lead has none.")


@strawberry.type(description="A direct member of the lead who would join the opportunity.")
class PreviewMember:
    user: models.User = strawberry.field(graphql_type=User, description="The member.")
    role: MemberRole = strawberry.field(
        description="The role they would have on the opportunity: their direct role on the lead."
    )


@strawberry.type(description="The opportunity a conversion would create, through the template.")
class OpportunityPreview:
    name: str | None = strawberry.field(
        description="Its name; null when the template fills none (then the conversion needs one in its draft)."
    )
    amount: Decimal | None = strawberry.field(
        description="Its amount in `currency`; null when the template fills none, and always null for a viewer whose "
        "role on the lead is PARTICIPANT."
    )
    currency: str | None = strawberry.field(
        description="The ISO 4217 code of the amount; null when the template fills none."
    )
    close_date: date | None = strawberry.field(description="Its close date; null when the template fills none.")
    probability: int | None = strawberry.field(
        description="Its probability, 0 to 100 percent, when the template fills one; null to follow the stage."
    )
    stage: models.OpportunityStage | None = strawberry.field(
        graphql_type=StageRef | None, description="The stage it would start at; null only when no stage exists."
    )
    members: list[PreviewMember] = strawberry.field(
        description="The lead's direct members who would join it, with their roles; the converting user also becomes "
        "an OWNER."
    )
    sales_plan_names: list[str] = strawberry.field(
        description="The names of the sales plans that would be linked to it."
    )
    solution_names: list[str] = strawberry.field(description="The names of the solutions that would be linked to it.")
    partner_program_names: list[str] = strawberry.field(
        description="The names of the partner programs that would be linked to it."
    )
    activity_count: int = strawberry.field(description="How many of the lead's activities would be linked to it.")
    section_companies: list[str] = strawberry.field(
        description="Names of the companies whose sections would be copied."
    )


@strawberry.type(description="What convertLead would create with the defaults, without writing anything.")
class ConversionPreview:
    template: models.OpportunityTemplate = strawberry.field(
        graphql_type=OpportunityTemplate,
        description="The template the conversion would use: the one asked for, else the company's default.",
    )
    account: AccountPreview = strawberry.field(description="The account that would be created.")
    contact: ContactPreview = strawberry.field(description="The contact that would be created.")
    opportunity: OpportunityPreview = strawberry.field(description="The opportunity that would be created.")
    duplicate_accounts: list[models.Account] = strawberry.field(
        graphql_type=list[AccountRef],
        description="Visible accounts whose name or website domain match the drafted account: creating it would answer "
        "DUPLICATE_ACCOUNT.",
    )
    duplicate_contacts: list[models.Contact] = strawberry.field(
        graphql_type=list[ContactRef],
        description="Visible contacts with the drafted contact's email: creating it would answer DUPLICATE_CONTACT.",
    )
    linkable_opportunities: list[models.Opportunity] = strawberry.field(
        graphql_type=list[OpportunityRef],
        description="Opportunities the viewer could link instead (existingId), not yet linked to the lead: the 50 most "
        "recently updated.",
    )
    blockers: list[UserError] = strawberry.field(
        description="What would refuse the conversion now; empty when it would succeed."
    )


async def build_preview(info: Info, lead_id: str, template_id: str | None) -> ConversionPreview:
    try:
        found = await conversion_preview.preview(info.context, lead_id, template_id)
    except models.DomainError as error:
        raise GraphQLError(error.message, extensions={"code": error.code}) from None
    if found is None:
        raise GraphQLError(f"No Lead with ID '{lead_id}'", extensions={"code": "NOT_FOUND"})
    opportunity = found.opportunity
    companies = await info.context.loaders.company.load_many([section.company_id for section in found.company_sections])
    company_names = {company.pk: company.name for company in companies if company is not None}
    return ConversionPreview(
        template=found.template,
        account=AccountPreview(**{key: found.account.get(key) for key in ("name", "website", "industry")}),
        contact=ContactPreview(
            **{key: found.contact.get(key) for key in ("first_name", "last_name", "email", "phone", "job_title")}
        ),
        opportunity=OpportunityPreview(
            name=opportunity.get("name"),
            amount=opportunity.get("amount"),
            currency=opportunity.get("currency"),
            close_date=opportunity.get("close_date"),
            probability=opportunity.get("probability_override"),
            stage=found.stage,
            members=[PreviewMember(user=m.user, role=m.role) for m in found.members],
            sales_plan_names=[entry.name for entry in found.sales_plans],
            solution_names=[entry.name for entry in found.solutions],
            partner_program_names=[entry.name for entry in found.partner_programs],
            activity_count=found.activity_count,
            section_companies=[company_names[s.company_id] for s in found.company_sections],
        ),
        duplicate_accounts=found.duplicate_accounts,
        duplicate_contacts=found.duplicate_contacts,
        linkable_opportunities=found.linkable_opportunities,
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

    @strawberry.field(graphql_type=ConversionSettings, description="The viewer's company's conversion settings.")
    async def conversion_settings(self, info: Info) -> models.ConversionSettings:
        return await conversion_settings.settings_of(info.context)

    @strawberry.field(
        description="What convertLead would create for the lead, without writing; a NOT_FOUND error when the lead is not visible."
    )
    async def conversion_preview(
        self,
        info: Info,
        lead_id: Annotated[strawberry.ID, strawberry.argument(description="The lead to preview.")],
        template_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The template to preview with; the company's default when left out. One the viewer cannot "
                "use is a NOT_FOUND error."
            ),
        ] = None,
    ) -> ConversionPreview:
        return await build_preview(info, lead_id, template_id)


@strawberry.type
class TemplateMutation:
    @strawberry.mutation(
        description="Create a template for the admin's company (company admins only). userErrors: FORBIDDEN (not an "
        "admin), INVALID_INPUT, NOT_FOUND (defaultStageId), INVALID_TEMPLATE, CONFLICT (the name is taken)."
    )
    async def create_opportunity_template(
        self, info: Info, input: MutationInput[CreateOpportunityTemplateInput]
    ) -> OpportunityTemplatePayload:
        template, errors = await templates.create_template(info.context, given_fields(input))
        return OpportunityTemplatePayload(template=template, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Change a template of the admin's company (company admins only). userErrors: NOT_FOUND (the "
        "template or defaultStageId), FORBIDDEN (not an admin, or the Standard template), INVALID_INPUT, "
        "INVALID_TEMPLATE, CONFLICT (the name is taken)."
    )
    async def update_opportunity_template(
        self, info: Info, input: MutationInput[UpdateOpportunityTemplateInput]
    ) -> OpportunityTemplatePayload:
        template, errors = await templates.update_template(
            info.context, input.template_id, given_fields(input, skip=("template_id",))
        )
        return OpportunityTemplatePayload(template=template, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Change the conversion settings of the admin's company (company admins only). userErrors: "
        "FORBIDDEN (not an admin), INVALID_INPUT, NOT_FOUND (defaultTemplateId), CONFLICT."
    )
    async def update_conversion_settings(
        self, info: Info, input: MutationInput[UpdateConversionSettingsInput]
    ) -> UpdateConversionSettingsPayload:
        settings, errors = await conversion_settings.update_settings(info.context, given_fields(input))
        return UpdateConversionSettingsPayload(settings=settings, user_errors=user_errors(errors))

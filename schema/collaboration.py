"""What leads and opportunities share: members, company sections, catalog links, activities,
and the viewer's role and permissions on them."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

import models
from models.catalog import EntryRow
from models.rows import Row
from resolvers import activities as activity_resolvers
from resolvers import catalog as catalog_resolvers
from resolvers import members as member_resolvers
from resolvers import sections as section_resolvers
from resolvers.access import roles_on
from resolvers.collaboration import Permissions, permissions_on, permissions_on_many, viewer_role
from resolvers.context import Info
from resolvers.loaders import Loaded, company_of, load_now, references
from resolvers.members import MemberEntry
from schema.activity import Activity, ActivityMutation
from schema.catalog import CatalogMutation, CatalogQuery, PartnerProgram, SalesPlan, Solution
from schema.company import Company
from schema.connection import After, Before, Connection, First, Last
from schema.enums import MemberRole
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.membership import Member, MembershipMutation, MembershipQuery
from schema.mutation_results import MutationInput, given, on_record
from schema.planner import batched

Record = models.Lead | models.Opportunity
Section = models.LeadCompanySection | models.OpportunityCompanySection | Row

if TYPE_CHECKING:
    from schema.lead import Lead
    from schema.opportunity import Opportunity

LeadRef = Annotated["Lead", strawberry.lazy("schema.lead")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("schema.opportunity")]


@strawberry.type(description="What one member company records about a lead or an opportunity.")
class CompanySection:
    industry: str | None = strawberry.field(
        description="The record's industry, as this company sees it; null when not set."
    )
    region: str | None = strawberry.field(
        description="The record's region, as this company sees it; null when not set."
    )
    updated_at: datetime = strawberry.field(description="When the section last changed (UTC).")

    @strawberry.field(
        graphql_type=Company,
        description="The company whose section this is.",
        metadata=batched(references(company_of, "company_id")),
    )
    def company(self, section: strawberry.Parent[Section], info: Info) -> Loaded[models.Company | Row | None]:
        return load_now(info.context.loaders.company, section.company_id)

    @strawberry.field(description="The company's account in its own CRM: null for viewers of other companies.")
    def crm_account(self, section: strawberry.Parent[Section], info: Info) -> str | None:
        return section_resolvers.crm_account_for(info.context, section)


@strawberry.type(description="What the viewer may do with a lead or an opportunity now.")
class RecordPermissions:
    update: bool = strawberry.field(
        description="Change its fields, status and their company's section (COLLABORATOR or more)."
    )
    convert: bool = strawberry.field(
        description="Convert the lead and link opportunities to it (COLLABORATOR or more); false on opportunities."
    )
    manage_members: bool = strawberry.field(description="Add, change and remove members (OWNER).")
    log_activity: bool = strawberry.field(description="Log an activity (PARTICIPANT or more).")
    respond: bool = strawberry.field(
        description="Accept or reject the lead: COLLABORATOR or more in the company a pending shared lead waits on; false on opportunities."
    )


@strawberry.type
class RecordCollaboration:
    """Fields common to Lead and Opportunity, read from their record."""

    @strawberry.field(
        graphql_type=list[Member],
        description="How each person holds a role on the record: an entry for a direct membership (DIRECT) and "
        "another for a role through access policies (ACCESS_POLICY); highest role first, then by name.",
        metadata=batched(member_resolvers.members_of_many),
    )
    async def members(self, record: strawberry.Parent[Record], info: Info) -> list[MemberEntry]:
        return await member_resolvers.members_of(info.context, record)

    @strawberry.field(
        graphql_type=list[CompanySection],
        description="What each member company records about the record.",
        metadata=batched(section_resolvers.sections_of_many),
    )
    async def company_sections(self, record: strawberry.Parent[Record], info: Info) -> list[Row]:
        return await section_resolvers.sections_of(info.context, record)

    @strawberry.field(
        graphql_type=list[SalesPlan],
        description="The sales plans linked to the record, by name.",
        metadata=batched(catalog_resolvers.sales_plans_of_many),
    )
    async def sales_plans(self, record: strawberry.Parent[Record], info: Info) -> list[EntryRow]:
        return await catalog_resolvers.sales_plans_of(info.context, record)

    @strawberry.field(
        graphql_type=list[Solution],
        description="The solutions linked to the record, by name.",
        metadata=batched(catalog_resolvers.solutions_of_many),
    )
    async def solutions(self, record: strawberry.Parent[Record], info: Info) -> list[EntryRow]:
        return await catalog_resolvers.solutions_of(info.context, record)

    @strawberry.field(
        graphql_type=list[PartnerProgram],
        description="The partner programs linked to the record, by name.",
        metadata=batched(catalog_resolvers.partner_programs_of_many),
    )
    async def partner_programs(self, record: strawberry.Parent[Record], info: Info) -> list[EntryRow]:
        return await catalog_resolvers.partner_programs_of(info.context, record)

    @strawberry.field(description="Activities logged on the record, newest first.")
    async def activities(
        self,
        record: strawberry.Parent[Record],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Activity]:
        page = await activity_resolvers.activities_of(info.context, record, first, after, last, before)
        return Connection.from_page(page)

    @strawberry.field(
        description="The viewer's effective role: the highest of their direct membership and the policies that apply.",
        metadata=batched(roles_on),
    )
    async def viewer_role(self, record: strawberry.Parent[Record], info: Info) -> MemberRole | None:
        return await viewer_role(info.context, record)

    @strawberry.field(
        graphql_type=RecordPermissions,
        description="What the viewer may do with the record now, from their role and its state.",
        metadata=batched(permissions_on_many),
    )
    async def viewer_can(self, record: strawberry.Parent[Record], info: Info) -> Permissions:
        return await permissions_on(info.context, record)


@strawberry.input(description="Exactly one of leadId and opportunityId; a field left out is untouched, null clears it.")
class SetCompanySectionInput:
    lead_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The lead whose section to set; give this or opportunityId."
    )
    opportunity_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The opportunity whose section to set; give this or leadId."
    )
    industry: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The industry, as the viewer's company sees it; at most 120 characters; null or blank clears it.",
    )
    region: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The region, as the viewer's company sees it; at most 120 characters; null or blank clears it.",
    )
    crm_account: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The record's account in the viewer's company's own CRM, private to that company; at most 255 "
        "characters; null or blank clears it.",
    )


@strawberry.type(description="The result of setCompanySection.")
class SetCompanySectionPayload:
    company_section: models.LeadCompanySection | models.OpportunityCompanySection | None = strawberry.field(
        graphql_type=CompanySection | None,
        default=None,
        description="The viewer's company's section as set; null when refused.",
    )
    lead: models.Lead | None = strawberry.field(
        graphql_type=LeadRef | None, default=None, description="The lead, when the input named one; null when refused."
    )
    opportunity: models.Opportunity | None = strawberry.field(
        graphql_type=OpportunityRef | None,
        default=None,
        description="The opportunity, when the input named one; null when refused.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type
class CollaborationQuery(CatalogQuery, MembershipQuery):
    pass


@strawberry.type
class CollaborationMutation(MembershipMutation, CatalogMutation, ActivityMutation):
    @strawberry.mutation(
        description="Create or update the viewer's company's section of a lead or an opportunity (COLLABORATOR or "
        "more). userErrors: INVALID_INPUT (not exactly one of leadId and opportunityId, or a value too long), "
        "NOT_FOUND, FORBIDDEN, LEAD_CONVERTED, ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def set_company_section(
        self, info: Info, input: MutationInput[SetCompanySectionInput]
    ) -> SetCompanySectionPayload:
        changes = {
            name: getattr(input, name)
            for name in ("industry", "region", "crm_account")
            if getattr(input, name) is not strawberry.UNSET
        }
        result, errors = await section_resolvers.set_section(
            info.context, given(input.lead_id), given(input.opportunity_id), changes
        )
        if result is None:
            return SetCompanySectionPayload(user_errors=user_errors(errors))
        record, section = result
        return SetCompanySectionPayload(company_section=section, **on_record(record))


__all__ = ["CollaborationMutation", "CollaborationQuery", "RecordCollaboration"]

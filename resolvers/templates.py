"""Opportunity templates, conversion settings, the conversion preview and the event log."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from models import (
    Account,
    Contact,
    DomainError,
    Lead,
    LeadCompanySection,
    LeadMember,
    LeadOpportunity,
    MemberRole,
    Opportunity,
    OpportunityStage,
    User,
)
from models.conversion import (
    ConversionScopes,
    account_draft,
    check_convertible,
    contact_draft,
    duplicate_accounts,
    duplicate_contacts,
    opportunity_fields,
    settings_for,
    standard_template,
)
from models.conversion_records import ConversionEvent, ConversionSettings
from models.relations import related
from models.template import OpportunityTemplate, check_mappings
from models.validation import clean_percentage, clean_text
from permissions import roles, scopes
from permissions.roles import Action
from resolvers.access import require_lead, role_on
from resolvers.context import Context, Info
from resolvers.errors import attempt
from resolvers.ids import decode_id, node_pk
from resolvers.loaders import DataLoader, grouped_loader, template_loader
from resolvers.nodes import load_nodes
from resolvers.pagination import Page, Position, cut

CAMEL_TO_FIELD = {
    "topic": "topic",
    "customerName": "customer_name",
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "phone": "phone",
    "jobTitle": "job_title",
    "website": "website",
    "description": "description",
    "source": "source",
    "score": "score",
    "estimatedAmount": "estimated_amount",
    "currency": "currency",
    "estimatedCloseDate": "estimated_close_date",
    "name": "name",
    "amount": "amount",
    "closeDate": "close_date",
    "probability": "probability",
}
FIELD_TO_CAMEL = {value: key for key, value in CAMEL_TO_FIELD.items()}


def lead_events_loader(viewer: User) -> DataLoader[int, list[ConversionEvent]]:
    return grouped_loader(
        lambda ids: ConversionEvent.filter(lead_id__in=ids).order_by("created_at", "id"), lambda e: e.lead_id
    )


def opportunity_events_loader(viewer: User) -> DataLoader[int, list[ConversionEvent]]:
    """An opportunity's events, of the leads the viewer can see."""
    return grouped_loader(
        lambda ids: ConversionEvent.filter(
            opportunity_id__in=ids, lead_id__in=Subquery(scopes.visible_leads(viewer).values("id"))
        ).order_by("created_at", "id"),
        lambda e: e.opportunity_id,
    )


async def events_of(info: Info, record: Lead | Opportunity) -> list[ConversionEvent]:
    """The events of a record the viewer already sees (the record is the scope)."""
    factory = lead_events_loader if isinstance(record, Lead) else opportunity_events_loader
    return await info.context.loaders.get(factory).load(record.pk)


async def templates_by_node_ids(info: Info, node_ids: Iterable[str]) -> list[OpportunityTemplate | None]:
    return await load_nodes(info.context.loaders.get(template_loader), node_ids)


def _template_position(template: OpportunityTemplate) -> Position:
    """The default template first, then the others by name."""
    return (not template.is_default, template.name), template.pk


async def templates_page(
    context: Context, first: int | None, after: str | None, last: int | None, before: str | None
) -> Page[OpportunityTemplate]:
    """The templates the viewer sees, the default first, then by name: a company has few, so the
    page is cut from all of them."""
    args = context.page_args("opportunityTemplates", first, after, last, before)
    found = sorted(await scopes.visible_templates(context.viewer), key=_template_position)
    return cut(found, args, _template_position)


def template_edge_cursor(context: Context, template: OpportunityTemplate) -> str:
    """The cursor of a template in `opportunityTemplates`."""
    return context.cursors.encode("opportunityTemplates", *_template_position(template))


async def events_by_node_ids(info: Info, node_ids: Iterable[str]) -> list[ConversionEvent | None]:
    """An event is visible when its lead is."""
    pks = [node_pk(node_id) for node_id in node_ids]
    found = {
        event.pk: event
        for event in await ConversionEvent.filter(
            id__in=[pk for pk in pks if pk is not None],
            lead_id__in=Subquery(scopes.visible_leads(info.context.viewer).values("id")),
        )
    }
    return [found.get(pk) if pk is not None else None for pk in pks]


def mappings_from_input(pairs: Sequence[tuple[str, str]], field: list[str]) -> list[tuple[str, str]]:
    """GraphQL field names to model attribute names, then type-checked; INVALID_TEMPLATE names the bad one."""
    converted = []
    for index, (lead_field, opportunity_field) in enumerate(pairs):
        at = [*field, str(index)]
        if lead_field not in CAMEL_TO_FIELD:
            raise DomainError(
                "INVALID_TEMPLATE", f"'{lead_field}' is not a lead field that can be mapped", [*at, "leadField"]
            )
        if opportunity_field not in CAMEL_TO_FIELD:
            raise DomainError(
                "INVALID_TEMPLATE",
                f"'{opportunity_field}' is not an opportunity field that can be filled",
                [*at, "opportunityField"],
            )
        converted.append((CAMEL_TO_FIELD[lead_field], CAMEL_TO_FIELD[opportunity_field]))
    check_mappings(converted, field)
    return converted


async def _stage(context: Context, stage_id: str | None, field: list[str]) -> OpportunityStage | None:
    if stage_id is None:
        return None
    pk = decode_id(stage_id, "OpportunityStage", field)
    stage = await scopes.visible_stages(context.viewer).filter(id=pk).first()
    if stage is None:
        raise DomainError("NOT_FOUND", f"No OpportunityStage with ID '{stage_id}'", field)
    return stage


def _require_admin(context: Context) -> None:
    if not context.viewer.is_admin:
        raise DomainError("FORBIDDEN", "Only company admins may change templates and conversion settings", None)


async def _apply_template_values(context: Context, template: OpportunityTemplate, given: dict[str, Any]) -> None:
    if "name" in given:
        template.name = clean_text(given["name"], ["name"], max_length=120, required=True)
        clash = OpportunityTemplate.filter(company_id=context.viewer.company_id, name=template.name)
        if template.pk:
            clash = clash.exclude(id=template.pk)
        if await clash.exists():
            raise DomainError("CONFLICT", f"Your company already has a template named '{template.name}'", ["name"])
    for flag in ("copy_members", "copy_links", "copy_company_sections"):
        if flag in given:
            if given[flag] is None:
                raise DomainError("INVALID_INPUT", f"{flag} must be true or false", [FIELD_TO_CAMEL.get(flag, flag)])
            setattr(template, flag, given[flag])
    if "default_stage_id" in given:
        stage = await _stage(context, given["default_stage_id"], ["defaultStageId"])
        template.default_stage_id = stage.pk if stage else None
    if "field_mappings" in given:
        pairs = [(mapping.lead_field, mapping.opportunity_field) for mapping in given["field_mappings"] or []]
        template.field_mappings = [list(pair) for pair in mappings_from_input(pairs, ["fieldMappings"])]


async def create_template(
    context: Context, given: dict[str, Any]
) -> tuple[OpportunityTemplate | None, list[DomainError]]:
    async def action() -> OpportunityTemplate:
        _require_admin(context)
        async with in_transaction():
            template = OpportunityTemplate(company_id=context.viewer.company_id, field_mappings=[])
            if "name" not in given:
                raise DomainError("INVALID_INPUT", "name is required", ["name"])
            await _apply_template_values(context, template, given)
            await template.save()
            return template

    return await attempt(action)


async def update_template(
    context: Context, template_id: str, given: dict[str, Any]
) -> tuple[OpportunityTemplate | None, list[DomainError]]:
    async def action() -> OpportunityTemplate:
        async with in_transaction():
            pk = decode_id(template_id, "OpportunityTemplate", ["templateId"])
            template = await scopes.visible_templates(context.viewer).filter(id=pk).select_for_update().first()
            if template is None:
                raise DomainError("NOT_FOUND", f"No OpportunityTemplate with ID '{template_id}'", ["templateId"])
            _require_admin(context)
            if template.company_id is None:
                raise DomainError("FORBIDDEN", "The built-in Standard template cannot be changed", ["templateId"])
            await _apply_template_values(context, template, given)
            await template.save()
            return template

    return await attempt(action)


async def update_settings(
    context: Context, given: dict[str, Any]
) -> tuple[ConversionSettings | None, list[DomainError]]:
    async def action() -> ConversionSettings:
        _require_admin(context)
        async with in_transaction():
            settings, _ = await ConversionSettings.get_or_create(company_id=context.viewer.company_id)
            for flag in ("create_account", "create_contact", "create_opportunity"):
                if flag in given:
                    if given[flag] is None:
                        raise DomainError("INVALID_INPUT", "must be true or false", [FIELD_TO_CAMEL.get(flag, flag)])
                    setattr(settings, flag, given[flag])
            if "default_template_id" in given:
                if given["default_template_id"] is None:
                    settings.default_template_id = None
                else:
                    pk = decode_id(given["default_template_id"], "OpportunityTemplate", ["defaultTemplateId"])
                    template = await scopes.visible_templates(context.viewer).filter(id=pk).first()
                    if template is None:
                        raise DomainError(
                            "NOT_FOUND",
                            f"No OpportunityTemplate with ID '{given['default_template_id']}'",
                            ["defaultTemplateId"],
                        )
                    settings.default_template_id = template.pk
            if "minimum_score" in given:
                settings.minimum_score = clean_percentage(given["minimum_score"], ["minimumScore"])
            await settings.save()
            return settings

    return await attempt(action)


async def settings_of(context: Context) -> ConversionSettings:
    return await settings_for(context.viewer.company_id)


async def template_or_default(context: Context, template_id: str | None) -> OpportunityTemplate:
    if template_id is not None:
        pk = decode_id(template_id, "OpportunityTemplate", ["templateId"])
        template = await scopes.visible_templates(context.viewer).filter(id=pk).first()
        if template is None:
            raise DomainError("NOT_FOUND", f"No OpportunityTemplate with ID '{template_id}'", ["templateId"])
        return template
    settings = await settings_for(context.viewer.company_id)
    chosen = await related(settings.default_template) if settings.default_template_id else None
    return chosen if chosen is not None else await standard_template()


@dataclass
class PreviewMember:
    user: User
    role: MemberRole


@dataclass
class Preview:
    """What convertLead would do with the defaults, without writing anything."""

    lead: Lead
    template: OpportunityTemplate
    account: dict[str, Any]
    contact: dict[str, Any]
    opportunity: dict[str, Any]
    stage: OpportunityStage | None
    members: list[PreviewMember]
    sales_plans: list[Any]
    solutions: list[Any]
    partner_programs: list[Any]
    activity_count: int
    company_sections: list[LeadCompanySection]
    duplicate_accounts: list[Account]
    duplicate_contacts: list[Contact]
    linkable_opportunities: list[Opportunity]
    blockers: list[DomainError]


def _draft_or_error(build: Any) -> tuple[dict[str, Any], list[DomainError]]:
    try:
        return build(), []
    except DomainError as error:
        return {}, [error]


async def preview(context: Context, lead_id: str, template_id: str | None) -> Preview | None:
    """None when the lead is invisible; a lead the viewer may not convert still previews, with
    what stands in the way in `blockers`. The drafted amount is None for a viewer whose role on
    the lead may not read its money."""
    viewer = context.viewer
    try:
        pk = decode_id(lead_id, "Lead", ["leadId"])
    except DomainError:
        return None
    lead = await scopes.visible_leads(viewer).filter(id=pk).first()
    if lead is None:
        return None
    blockers: list[DomainError] = []
    try:
        await require_lead(context, lead_id, Action.CONVERT)
    except DomainError as error:
        blockers.append(error)
    settings = await settings_for(viewer.company_id)
    if lead.is_converted:
        blockers.append(
            DomainError(
                "ALREADY_CONVERTED", "The lead is already converted: only more opportunities can be added", ["leadId"]
            )
        )
    else:
        try:
            check_convertible(lead, settings, datetime.now(UTC))
        except DomainError as error:
            blockers.append(error)
    template = await template_or_default(context, template_id)
    account, errors = _draft_or_error(lambda: account_draft(lead, {}))
    blockers += errors
    contact, errors = _draft_or_error(lambda: contact_draft(lead, {}))
    blockers += errors
    opportunity, errors = _draft_or_error(lambda: opportunity_fields(lead, template, {}))
    blockers += errors
    if not roles.may(await role_on(context, lead), Action.READ_MONEY):
        opportunity["amount"] = None
    stage = (
        await related(template.default_stage)
        if template.default_stage_id
        else await OpportunityStage.all().order_by("sort_order").first()
    )
    members = []
    if template.copy_members:
        members = [
            PreviewMember(user=member.user, role=MemberRole(member.role))
            for member in await LeadMember.filter(lead_id=lead.id).select_related("user")
        ]
        members.sort(key=lambda member: (-member.role.rank, member.user.name.casefold(), member.user.pk))
    await lead.fetch_related("sales_plans", "solutions", "partner_programs")
    linked = Subquery(LeadOpportunity.filter(lead_id=lead.id).values("opportunity_id"))
    conversion_scopes = ConversionScopes(
        accounts=scopes.visible_accounts(viewer), contacts=scopes.visible_contacts(viewer)
    )
    return Preview(
        lead=lead,
        template=template,
        account=account,
        contact=contact,
        opportunity=opportunity,
        stage=stage,
        members=members,
        sales_plans=list(lead.sales_plans) if template.copy_links else [],
        solutions=list(lead.solutions) if template.copy_links else [],
        partner_programs=list(lead.partner_programs) if template.copy_links else [],
        activity_count=await lead.activities.all().count() if template.copy_links else 0,
        company_sections=list(await LeadCompanySection.filter(lead_id=lead.id))
        if template.copy_company_sections
        else [],
        duplicate_accounts=await duplicate_accounts(conversion_scopes, account.get("name"), account.get("website")),
        duplicate_contacts=await duplicate_contacts(conversion_scopes, contact.get("email")),
        linkable_opportunities=list(
            await scopes.visible_opportunities(viewer).exclude(id__in=linked).order_by("-updated_at", "-id").limit(50)
        ),
        blockers=blockers,
    )


def lead_links_to_visible_opportunities_loader(viewer: User) -> DataLoader[int, list[LeadOpportunity]]:
    """A lead's links to the opportunities the viewer can see."""
    return grouped_loader(
        lambda ids: LeadOpportunity.filter(
            lead_id__in=ids, opportunity_id__in=Subquery(scopes.visible_opportunities(viewer).values("id"))
        ).order_by("created_at", "id"),
        lambda link: link.lead_id,
    )


def opportunity_links_to_visible_leads_loader(viewer: User) -> DataLoader[int, list[LeadOpportunity]]:
    """An opportunity's links to the leads the viewer can see."""
    return grouped_loader(
        lambda ids: LeadOpportunity.filter(
            opportunity_id__in=ids, lead_id__in=Subquery(scopes.visible_leads(viewer).values("id"))
        ).order_by("created_at", "id"),
        lambda link: link.opportunity_id,
    )


async def links_of(info: Info, record: Lead | Opportunity) -> list[LeadOpportunity]:
    factory = (
        lead_links_to_visible_opportunities_loader
        if isinstance(record, Lead)
        else opportunity_links_to_visible_leads_loader
    )
    return await info.context.loaders.get(factory).load(record.pk)

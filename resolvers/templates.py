"""Opportunity templates: listing, creating and updating them, and the template a conversion uses."""

from collections.abc import Iterable, Sequence
from typing import Any

from tortoise.transactions import in_transaction

from models import DomainError, OpportunityStage
from models.conversion import settings_for, standard_template
from models.relations import related
from models.template import OpportunityTemplate, check_mappings
from models.validation import clean_text
from permissions import roles, scopes
from permissions.roles import AdminAction
from resolvers.access import load_for
from resolvers.context import Context, Info
from resolvers.errors import attempt
from resolvers.loaders import template_loader
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
    return await load_for(context, OpportunityStage, stage_id, field)


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
        roles.require_admin(context.viewer, AdminAction.CHANGE_TEMPLATES)
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
            template = await load_for(context, OpportunityTemplate, template_id, ["templateId"], lock=True)
            roles.require_admin(context.viewer, AdminAction.CHANGE_TEMPLATES)
            if template.company_id is None:
                raise DomainError("FORBIDDEN", "The built-in Standard template cannot be changed", ["templateId"])
            await _apply_template_values(context, template, given)
            await template.save()
            return template

    return await attempt(action)


async def template_or_default(context: Context, template_id: str | None) -> OpportunityTemplate:
    if template_id is not None:
        return await load_for(context, OpportunityTemplate, template_id, ["templateId"])
    settings = await settings_for(context.viewer.company_id)
    chosen = await related(settings.default_template) if settings.default_template_id else None
    return chosen if chosen is not None else await standard_template()

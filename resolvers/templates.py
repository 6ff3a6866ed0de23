"""Opportunity templates: listing, creating and updating them, and the template a conversion uses."""

from collections.abc import Iterable
from typing import Any

from tortoise.transactions import in_transaction

from models import DomainError, OpportunityStage, template_workflow
from models.template import OpportunityTemplate
from permissions import roles, scopes
from permissions.roles import AdminAction
from resolvers.access import load_for
from resolvers.context import Context, Info
from resolvers.errors import attempt
from resolvers.loaders import template_loader
from resolvers.nodes import load_nodes
from resolvers.pagination import Page, Position, cut

FIELD_TO_CAMEL = template_workflow.INPUT_NAMES


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


async def _stage(context: Context, stage_id: str | None, field: list[str]) -> OpportunityStage | None:
    if stage_id is None:
        return None
    return await load_for(context, OpportunityStage, stage_id, field)


def _mapping_pairs(given: dict[str, Any]) -> dict[str, Any]:
    """The input's field mappings as (lead field, opportunity field) pairs of input names."""
    if "field_mappings" not in given:
        return given
    mappings = given["field_mappings"] or []
    return {**given, "field_mappings": [(mapping.lead_field, mapping.opportunity_field) for mapping in mappings]}


def _stage_lookup(context: Context) -> template_workflow.StageLookup:
    return lambda stage_id: _stage(context, stage_id, ["defaultStageId"])


async def create_template(
    context: Context, given: dict[str, Any]
) -> tuple[OpportunityTemplate | None, list[DomainError]]:
    async def action() -> OpportunityTemplate:
        roles.require_admin(context.viewer, AdminAction.CHANGE_TEMPLATES)
        async with in_transaction():
            return await template_workflow.create_template(
                context.viewer, _mapping_pairs(given), _stage_lookup(context)
            )

    return await attempt(action)


async def update_template(
    context: Context, template_id: str, given: dict[str, Any]
) -> tuple[OpportunityTemplate | None, list[DomainError]]:
    async def action() -> OpportunityTemplate:
        async with in_transaction():
            template = await load_for(context, OpportunityTemplate, template_id, ["templateId"], lock=True)
            roles.require_admin(context.viewer, AdminAction.CHANGE_TEMPLATES)
            return await template_workflow.update_template(template, _mapping_pairs(given), _stage_lookup(context))

    return await attempt(action)


async def template_or_default(context: Context, template_id: str | None) -> OpportunityTemplate:
    if template_id is not None:
        return await load_for(context, OpportunityTemplate, template_id, ["templateId"])
    return await template_workflow.default_template(context.viewer.company_id)

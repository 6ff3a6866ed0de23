"""A company's conversion settings: reading and updating them."""

from typing import Any

from tortoise.transactions import in_transaction

from models import DomainError, template_workflow
from models.conversion import settings_for
from models.conversion_records import ConversionSettings
from models.template import OpportunityTemplate
from permissions import roles
from permissions.roles import AdminAction
from resolvers.access import load_for
from resolvers.context import Context
from resolvers.errors import attempt


async def update_settings(
    context: Context, given: dict[str, Any]
) -> tuple[ConversionSettings | None, list[DomainError]]:
    async def default_template(template_id: str) -> OpportunityTemplate:
        return await load_for(context, OpportunityTemplate, template_id, ["defaultTemplateId"])

    async def action() -> ConversionSettings:
        roles.require_admin(context.viewer, AdminAction.CHANGE_TEMPLATES)
        async with in_transaction():
            return await template_workflow.update_settings(context.viewer.company_id, given, default_template)

    return await attempt(action)


async def settings_of(context: Context) -> ConversionSettings:
    return await settings_for(context.viewer.company_id)

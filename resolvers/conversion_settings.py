"""A company's conversion settings: reading and updating them."""

from typing import Any

from tortoise.transactions import in_transaction

from models import DomainError, template_workflow
from models.conversion import settings_for
from models.conversion_records import ConversionSettings
from models.template import OpportunityTemplate
from permissions import scopes
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.ids import decode_id
from resolvers.templates import require_admin


async def update_settings(
    context: Context, given: dict[str, Any]
) -> tuple[ConversionSettings | None, list[DomainError]]:
    async def default_template(template_id: str) -> OpportunityTemplate:
        pk = decode_id(template_id, "OpportunityTemplate", ["defaultTemplateId"])
        template = await scopes.visible_templates(context.viewer).filter(id=pk).first()
        if template is None:
            raise DomainError("NOT_FOUND", f"No OpportunityTemplate with ID '{template_id}'", ["defaultTemplateId"])
        return template

    async def action() -> ConversionSettings:
        require_admin(context)
        async with in_transaction():
            return await template_workflow.update_settings(context.viewer.company_id, given, default_template)

    return await attempt(action)


async def settings_of(context: Context) -> ConversionSettings:
    return await settings_for(context.viewer.company_id)

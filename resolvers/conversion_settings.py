"""A company's conversion settings: reading and updating them."""

from typing import Any

from tortoise.transactions import in_transaction

from models import DomainError
from models.conversion import settings_for
from models.conversion_records import ConversionSettings
from models.template import OpportunityTemplate
from models.validation import clean_percentage
from permissions import roles
from permissions.roles import AdminAction
from resolvers.access import load_for
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.templates import FIELD_TO_CAMEL


async def update_settings(
    context: Context, given: dict[str, Any]
) -> tuple[ConversionSettings | None, list[DomainError]]:
    async def action() -> ConversionSettings:
        roles.require_admin(context.viewer, AdminAction.CHANGE_TEMPLATES)
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
                    template = await load_for(
                        context, OpportunityTemplate, given["default_template_id"], ["defaultTemplateId"]
                    )
                    settings.default_template_id = template.pk
            if "minimum_score" in given:
                settings.minimum_score = clean_percentage(given["minimum_score"], ["minimumScore"])
            await settings.save()
            return settings

    return await attempt(action)


async def settings_of(context: Context) -> ConversionSettings:
    return await settings_for(context.viewer.company_id)

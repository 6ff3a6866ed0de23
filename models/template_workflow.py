"""Opportunity templates and conversion settings: creating and changing a company's templates,
its defaults for conversions, and the template a conversion uses when it names none.

The caller has checked that the viewer may change them (company admins) and loaded the
template it changes through the viewer's scope; records the input names by ID (a stage, a
template) are loaded through a lookup the caller gives, which is NOT_FOUND outside the scope.
Each function runs in the caller's transaction and raises DomainError, having written nothing
the transaction keeps.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from models.conversion import settings_for, standard_template
from models.conversion_records import ConversionSettings
from models.errors import DomainError, ErrorCode
from models.opportunity import OpportunityStage
from models.relations import related
from models.template import OpportunityTemplate, check_mappings
from models.user import User
from models.validation import clean_percentage, clean_text

MAPPABLE_INPUT_NAMES = {
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
"""The lead and opportunity fields a mapping may name, by their input name."""
INPUT_NAMES = {value: key for key, value in MAPPABLE_INPUT_NAMES.items()}
TEMPLATE_FLAGS = ("copy_members", "copy_links", "copy_company_sections")
SETTINGS_FLAGS = ("create_account", "create_contact", "create_opportunity")

StageLookup = Callable[[str | None], Awaitable[OpportunityStage | None]]
"""The stage an input ID names, as the viewer sees it (NOT_FOUND otherwise); None for no ID."""
TemplateLookup = Callable[[str], Awaitable[OpportunityTemplate]]
"""The template an input ID names, as the viewer sees it; NOT_FOUND otherwise."""


def _flag_path(flag: str) -> list[str]:
    return [INPUT_NAMES.get(flag, flag)]


def mappings_from_input(pairs: Sequence[tuple[str, str]], field: list[str]) -> list[tuple[str, str]]:
    """Input names to model attribute names, then type-checked; INVALID_TEMPLATE names the bad one."""
    converted = []
    for index, (lead_field, opportunity_field) in enumerate(pairs):
        at = [*field, str(index)]
        if lead_field not in MAPPABLE_INPUT_NAMES:
            raise DomainError(
                ErrorCode.INVALID_TEMPLATE, f"'{lead_field}' is not a lead field that can be mapped", [*at, "leadField"]
            )
        if opportunity_field not in MAPPABLE_INPUT_NAMES:
            raise DomainError(
                ErrorCode.INVALID_TEMPLATE,
                f"'{opportunity_field}' is not an opportunity field that can be filled",
                [*at, "opportunityField"],
            )
        converted.append((MAPPABLE_INPUT_NAMES[lead_field], MAPPABLE_INPUT_NAMES[opportunity_field]))
    check_mappings(converted, field)
    return converted


async def _apply_template_values(
    template: OpportunityTemplate, given: dict[str, Any], stage_named: StageLookup
) -> None:
    """The given values, checked in input order: a company's template names are unique."""
    if "name" in given:
        template.name = clean_text(given["name"], ["name"], max_length=120, required=True)
        clash = OpportunityTemplate.filter(company_id=template.company_id, name=template.name)
        if template.pk:
            clash = clash.exclude(id=template.pk)
        if await clash.exists():
            raise DomainError(
                ErrorCode.CONFLICT, f"Your company already has a template named '{template.name}'", ["name"]
            )
    for flag in TEMPLATE_FLAGS:
        if flag in given:
            if given[flag] is None:
                raise DomainError(ErrorCode.INVALID_INPUT, f"{flag} must be true or false", _flag_path(flag))
            setattr(template, flag, given[flag])
    if "default_stage_id" in given:
        stage = await stage_named(given["default_stage_id"])
        template.default_stage_id = stage.pk if stage else None
    if "field_mappings" in given:
        pairs = given["field_mappings"] or []
        template.field_mappings = [list(pair) for pair in mappings_from_input(pairs, ["fieldMappings"])]


async def create_template(viewer: User, given: dict[str, Any], stage_named: StageLookup) -> OpportunityTemplate:
    """A template of the viewer's company. `given` holds the input's fields by attribute name,
    `field_mappings` as (lead field, opportunity field) pairs of input names."""
    template = OpportunityTemplate(company_id=viewer.company_id, field_mappings=[])
    if "name" not in given:
        raise DomainError(ErrorCode.INVALID_INPUT, "name is required", ["name"])
    await _apply_template_values(template, given, stage_named)
    await template.save()
    return template


async def update_template(
    template: OpportunityTemplate, given: dict[str, Any], stage_named: StageLookup
) -> OpportunityTemplate:
    """Change a company's template (locked by the caller); the built-in Standard one stays as it is."""
    if template.company_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "The built-in Standard template cannot be changed", ["templateId"])
    await _apply_template_values(template, given, stage_named)
    await template.save()
    return template


async def default_template(company_id: int) -> OpportunityTemplate:
    """The template a conversion uses when it names none: the company's chosen one, else Standard."""
    settings = await settings_for(company_id)
    chosen = await related(settings.default_template) if settings.default_template_id else None
    return chosen if chosen is not None else await standard_template()


async def update_settings(company_id: int, given: dict[str, Any], template_named: TemplateLookup) -> ConversionSettings:
    """Change the company's conversion settings, creating them on the first change."""
    settings, _ = await ConversionSettings.get_or_create(company_id=company_id)
    for flag in SETTINGS_FLAGS:
        if flag in given:
            if given[flag] is None:
                raise DomainError(ErrorCode.INVALID_INPUT, "must be true or false", _flag_path(flag))
            setattr(settings, flag, given[flag])
    if "default_template_id" in given:
        template_id = given["default_template_id"]
        settings.default_template_id = (await template_named(template_id)).pk if template_id is not None else None
    if "minimum_score" in given:
        settings.minimum_score = clean_percentage(given["minimum_score"], ["minimumScore"])
    await settings.save()
    return settings

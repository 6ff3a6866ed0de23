"""convertLead, convertLeads, linkOpportunity and unlinkOpportunity: read the input, load through
scopes, lock the lead, replay or record the idempotency key, and call models.conversion."""

import logging
from dataclasses import dataclass, replace
from typing import Any

from tortoise.transactions import in_transaction

from models import Account, Contact, DomainError, MemberRole, Opportunity, OpportunityStage, idempotency
from models.conversion import (
    Choice,
    ConversionResult,
    ConversionScopes,
    convert_lead,
    link_opportunity,
    unlink_opportunity,
)
from models.errors import ErrorCode
from models.template import OpportunityTemplate
from permissions import scopes
from permissions.roles import Action
from resolvers import outage
from resolvers.access import direct_opportunity_role_loader, load_for, require_lead
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.ids import decode_ids
from resolvers.lead_events import publish_conversion
from resolvers.loaders import stage_loader

logger = logging.getLogger("leadbridge.errors")

MAX_BATCH = 100
UNEXPECTED_ITEM_ERROR = "An unexpected error stopped the conversion of this item; nothing of it was written"


@dataclass
class ChoiceInput:
    """A oneOf choice as the schema hands it over: the draft's given fields, an ID, or skip."""

    create: dict[str, Any] | None = None
    existing_id: str | None = None
    skip: bool | None = None


@dataclass
class ConvertRequest:
    lead_id: str
    account: ChoiceInput | None
    contact: ChoiceInput | None
    opportunity: ChoiceInput | None
    idempotency_key: str | None
    fingerprint: str


def _skip_only(choice: ChoiceInput, field: str) -> None:
    if choice.skip is not None and choice.skip is not True:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "skip may only be true: leave the choice out to use the defaults", [field, "skip"]
        )


async def _account_choice(context: Context, choice: ChoiceInput | None) -> Choice | None:
    if choice is None:
        return None
    _skip_only(choice, "account")
    if choice.existing_id is not None:
        return Choice(existing=await load_for(context, Account, choice.existing_id, ["account", "existingId"]))
    return Choice(create=choice.create) if choice.create is not None else Choice(skip=True)


async def _contact_choice(context: Context, choice: ChoiceInput | None) -> Choice | None:
    if choice is None:
        return None
    _skip_only(choice, "contact")
    if choice.existing_id is not None:
        return Choice(existing=await load_for(context, Contact, choice.existing_id, ["contact", "existingId"]))
    return Choice(create=choice.create) if choice.create is not None else Choice(skip=True)


async def visible_users(context: Context, user_ids: list[str], field: list[str]) -> list[int]:
    """The primary keys of users the viewer sees; NOT_FOUND naming the first other one."""
    pks = decode_ids(user_ids, "User", field)
    seen = set(await scopes.visible_users(context.viewer).filter(id__in=pks).values_list("id", flat=True))
    for index, (user_id, pk) in enumerate(zip(user_ids, pks, strict=True)):
        if pk not in seen:
            raise DomainError(ErrorCode.NOT_FOUND, f"No User with ID '{user_id}'", [*field, str(index)])
    return pks


async def _opportunity_choice(
    context: Context, choice: ChoiceInput | None
) -> tuple[Choice | None, OpportunityTemplate | None, OpportunityStage | None]:
    if choice is None:
        return None, None, None
    _skip_only(choice, "opportunity")
    if choice.existing_id is not None:
        return (
            Choice(existing=await load_for(context, Opportunity, choice.existing_id, ["opportunity", "existingId"])),
            None,
            None,
        )
    if choice.create is None:
        return Choice(skip=True), None, None
    draft = dict(choice.create)
    at = ["opportunity", "create"]
    template = (
        await load_for(context, OpportunityTemplate, draft.pop("template_id"), [*at, "templateId"])
        if draft.get("template_id") is not None
        else None
    )
    stage = (
        await load_for(context, OpportunityStage, draft.pop("stage_id"), [*at, "stageId"])
        if draft.get("stage_id") is not None
        else None
    )
    if draft.get("exclude_member_ids"):
        draft["exclude_member_ids"] = await visible_users(
            context, draft["exclude_member_ids"], [*at, "excludeMemberIds"]
        )
    return Choice(create=draft), template, stage


def _result_ids(result: ConversionResult) -> dict[str, int | None]:
    return {
        "lead": result.lead.pk,
        "account": result.account.pk if result.account else None,
        "contact": result.contact.pk if result.contact else None,
        "opportunity": result.opportunity.pk if result.opportunity else None,
    }


async def _replay(context: Context, stored: dict[str, int | None]) -> ConversionResult:
    """The first result of an idempotent request, as the viewer may see it now."""
    viewer = context.viewer

    async def load(scope: Any, pk: int | None) -> Any:
        return await scope.filter(id=pk).first() if pk is not None else None

    lead = await load(scopes.visible_leads(viewer), stored["lead"])
    return ConversionResult(
        lead=lead,
        account=await load(scopes.visible_accounts(viewer), stored["account"]),
        contact=await load(scopes.visible_contacts(viewer), stored["contact"]),
        opportunity=await load(scopes.visible_opportunities(viewer), stored["opportunity"]),
    )


async def _convert(context: Context, request: ConvertRequest) -> ConversionResult:
    idempotency.check_key(request.idempotency_key)
    async with in_transaction():
        lead, _ = await require_lead(context, request.lead_id, Action.CONVERT)
        if request.idempotency_key:
            stored = await idempotency.recall(context.viewer.id, request.idempotency_key, request.fingerprint)
            if stored is not None:
                return await _replay(context, stored)
        account = await _account_choice(context, request.account)
        contact = await _contact_choice(context, request.contact)
        opportunity, template, stage = await _opportunity_choice(context, request.opportunity)
        result = await convert_lead(
            lead,
            context.viewer,
            account=account,
            contact=contact,
            opportunity=opportunity,
            template=template,
            stage=stage,
            scopes=ConversionScopes(
                accounts=scopes.as_sql(scopes.visible_accounts, context.viewer),
                contacts=scopes.as_sql(scopes.visible_contacts, context.viewer),
            ),
        )
        if request.idempotency_key:
            await idempotency.remember(
                context.viewer.id, request.idempotency_key, request.fingerprint, _result_ids(result)
            )
        return result


def _prime_payload(context: Context, result: ConversionResult | None) -> None:
    """What the payload reads of an opportunity the conversion created and already knows: its
    stage, and the viewer's direct role on it (OWNER)."""
    if result is None or not result.created_opportunity or result.opportunity is None:
        return
    opportunity = result.opportunity
    context.loaders.get(stage_loader).prime(opportunity.stage_id, opportunity.stage)
    context.loaders.get(direct_opportunity_role_loader).prime(opportunity.pk, MemberRole.OWNER)


async def convert(context: Context, request: ConvertRequest) -> tuple[ConversionResult | None, list[DomainError]]:
    result, errors = await attempt(lambda: _convert(context, request))
    _prime_payload(context, result)
    await publish_conversion(context, result)
    return result, errors


def _within_item(error: DomainError, index: int) -> DomainError:
    """An item's error with its field as a path into the batch input."""
    return replace(error, field=["items", str(index), *(error.field or [])])


async def _convert_item(
    context: Context, index: int, request: ConvertRequest
) -> tuple[ConversionResult | None, list[DomainError]]:
    """One item of a batch: an unexpected exception is logged and becomes the item's error, so that
    the items before and after it are still answered. Its transaction rolled back: nothing of it
    was written."""
    try:
        result, errors = await attempt(lambda: _convert(context, request))
    except Exception as error:
        if outage.is_outage(error):
            raise
        logger.exception("convertLeads: unexpected error in item %d", index)
        result, errors = None, [DomainError(ErrorCode.INTERNAL, UNEXPECTED_ITEM_ERROR, None)]
    _prime_payload(context, result)
    await publish_conversion(context, result)
    return result, [_within_item(error, index) for error in errors]


async def convert_many(
    context: Context, requests: list[ConvertRequest]
) -> tuple[list[tuple[ConversionResult | None, list[DomainError]]], list[DomainError]]:
    """Each item on its own, all or nothing for that item, answered in order; and the errors of
    the batch itself (no items, or too many), when nothing is converted."""
    if not requests:
        return [], [DomainError(ErrorCode.INVALID_INPUT, "items must hold at least one lead", ["items"])]
    if len(requests) > MAX_BATCH:
        return [], [
            DomainError(
                ErrorCode.INVALID_INPUT, f"items may hold at most {MAX_BATCH} leads, got {len(requests)}", ["items"]
            )
        ]
    return [await _convert_item(context, index, request) for index, request in enumerate(requests)], []


async def link(
    context: Context, lead_id: str, opportunity_id: str
) -> tuple[ConversionResult | None, list[DomainError]]:
    async def action() -> ConversionResult:
        async with in_transaction():
            lead, _ = await require_lead(context, lead_id, Action.CONVERT)
            opportunity = await load_for(context, Opportunity, opportunity_id, ["opportunityId"])
            return await link_opportunity(lead, context.viewer, opportunity)

    result, errors = await attempt(action)
    await publish_conversion(context, result)
    return result, errors


async def unlink(
    context: Context, lead_id: str, opportunity_id: str
) -> tuple[ConversionResult | None, list[DomainError]]:
    async def action() -> ConversionResult:
        async with in_transaction():
            lead, _ = await require_lead(context, lead_id, Action.CONVERT)
            opportunity = await load_for(context, Opportunity, opportunity_id, ["opportunityId"])
            return await unlink_opportunity(lead, context.viewer, opportunity)

    result, errors = await attempt(action)
    await publish_conversion(context, result)
    return result, errors

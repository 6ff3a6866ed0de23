"""The lead lifecycle mutations: createLead, updateLead, setLeadStatus, respondToLead."""

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from models import Company, DomainError, Lead, LeadStatus, lead_workflow
from models.lead_workflow import LeadDecision
from permissions import roles
from permissions.roles import Action
from resolvers.access import direct_lead_role_loader, load_for, require_lead
from resolvers.context import Context
from resolvers.errors import InputErrors, attempt
from resolvers.lead_events import LeadEventKind, publish


async def _company(context: Context, company_id: str, field: list[str]) -> Company:
    return await load_for(context, Company, company_id, field)


def _check_fields(given: dict[str, Any]) -> None:
    """Every problem with the given lead fields at once."""
    _, errors = lead_workflow.clean_fields(given)
    if errors:
        raise InputErrors(errors)


async def create_lead(
    context: Context,
    given: dict[str, Any],
    *,
    sourced_by_id: str | None,
    partner_id: str | None,
    acceptance_deadline: datetime | None,
) -> tuple[Lead | None, list[DomainError]]:
    async def action() -> Lead:
        async with in_transaction():
            sourced_by = await _company(context, sourced_by_id, ["sourcedById"]) if sourced_by_id is not None else None
            partner = await _company(context, partner_id, ["partnerId"]) if partner_id is not None else None
            _check_fields(given)
            return await lead_workflow.create_lead(
                context.viewer, given, sourced_by=sourced_by, partner=partner, acceptance_deadline=acceptance_deadline
            )

    return await attempt(action)


async def update_lead(
    context: Context, lead_id: str, given: dict[str, Any], sharing: dict[str, Any]
) -> tuple[Lead | None, list[DomainError]]:
    """`given` holds the lead fields in the input and `sharing` the given `partner_id` and
    `acceptance_deadline`; an absent key is left untouched, None clears."""

    async def action() -> Lead:
        async with in_transaction():
            lead, role = await require_lead(context, lead_id, Action.UPDATE)
            resolved = dict(sharing)
            if "partner_id" in resolved:
                partner_id = resolved.pop("partner_id")
                resolved["partner"] = (
                    await _company(context, partner_id, ["partnerId"]) if partner_id is not None else None
                )
            _check_fields(given)
            may_share = roles.may_share(
                role, viewer_company_id=context.viewer.company_id, sourced_by_id=lead.sourced_by_id
            )
            return await lead_workflow.update_lead(context.viewer, lead, may_share, given, resolved)

    return await attempt(action)


async def set_lead_status(
    context: Context, lead_id: str, status: LeadStatus, reason: str | None
) -> tuple[Lead | None, list[DomainError]]:
    async def action() -> Lead:
        async with in_transaction():
            lead, _ = await require_lead(context, lead_id, Action.UPDATE)
            changed = await lead_workflow.set_lead_status(context.viewer, lead, status, reason)
        await publish(context, LeadEventKind.STATUS_CHANGED, changed)
        return changed

    return await attempt(action)


async def respond_to_lead(
    context: Context, lead_id: str, decision: LeadDecision, reason: str | None
) -> tuple[Lead | None, list[DomainError]]:
    async def action() -> Lead:
        async with in_transaction():
            lead, _ = await require_lead(context, lead_id, Action.RESPOND)
            may_answer = roles.may_answer(
                context.viewer.company_id, sourced_by_id=lead.sourced_by_id, partner_id=lead.partner_id
            )
            responded = await lead_workflow.respond_to_lead(context.viewer, lead, may_answer, decision, reason)
        context.loaders.get(direct_lead_role_loader).clear(responded.pk)
        await publish(context, LeadEventKind.ACCEPTANCE_ANSWERED, responded)
        return responded

    return await attempt(action)

"""The lead lifecycle (CONTRACT.md section 6): creating and editing a lead, moving its status,
sharing it with a partner and answering a shared lead.

The caller has loaded (and locked) the lead through the viewer's scope and checked that their
role allows the action; each function runs its writes in one transaction and raises
DomainError when it refuses, having written nothing.
"""

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from tortoise.transactions import in_transaction

from models.company import Company
from models.enums import LeadAcceptance, LeadStatus, MemberRole
from models.errors import DomainError, ErrorCode
from models.lead import Lead
from models.membership import LeadMember
from models.user import User
from models.validation import clean_amount, clean_currency, clean_email, clean_percentage, clean_text, clean_website


class LeadDecision(str, Enum):
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"


TEXT_LIMITS = {
    "topic": 255,
    "first_name": 120,
    "last_name": 120,
    "phone": 50,
    "job_title": 120,
    "customer_name": 255,
    "website": 255,
    "source": 120,
    "description": 10_000,
}
IDENTIFYING_FIELDS = ("topic", "last_name", "customer_name")
EDITABLE_FIELDS = frozenset({*TEXT_LIMITS, "email", "score", "estimated_amount", "currency", "estimated_close_date"})
MAX_REASON_LENGTH = 2_000
SHAREABLE = frozenset({LeadAcceptance.NOT_REQUIRED, LeadAcceptance.REJECTED, LeadAcceptance.EXPIRED})


def input_path(name: str) -> list[str]:
    """The input path of a lead attribute: its camelCase GraphQL name."""
    head, *rest = name.split("_")
    return [head + "".join(part.title() for part in rest)]


def _clean_value(name: str, value: Any) -> Any:
    path = input_path(name)
    if name in IDENTIFYING_FIELDS and value is not None and not value.strip():
        raise DomainError(ErrorCode.INVALID_INPUT, f"{path[0]} must not be empty; send null to clear it", path)
    if name == "website":
        return clean_website(value, path)
    if name in TEXT_LIMITS:
        return clean_text(value, path, max_length=TEXT_LIMITS[name])
    if name == "email":
        return clean_email(value, path)
    if name == "score":
        return clean_percentage(value, path)
    if name == "estimated_amount":
        return clean_amount(value, path)
    if name == "currency":
        return clean_currency(value, path)
    if name == "estimated_close_date":
        return value
    raise ValueError(f"{name} is not an editable lead field")


def clean_fields(given: dict[str, Any]) -> tuple[dict[str, Any], list[DomainError]]:
    """The given lead fields cleaned, and every problem found (empty when all are fine)."""
    cleaned: dict[str, Any] = {}
    errors: list[DomainError] = []
    for name, value in given.items():
        try:
            cleaned[name] = _clean_value(name, value)
        except DomainError as error:
            errors.append(error)
    return cleaned, errors


def _cleaned(given: dict[str, Any]) -> dict[str, Any]:
    cleaned, errors = clean_fields(given)
    if errors:
        raise errors[0]
    return cleaned


def _check_record(lead: Lead, touched: list[str]) -> None:
    """Rules on the whole record once the input is applied."""
    if not any(getattr(lead, name) for name in IDENTIFYING_FIELDS):
        name = next((name for name in IDENTIFYING_FIELDS if name in touched), "topic")
        raise DomainError(
            ErrorCode.INVALID_INPUT, "A lead needs a topic, a last name or a customer name", input_path(name)
        )
    if lead.estimated_amount is not None and lead.currency is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "An estimated amount needs a currency", ["currency"])


def _deadline(value: datetime | None, shared: bool, now: datetime) -> datetime | None:
    """A new acceptance deadline: only for a lead shared with a partner, and in the future."""
    if value is None:
        return None
    if not shared:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "acceptanceDeadline only applies to a lead shared with a partner company",
            ["acceptanceDeadline"],
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if value <= now:
        raise DomainError(ErrorCode.INVALID_INPUT, "acceptanceDeadline must be in the future", ["acceptanceDeadline"])
    return value.astimezone(UTC)


def _share(lead: Lead, partner_id: int | None, deadline: datetime | None, now: datetime) -> None:
    """Give the lead its partner: a partner other than the sourcing company starts a new wait."""
    shared = partner_id is not None and partner_id != lead.sourced_by_id
    lead.partner_id = partner_id
    lead.stored_acceptance = LeadAcceptance.PENDING if shared else LeadAcceptance.NOT_REQUIRED
    lead.acceptance_deadline = _deadline(deadline, shared, now)
    lead.rejection_reason = None


def new_lead(
    viewer: User, given: dict[str, Any], *, partner_id: int | None, acceptance_deadline: datetime | None
) -> Lead:
    """An unsaved OPEN_NOT_CONTACTED lead owned by the viewer and sourced by their company, checked
    as createLead checks it (DomainError for the first problem); imports build theirs with it too."""
    lead = Lead(
        **_cleaned(given),
        sourced_by_id=viewer.company_id,
        owner_id=viewer.id,
        status=LeadStatus.OPEN_NOT_CONTACTED,
    )
    _share(lead, partner_id, acceptance_deadline, datetime.now(UTC))
    _check_record(lead, list(given))
    return lead


async def create_lead(
    viewer: User,
    given: dict[str, Any],
    *,
    sourced_by: Company | None,
    partner: Company | None,
    acceptance_deadline: datetime | None,
) -> Lead:
    """A new OPEN_NOT_CONTACTED lead owned by the viewer, sourced by their company."""
    if sourced_by is not None and sourced_by.id != viewer.company_id:
        raise DomainError(ErrorCode.FORBIDDEN, "A lead can only be sourced by your own company", ["sourcedById"])
    lead = new_lead(viewer, given, partner_id=partner.id if partner else None, acceptance_deadline=acceptance_deadline)
    async with in_transaction():
        await lead.save()
        await LeadMember.create(lead=lead, user_id=viewer.id, role=MemberRole.OWNER)
    return lead


def _refuse_if_converted(viewer: User, lead: Lead) -> None:
    if lead.is_converted and not viewer.can_edit_converted_leads:
        raise DomainError(ErrorCode.LEAD_CONVERTED, "The lead is converted and read-only")


def _check_resharing(lead: Lead, may_share: bool, now: datetime) -> None:
    if lead.is_converted:
        raise DomainError(ErrorCode.LEAD_CONVERTED, "The partner of a converted lead cannot change", ["partnerId"])
    if not may_share:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "Only an owner of the lead at its sourcing company may share it with a partner",
            ["partnerId"],
        )
    acceptance = lead.acceptance_at(now)
    if acceptance is LeadAcceptance.PENDING:
        raise DomainError(
            ErrorCode.INVALID_STATUS_TRANSITION,
            "The lead is waiting for its partner's answer; it can be shared again once it expires or is rejected",
            ["partnerId"],
        )
    if acceptance is LeadAcceptance.ACCEPTED:
        raise DomainError(
            ErrorCode.INVALID_STATUS_TRANSITION,
            "The partner accepted the lead; it cannot be shared with another",
            ["partnerId"],
        )


async def update_lead(
    viewer: User,
    lead: Lead,
    may_share: bool,
    given: dict[str, Any],
    sharing: dict[str, Any],
) -> Lead:
    """Change the given fields (None clears one). `sharing` may hold `partner` (a Company or None)
    and `acceptance_deadline`: a new partner, or a new deadline, shares the lead again, which
    only a viewer who `may_share` it may do (the caller asked `permissions.roles.may_share`), and
    only while no partner waits for it or has accepted it."""
    _refuse_if_converted(viewer, lead)
    now = datetime.now(UTC)
    cleaned = _cleaned(given)
    partner_id = lead.partner_id
    if "partner" in sharing:
        partner_id = sharing["partner"].id if sharing["partner"] else None
    if partner_id != lead.partner_id or "acceptance_deadline" in sharing:
        _check_resharing(lead, may_share, now)
        _share(lead, partner_id, sharing.get("acceptance_deadline"), now)
    for name, value in cleaned.items():
        setattr(lead, name, value)
    _check_record(lead, list(given))
    async with in_transaction():
        await lead.save()
    return lead


async def set_lead_status(viewer: User, lead: Lead, status: LeadStatus, reason: str | None) -> Lead:
    """Open and working move freely; disqualifying needs a reason; reopening clears it."""
    if lead.is_converted:
        raise DomainError(ErrorCode.LEAD_CONVERTED, "The lead is converted; its status can no longer change")
    if status is LeadStatus.CLOSED_CONVERTED:
        raise DomainError(ErrorCode.CONVERSION_REQUIRED, "Only converting the lead closes it as converted", ["status"])
    if status is LeadStatus.CLOSED_NOT_CONVERTED:
        lead.disqualification_reason = clean_text(reason, ["reason"], max_length=MAX_REASON_LENGTH, required=True)
    else:
        lead.disqualification_reason = None
    lead.status = status
    async with in_transaction():
        await lead.save()
    return lead


async def respond_to_lead(
    viewer: User, lead: Lead, may_answer: bool, decision: LeadDecision, reason: str | None
) -> Lead:
    """The partner company's answer to a lead shared with it (`may_answer`: the caller asked
    `permissions.roles.may_answer`); the responder becomes a direct COLLABORATOR unless they
    already hold a higher direct role."""
    if not may_answer:
        raise DomainError(
            ErrorCode.FORBIDDEN, "Only the partner company the lead is shared with may answer it", ["leadId"]
        )
    acceptance = lead.acceptance_at(datetime.now(UTC))
    if acceptance is LeadAcceptance.EXPIRED:
        assert lead.acceptance_deadline is not None, "only a deadline expires"
        raise DomainError(
            ErrorCode.INVALID_STATUS_TRANSITION,
            f"The lead's acceptance deadline passed ({lead.acceptance_deadline.isoformat()}); it can no longer be answered",
            ["leadId"],
        )
    if acceptance is not LeadAcceptance.PENDING:
        raise DomainError(
            ErrorCode.INVALID_STATUS_TRANSITION,
            f"The lead is {acceptance.value}, not waiting for an answer",
            ["leadId"],
        )
    if decision is LeadDecision.REJECT:
        lead.rejection_reason = clean_text(reason, ["reason"], max_length=MAX_REASON_LENGTH, required=True)
        lead.stored_acceptance = LeadAcceptance.REJECTED
    else:
        lead.stored_acceptance = LeadAcceptance.ACCEPTED
    async with in_transaction():
        await lead.save()
        member = await LeadMember.filter(lead_id=lead.id, user_id=viewer.id).select_for_update().first()
        if member is None:
            await LeadMember.create(lead=lead, user_id=viewer.id, role=MemberRole.COLLABORATOR)
        elif MemberRole(member.role).rank < MemberRole.COLLABORATOR.rank:
            member.role = MemberRole.COLLABORATOR
            await member.save(update_fields=["role"])
    return lead

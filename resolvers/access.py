"""The viewer's effective role on leads and opportunities, and loading the record a global ID of
the input names: through the viewer's scope (`load_for`), and for an action (`require_lead`)."""

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import TypeVar

from tortoise.models import Model

from models import DomainError, Lead, LeadMember, MemberRole, Opportunity, OpportunityMember, User
from models.errors import ErrorCode
from models.rows import kind_of, model_of, select_rows
from permissions import roles, scopes
from permissions.roles import Action
from resolvers.context import Context
from resolvers.ids import decode_id
from resolvers.loaders import DataLoader

M = TypeVar("M", bound=Model)
R = TypeVar("R", Lead, Opportunity)


def _direct_role_loader(
    member_model: type[LeadMember] | type[OpportunityMember], record_field: str
) -> Callable[[User], DataLoader[int, MemberRole | None]]:
    """The viewer's direct role on many records in one query (None where they are no member)."""
    record_of = attrgetter(record_field)

    def factory(viewer: User) -> DataLoader[int, MemberRole | None]:
        async def load(record_ids: Sequence[int]) -> list[MemberRole | None]:
            members = await select_rows(member_model, [{"user_id": [viewer.id], record_field: record_ids}])
            found = {record_of(member): MemberRole(member.role) for member in members}
            return [found.get(record_id) for record_id in record_ids]

        return DataLoader(load_fn=load)

    return factory


direct_lead_role_loader = _direct_role_loader(LeadMember, "lead_id")
direct_opportunity_role_loader = _direct_role_loader(OpportunityMember, "opportunity_id")


async def role_on(context: Context, record: Lead | Opportunity) -> MemberRole | None:
    """The viewer's effective role on a lead or an opportunity (None: it is invisible to them)."""
    factory = direct_lead_role_loader if kind_of(record) is Lead else direct_opportunity_role_loader
    direct = await context.loaders.get(factory).load(record.pk)
    return roles.effective_role(
        direct=direct,
        viewer_policy_role=await context.loaders.policy_role(),
        viewer_company_id=context.viewer.company_id,
        sourced_by_id=record.sourced_by_id,
        partner_id=record.partner_id,
    )


async def roles_on(context: Context, records: Sequence[Lead | Opportunity]) -> list[MemberRole | None]:
    """`role_on` for many records of one kind, in one batch."""
    if not records:
        return []
    factory = direct_lead_role_loader if kind_of(records[0]) is Lead else direct_opportunity_role_loader
    direct = await context.loaders.get(factory).load_many([record.pk for record in records])
    viewer_policy_role = await context.loaders.policy_role()
    return [
        roles.effective_role(
            direct=role,
            viewer_policy_role=viewer_policy_role,
            viewer_company_id=context.viewer.company_id,
            sourced_by_id=record.sourced_by_id,
            partner_id=record.partner_id,
        )
        for record, role in zip(records, direct, strict=True)
    ]


async def load_for(context: Context, model: type[M], global_id: str, field: list[str], *, lock: bool = False) -> M:
    """The record a global ID of the input names, through the viewer's scope for its model
    (`lock`: locked for update where the database can, inside a transaction): NOT_FOUND naming
    the field when the ID is malformed, of another type, or names a record the viewer cannot see."""
    type_name = model.__name__
    pk = decode_id(global_id, type_name, field)
    found = await select_rows(
        scopes.as_sql(scopes.SCOPES[model], context.viewer), [{model._meta.pk_attr: [pk]}], lock=lock
    )
    if not found:
        raise DomainError(ErrorCode.NOT_FOUND, f"No {type_name} with ID '{global_id}'", field)
    return model_of(model, found[0])


async def _require_role(
    context: Context, model: type[R], global_id: str, action: Action, field: list[str]
) -> tuple[R, MemberRole]:
    """The record for an action, locked: NOT_FOUND when the viewer cannot see it, FORBIDDEN when
    their role on it does not allow the action. Call inside a transaction."""
    record = await load_for(context, model, global_id, field, lock=True)
    role = await role_on(context, record)
    if not roles.may(role, action):
        raise DomainError(
            ErrorCode.FORBIDDEN,
            f"Your role on this {model.__name__.lower()} ({role.value if role else 'none'}) does not allow this",
            field,
        )
    return record, role


async def require_lead(
    context: Context, lead_id: str, action: Action, field: list[str] | None = None
) -> tuple[Lead, MemberRole]:
    """The lead for an action (`_require_role`), the field defaulting to `leadId`; ALREADY_MERGED
    when it was merged into another lead: a merged lead takes no action."""
    field = field or ["leadId"]
    lead, role = await _require_role(context, Lead, lead_id, action, field)
    if lead.merged_into_id is not None:
        raise DomainError(ErrorCode.ALREADY_MERGED, "The lead was merged into another lead and is read-only", field)
    return lead, role


async def require_opportunity(
    context: Context, opportunity_id: str, action: Action, field: list[str] | None = None
) -> tuple[Opportunity, MemberRole]:
    """The opportunity for an action (`_require_role`); the field defaults to `opportunityId`."""
    return await _require_role(context, Opportunity, opportunity_id, action, field or ["opportunityId"])

"""Company access policies: listing the viewer's company's and creating one (admins)."""

from tortoise.transactions import in_transaction

from models import AccessPolicy, DomainError, MemberRole, User
from models.membership_workflow import create_access_policy
from permissions import roles, scopes
from permissions.roles import AdminAction
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.loaders import DataLoader, by_id_loader
from resolvers.pagination import Page, Position, cut


def access_policy_loader(viewer: User) -> DataLoader[int, AccessPolicy | None]:
    return by_id_loader(scopes.visible_access_policies, viewer)


def _policy_position(policy: AccessPolicy) -> Position:
    """Highest role first, then oldest first."""
    return -MemberRole(policy.role).rank, policy.pk


async def policies_of_viewer_company(
    context: Context, first: int | None, after: str | None, last: int | None, before: str | None
) -> Page[AccessPolicy]:
    """The viewer's company's policies, highest role first: a company has few, so the page is
    cut from all of them."""
    args = context.page_args("accessPolicies", first, after, last, before)
    policies = sorted(await scopes.visible_access_policies(context.viewer), key=_policy_position)
    return cut(policies, args, _policy_position)


def policy_edge_cursor(context: Context, policy: AccessPolicy) -> str:
    """The cursor of a policy in `accessPolicies`."""
    return context.cursors.encode("accessPolicies", *_policy_position(policy))


async def create_policy(context: Context, role: MemberRole) -> tuple[AccessPolicy | None, list[DomainError]]:
    async def action() -> AccessPolicy:
        roles.require_admin(context.viewer, AdminAction.CREATE_ACCESS_POLICY)
        async with in_transaction():
            return await create_access_policy(context.viewer, role)

    return await attempt(action)

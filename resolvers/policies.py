"""Company access policies: listing the viewer's company's and creating one (admins)."""

from strawberry.dataloader import DataLoader
from tortoise.transactions import in_transaction

from models import AccessPolicy, DomainError, MemberRole, User
from models.membership_workflow import create_access_policy
from permissions import scopes
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.loaders import by_id_loader


def access_policy_loader(viewer: User) -> DataLoader[int, AccessPolicy | None]:
    return by_id_loader(lambda: scopes.visible_access_policies(viewer))


async def policies_of_viewer_company(context: Context) -> list[AccessPolicy]:
    policies = await scopes.visible_access_policies(context.viewer)
    return sorted(policies, key=lambda policy: -MemberRole(policy.role).rank)


async def create_policy(context: Context, role: MemberRole) -> tuple[AccessPolicy | None, list[DomainError]]:
    async def action() -> AccessPolicy:
        async with in_transaction():
            return await create_access_policy(context.viewer, role)

    return await attempt(action)

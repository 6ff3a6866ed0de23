"""Visibility scopes: every read starts here. Each returns a queryset of what the viewer may see
(default deny), so that lists, counts, `node` and mutation lookups agree. `as_sql` gives a scope
as SQL for statements written by hand (`models.rows`), made once per scope and viewer."""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar, cast

from tortoise.expressions import Q, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models import (
    AccessPolicy,
    Account,
    Activity,
    Company,
    Contact,
    Lead,
    LeadMember,
    MemberRole,
    Opportunity,
    OpportunityMember,
    OpportunityStage,
    OpportunityTemplate,
    PartnerProgram,
    SalesPlan,
    Solution,
    User,
)
from models.rows import Condition, Scope, scope_of

M = TypeVar("M", bound=Model)


def _policy_companies(viewer: User) -> Subquery | list[int]:
    """The viewer's company when a policy gives its users a role: always for admins (built in),
    else only when the company has an access policy."""
    if viewer.is_admin:
        return [viewer.company_id]
    return Subquery(AccessPolicy.filter(company_id=viewer.company_id).values("company_id"))


def _through_policy(viewer: User) -> Q:
    companies = _policy_companies(viewer)
    return Q(sourced_by_id__in=companies) | Q(partner_id__in=companies)


def policy_holders(company_ids: Collection[int], companies_with_policies: Collection[int]) -> list[Condition]:
    """The users a policy may give a role on records of these companies, as conditions on users
    any of which a holder matches (`models.rows.select_rows`): their admins (the built-in policy)
    and every user of a company with an access policy; `roles.policy_role` says which."""
    return [{"company_id": list(company_ids), "is_admin": True}, {"company_id": list(companies_with_policies)}]


def visible_leads(viewer: User) -> QuerySet[Lead]:
    """Leads the viewer is a direct member of, or reaches through a policy of their company."""
    direct = Subquery(LeadMember.filter(user_id=viewer.id).values("lead_id"))
    return Lead.filter(Q(id__in=direct) | _through_policy(viewer))


def visible_opportunities(viewer: User) -> QuerySet[Opportunity]:
    direct = Subquery(OpportunityMember.filter(user_id=viewer.id).values("opportunity_id"))
    return Opportunity.filter(Q(id__in=direct) | _through_policy(viewer))


def money_hidden_opportunities(viewer: User, viewer_policy_role: MemberRole | None) -> Q:
    """The opportunities whose money the viewer may not read: those on which their effective role
    (`roles.effective_role`, the highest of the direct membership and the policy role where the
    viewer's company is involved) is PARTICIPANT. `viewer_policy_role` is `roles.policy_role`."""
    higher = [MemberRole.COLLABORATOR, MemberRole.OWNER]
    mine = OpportunityMember.filter(user_id=viewer.id)
    direct_participant = Q(id__in=Subquery(mine.filter(role=MemberRole.PARTICIPANT).values("opportunity_id")))
    # `partner_id IS NOT NULL` keeps the negation below true, not NULL, on records without a partner.
    involved = Q(sourced_by_id=viewer.company_id) | Q(partner_id__not_isnull=True, partner_id=viewer.company_id)
    if viewer_policy_role in higher:
        return direct_participant & ~involved
    if viewer_policy_role is MemberRole.PARTICIPANT:
        direct_higher = Q(id__in=Subquery(mine.filter(role__in=higher).values("opportunity_id")))
        return direct_participant | (involved & ~direct_higher)
    return direct_participant


def money_readable_opportunities(viewer: User, viewer_policy_role: MemberRole | None) -> Q:
    """Among the opportunities the viewer sees, those whose money they may read (`roles.may`,
    READ_MONEY): every one but the `money_hidden_opportunities`."""
    return ~money_hidden_opportunities(viewer, viewer_policy_role)


def visible_accounts(viewer: User) -> QuerySet[Account]:
    """Accounts of the viewer's company, and those a visible lead or opportunity refers to."""
    return Account.filter(
        Q(company_id=viewer.company_id)
        | Q(id__in=Subquery(visible_opportunities(viewer).filter(account_id__not_isnull=True).values("account_id")))
        | Q(
            id__in=Subquery(
                visible_leads(viewer).filter(converted_account_id__not_isnull=True).values("converted_account_id")
            )
        )
    )


def visible_contacts(viewer: User) -> QuerySet[Contact]:
    """Contacts of the viewer's company, and those a visible lead or opportunity refers to."""
    return Contact.filter(
        Q(company_id=viewer.company_id)
        | Q(id__in=Subquery(visible_opportunities(viewer).filter(contact_id__not_isnull=True).values("contact_id")))
        | Q(
            id__in=Subquery(
                visible_leads(viewer).filter(converted_contact_id__not_isnull=True).values("converted_contact_id")
            )
        )
    )


def visible_companies(viewer: User) -> QuerySet[Company]:
    """Companies form the partner network's directory: every signed-in user sees all of them."""
    return Company.all()


def visible_users(viewer: User) -> QuerySet[User]:
    """Users of the viewer's company, of the companies they share a visible record with,
    and every direct member of a visible record."""
    leads = visible_leads(viewer)
    opportunities = visible_opportunities(viewer)
    return User.filter(
        Q(company_id=viewer.company_id)
        | Q(company_id__in=Subquery(leads.values("sourced_by_id")))
        | Q(company_id__in=Subquery(leads.filter(partner_id__not_isnull=True).values("partner_id")))
        | Q(company_id__in=Subquery(opportunities.values("sourced_by_id")))
        | Q(company_id__in=Subquery(opportunities.filter(partner_id__not_isnull=True).values("partner_id")))
        | Q(id__in=Subquery(LeadMember.filter(lead_id__in=Subquery(leads.values("id"))).values("user_id")))
        | Q(
            id__in=Subquery(
                OpportunityMember.filter(opportunity_id__in=Subquery(opportunities.values("id"))).values("user_id")
            )
        )
    )


def users_of_visible_records(viewer: User) -> QuerySet[User]:
    """The users a record the viewer already sees names: its owner, its direct members and the users
    of its sourcing and partner companies. `visible_users` shows all of them to the viewer (and the
    owner is on the record itself), so loaders reading them for a visible record, in a batch, check
    nothing more; re-checking would scan every record the viewer sees at each batch."""
    return User.all()


def accounts_of_visible_records(viewer: User) -> QuerySet[Account]:
    """The accounts a record the viewer already sees refers to (an opportunity's account, a
    converted lead's account): `visible_accounts` shows them by its own rule, so loaders reading
    them for a visible record check nothing more (re-checking scans every visible record)."""
    return Account.all()


def contacts_of_visible_records(viewer: User) -> QuerySet[Contact]:
    """The contacts a record the viewer already sees refers to; see `accounts_of_visible_records`."""
    return Contact.all()


def visible_stages(viewer: User) -> QuerySet[OpportunityStage]:
    return OpportunityStage.all()


def visible_sales_plans(viewer: User) -> QuerySet[SalesPlan]:
    """Catalog entries are shared across the network so that partners can link them."""
    return SalesPlan.all()


def visible_solutions(viewer: User) -> QuerySet[Solution]:
    return Solution.all()


def visible_partner_programs(viewer: User) -> QuerySet[PartnerProgram]:
    return PartnerProgram.all()


async def company_policy_roles(viewer: User) -> list[MemberRole]:
    return [policy.role for policy in await AccessPolicy.filter(company_id=viewer.company_id).only("role")]


def visible_activities(viewer: User) -> QuerySet[Activity]:
    """Activities of the leads the viewer sees and of the opportunities they see."""
    on_opportunities = Activity.filter(
        opportunities__id__in=Subquery(visible_opportunities(viewer).values("id"))
    ).values("id")
    return Activity.filter(
        Q(lead_id__in=Subquery(visible_leads(viewer).values("id"))) | Q(id__in=Subquery(on_opportunities))
    )


def owners_of_visible_activities(viewer: User) -> QuerySet[User]:
    """The owners of the activities the viewer sees (one may have left the record since)."""
    return User.filter(id__in=Subquery(visible_activities(viewer).values("owner_id")))


def visible_access_policies(viewer: User) -> QuerySet[AccessPolicy]:
    """A company's access policies are known to its own users."""
    return AccessPolicy.filter(company_id=viewer.company_id)


def visible_templates(viewer: User) -> QuerySet[OpportunityTemplate]:
    """The built-in templates (no company) and the viewer's company's own."""
    return OpportunityTemplate.filter(Q(company_id=None) | Q(company_id=viewer.company_id))


SCOPES: dict[type[Model], Callable[[User], QuerySet[Any]]] = {
    Lead: visible_leads,
    Opportunity: visible_opportunities,
    Account: visible_accounts,
    Contact: visible_contacts,
    Company: visible_companies,
    User: visible_users,
    OpportunityStage: visible_stages,
    SalesPlan: visible_sales_plans,
    Solution: visible_solutions,
    PartnerProgram: visible_partner_programs,
    Activity: visible_activities,
    AccessPolicy: visible_access_policies,
    OpportunityTemplate: visible_templates,
}


def visible(viewer: User, model: type[M]) -> QuerySet[M]:
    """The scope of a model, for a lookup by the model: a model without one has no records to
    look up (a KeyError, never an unscoped read)."""
    return SCOPES[model](viewer)


@dataclass(frozen=True)
class ScopeViewer:
    """All that a scope reads of its viewer, and all that `as_sql` gives a scope to read: a scope
    that read anything else of the viewer would fail there, not give another viewer's SQL."""

    id: int
    company_id: int
    is_admin: bool


MAX_SCOPES_AS_SQL = 1024
"""How many (scope, viewer) pairs `as_sql` keeps: a server's active viewers, a few scopes each."""


def as_sql(scope: Callable[[User], QuerySet[Any]], viewer: User) -> Scope:
    """The viewer's scope as SQL (`models.rows.Scope`), for `models.rows.select_rows` and the
    statements written by hand. A scope is a function of the viewer's id, company and admin flag
    (`ScopeViewer`) and reads nothing of the database, so its SQL is made once per scope, such
    viewer and SQL dialect, and kept: building it with the query builder cost more than the
    statement that reads it."""
    dialect = User._meta.db.capabilities.dialect
    return _as_sql(scope, ScopeViewer(viewer.id, viewer.company_id, viewer.is_admin), dialect)


@lru_cache(maxsize=MAX_SCOPES_AS_SQL)
def _as_sql(scope: Callable[[User], QuerySet[Any]], viewer: ScopeViewer, dialect: str) -> Scope:
    return scope_of(scope(cast(User, viewer)))

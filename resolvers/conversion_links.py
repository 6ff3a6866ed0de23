"""The links between leads and opportunities that conversion records, as each side's viewer sees them."""

from tortoise.expressions import Subquery

from models import Lead, LeadOpportunity, Opportunity, User
from models.rows import kind_of
from permissions import scopes
from resolvers.context import Info
from resolvers.loaders import DataLoader, grouped_loader


def lead_links_to_visible_opportunities_loader(viewer: User) -> DataLoader[int, list[LeadOpportunity]]:
    """A lead's links to the opportunities the viewer can see."""
    return grouped_loader(
        lambda ids: LeadOpportunity.filter(
            lead_id__in=ids, opportunity_id__in=Subquery(scopes.visible_opportunities(viewer).values("id"))
        ).order_by("created_at", "id"),
        lambda link: link.lead_id,
    )


def opportunity_links_to_visible_leads_loader(viewer: User) -> DataLoader[int, list[LeadOpportunity]]:
    """An opportunity's links to the leads the viewer can see."""
    return grouped_loader(
        lambda ids: LeadOpportunity.filter(
            opportunity_id__in=ids, lead_id__in=Subquery(scopes.visible_leads(viewer).values("id"))
        ).order_by("created_at", "id"),
        lambda link: link.opportunity_id,
    )


async def links_of(info: Info, record: Lead | Opportunity) -> list[LeadOpportunity]:
    factory = (
        lead_links_to_visible_opportunities_loader
        if kind_of(record) is Lead
        else opportunity_links_to_visible_leads_loader
    )
    return await info.context.loaders.get(factory).load(record.pk)

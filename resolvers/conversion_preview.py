"""The conversion preview: what convertLead would do with the defaults, without writing anything."""

from models import DomainError
from models.conversion_preview import Preview, PreviewScopes, preview_conversion
from permissions import roles, scopes
from permissions.roles import Action
from resolvers.access import require_lead, role_on
from resolvers.context import Context
from resolvers.ids import decode_id
from resolvers.templates import template_or_default


async def preview(context: Context, lead_id: str, template_id: str | None) -> Preview | None:
    """None when the lead is invisible; a lead the viewer may not convert still previews, with
    what stands in the way in `blockers`. The drafted amount is None for a viewer whose role on
    the lead may not read its money."""
    viewer = context.viewer
    try:
        pk = decode_id(lead_id, "Lead", ["leadId"])
    except DomainError:
        return None
    lead = await scopes.visible_leads(viewer).filter(id=pk).first()
    if lead is None:
        return None
    refused = None
    try:
        await require_lead(context, lead_id, Action.CONVERT)
    except DomainError as error:
        refused = error
    template = await template_or_default(context, template_id)
    return await preview_conversion(
        lead,
        viewer,
        template,
        refused=refused,
        money_readable=roles.may(await role_on(context, lead), Action.READ_MONEY),
        scopes=PreviewScopes(
            accounts=scopes.as_sql(scopes.visible_accounts, viewer),
            contacts=scopes.as_sql(scopes.visible_contacts, viewer),
            opportunities=scopes.visible_opportunities(viewer),
        ),
    )

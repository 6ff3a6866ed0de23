"""What a member company records about a lead or an opportunity: its company section."""

from typing import Any

from models.lead import Lead
from models.membership_workflow import require_editable
from models.opportunity import Opportunity
from models.section import LeadCompanySection, OpportunityCompanySection
from models.validation import clean_text

Record = Lead | Opportunity
Section = LeadCompanySection | OpportunityCompanySection

SECTION_FIELDS = {"industry": ("industry", 120), "region": ("region", 120), "crm_account": ("crmAccount", 255)}


def clean_section_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The given section fields, trimmed and checked; an empty string clears like null."""
    return {
        name: clean_text(value, [SECTION_FIELDS[name][0]], max_length=SECTION_FIELDS[name][1])
        for name, value in changes.items()
    }


async def set_company_section(record: Record, company_id: int, changes: dict[str, Any]) -> Section:
    """Create or update the company's section of the record with the fields given; fields left
    out keep their value."""
    require_editable(record, ["leadId"])
    cleaned = clean_section_changes(changes)
    section: Section | None
    if isinstance(record, Lead):
        section = await LeadCompanySection.filter(lead_id=record.pk, company_id=company_id).select_for_update().first()
        if section is None:
            return await LeadCompanySection.create(lead_id=record.pk, company_id=company_id, **cleaned)
    else:
        section = (
            await OpportunityCompanySection.filter(opportunity_id=record.pk, company_id=company_id)
            .select_for_update()
            .first()
        )
        if section is None:
            return await OpportunityCompanySection.create(opportunity_id=record.pk, company_id=company_id, **cleaned)
    if cleaned:
        section.update_from_dict(cleaned)
        await section.save(update_fields=[*cleaned, "updated_at"])
    return section

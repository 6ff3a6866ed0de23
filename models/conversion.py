"""Lead conversion (CONTRACT.md section 7): into new or existing account, contact and
opportunity, linking and unlinking opportunities, with the event log. Each function runs in
the caller's transaction, after the caller has locked the lead, and raises DomainError."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from tortoise.fields.relational import ManyToManyFieldInstance

from models.account import Account, Contact
from models.activity import Activity
from models.conversion_records import ConversionEvent, ConversionEventKind, ConversionSettings
from models.conversion_snapshot import (
    LINKED_CATALOGS,
    SECTION_COLUMNS,
    account_snapshot,
    contact_snapshot,
    opportunity_snapshot,
)
from models.enums import LeadAcceptance, LeadStatus, MemberRole
from models.errors import DomainError, ErrorCode
from models.lead import CONVERSION_FIELDS, Lead
from models.matching import match_keys
from models.membership import LeadMember, OpportunityMember
from models.opportunity import LeadOpportunity, Opportunity, OpportunityStage
from models.relations import related
from models.rows import Condition, Row, Scope, columns_of, model_of, placeholders, rows_of, select_rows
from models.section import LeadCompanySection, OpportunityCompanySection
from models.template import OpportunityTemplate
from models.user import User
from models.validation import clean_amount, clean_currency, clean_email, clean_percentage, clean_text, clean_website


@dataclass
class Choice:
    """One of: create from a draft (the fields the client gave), attach an existing record, skip."""

    create: dict[str, Any] | None = None
    existing: Any = None
    skip: bool = False


@dataclass
class ConversionScopes:
    """What the viewer may see, from the permissions layer: duplicates are looked for there."""

    accounts: Scope
    contacts: Scope


@dataclass
class ConversionResult:
    lead: Lead
    account: Account | None = None
    contact: Contact | None = None
    opportunity: Opportunity | None = None
    events: list[ConversionEvent] = field(default_factory=list)
    created_opportunity: bool = False
    """Whether `opportunity` was created by this call, with the viewer as its direct OWNER and
    `opportunity.stage` loaded."""


async def settings_for(company_id: int) -> ConversionSettings:
    """The company's conversion settings, or the defaults (create all three, no minimum)."""
    found = await ConversionSettings.get_or_none(company_id=company_id)
    return found or ConversionSettings(company_id=company_id)


async def conversion_defaults(company_id: int) -> tuple[ConversionSettings, OpportunityTemplate]:
    """The company's conversion settings and its default template (the Standard one unless the
    settings name another) with the template's default stage, in one statement whose text is made
    once: the candidate templates, each with its stage and the settings."""
    connection = OpportunityTemplate._meta.db
    _, found = await connection.execute_query(_defaults_sql(connection.capabilities.dialect), [company_id, True])
    candidates = [rows_of(tuple(values), OpportunityTemplate, OpportunityStage, ConversionSettings) for values in found]
    own = candidates[0][2]
    settings = model_of(ConversionSettings, own) if own is not None else ConversionSettings(company_id=company_id)
    wanted = settings.default_template_id

    def chosen(template: Row) -> bool:
        return template.pk == wanted if wanted else template.company_id is None and template.is_default

    template, stage, _ = next(
        candidate for candidate in candidates if candidate[0] is not None and chosen(candidate[0])
    )
    assert template is not None
    default_stage = model_of(OpportunityStage, stage) if stage is not None else None
    return settings, model_of(OpportunityTemplate, template, default_stage=default_stage)


@cache
def _defaults_sql(dialect: str) -> str:
    """The candidate templates of `conversion_defaults`: the Standard one and the one the
    company's settings name, each with its default stage and the settings."""
    template, stage, settings = (model._meta for model in (OpportunityTemplate, OpportunityStage, ConversionSettings))
    parameter = placeholders(dialect)
    return (
        f"SELECT {columns_of(OpportunityTemplate, 't')}, {columns_of(OpportunityStage, 'st')},"
        f" {columns_of(ConversionSettings, 's')}"
        f' FROM "{template.db_table}" t LEFT JOIN "{stage.db_table}" st ON st."id" = t."default_stage_id"'
        f' LEFT JOIN "{settings.db_table}" s ON s."company_id" = {parameter()}'
        f' WHERE (t."company_id" IS NULL AND t."is_default" = {parameter()}) OR t."id" = s."default_template_id"'
        ' ORDER BY t."id"'
    )


async def standard_template() -> OpportunityTemplate:
    return await OpportunityTemplate.filter(company_id=None, is_default=True).select_related("default_stage").get()


def check_convertible(lead: Lead, settings: ConversionSettings, now: datetime) -> None:
    acceptance = lead.acceptance_at(now)
    if acceptance in (LeadAcceptance.PENDING, LeadAcceptance.REJECTED, LeadAcceptance.EXPIRED):
        raise DomainError(
            ErrorCode.LEAD_NOT_ACCEPTED,
            f"The lead is {acceptance.value.lower()}: the partner has not accepted it",
            ["leadId"],
        )
    if lead.status == LeadStatus.CLOSED_NOT_CONVERTED:
        raise DomainError(
            ErrorCode.LEAD_DISQUALIFIED, "The lead is disqualified: reopen it before converting", ["leadId"]
        )
    if settings.minimum_score is not None and (lead.score is None or lead.score < settings.minimum_score):
        raise DomainError(
            ErrorCode.LEAD_NOT_QUALIFIED,
            f"The lead's score ({lead.score if lead.score is not None else 'none'}) is below the minimum of {settings.minimum_score}",
            ["leadId"],
        )


def effective_choices(
    account: Choice | None, contact: Choice | None, opportunity: Choice | None, settings: ConversionSettings
) -> tuple[Choice, Choice, Choice]:
    """Omitted choices follow the company's settings: create, or skip."""

    def default(choice: Choice | None, create: bool) -> Choice:
        return choice if choice is not None else (Choice(create={}) if create else Choice(skip=True))

    return (
        default(account, settings.create_account),
        default(contact, settings.create_contact),
        default(opportunity, settings.create_opportunity),
    )


def account_draft(lead: Lead, given: dict[str, Any]) -> dict[str, Any]:
    draft = {"name": lead.customer_name, "website": lead.website, "industry": None}
    draft.update({key: value for key, value in given.items() if key in draft})
    return {
        "name": clean_text(draft["name"], ["account", "create", "name"], max_length=255, required=True),
        "website": clean_website(draft["website"], ["account", "create", "website"]),
        "industry": clean_text(draft["industry"], ["account", "create", "industry"], max_length=120),
    }


def contact_draft(lead: Lead, given: dict[str, Any]) -> dict[str, Any]:
    draft = {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "job_title": lead.job_title,
    }
    draft.update({key: value for key, value in given.items() if key in draft})
    at = ["contact", "create"]
    return {
        "first_name": clean_text(draft["first_name"], [*at, "firstName"], max_length=120),
        "last_name": clean_text(draft["last_name"], [*at, "lastName"], max_length=120, required=True),
        "email": clean_email(draft["email"], [*at, "email"]),
        "phone": clean_text(draft["phone"], [*at, "phone"], max_length=50),
        "job_title": clean_text(draft["job_title"], [*at, "jobTitle"], max_length=120),
    }


def opportunity_fields(lead: Lead, template: OpportunityTemplate, given: dict[str, Any]) -> dict[str, Any]:
    """The template's mappings (the first non-empty source wins per field), then the draft's overrides."""
    values: dict[str, Any] = {"name": None, "amount": None, "currency": None, "close_date": None, "probability": None}
    for lead_field, opportunity_field in template.mappings:
        if values[opportunity_field] is None:
            values[opportunity_field] = getattr(lead, lead_field)
    values.update({key: value for key, value in given.items() if key in values})
    at = ["opportunity", "create"]
    return {
        "name": clean_text(values["name"], [*at, "name"], max_length=255, required=True),
        "amount": clean_amount(values["amount"], [*at, "amount"]),
        "currency": clean_currency(values["currency"], [*at, "currency"]),
        "close_date": values["close_date"],
        "probability_override": clean_percentage(values["probability"], [*at, "probability"]),
    }


async def duplicate_accounts(scopes: ConversionScopes, name: str | None, website: str | None) -> list[Account]:
    """The visible accounts whose stored match keys equal the draft's: the same normalized name or
    the same website domain (read through their indexes)."""
    key, domain = match_keys(name, website)
    same: list[Condition] = []
    if key is not None:
        same.append({"normalized_name": [key]})
    if domain is not None:
        same.append({"website_domain": [domain]})
    return [model_of(Account, row) for row in await select_rows(scopes.accounts, same, order_by=["id"])]


async def duplicate_contacts(scopes: ConversionScopes, email: str | None) -> list[Contact]:
    """The visible contacts with the draft's email."""
    if not email:
        return []
    return [model_of(Contact, row) for row in await select_rows(scopes.contacts, [{"email": [email]}], order_by=["id"])]


def fill_empty(record: Account | Contact, values: dict[str, Any]) -> list[str]:
    """Copy the lead's values into the record's empty fields only; the fields filled."""
    filled = []
    for name, value in values.items():
        if value is not None and getattr(record, name) in (None, ""):
            setattr(record, name, value)
            filled.append(name)
    return filled


async def _copy_members(
    lead: Lead, opportunity: Opportunity, viewer: User, copy_members: bool, excluded: list[int]
) -> list[list[Any]]:
    """The viewer joins the opportunity as its OWNER and, when the template copies members, the
    lead's direct members but the excluded join it with their roles: one INSERT ... SELECT.
    Returns the members it made, as [user id, role]."""
    if not copy_members:
        await OpportunityMember.create(opportunity=opportunity, user=viewer, role=MemberRole.OWNER)
        return [[viewer.id, MemberRole.OWNER.value]]
    created_at = OpportunityMember._meta.fields_map["created_at"].to_db_value(datetime.now(UTC), OpportunityMember)
    db = OpportunityMember._meta.db
    values = [opportunity.pk, viewer.id, MemberRole.OWNER.value, created_at, lead.pk, viewer.id, *excluded]
    rows = await db.execute_query_dict(_copy_members_sql(len(excluded), db.capabilities.dialect), values)
    return [[row["user_id"], row["role"]] for row in rows]


@cache
def _copy_members_sql(excluded: int, dialect: str) -> str:
    """`_copy_members`' statement, its parameters in order: the opportunity, the viewer, OWNER,
    the time, the lead, the viewer again, then the `excluded` users."""
    members, users, lead_members = (model._meta.db_table for model in (OpportunityMember, User, LeadMember))
    parameter = placeholders(dialect)
    selected = (
        f'{parameter()}, u."id", CASE WHEN u."id" = {parameter()} THEN {parameter()} ELSE l."role" END, {parameter()}'
    )
    joined = f'LEFT JOIN "{lead_members}" l ON l."user_id" = u."id" AND l."lead_id" = {parameter()}'
    viewer = f'u."id" = {parameter()}'
    copied = 'l."id" IS NOT NULL'
    if excluded:
        copied += f' AND u."id" NOT IN ({", ".join(parameter() for _ in range(excluded))})'
    return (
        f'INSERT INTO "{members}" ("opportunity_id", "user_id", "role", "created_at") SELECT {selected}'
        f' FROM "{users}" u {joined} WHERE {viewer} OR ({copied}) RETURNING "user_id", "role"'
    )


def link_field(model: type[Lead | Opportunity], relation: str) -> ManyToManyFieldInstance[Any]:
    """A lead's or an opportunity's many-to-many relation (a catalog or its activities)."""
    field = model._meta.fields_map[relation]
    assert isinstance(field, ManyToManyFieldInstance)
    return field


async def _copy_catalog_links(lead: Lead, opportunity: Opportunity, relation: str) -> list[int]:
    """Link the opportunity to the lead's entries of one catalog, in one INSERT ... SELECT; the
    entries linked."""
    target = link_field(Opportunity, relation)
    db = Opportunity._meta.db
    rows = await db.execute_query_dict(_copy_links_sql(relation, db.capabilities.dialect), [opportunity.pk, lead.pk])
    return [row[target.forward_key] for row in rows]


@cache
def _copy_links_sql(relation: str, dialect: str) -> str:
    """`_copy_catalog_links`' statement, its parameters the opportunity then the lead."""
    source, target = link_field(Lead, relation), link_field(Opportunity, relation)
    parameter = placeholders(dialect)
    return (
        f'INSERT INTO "{target.through}" ("{target.forward_key}", "{target.backward_key}")'
        f' SELECT "{source.forward_key}", {parameter()} FROM "{source.through}"'
        f' WHERE "{source.backward_key}" = {parameter()} RETURNING "{target.forward_key}"'
    )


async def _copy_activities(lead: Lead, opportunity: Opportunity) -> list[int]:
    """Link the opportunity to every activity of the lead, in one INSERT ... SELECT; the
    activities linked."""
    target = link_field(Opportunity, "activities")
    db = Opportunity._meta.db
    rows = await db.execute_query_dict(_copy_activities_sql(db.capabilities.dialect), [opportunity.pk, lead.pk])
    return [row[target.forward_key] for row in rows]


@cache
def _copy_activities_sql(dialect: str) -> str:
    """`_copy_activities`' statement, its parameters the opportunity then the lead."""
    target = link_field(Opportunity, "activities")
    parameter = placeholders(dialect)
    return (
        f'INSERT INTO "{target.through}" ("{target.forward_key}", "{target.backward_key}")'
        f' SELECT "id", {parameter()} FROM "{Activity._meta.db_table}" WHERE "lead_id" = {parameter()}'
        f' RETURNING "{target.forward_key}"'
    )


async def _copy_to_opportunity(
    lead: Lead, opportunity: Opportunity, template: OpportunityTemplate, viewer: User, overrides: dict[str, Any]
) -> dict[str, Any]:
    """Copy what the template says from the lead; returns what was copied (members, links,
    activities, sections), for undoing the conversion. Each copy is one INSERT ... SELECT ...
    RETURNING whose text is made once, sent with `execute_query_dict`, which reads the rows it
    made back on both backends (PostgreSQL's `execute_query` does not for an INSERT)."""
    copy_members = overrides.get("copy_members", template.copy_members)
    copy_links = overrides.get("copy_links", template.copy_links)
    excluded = list(overrides.get("exclude_member_ids") or ())
    copied: dict[str, Any] = {relation: [] for relation in (*LINKED_CATALOGS, "activities", "sections")}
    copied["members"] = await _copy_members(lead, opportunity, viewer, copy_members, excluded)
    if copy_links:
        for relation in LINKED_CATALOGS:
            copied[relation] = await _copy_catalog_links(lead, opportunity, relation)
        copied["activities"] = await _copy_activities(lead, opportunity)
    if template.copy_company_sections:
        copied["sections"] = await _copy_company_sections(lead, opportunity)
    return copied


async def _copy_company_sections(lead: Lead, opportunity: Opportunity) -> list[list[Any]]:
    """Each company's section of the lead (industry, region, CRM account) becomes the
    opportunity's, in one INSERT ... SELECT; the sections made, as [company id, industry,
    region, CRM account]."""
    updated_at = OpportunityCompanySection._meta.fields_map["updated_at"].to_db_value(
        datetime.now(UTC), OpportunityCompanySection
    )
    db = OpportunityCompanySection._meta.db
    sql = _copy_sections_sql(db.capabilities.dialect)
    rows = await db.execute_query_dict(sql, [opportunity.pk, updated_at, lead.pk])
    return [[row[name] for name in SECTION_COLUMNS] for row in rows]


@cache
def _copy_sections_sql(dialect: str) -> str:
    """`_copy_company_sections`' statement, its parameters the opportunity, the time, the lead."""
    sections, lead_sections = OpportunityCompanySection._meta.db_table, LeadCompanySection._meta.db_table
    copied = ", ".join(f'"{name}"' for name in SECTION_COLUMNS)
    parameter = placeholders(dialect)
    return (
        f'INSERT INTO "{sections}" ("opportunity_id", {copied}, "updated_at")'
        f' SELECT {parameter()}, {copied}, {parameter()} FROM "{lead_sections}"'
        f' WHERE "lead_id" = {parameter()} RETURNING {copied}'
    )


async def create_opportunity_from_lead(
    lead: Lead,
    viewer: User,
    template: OpportunityTemplate,
    stage: OpportunityStage | None,
    given: dict[str, Any],
    account: Account | None,
    contact: Contact | None,
) -> tuple[Opportunity, dict[str, Any]]:
    """The new opportunity, and a snapshot of it as created (for undoing the conversion)."""
    values = opportunity_fields(lead, template, given)
    if stage is None and template.default_stage_id:
        stage = await related(template.default_stage)
    stage = stage or await OpportunityStage.all().order_by("sort_order").first()
    opportunity = await Opportunity.create(
        **values,
        stage=stage,
        account=account,
        contact=contact,
        template=template,
        sourced_by_id=lead.sourced_by_id,
        partner_id=lead.partner_id,
        owner=viewer,
    )
    copied = await _copy_to_opportunity(lead, opportunity, template, viewer, given)
    return opportunity, opportunity_snapshot(opportunity, copied)


async def record(kind: ConversionEventKind, lead: Lead, viewer: User, **what: Any) -> ConversionEvent:
    return await ConversionEvent.create(kind=kind, lead=lead, actor=viewer, **what)


async def add_opportunity(
    lead: Lead,
    viewer: User,
    choice: Choice,
    template: OpportunityTemplate,
    stage: OpportunityStage | None,
    account: Account | None,
    contact: Contact | None,
) -> tuple[Opportunity, dict[str, Any] | None]:
    """Create the opportunity from the lead or link the existing one; returns it and, when it was
    created, its snapshot."""
    if choice.existing is not None:
        opportunity: Opportunity = choice.existing
        if await LeadOpportunity.exists(lead_id=lead.id, opportunity_id=opportunity.id):
            raise DomainError(
                ErrorCode.ALREADY_LINKED,
                "This opportunity is already linked to the lead",
                ["opportunity", "existingId"],
            )
        await LeadOpportunity.create(lead=lead, opportunity=opportunity, created_by_conversion=False, actor=viewer)
        return opportunity, None
    opportunity, snapshot = await create_opportunity_from_lead(
        lead, viewer, template, stage, choice.create or {}, account, contact
    )
    await LeadOpportunity.create(lead=lead, opportunity=opportunity, created_by_conversion=True, actor=viewer)
    return opportunity, snapshot


async def convert_lead(
    lead: Lead,
    viewer: User,
    *,
    account: Choice | None,
    contact: Choice | None,
    opportunity: Choice | None,
    template: OpportunityTemplate | None,
    stage: OpportunityStage | None,
    scopes: ConversionScopes,
) -> ConversionResult:
    """Convert the (locked) lead, or give an already converted lead one more opportunity."""
    now = datetime.now(UTC)
    settings, default_template = await conversion_defaults(viewer.company_id)
    template = template or default_template
    if lead.is_converted:
        if account is not None or contact is not None or opportunity is None or opportunity.skip:
            raise DomainError(
                ErrorCode.ALREADY_CONVERTED,
                "The lead is already converted: only an opportunity choice can add to it",
                ["leadId"],
            )
        added, snapshot = await add_opportunity(
            lead,
            viewer,
            opportunity,
            template,
            stage,
            await related(lead.converted_account) if lead.converted_account_id else None,
            await related(lead.converted_contact) if lead.converted_contact_id else None,
        )
        was_created = snapshot is not None
        kind = ConversionEventKind.OPPORTUNITY_CREATED if was_created else ConversionEventKind.OPPORTUNITY_LINKED
        added_details: dict[str, Any] = {"template": template.name if was_created else None}
        if snapshot is not None:
            added_details["opportunity_snapshot"] = snapshot
        event = await record(kind, lead, viewer, opportunity=added, details=added_details)
        return ConversionResult(lead=lead, opportunity=added, events=[event], created_opportunity=was_created)

    check_convertible(lead, settings, now)
    account, contact, opportunity = effective_choices(account, contact, opportunity, settings)
    if account.skip and contact.skip and opportunity.skip:
        raise DomainError(
            ErrorCode.NOTHING_TO_CONVERT, "Account, contact and opportunity are all skipped: nothing to convert", None
        )

    chosen_account: Account | None = None
    details: dict[str, Any] = {"previous_status": LeadStatus(lead.status).value}
    if account.existing is not None:
        chosen_account = account.existing
        filled = fill_empty(chosen_account, {"website": lead.website})
        if filled:
            await chosen_account.save(update_fields=filled)
        details["account"] = "attached"
    elif account.create is not None:
        draft = account_draft(lead, account.create)
        if not account.create.get("allow_duplicate"):
            duplicates = await duplicate_accounts(scopes, draft["name"], draft["website"])
            if duplicates:
                raise DomainError(
                    ErrorCode.DUPLICATE_ACCOUNT,
                    "Matching accounts exist: {records}; attach one or set allowDuplicate",
                    ["account", "create"],
                    [("Account", account.pk) for account in duplicates],
                )
        chosen_account = await Account.create(**draft, company_id=viewer.company_id, created_by=viewer)
        details["account"] = "created"
        details["account_snapshot"] = account_snapshot(chosen_account)

    chosen_contact: Contact | None = None
    if contact.existing is not None:
        chosen_contact = contact.existing
        if chosen_account is not None and chosen_contact.account_id != chosen_account.id:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "The contact does not belong to the chosen account", ["contact", "existingId"]
            )
        filled = fill_empty(
            chosen_contact,
            {"first_name": lead.first_name, "email": lead.email, "phone": lead.phone, "job_title": lead.job_title},
        )
        if filled:
            await chosen_contact.save(update_fields=filled)
        details["contact"] = "attached"
    elif contact.create is not None:
        draft = contact_draft(lead, contact.create)
        if not contact.create.get("allow_duplicate"):
            same_email = await duplicate_contacts(scopes, draft["email"])
            if same_email:
                raise DomainError(
                    ErrorCode.DUPLICATE_CONTACT,
                    "Contacts with this email exist: {records}; attach one or set allowDuplicate",
                    ["contact", "create"],
                    [("Contact", contact.pk) for contact in same_email],
                )
        chosen_contact = await Contact.create(
            **draft, account=chosen_account, company_id=viewer.company_id, created_by=viewer
        )
        details["contact"] = "created"
        details["contact_snapshot"] = contact_snapshot(chosen_contact)

    created: Opportunity | None = None
    was_created = False
    if not opportunity.skip:
        created, snapshot = await add_opportunity(
            lead, viewer, opportunity, template, stage, chosen_account, chosen_contact
        )
        was_created = snapshot is not None
        details["opportunity"] = "created" if was_created else "linked"
        if snapshot is not None:
            details["template"] = template.name
            details["opportunity_snapshot"] = snapshot

    lead.status = LeadStatus.CLOSED_CONVERTED
    lead.is_converted = True
    lead.converted_at = now
    lead.converted_by_id = viewer.id
    lead.converted_account = chosen_account
    lead.converted_contact = chosen_contact
    await lead.save(update_fields=CONVERSION_FIELDS)
    event = await record(
        ConversionEventKind.CONVERTED,
        lead,
        viewer,
        opportunity=created,
        account=chosen_account,
        contact=chosen_contact,
        details=details,
    )
    return ConversionResult(
        lead=lead,
        account=chosen_account,
        contact=chosen_contact,
        opportunity=created,
        events=[event],
        created_opportunity=was_created,
    )


async def link_opportunity(lead: Lead, viewer: User, opportunity: Opportunity) -> ConversionResult:
    """Link an existing opportunity; an unconverted lead is converted by the link."""
    if await LeadOpportunity.exists(lead_id=lead.id, opportunity_id=opportunity.id):
        raise DomainError(ErrorCode.ALREADY_LINKED, "This opportunity is already linked to the lead", ["opportunityId"])
    if lead.is_converted:
        await LeadOpportunity.create(lead=lead, opportunity=opportunity, created_by_conversion=False, actor=viewer)
        event = await record(ConversionEventKind.OPPORTUNITY_LINKED, lead, viewer, opportunity=opportunity)
        return ConversionResult(lead=lead, opportunity=opportunity, events=[event])
    now = datetime.now(UTC)
    check_convertible(lead, await settings_for(viewer.company_id), now)
    previous_status = LeadStatus(lead.status).value
    await LeadOpportunity.create(lead=lead, opportunity=opportunity, created_by_conversion=False, actor=viewer)
    lead.status = LeadStatus.CLOSED_CONVERTED
    lead.is_converted = True
    lead.converted_at = now
    lead.converted_by_id = viewer.id
    lead.converted_account_id = opportunity.account_id
    lead.converted_contact_id = opportunity.contact_id
    await lead.save(update_fields=CONVERSION_FIELDS)
    event = await record(
        ConversionEventKind.CONVERTED,
        lead,
        viewer,
        opportunity=opportunity,
        account_id=opportunity.account_id,
        contact_id=opportunity.contact_id,
        details={"opportunity": "linked", "previous_status": previous_status},
    )
    return ConversionResult(lead=lead, opportunity=opportunity, events=[event])


async def unlink_opportunity(lead: Lead, viewer: User, opportunity: Opportunity) -> ConversionResult:
    """Remove a link made by linking; an opportunity the conversion created stays."""
    link = await LeadOpportunity.get_or_none(lead_id=lead.id, opportunity_id=opportunity.id)
    if link is None:
        raise DomainError(ErrorCode.NOT_LINKED, "This opportunity is not linked to the lead", ["opportunityId"])
    if link.created_by_conversion:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "This opportunity was created by converting the lead and stays linked to it",
            ["opportunityId"],
        )
    await link.delete()
    event = await record(ConversionEventKind.OPPORTUNITY_UNLINKED, lead, viewer, opportunity=opportunity)
    return ConversionResult(lead=lead, opportunity=opportunity, events=[event])

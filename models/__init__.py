"""Tortoise models, one module per aggregate, and the domain workflows that span them; may import Tortoise only."""

from models.account import Account, Contact
from models.activity import Activity
from models.catalog import PartnerProgram, SalesPlan, Solution
from models.company import Company
from models.conversion_records import ConversionEvent, ConversionEventKind, ConversionSettings, IdempotencyRecord
from models.enums import ActivityKind, ForecastCategory, LeadAcceptance, LeadStatus, MemberRole, MembershipSource
from models.errors import DomainError, ErrorCode
from models.lead import Lead
from models.membership import AccessPolicy, LeadMember, OpportunityMember
from models.opportunity import LeadOpportunity, Opportunity, OpportunityStage
from models.section import LeadCompanySection, OpportunityCompanySection
from models.template import OpportunityTemplate
from models.user import User

__all__ = [
    "AccessPolicy",
    "Account",
    "Activity",
    "ActivityKind",
    "Company",
    "Contact",
    "ConversionEvent",
    "ConversionEventKind",
    "ConversionSettings",
    "DomainError",
    "ErrorCode",
    "ForecastCategory",
    "IdempotencyRecord",
    "Lead",
    "LeadAcceptance",
    "LeadCompanySection",
    "LeadMember",
    "LeadOpportunity",
    "LeadStatus",
    "MemberRole",
    "MembershipSource",
    "Opportunity",
    "OpportunityCompanySection",
    "OpportunityMember",
    "OpportunityStage",
    "OpportunityTemplate",
    "PartnerProgram",
    "SalesPlan",
    "Solution",
    "User",
]

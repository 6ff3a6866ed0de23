"""The contract's enumerations as GraphQL enums, exposed once from models.enums."""

from enum import Enum

import strawberry

from models import enums
from schema.strawberry_internals import has_enum_definition


def describe_values(enum: type[Enum], descriptions: dict[str, str]) -> None:
    """Give the values of a Strawberry enum their descriptions. The enums of models/ cannot carry
    `strawberry.enum_value`, since models/ does not import Strawberry, and `str` enums cannot."""
    if not has_enum_definition(enum):
        raise TypeError(f"{enum.__name__} is not a Strawberry enum")
    values = enum.__strawberry_definition__.values
    unknown = set(descriptions) - {value.name for value in values}
    if unknown:
        raise ValueError(f"{enum.__name__} has no values {sorted(unknown)}")
    for value in values:
        value.description = descriptions.get(value.name)


LeadStatus = enums.LeadStatus
describe_values(
    strawberry.enum(LeadStatus, name="LeadStatus", description="Where a lead is in its lifecycle."),
    {
        "OPEN_NOT_CONTACTED": "New and not yet contacted: every lead starts here.",
        "WORKING_CONTACTED": "Being worked on: the customer was contacted.",
        "CLOSED_CONVERTED": "Converted into an opportunity: reached only through convertLead or linkOpportunity; "
        "the lead is then read-only.",
        "CLOSED_NOT_CONVERTED": "Disqualified, with a reason; setLeadStatus can reopen it.",
    },
)
LeadAcceptance = enums.LeadAcceptance
describe_values(
    strawberry.enum(
        LeadAcceptance,
        name="LeadAcceptance",
        description="Whether the partner company a lead is shared with accepted it.",
    ),
    {
        "NOT_REQUIRED": "The lead is not shared with another company: nobody needs to accept it.",
        "PENDING": "Shared and waiting for the partner company's answer (respondToLead) until its acceptance deadline.",
        "ACCEPTED": "The partner company accepted the lead.",
        "REJECTED": "The partner company rejected the lead, with a reason; the owner may share it with another "
        "partner.",
        "EXPIRED": "The acceptance deadline passed without an answer; the owner may share it with another partner.",
    },
)
MemberRole = enums.MemberRole
describe_values(
    strawberry.enum(
        MemberRole,
        name="MemberRole",
        description="A role on a lead or an opportunity, from least to most; the highest role a user holds is theirs.",
    ),
    {
        "VIEWER": "Reads the record and its nested data, money included.",
        "PARTICIPANT": "Reads the record but not its money (amounts and expected revenue read null), and logs "
        "activities.",
        "COLLABORATOR": "Reads everything, logs activities, updates fields, status and its company's section, "
        "converts, links and unlinks opportunities and catalog entries, and accepts or rejects a shared lead.",
        "OWNER": "May do everything a COLLABORATOR may, and adds, changes and removes members.",
    },
)
MembershipSource = enums.MembershipSource
describe_values(
    strawberry.enum(
        MembershipSource,
        name="MembershipSource",
        description="How a user holds a role on a lead or an opportunity.",
    ),
    {
        "DIRECT": "A direct membership of the record: from addLeadMember or addOpportunityMember, from creating the "
        "record or answering a shared lead, or copied from the lead by a conversion.",
        "ACCESS_POLICY": "An access policy of the user's company, which sources the record or is its partner: "
        "OWNER for company admins, or the role of a policy made with createAccessPolicy.",
    },
)
ForecastCategory = enums.ForecastCategory
describe_values(
    strawberry.enum(
        ForecastCategory,
        name="ForecastCategory",
        description="How an opportunity counts in the forecast; each stage has one.",
    ),
    {
        "PIPELINE": "Early: possible, not yet likely.",
        "BEST_CASE": "Could close in the period if things go well.",
        "COMMIT": "Expected to close in the period.",
        "CLOSED": "Closed and won.",
        "OMITTED": "Left out of the forecast, such as a lost opportunity.",
    },
)
ActivityKind = enums.ActivityKind
describe_values(
    strawberry.enum(ActivityKind, name="ActivityKind", description="What kind of activity was logged."),
    {
        "CALL": "A phone call.",
        "EMAIL": "An email.",
        "MEETING": "A meeting.",
        "TASK": "A task to do, usually with a due date.",
        "NOTE": "A note.",
    },
)


@strawberry.enum(description="Which way a connection is sorted.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Ascending: smallest, earliest or A first.")
    DESC = strawberry.enum_value("DESC", description="Descending: largest, latest or Z first.")


__all__ = [
    "ActivityKind",
    "ForecastCategory",
    "LeadAcceptance",
    "LeadStatus",
    "MemberRole",
    "MembershipSource",
    "OrderDirection",
]

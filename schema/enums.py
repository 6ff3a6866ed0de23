"""The contract's enumerations as GraphQL enums, exposed once from models.enums."""

from enum import Enum

import strawberry

from models import enums

LeadStatus = strawberry.enum(enums.LeadStatus, name="LeadStatus")
LeadAcceptance = strawberry.enum(enums.LeadAcceptance, name="LeadAcceptance")
MemberRole = strawberry.enum(enums.MemberRole, name="MemberRole")
MembershipSource = strawberry.enum(enums.MembershipSource, name="MembershipSource")
ForecastCategory = strawberry.enum(enums.ForecastCategory, name="ForecastCategory")
ActivityKind = strawberry.enum(enums.ActivityKind, name="ActivityKind")


@strawberry.enum(description="Which way a connection is sorted.")
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


__all__ = ["ActivityKind", "ForecastCategory", "LeadAcceptance", "LeadStatus", "MemberRole", "MembershipSource", "OrderDirection"]

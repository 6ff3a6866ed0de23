"""The enumerations of the contract, shared by models, permissions and schema."""

from enum import Enum


class LeadStatus(str, Enum):
    OPEN_NOT_CONTACTED = "OPEN_NOT_CONTACTED"
    WORKING_CONTACTED = "WORKING_CONTACTED"
    CLOSED_CONVERTED = "CLOSED_CONVERTED"
    CLOSED_NOT_CONVERTED = "CLOSED_NOT_CONVERTED"


class LeadAcceptance(str, Enum):
    NOT_REQUIRED = "NOT_REQUIRED"
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


class MemberRole(str, Enum):
    VIEWER = "VIEWER"
    PARTICIPANT = "PARTICIPANT"
    COLLABORATOR = "COLLABORATOR"
    OWNER = "OWNER"

    @property
    def rank(self) -> int:
        return ROLE_RANK[self]


ROLE_RANK = {role: rank for rank, role in enumerate(MemberRole, start=1)}


class MembershipSource(str, Enum):
    DIRECT = "DIRECT"
    ACCESS_POLICY = "ACCESS_POLICY"


class ForecastCategory(str, Enum):
    PIPELINE = "PIPELINE"
    BEST_CASE = "BEST_CASE"
    COMMIT = "COMMIT"
    CLOSED = "CLOSED"
    OMITTED = "OMITTED"


class ActivityKind(str, Enum):
    CALL = "CALL"
    EMAIL = "EMAIL"
    MEETING = "MEETING"
    TASK = "TASK"
    NOTE = "NOTE"

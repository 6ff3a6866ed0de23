"""Leads: the Lead type, the `lead` and `leads` queries, and the lead lifecycle mutations."""

import strawberry


@strawberry.type
class LeadQuery:
    pass


@strawberry.type
class LeadMutation:
    pass

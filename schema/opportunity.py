"""Opportunities, stages, accounts and contacts: types, queries and mutations."""

import strawberry


@strawberry.type
class OpportunityQuery:
    pass


@strawberry.type
class OpportunityMutation:
    pass

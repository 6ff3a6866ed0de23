"""What leads and opportunities share: members, company sections, catalog links, activities,
and the viewer's role and permissions on them."""

import strawberry


@strawberry.type
class RecordCollaboration:
    """Fields common to Lead and Opportunity; `self` is a models.Lead or models.Opportunity."""


@strawberry.type
class CollaborationQuery:
    pass


@strawberry.type
class CollaborationMutation:
    pass

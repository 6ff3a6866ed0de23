"""Visibility scopes: every read starts here. Each returns a queryset of what the viewer may see."""

from tortoise.queryset import QuerySet

from models import Company, User


def visible_companies(viewer: User) -> QuerySet[Company]:
    """Companies form the partner network's directory: every signed-in user sees all of them."""
    return Company.all()


def visible_users(viewer: User) -> QuerySet[User]:
    """The users of the viewer's own company."""
    return User.filter(company_id=viewer.company_id)

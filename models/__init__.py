"""Tortoise models of Leadbridge, one module per aggregate."""

from models.company import Company
from models.errors import DomainError
from models.user import User

__all__ = ["Company", "DomainError", "User"]

"""Strawberry types and what runs them (document cache, limits, planner); may import resolvers, permissions, models."""

from schema.root import schema

__all__ = ["schema"]

"""The GraphQL schema, assembled from per-area classes."""

from schema.root import schema

__all__ = ["schema"]

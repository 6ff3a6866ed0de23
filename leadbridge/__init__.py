"""Leadbridge: the GraphQL API of a partner co-selling CRM."""

"""Thin adapters between the schema and the domain: read input, load through a scope, call the domain."""

"""Thin adapters from the schema to the domain, the request Context, DataLoaders; may import models, permissions."""

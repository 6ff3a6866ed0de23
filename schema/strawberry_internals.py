"""What Leadbridge reads of Strawberry beyond its public API, in one place, pinned to the tested version.

Both are needed for correctness, so neither has an off switch:
- `graphql_schema_of`: the graphql-core schema a Strawberry schema wraps (`Schema._schema`), which
  the document cache validates against, the query limits measure, the planner compiles against,
  and whose oneOf inputs are marked for graphql-core. Strawberry's public API gives it only as
  SDL (`as_str()`), which is what the test of this module compares it with.
- `scalar_registry_of`: the scalars a Strawberry schema was built with
  (`Schema.schema_converter.scalar_registry`), with which the planner converts arguments as
  Strawberry does.
- `validate_document`: Strawberry's validation step (`strawberry.schema.schema`), which the
  document cache runs once per document.
"""

from collections.abc import Mapping
from typing import Any

import strawberry
from graphql import GraphQLSchema
from strawberry.schema.schema import validate_document

__all__ = ["graphql_schema_of", "scalar_registry_of", "validate_document"]


def graphql_schema_of(strawberry_schema: strawberry.Schema) -> GraphQLSchema:
    return strawberry_schema._schema


def scalar_registry_of(strawberry_schema: strawberry.Schema) -> Mapping[Any, Any]:
    return strawberry_schema.schema_converter.scalar_registry

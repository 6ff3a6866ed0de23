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
- `resolver_call` and `convert_arguments`: how Strawberry calls a field's resolver (the
  parameters it fills with the parent, `info` and the converted arguments), with which the
  planner calls the schema's own resolvers. `LEADBRIDGE_PLANNED_READS=off` turns the planner, and
  with it their use, off.
- The definitions Strawberry keeps of types, fields, scalars and enums, which it does not export
  at its top level: the base `Date`, `DateTime` and `Upload` scalars the schema describes, and the checks
  and types the planner and enums read.
"""

from collections.abc import Callable, Mapping
from typing import Any, cast

import strawberry
from graphql import GraphQLSchema
from strawberry.file_uploads.scalars import UploadDefinition
from strawberry.schema.schema import validate_document
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.enum import has_enum_definition
from strawberry.types.field import StrawberryField
from strawberry.types.scalar import ScalarDefinition

__all__ = [
    "DateDefinition",
    "DateTimeDefinition",
    "ScalarDefinition",
    "StrawberryField",
    "StrawberryObjectDefinition",
    "UploadDefinition",
    "convert_arguments",
    "graphql_schema_of",
    "has_enum_definition",
    "resolver_call",
    "scalar_registry_of",
    "validate_document",
]


def graphql_schema_of(strawberry_schema: strawberry.Schema) -> GraphQLSchema:
    return strawberry_schema._schema


def scalar_registry_of(strawberry_schema: strawberry.Schema) -> Mapping[Any, Any]:
    return strawberry_schema.schema_converter.scalar_registry


def resolver_call(strawberry_field: StrawberryField) -> Callable[[Any, Any, dict[str, Any]], Any] | None:
    """`call(source, info, kwargs)`, which calls the field's resolver as Strawberry does (the
    source as `self`, root or parent, `info` where it asks for it, the converted arguments), or
    None when the field has no resolver of its own."""
    resolver = strawberry_field.base_resolver
    if resolver is None:
        return None
    function = cast(Callable[..., Any], resolver.wrapped_func)
    takes_self = resolver.self_parameter is not None
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    source_names = [
        parameter.name for parameter in (resolver.root_parameter, resolver.parent_parameter) if parameter is not None
    ]

    def call(source: Any, info: Any, kwargs: dict[str, Any]) -> Any:
        if info_name is not None or source_names:
            kwargs = {**kwargs, **{name: source for name in source_names}}
            if info_name is not None:
                kwargs[info_name] = info
        return function(source, **kwargs) if takes_self else function(**kwargs)

    return call

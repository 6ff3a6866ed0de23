"""What Leadbridge reads of graphql-core beyond its public API, in one place, pinned to the tested version.

The planner (schema.planner) groups a query's fields as graphql-core's executor does, with the
executor's own field collection (`graphql.execution.collect_fields`: `collect_subfields` and the
field and fragment details it works on are not exported), so that both paths see the same fields
in the same order. Needed for correctness of the planned path, so it has no switch of its own:
`LEADBRIDGE_PLANNED_READS=off` turns the planner, and with it this module's use, off.
"""

from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_fields, collect_subfields

__all__ = ["FieldDetails", "FragmentDetails", "collect_fields", "collect_subfields"]

"""The planned read path: queries over object types, run without graphql-core's per-field work.

A validated query is compiled into a plan, once per document, operation and values of the
variables its `@include` / `@skip` read, and kept with the parsed document: for each object type
it reaches, its fields in response order, each with the function that resolves it, the function
that serialises its leaves (chosen from its type when the plan is made) and the plan of its
objects. The plan runs breadth-first: at each level every field of every object is resolved at
once, so that the request's DataLoaders read each field of a level in one batch, through the
same visibility scopes as the generic executor, and the objects of the next level are completed
together. The resolvers are the schema's own, given the same context, so both paths compute the
same values; the response is built from plain dicts, as graphql-core builds it.

What the planner does not cover (mutations, subscriptions, introspection, interfaces and unions,
fields with field extensions) runs on the generic executor, unchanged; so does a request whose
planned run meets any error (a refused argument, a null where the schema promises a value), so
that errors, their paths and the data beside them are graphql-core's own. A response says
nothing about which path ran.
"""

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache, partial
from operator import attrgetter
from types import CoroutineType, MethodType
from typing import Any, cast

from graphql import (
    DirectiveNode,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    get_operation_ast,
    is_enum_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.language import Visitor, visit
from strawberry import relay
from strawberry.extensions import SchemaExtension
from strawberry.relay import to_base64
from tortoise.models import Model

from resolvers.context import Work
from resolvers.loaders import Loaders, read_error
from schema.documents import documents
from schema.graphql_internals import FieldDetails, FragmentDetails, collect_fields, collect_subfields
from schema.strawberry_internals import (
    StrawberryField,
    StrawberryObjectDefinition,
    convert_arguments,
    graphql_schema_of,
    resolver_call,
    scalar_registry_of,
)

logger = logging.getLogger("leadbridge.planner")
_PLAIN_VALUES = frozenset({type(None), bool, int, float, str, list, dict, Decimal, datetime, date})
_DIRECTIVES_WITH_VARIABLES = frozenset({"include", "skip"})


BATCH = "leadbridge.planner.batch"


def batched(resolve_many: Callable[..., Awaitable[list[Any]] | list[Any]]) -> dict[str, Any]:
    """The `metadata` of a field the planned path resolves for a whole level at once:
    `resolve_many(context, records, **arguments)` answers, in order, what the field's resolver
    answers for each record: the list, or an awaitable of it."""
    return {BATCH: resolve_many}


class Uncovered(Exception):
    """The operation has a shape the planner does not run: the generic executor runs it."""


class Fallback(Exception):
    """The planned run met an error: the generic executor answers the request, errors included."""


@dataclass(frozen=True)
class PlannedInfo:
    """What the schema's resolvers read of `info` (only its context), on the planned path."""

    context: Any


Resolve = Callable[[Any, PlannedInfo, dict[str, Any]], Any]


@dataclass
class Output:
    """How a field's value completes: a leaf serialised, an object planned, a list of either."""

    non_null: bool = False
    item: "Output | None" = None
    leaf: Callable[[Any], Any] | None = None
    object: "ObjectPlan | None" = None
    same: type | None = None
    """A type whose values the leaf serialises as themselves (str for a String or an ID, bool for a
    Boolean), which the run then takes without calling it."""


@dataclass
class FieldPlan:
    key: str
    resolve: Resolve
    output: Output
    arguments: Callable[[VariableValues], dict[str, Any]] | None = None
    """The resolver's keyword arguments for the request's variables; None when it takes none."""
    batch: Callable[..., Awaitable[list[Any]] | list[Any]] | None = None
    """The field's `batched` resolver, which answers for all the objects of a level at once."""
    read: Callable[[Any], Any] | None = None
    """For a leaf read straight from its object (a column, a Node's id): the value of an object."""


@dataclass
class ObjectPlan:
    type_name: str
    fields: list[FieldPlan] = field(default_factory=list)


@dataclass
class Plan:
    root: ObjectPlan
    fields: int
    """How many fields the plan resolves, by which the document cache counts what it holds."""


class Planner:
    """Compiles the operations of one Strawberry schema."""

    def __init__(self, strawberry_schema: Any) -> None:
        self.strawberry_schema = strawberry_schema
        self.schema: GraphQLSchema = graphql_schema_of(strawberry_schema)
        config = strawberry_schema.config
        scalar_registry = scalar_registry_of(strawberry_schema)
        self.convert = lambda raw, arguments: convert_arguments(
            raw, arguments, scalar_registry=scalar_registry, config=config
        )

    def compile(self, document: DocumentNode, operation: OperationDefinitionNode, variables: VariableValues) -> Plan:
        fragments = {}
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                if definition.variable_definitions:
                    raise Uncovered("fragment variables")
                fragments[definition.name.value] = FragmentDetails(definition)
        root_type = self.schema.query_type
        assert root_type is not None
        collected = collect_fields(self.schema, fragments, variables, root_type, operation)
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            raise Uncovered("@defer")
        compiler = _Compiler(self, fragments, variables, operation)
        root = compiler.object_plan(root_type, collected.grouped_field_set)
        return Plan(root, compiler.fields)


@dataclass
class _Compiler:
    planner: Planner
    fragments: dict[str, FragmentDetails]
    variables: VariableValues
    operation: OperationDefinitionNode
    fields: int = 0

    def object_plan(self, type_: GraphQLObjectType, grouped: dict[str, list[FieldDetails]]) -> ObjectPlan:
        plan = ObjectPlan(type_.name)
        self.fields += len(grouped)
        for key, details in grouped.items():
            if any(detail.defer_usage is not None or detail.fragment_variable_values is not None for detail in details):
                raise Uncovered("@defer or fragment variables")
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                plan.fields.append(FieldPlan(key, _typename_resolver(type_.name), Output(non_null=True, leaf=str)))
                continue
            if name.startswith("__"):
                raise Uncovered("introspection")
            definition = type_.fields.get(name)
            strawberry_field = self.planner.strawberry_schema.get_field_for_type(name, type_.name)
            if definition is None or strawberry_field is None:
                raise Uncovered(f"{type_.name}.{name}")
            if strawberry_field.extensions or strawberry_field.permission_classes:
                raise Uncovered(f"{type_.name}.{name} has field extensions")
            output = self.output(definition.type, details)
            plan.fields.append(
                FieldPlan(
                    key,
                    self.resolver(type_, name, strawberry_field),
                    output,
                    self.arguments(definition, node, strawberry_field),
                    strawberry_field.metadata.get(BATCH),
                    self.read(type_, name, strawberry_field) if output.leaf is not None else None,
                )
            )
        return plan

    def output(self, type_: GraphQLOutputType, details: list[FieldDetails]) -> Output:
        if is_non_null_type(type_):
            return replace(self.output(type_.of_type, details), non_null=True)
        if is_list_type(type_):
            return Output(item=self.output(type_.of_type, details))
        if is_leaf_type(type_):
            return Output(leaf=_leaf_serializer(type_), same=_SAME.get(type_))
        if is_object_type(type_):
            assert isinstance(type_, GraphQLObjectType)
            collected = collect_subfields(
                self.planner.schema, self.fragments, self.variables, self.operation, type_, details
            )
            if collected.new_defer_usages or collected.forbidden_directive_instances:
                raise Uncovered("@defer")
            return Output(object=self.object_plan(type_, collected.grouped_field_set))
        raise Uncovered(f"abstract type {type_}")

    def arguments(
        self, definition: GraphQLField, node: Any, strawberry_field: StrawberryField
    ) -> Callable[[VariableValues], dict[str, Any]] | None:
        if not definition.args:
            return None
        convert = self.planner.convert
        arguments = strawberry_field.arguments

        def of(variables: VariableValues) -> dict[str, Any]:
            return convert(get_argument_values(definition, node, variables), arguments)

        return of

    def read(
        self, type_: GraphQLObjectType, name: str, strawberry_field: StrawberryField
    ) -> Callable[[Any], Any] | None:
        """How to read a leaf that needs no resolver: a Node's id, or an attribute when the schema
        reads attributes with `getattr`."""
        origin = self._origin(type_)
        if name == "id" and issubclass(origin, relay.Node):
            encode = _global_id_encoder(type_.name)
            id_of = attrgetter(origin.resolve_id_attr())
            return lambda source: encode(id_of(source))
        if strawberry_field.base_resolver is None and strawberry_field.default_resolver is getattr:
            return attrgetter(strawberry_field.python_name)
        return None

    def _origin(self, type_: GraphQLObjectType) -> type:
        definition = self.planner.strawberry_schema.get_type_by_name(type_.name)
        assert isinstance(definition, StrawberryObjectDefinition)
        return definition.origin

    def resolver(self, type_: GraphQLObjectType, name: str, strawberry_field: StrawberryField) -> Resolve:
        origin = self._origin(type_)
        if name == "id" and issubclass(origin, relay.Node):
            if cast(MethodType, origin.resolve_id).__func__ is not cast(MethodType, relay.Node.resolve_id).__func__:
                raise Uncovered(f"{type_.name} resolves its own ids")
            return _global_id_resolver(type_.name, origin.resolve_id_attr())
        call = resolver_call(strawberry_field)
        if call is None:
            default = strawberry_field.default_resolver
            python_name = strawberry_field.python_name

            def attribute(source: Any, info: PlannedInfo, kwargs: dict[str, Any]) -> Any:
                return default(source, python_name)

            return attribute
        return call


def _typename_resolver(type_name: str) -> Resolve:
    return lambda source, info, kwargs: type_name


@cache
def _global_id_encoder(type_name: str) -> Callable[[Any], str]:
    """A Node's global ID as relay's own resolver makes it, `to_base64(type, id)`, remembered for
    the ids a page names again and again (its companies, users and stages): one bounded cache per
    type, shared by every plan."""
    return lru_cache(maxsize=4096)(partial(to_base64, type_name))


def _global_id_resolver(type_name: str, id_attr: str) -> Resolve:
    encode = _global_id_encoder(type_name)
    return lambda source, info, kwargs: encode(getattr(source, id_attr))


_INT_RANGE = range(-(2**31), 2**31)
_SAME: dict[Any, type] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}


def _leaf_serializer(type_: Any) -> Callable[[Any], Any]:
    """The leaf's `coerce_output_value`, with the answers it gives for plain values taken at once:
    a string as an ID or String is itself, an int in range as an Int is itself, a bool as a
    Boolean is itself, and an enum's answer for a value, being a function of the value, is kept."""
    coerce = type_.coerce_output_value

    def serialize(value: Any) -> Any:
        result = coerce(value)
        if result is None:
            raise Fallback(f"{type_} serialised {value!r} to null")
        return result

    if type_ is GraphQLString or type_ is GraphQLID:
        return lambda value: value if type(value) is str else serialize(value)
    if type_ is GraphQLInt:
        return lambda value: value if type(value) is int and value in _INT_RANGE else serialize(value)
    if type_ is GraphQLBoolean:
        return lambda value: value if type(value) is bool else serialize(value)
    if is_enum_type(type_):
        known: dict[tuple[type, Any], Any] = {}

        def enum_value(value: Any) -> Any:
            key = (type(value), value)
            try:
                return known[key]
            except KeyError:
                result = known[key] = serialize(value)
                return result
            except TypeError:
                return serialize(value)

        return enum_value
    return serialize


def is_awaitable(value: Any) -> bool:
    """Records are values (a Tortoise model defines `__await__`, which returns itself)."""
    if type(value) in _PLAIN_VALUES or isinstance(value, Model):
        return False
    return isinstance(value, (CoroutineType, asyncio.Future))


async def run(plan: Plan, context: Any, variables: VariableValues) -> dict[str, Any]:
    """The `data` of the response: the plan run over the root (None, as Strawberry's root value)."""
    data: dict[str, Any] = {}
    await _run_level(plan.root, [None], [data], PlannedInfo(context), variables)
    return data


async def _run_level(
    plan: ObjectPlan, sources: list[Any], outs: list[dict[str, Any]], info: PlannedInfo, variables: VariableValues
) -> None:
    """Resolves every field of every object of one level, then completes them, then the next level."""
    resolved: list[Any] = []
    pending: list[tuple[list[Any], int, Any]] = []
    try:
        for field_plan in plan.fields:
            if field_plan.read is not None:
                resolved.append(None)
                continue
            kwargs = field_plan.arguments(variables) if field_plan.arguments is not None else {}
            if field_plan.batch is not None:
                holder = [field_plan.batch(info.context, sources, **kwargs)]
                if is_awaitable(holder[0]):
                    pending.append((holder, 0, holder[0]))
                resolved.append(holder)
                continue
            resolve = field_plan.resolve
            values: list[Any] = []
            resolved.append(values)
            # One source at a time, each awaitable kept as soon as it is made: a resolver that
            # fails for one object must not lose the coroutines it already made for the others.
            for index, source in enumerate(sources):
                value = resolve(source, info, kwargs)
                values.append(value)
                if is_awaitable(value):
                    pending.append((values, index, value))
    except BaseException:
        for _, _, awaitable in pending:
            if isinstance(awaitable, CoroutineType):
                awaitable.close()
        raise
    if pending:
        unique = {id(awaitable): awaitable for _, _, awaitable in pending}
        results = dict(zip(unique, await _all(list(unique.values())), strict=True))
        for values, index, awaitable in pending:
            values[index] = results[id(awaitable)]
    resolved = [
        values[0] if field_plan.batch is not None else values
        for field_plan, values in zip(plan.fields, resolved, strict=True)
    ]
    levels: list[tuple[ObjectPlan, list[Any], list[dict[str, Any]]]] = []
    for field_plan, values in zip(plan.fields, resolved, strict=True):
        key = field_plan.key
        output = field_plan.output
        read = field_plan.read
        if read is not None:
            leaf = output.leaf
            same = output.same
            assert leaf is not None
            for source, out in zip(sources, outs, strict=True):
                value = read(source)
                if type(value) is same:
                    out[key] = value
                elif value is None:
                    if output.non_null:
                        raise Fallback("null where the schema promises a value")
                    out[key] = None
                else:
                    out[key] = leaf(value)
            continue
        if output.object is not None:
            levels.append(_objects(key, output, outs, values))
            continue
        if output.item is not None and output.item.object is not None:
            levels.append(_object_lists(key, output, outs, values))
            continue
        children: dict[int, tuple[ObjectPlan, list[Any], list[dict[str, Any]]]] = {}
        for out, value in zip(outs, values, strict=True):
            out[key] = _complete(output, value, children)
        levels.extend(children.values())
    if levels:
        await _all(
            [
                _run_level(child, child_sources, child_outs, info, variables)
                for child, child_sources, child_outs in levels
            ]
        )


async def _all(awaitables: list[Any]) -> list[Any]:
    """The results of the awaitables, run concurrently. When one fails, the coroutines' tasks are
    cancelled and waited for before the error goes up, so that no resolver of a failed planned run
    goes on beside the generic executor that answers in its place. A loader's future is left to
    finish (its error read, not logged): cancelling it would cancel its batch's query mid-flight,
    and the request's loaders are dropped with the failed run anyway.

    Only coroutines get a task: a future (a loader's) is already running and is awaited in place,
    which spares the event loop a task, its steps and its callbacks per record of a level."""
    if len(awaitables) == 1:
        return [await awaitables[0]]
    results: list[Any] = [None] * len(awaitables)
    coroutines = [index for index, awaitable in enumerate(awaitables) if not isinstance(awaitable, asyncio.Future)]
    try:
        if len(coroutines) == 1:
            results[coroutines[0]] = await awaitables[coroutines[0]]
        elif coroutines:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(_awaited(awaitables[index])) for index in coroutines]
            for index, task in zip(coroutines, tasks, strict=True):
                results[index] = task.result()
        for index, awaitable in enumerate(awaitables):
            if isinstance(awaitable, asyncio.Future):
                results[index] = await awaitable
    except BaseException:
        for awaitable in awaitables:
            if isinstance(awaitable, asyncio.Future):
                awaitable.add_done_callback(read_error)
            elif isinstance(awaitable, CoroutineType) and awaitable.cr_frame is not None and not awaitable.cr_running:
                awaitable.close()
        raise
    return results


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


Level = tuple[ObjectPlan, list[Any], list[dict[str, Any]]]


def _objects(key: str, output: Output, outs: list[dict[str, Any]], values: list[Any]) -> Level:
    """Completes an object field of every object of a level: the objects of the next level."""
    assert output.object is not None
    sources: list[Any] = []
    children: list[dict[str, Any]] = []
    for out, value in zip(outs, values, strict=True):
        if value is None:
            if output.non_null:
                raise Fallback("null where the schema promises a value")
            out[key] = None
            continue
        child: dict[str, Any] = {}
        out[key] = child
        sources.append(value)
        children.append(child)
    return output.object, sources, children


def _object_lists(key: str, output: Output, outs: list[dict[str, Any]], values: list[Any]) -> Level:
    """Completes a list-of-objects field of every object of a level."""
    item = output.item
    assert item is not None and item.object is not None
    sources: list[Any] = []
    children: list[dict[str, Any]] = []
    for out, value in zip(outs, values, strict=True):
        if value is None:
            if output.non_null:
                raise Fallback("null where the schema promises a value")
            out[key] = None
            continue
        if isinstance(value, (str, bytes, dict)):
            raise Fallback("a list field returned a scalar")
        completed: list[dict[str, Any] | None] = []
        for entry in value:
            if entry is None:
                if item.non_null:
                    raise Fallback("null where the schema promises a value")
                completed.append(None)
                continue
            child: dict[str, Any] = {}
            completed.append(child)
            sources.append(entry)
            children.append(child)
        out[key] = completed
    return item.object, sources, children


def _complete(
    output: Output, value: Any, children: dict[int, tuple[ObjectPlan, list[Any], list[dict[str, Any]]]]
) -> Any:
    if value is None:
        if output.non_null:
            raise Fallback("null where the schema promises a value")
        return None
    if output.leaf is not None:
        return output.leaf(value)
    if output.object is not None:
        out: dict[str, Any] = {}
        entry = children.get(id(output.object))
        if entry is None:
            entry = children[id(output.object)] = (output.object, [], [])
        entry[1].append(value)
        entry[2].append(out)
        return out
    assert output.item is not None
    if isinstance(value, (str, bytes, dict)):
        raise Fallback("a list field returned a scalar")
    return [_complete(output.item, item, children) for item in value]


class _DirectiveVariables(Visitor):
    """The variables an `@include` or `@skip` of the document reads."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
        if node.name.value in _DIRECTIVES_WITH_VARIABLES:
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    self.names.add(argument.value.name.value)


def directive_variables(document: DocumentNode) -> tuple[str, ...]:
    visitor = _DirectiveVariables()
    visit(document, visitor)
    return tuple(sorted(visitor.names))


class PlannedReads(SchemaExtension):
    """Runs a query on its plan when the planner covers it and the context allows it
    (`planned_reads`); the generic executor runs everything else. Last of the schema's
    extensions, so that the others' checks and refusals come first."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.result is None and getattr(context.context, "planned_reads", False):
            result = await self.planned(context)
            if result is not None:
                context.result = result
        yield

    async def planned(self, execution_context: Any) -> GraphQLExecutionResult | None:
        document = execution_context.graphql_document
        if document is None or execution_context.pre_execution_errors:
            return None
        operation = get_operation_ast(document, execution_context.operation_name)
        if operation is None or operation.operation is not OperationType.QUERY:
            return None
        planner = planner_for(execution_context.schema)
        variables = get_variable_values(
            planner.schema, operation.variable_definitions or (), execution_context.variables or {}
        )
        if isinstance(variables, list):
            return None
        plan = plan_of(planner, execution_context, document, operation, variables)
        if plan is None:
            return None
        request_context = execution_context.context
        request_context.loaders.unshield()
        try:
            data = await run(plan, request_context, variables)
        except Exception as error:
            logger.debug("a planned run fell back to the generic executor: %s", type(error).__name__)
            request_context.loaders = Loaders(request_context.viewer)
            request_context.work = Work()
            return None
        return GraphQLExecutionResult(data=data, errors=None)


_planners: "weakref.WeakKeyDictionary[Any, Planner]" = weakref.WeakKeyDictionary()


def planner_for(strawberry_schema: Any) -> Planner:
    planner = _planners.get(strawberry_schema)
    if planner is None:
        planner = _planners[strawberry_schema] = Planner(strawberry_schema)
    return planner


_UNCOVERED = object()


def plan_of(
    planner: Planner,
    execution_context: Any,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: VariableValues,
) -> Plan | None:
    """The operation's plan, kept with the parsed document; None when the planner does not cover it."""
    plans = documents.plans_of(execution_context.query, dict(execution_context.parse_options), document)
    names = plans.get("directive variables")
    if names is None:
        names = plans["directive variables"] = directive_variables(document)
    key = (
        id(planner),
        operation.name.value if operation.name else None,
        tuple(repr(variables.coerced.get(name)) for name in names),
    )
    plan = plans.get(key)
    if plan is None:
        try:
            plan = planner.compile(document, operation, variables)
        except Uncovered as reason:
            logger.debug("not planned: %s", reason)
            plan = _UNCOVERED
        except Exception as error:
            logger.debug("not planned: %s while compiling", type(error).__name__)
            return None
        documents.keep_plan(execution_context.query, dict(execution_context.parse_options), document, key, plan)
    return plan if isinstance(plan, Plan) else None

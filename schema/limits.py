"""What one operation may ask for: depth, aliases, tokens and nodes, introspection and
suggestions, and what it costs.

The limits come from the request context (`query_limits`), so that the composition root decides
them from its settings; a context without them gets the defaults. The cost is counted here, by
the document alone (`measure`), by what the operation returned and the rows its reports and
imports went through (`actual_cost`, with `work` on the context), and for a refused document by
the parsing and validation it took (`refusal_cost`); charging it to a client's rate-limit budget
is the composition root's (leadbridge.rate_limit).
"""

import json
import math
import re
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionNode,
    SelectionSetNode,
    TypeMetaFieldDef,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.documents import token_count
from schema.strawberry_internals import graphql_schema_of

MUTATION_COST = 10
DOCUMENT_TOKENS_PER_POINT = 10
DOCUMENT_CHARACTERS_PER_POINT = 1000
"""Every document costs at least 1 point per DOCUMENT_TOKENS_PER_POINT tokens and per
DOCUMENT_CHARACTERS_PER_POINT characters: parsing and validating it take that long."""
REFUSAL_COST = 10
"""The least a refused document costs (a syntax error, a validation error, a limit)."""
AGGREGATED_ROWS_PER_POINT = 100
"""`pipeline` and `leadFunnel` cost 1 more point per this many records they count."""
IMPORTED_BYTES_PER_POINT = 4096
"""`importLeads` costs 1 more point per this many bytes of the uploaded file."""
SUGGESTION = re.compile(r" Did you mean [^?]*\?")


@dataclass(frozen=True)
class QueryLimits:
    max_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 2000
    max_nodes: int = 50_000
    introspection: bool = True
    suggestions: bool = True


Selection = FieldNode | InlineFragmentNode | FragmentSpreadNode


def selections_of(selection_set: SelectionSetNode) -> tuple[Selection, ...]:
    """The selections of the set, typed as the three kinds of selection GraphQL has."""
    return cast(tuple[Selection, ...], selection_set.selections)


@dataclass(frozen=True)
class QueryCost:
    """`nodes`: what the operation may return at most, counted like GitHub (each connection's
    page size times the page sizes of the connections around it); `cost`: the rate-limit
    points it may be charged, counted like Shopify (1 per object, 2 per connection plus 1 per
    node it may return, 10 per mutation; at least 1 and at least `document_cost`)."""

    nodes: int
    cost: int


def limit_error(message: str, code: str, error: GraphQLError | None = None) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes if error else None,
        source=error.source if error else None,
        positions=error.positions if error else None,
        extensions={"code": code},
    )


class _CodingValidationContext:
    """A validation context that tags each error a rule reports with `code`."""

    def __init__(self, context: ValidationContext, code: str) -> None:
        self._context = context
        self._code = code

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def report_error(self, error: GraphQLError) -> None:
        self._context.report_error(limit_error(error.message, self._code, error))


def coded_rule(rule: type[ASTValidationRule], code: str) -> type[ASTValidationRule]:
    """`rule`, with `extensions.code` on the errors it reports."""

    class CodedRule(rule):  # type: ignore[valid-type, misc]  # mypy cannot subclass a class held in a variable
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(_CodingValidationContext(context, code))

    CodedRule.__name__ = f"Coded{rule.__name__}"
    return CodedRule


class DocumentShape:
    """The depth and aliases of a document's operations, counted through fragments as
    Strawberry's QueryDepthLimiter and MaxAliasesLimiter count them, but each fragment once:
    their own recursion takes time exponential in the nesting of fragments that spread the
    next one twice, which a document of a few hundred tokens can do."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.operations = [
            definition for definition in document.definitions if isinstance(definition, OperationDefinitionNode)
        ]
        self._depths: dict[str, int] = {}
        self._aliases: dict[str, int] = {}
        self._entered: set[str] = set()

    def _fragment(self, name: str, memo: dict[str, int], count: Callable[[SelectionSetNode], int]) -> int:
        if name not in memo:
            fragment = self.fragments.get(name)
            if fragment is None or name in self._entered:
                return 0
            self._entered.add(name)
            memo[name] = count(fragment.selection_set)
            self._entered.discard(name)
        return memo[name]

    def depth(self, selection_set: SelectionSetNode) -> int:
        """How many levels below the selection set its deepest field is (introspection aside)."""
        return max((self.selection_depth(selection) for selection in selections_of(selection_set)), default=0)

    def selection_depth(self, selection: SelectionNode) -> int:
        if isinstance(selection, FieldNode):
            if selection.selection_set is None or selection.name.value.startswith("__"):
                return 0
            return 1 + self.depth(selection.selection_set)
        if isinstance(selection, InlineFragmentNode):
            return self.depth(selection.selection_set)
        assert isinstance(selection, FragmentSpreadNode)
        return self._fragment(selection.name.value, self._depths, self.depth)

    def first_beyond(self, selection_set: SelectionSetNode, level: int, max_depth: int) -> SelectionNode | None:
        """The first selection, in document order, nested deeper than `max_depth`."""
        for selection in selections_of(selection_set):
            if level > max_depth:
                return selection
            if level + self.selection_depth(selection) <= max_depth:
                continue
            if isinstance(selection, FieldNode):
                assert selection.selection_set is not None
                return self.first_beyond(selection.selection_set, level + 1, max_depth)
            if isinstance(selection, InlineFragmentNode):
                return self.first_beyond(selection.selection_set, level, max_depth)
            fragment = self.fragments[selection.name.value]
            return self.first_beyond(fragment.selection_set, level, max_depth)
        return None

    def aliases(self, selection_set: SelectionSetNode) -> int:
        count = 0
        for selection in selections_of(selection_set):
            if isinstance(selection, FieldNode):
                count += selection.alias is not None
                count += self.aliases(selection.selection_set) if selection.selection_set else 0
            elif isinstance(selection, InlineFragmentNode):
                count += self.aliases(selection.selection_set)
            else:
                count += self._fragment(selection.name.value, self._aliases, self.aliases)
        return count


def depth_rule(max_depth: int) -> type[ASTValidationRule]:
    class MaxDepthRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            shape = DocumentShape(context.document)
            for operation in shape.operations:
                beyond = shape.first_beyond(operation.selection_set, 0, max_depth)
                if beyond is not None:
                    name = operation.name.value if operation.name else "anonymous"
                    self.report_error(
                        limit_error(
                            f"'{name}' exceeds maximum operation depth of {max_depth}",
                            "MAX_DEPTH_EXCEEDED",
                            GraphQLError("", [beyond]),
                        )
                    )

    return MaxDepthRule


def aliases_rule(max_aliases: int) -> type[ASTValidationRule]:
    class MaxAliasesRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            shape = DocumentShape(context.document)
            found = sum(shape.aliases(operation.selection_set) for operation in shape.operations)
            if found > max_aliases:
                self.report_error(limit_error(f"{found} aliases found. Allowed: {max_aliases}", "MAX_ALIASES_EXCEEDED"))

    return MaxAliasesRule


@cache
def validation_rules(limits: QueryLimits) -> tuple[type[ASTValidationRule], ...]:
    """The rules for these limits; the same classes each time, so that Strawberry's
    ValidationCache, keyed by the rules, keeps working."""
    rules = [depth_rule(limits.max_depth), aliases_rule(limits.max_aliases)]
    if not limits.introspection:
        rules.append(coded_rule(NoSchemaIntrospectionCustomRule, "INTROSPECTION_DISABLED"))
    return tuple(rules)


def measure(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> QueryCost:
    """The nodes and cost of the operation to run, before running it."""
    operation = get_operation_ast(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation else None
    if operation is None or root is None:
        return QueryCost(nodes=0, cost=1)
    walk = _Measure(schema, document, operation, variables or {})
    nodes, cost = walk.selections(operation.selection_set, root)
    if operation.operation == OperationType.MUTATION:
        cost += MUTATION_COST * len(walk.response_keys(operation.selection_set, set()))
    return QueryCost(nodes=nodes, cost=max(cost, 1, document_cost(None, document)))


def document_cost(query: str | None, document: DocumentNode | None) -> int:
    """What reading a document costs, whatever it asks for: by its characters, and by its tokens
    once it parsed."""
    source = document.loc.source.body if document is not None and document.loc else query or ""
    by_tokens = token_count(document) if document is not None else 0
    return max(math.ceil(len(source) / DOCUMENT_CHARACTERS_PER_POINT), math.ceil(by_tokens / DOCUMENT_TOKENS_PER_POINT))


class _Measure:
    """Nodes and cost of selections, each selected once; every term grows in proportion to
    how many times a selection is selected, so a fragment is measured once."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = DocumentShape(document).fragments
        self.defaults = {
            definition.variable.name.value: definition.default_value
            for definition in operation.variable_definitions or ()
        }
        self.measured: dict[str, tuple[int, int]] = {}
        self.entered: set[str] = set()

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> tuple[int, int]:
        """A fragment spread twice in one selection set is selected once, as GraphQL executes it."""
        nodes = cost = 0
        spread: set[str] = set()
        for selection in selections_of(selection_set):
            if isinstance(selection, FieldNode):
                field_nodes, field_cost = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                field_nodes, field_cost = self.selections(selection.selection_set, inner or parent)
            elif selection.name.value in spread:
                continue
            else:
                spread.add(selection.name.value)
                field_nodes, field_cost = self.fragment(selection.name.value, parent)
            nodes += field_nodes
            cost += field_cost
        return nodes, cost

    def response_keys(self, selection_set: SelectionSetNode, entered: set[str]) -> set[str]:
        """The names the selection set answers under, through its fragments (introspection aside)."""
        keys: set[str] = set()
        for selection in selections_of(selection_set):
            if isinstance(selection, FieldNode):
                if not selection.name.value.startswith("__"):
                    keys.add((selection.alias or selection.name).value)
            elif isinstance(selection, InlineFragmentNode):
                keys |= self.response_keys(selection.selection_set, entered)
            elif selection.name.value not in entered and selection.name.value in self.fragments:
                entered.add(selection.name.value)
                keys |= self.response_keys(self.fragments[selection.name.value].selection_set, entered)
        return keys

    def fragment(self, name: str, parent: GraphQLNamedType) -> tuple[int, int]:
        if name not in self.measured:
            fragment = self.fragments.get(name)
            if fragment is None or name in self.entered:
                return 0, 0
            self.entered.add(name)
            inner = self.schema.get_type(fragment.type_condition.name.value) or parent
            self.measured[name] = self.selections(fragment.selection_set, inner)
            self.entered.discard(name)
        return self.measured[name]

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> tuple[int, int]:
        definition = self.definition(node.name.value, parent)
        if node.selection_set is None or definition is None:
            return 0, 0
        child = get_named_type(definition.type)
        nodes, cost = self.selections(node.selection_set, child)
        size = self.page_size(node, definition)
        if size is not None:
            if is_connection(child):
                return size + size * nodes, 2 + size * cost
            return size + size * nodes, size + size * cost
        if (is_connection(parent) and node.name.value != "nodes") or (is_edge(parent) and node.name.value != "node"):
            return nodes, cost
        return nodes, 1 + cost

    def definition(self, name: str, parent: GraphQLNamedType) -> Any:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return parent.fields.get(name)
        return None

    def page_size(self, node: FieldNode, definition: Any) -> int | None:
        """How many items a connection (`first`/`last`) or an `ids` list may return; None for
        any other field."""
        arguments = {argument.name.value: argument.value for argument in node.arguments or ()}
        if isinstance(get_nullable_type(definition.type), GraphQLList) and "ids" in definition.args:
            ids = self.value(arguments.get("ids"))
            return len(ids) if isinstance(ids, list) else None
        if "first" not in definition.args and "last" not in definition.args:
            return None
        for name in ("first", "last"):
            size = self.value(arguments.get(name))
            if isinstance(size, int) and not isinstance(size, bool):
                return max(size, 0)
        return DEFAULT_PAGE_SIZE

    def value(self, node: Any) -> Any:
        if isinstance(node, VariableNode):
            name = node.name.value
            if name in self.variables:
                return self.variables[name]
            node = self.defaults.get(name)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return list(node.values)
        return None


PAGE_ARGUMENTS = ("first", "last")


def page_size_error(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> GraphQLError | None:
    """BAD_USER_INPUT for the first `first` or `last` of the operation, literal or variable,
    outside 0..MAX_PAGE_SIZE: checked before nodes and cost, which such a page size inflates,
    so that the client learns what to fix whatever the selection."""
    operation = get_operation_ast(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation else None
    if operation is None or root is None:
        return None
    walk = _Measure(schema, document, operation, variables or {})
    return _page_size_error(walk, operation.selection_set, root, set())


def _page_size_error(
    walk: "_Measure", selection_set: SelectionSetNode, parent: GraphQLNamedType, entered: set[str]
) -> GraphQLError | None:
    for selection in selections_of(selection_set):
        if isinstance(selection, FieldNode):
            definition = walk.definition(selection.name.value, parent)
            if definition is None:
                continue
            for argument in selection.arguments or ():
                name = argument.name.value
                if name in PAGE_ARGUMENTS and name in definition.args:
                    size = walk.value(argument.value)
                    if isinstance(size, int) and not isinstance(size, bool) and not 0 <= size <= MAX_PAGE_SIZE:
                        message = (
                            f"'{name}' must not be negative"
                            if size < 0
                            else f"'{name}' may be at most {MAX_PAGE_SIZE}, got {size}"
                        )
                        return GraphQLError(message, nodes=[argument], extensions={"code": "BAD_USER_INPUT"})
            inner: GraphQLNamedType | None = get_named_type(definition.type)
            selections = selection.selection_set
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            inner = walk.schema.get_type(condition.name.value) if condition else parent
            selections = selection.selection_set
        else:
            fragment = walk.fragments.get(selection.name.value)
            if fragment is None or selection.name.value in entered:
                continue
            entered.add(selection.name.value)
            inner = walk.schema.get_type(fragment.type_condition.name.value)
            selections = fragment.selection_set
        if selections is not None and inner is not None:
            error = _page_size_error(walk, selections, inner, entered)
            if error is not None:
                return error
    return None


def is_connection(type_: Any) -> bool:
    return isinstance(type_, GraphQLObjectType) and "edges" in type_.fields and "pageInfo" in type_.fields


def is_edge(type_: Any) -> bool:
    return isinstance(type_, GraphQLObjectType) and "node" in type_.fields and "cursor" in type_.fields


def returned_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    data: Mapping[str, Any] | None,
) -> int:
    """The cost of what the operation returned, by the rules of `measure` with each page counted
    by the records it holds instead of the records it may hold."""
    operation = get_operation_ast(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation else None
    floor = max(1, document_cost(None, document))
    if operation is None or root is None or data is None:
        return floor
    walk = _Returned(schema, document, operation, variables or {})
    cost = walk.object([operation.selection_set], root, data)
    if operation.operation == OperationType.MUTATION:
        cost += MUTATION_COST * len(walk.response_keys(operation.selection_set, set()))
    return max(cost, floor)


class _Returned(_Measure):
    """The cost of a result, walked beside the selections that asked for it. Fields are merged
    by response key, as GraphQL executes them, so each returned object counts once."""

    def collect(
        self, selection_sets: list[SelectionSetNode], parent: GraphQLNamedType
    ) -> dict[str, tuple[list[FieldNode], GraphQLNamedType]]:
        fields: dict[str, tuple[list[FieldNode], GraphQLNamedType]] = {}
        spread: set[str] = set()

        def visit(selection_set: SelectionSetNode, type_: GraphQLNamedType) -> None:
            for selection in selections_of(selection_set):
                if isinstance(selection, FieldNode):
                    fields.setdefault((selection.alias or selection.name).value, ([], type_))[0].append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    visit(
                        selection.selection_set,
                        (self.schema.get_type(condition.name.value) if condition else None) or type_,
                    )
                elif selection.name.value not in spread and selection.name.value in self.fragments:
                    spread.add(selection.name.value)
                    fragment = self.fragments[selection.name.value]
                    visit(fragment.selection_set, self.schema.get_type(fragment.type_condition.name.value) or type_)

        for selection_set in selection_sets:
            visit(selection_set, parent)
        return fields

    def object(self, selection_sets: list[SelectionSetNode], parent: GraphQLNamedType, value: Any) -> int:
        if not isinstance(value, Mapping):
            return 0
        cost = 0
        for key, (nodes, type_) in self.collect(selection_sets, parent).items():
            if key in value:
                cost += self.returned_field(nodes, type_, value[key])
        return cost

    def returned_field(self, nodes: list[FieldNode], parent: GraphQLNamedType, value: Any) -> int:
        node = nodes[0]
        definition = self.definition(node.name.value, parent)
        selection_sets = [field.selection_set for field in nodes if field.selection_set is not None]
        if not selection_sets or definition is None or value is None:
            return 0
        child = get_named_type(definition.type)
        items = [self.object(selection_sets, child, item) for item in _flattened(value)]
        if self.page_size(node, definition) is not None:
            if is_connection(child):
                return 2 + sum(items)
            return sum(1 + cost for cost in items)
        if is_connection(parent) or (is_edge(parent) and node.name.value != "node"):
            return sum(items)
        return 1 + max(items, default=0)


def _flattened(value: Any) -> list[Any]:
    """The objects of a field's value: the value itself, or the non-null items of its lists."""
    if isinstance(value, list):
        return [item for entry in value for item in _flattened(entry)]
    return [] if value is None else [value]


def refusal_cost(query: str | None, document: DocumentNode | None, maximum: int) -> int:
    """What a refused document costs: REFUSAL_COST, or its `document_cost` when that is more,
    and never more than a full bucket."""
    return min(max(REFUSAL_COST, document_cost(query, document)), maximum)


def work_cost(rows_aggregated: int, bytes_imported: int) -> int:
    """The points of the records reports counted and of the bytes imports read."""
    return math.ceil(rows_aggregated / AGGREGATED_ROWS_PER_POINT) + math.ceil(bytes_imported / IMPORTED_BYTES_PER_POINT)


def is_request_error(result: GraphQLExecutionResult | ExecutionResult) -> bool:
    """Refused before any field ran: its variables, say, could not be coerced."""
    return result.data is None and bool(result.errors) and all(error.path is None for error in result.errors or ())


def without_suggestion(error: GraphQLError) -> GraphQLError:
    message = SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


MAX_KEPT_MEASURES = 1024
"""How many operations `measured` keeps the measure of (those whose page sizes are in bounds)."""
MAX_KEPT_VARIABLES = 2048
"""The longest variables, as JSON, of an operation whose measure `measured` keeps."""


@dataclass(frozen=True)
class _KeptMeasure:
    """A measure, and weakly the schema and the document it is of: the documents a server keeps
    are bounded by their cache, which this must not hold beyond."""

    schema: "weakref.ref[GraphQLSchema]"
    document: "weakref.ref[DocumentNode]"
    cost: QueryCost


_kept_measures: dict[tuple[int, int, str | None, str], _KeptMeasure] = {}


def measured(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> tuple[QueryCost, GraphQLError | None]:
    """`measure` and `page_size_error` of the operation. A client sends the same documents with
    the same variables again and again, and the server keeps each parsed document: the measure
    of an operation whose page sizes are in bounds is kept by the document, its operation and
    its variables."""
    try:
        key = (id(schema), id(document), operation_name, json.dumps(variables, sort_keys=True))
    except (TypeError, ValueError):
        key = None
    if key is not None and len(key[3]) > MAX_KEPT_VARIABLES:
        key = None
    kept = _kept_measures.get(key) if key is not None else None
    if kept is not None and kept.schema() is schema and kept.document() is document:
        return kept.cost, None
    cost = measure(schema, document, operation_name, variables)
    refusal = page_size_error(schema, document, operation_name, variables)
    if refusal is None and key is not None:
        if len(_kept_measures) >= MAX_KEPT_MEASURES:
            del _kept_measures[next(iter(_kept_measures))]
        _kept_measures[key] = _KeptMeasure(weakref.ref(schema), weakref.ref(document), cost)
    return cost, refusal


class QueryLimiter(SchemaExtension):
    """Enforces the context's QueryLimits and measures the operation's cost.

    Tokens are counted as Strawberry's MaxTokensLimiter counts them, depth and aliases as its
    QueryDepthLimiter and MaxAliasesLimiter do (see DocumentShape); each refusal carries an
    `extensions.code`. Charging the cost is the composition root's: it serves a subclass that
    takes `cost` before the operation runs and settles it to `actual_cost` once it has.
    """

    def __init__(self) -> None:
        self.cost: QueryCost | None = None

    @property
    def limits(self) -> QueryLimits:
        return getattr(self.execution_context.context, "query_limits", None) or QueryLimits()

    def on_operation(self) -> Iterator[None]:
        limits = self.limits
        context = self.execution_context
        context.parse_options["max_tokens"] = limits.max_tokens
        context.validation_rules = context.validation_rules + validation_rules(limits)
        try:
            yield
        except GraphQLSyntaxError as error:
            raise self.coded(error, limits) from None
        result = context.result
        if isinstance(result, (GraphQLExecutionResult, ExecutionResult)) and result.errors:
            errors = [self.coded(error, limits) for error in result.errors]
            result.errors = errors if limits.suggestions else [without_suggestion(error) for error in errors]

    def coded(self, error: GraphQLError, limits: QueryLimits) -> GraphQLError:
        """The parser's refusal of a document over the token limit, with its code."""
        if isinstance(error, GraphQLSyntaxError) and error.message == (
            f"Syntax Error: Document contains more than {limits.max_tokens} tokens. Parsing aborted."
        ):
            return limit_error(error.message, "MAX_TOKENS_EXCEEDED", error)
        return error

    async def on_execute(self) -> AsyncIterator[None]:
        refusal = self.refusal()
        if refusal is not None:
            self.execution_context.result = GraphQLExecutionResult(data=None, errors=[refusal])
        yield

    def refusal(self) -> GraphQLError | None:
        """Measures the operation into `cost`; the refusal of a page size out of bounds or of
        more nodes than the limit, None when the operation may run."""
        context = self.execution_context
        limits = self.limits
        assert context.graphql_document is not None
        self.cost, refusal = measured(
            graphql_schema_of(context.schema), context.graphql_document, context.operation_name, context.variables
        )
        if refusal is None and self.cost.nodes > limits.max_nodes:
            refusal = limit_error(
                f"This query may return up to {self.cost.nodes:,} nodes, more than the limit of {limits.max_nodes:,}",
                "MAX_NODE_LIMIT_EXCEEDED",
            )
        return refusal

    def actual_cost(self, work_before: tuple[int, int], maximum: int) -> int | None:
        """What the operation that ran costs: what it returned plus the work its reports and
        imports did since `work_before` (see `work_done`), or `refusal_cost` when the request
        failed before any field ran; None when it has no result."""
        context = self.execution_context
        result = context.result
        if not isinstance(result, (GraphQLExecutionResult, ExecutionResult)):
            return None
        if is_request_error(result):
            return refusal_cost(context.query, context.graphql_document, maximum)
        assert context.graphql_document is not None
        rows_before, bytes_before = work_before
        rows, bytes_ = work_done(context.context)
        return returned_cost(
            graphql_schema_of(context.schema),
            context.graphql_document,
            context.operation_name,
            context.variables,
            result.data,
        ) + work_cost(rows - rows_before, bytes_ - bytes_before)


def work_done(context: Any) -> tuple[int, int]:
    """The records counted by reports and the bytes read by imports so far on this context."""
    work = getattr(context, "work", None)
    if work is None:
        return 0, 0
    return work.rows_aggregated, work.bytes_imported

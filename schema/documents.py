"""The parsed documents kept between requests, bounded by the memory they hold.

A parsed document keeps its source text and, for every token, a token and usually a node: a
document of 2,000 tokens holds about 1.2 MB, one with a 1 MB comment or string twice that. The
cache is shared by the HTTP endpoint, which parses to choose the operation, and by the schema's
parsing and validation, so each document is parsed and validated once. It keeps only documents
that passed validation, none above a size, and drops the least recently used ones once the
documents it holds are estimated above a total. A document too large to keep is held until the
schema parses it (one parse per request) or the next document is parsed.
"""

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, TokenKind, parse
from strawberry.extensions import SchemaExtension

from schema.strawberry_internals import graphql_schema_of, validate_document

MAX_HELD_BYTES = 32 * 1024 * 1024
MAX_DOCUMENT_BYTES = 1536 * 1024
MAX_DOCUMENTS = 1024
BYTES_PER_PLANNED_FIELD = 2048
"""What a field of a plan holds at most (its plan, closures and output description)."""
MAX_PLANS_PER_DOCUMENT = 8
BYTES_PER_TOKEN = 640
"""What a token of a parsed document holds, measured on graphql-core 3.3: the token, its node
and its location."""


def token_count(document: DocumentNode) -> int:
    """The tokens of a parsed document, comments included (its start and end aside)."""
    tokens = 0
    token = document.loc.start_token if document.loc else None
    while token is not None:
        tokens += token.kind not in (TokenKind.SOF, TokenKind.EOF)
        token = token.next
    return tokens


def estimated_bytes(query: str, document: DocumentNode) -> int:
    """The memory a parsed document holds: its source, a copy of its string and comment values
    at most as long again, and BYTES_PER_TOKEN per token."""
    return 2 * len(query) + BYTES_PER_TOKEN * token_count(document)


@dataclass
class CachedDocument:
    document: DocumentNode
    size: int
    validated: set[tuple[Any, ...]] = field(default_factory=set)
    """The (schema, rules) it passed validation with."""
    plans: dict[Any, Any] = field(default_factory=dict)
    """What schema.planner compiled from it."""


Key = tuple[str, tuple[tuple[str, Any], ...]]


def key_of(query: str, parse_options: dict[str, Any]) -> Key:
    return query, tuple(sorted(parse_options.items()))


class DocumentCache:
    """Parsed documents by source text and parse options, least recently used dropped first."""

    def __init__(
        self,
        max_bytes: int = MAX_HELD_BYTES,
        max_document_bytes: int = MAX_DOCUMENT_BYTES,
        max_documents: int = MAX_DOCUMENTS,
    ) -> None:
        self.max_bytes = max_bytes
        self.max_document_bytes = max_document_bytes
        self.max_documents = max_documents
        self.entries: OrderedDict[Key, CachedDocument] = OrderedDict()
        self.held_bytes = 0
        self.unkept: tuple[Key, DocumentNode] | None = None

    def __len__(self) -> int:
        return len(self.entries)

    def parse(self, query: str, parse_options: dict[str, Any]) -> DocumentNode:
        """The document of `query`; GraphQLSyntaxError when it does not parse."""
        key = key_of(query, parse_options)
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
            return entry.document
        if self.unkept is not None and self.unkept[0] == key:
            document = self.unkept[1]
            self.unkept = None
            return document
        self.unkept = None
        document = parse(query, **parse_options)
        size = estimated_bytes(query, document)
        if size > self.max_document_bytes:
            self.unkept = (key, document)
        else:
            self.entries[key] = CachedDocument(document, size)
            self.held_bytes += size
            while self.held_bytes > self.max_bytes or len(self.entries) > self.max_documents:
                _, dropped = self.entries.popitem(last=False)
                self.held_bytes -= dropped.size
        return document

    def validate(
        self,
        schema: GraphQLSchema,
        query: str,
        parse_options: dict[str, Any],
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        """The validation errors of the document (Strawberry's rules added to `rules`); a
        document that has any is forgotten, so that refused documents take no room."""
        key = key_of(query, parse_options)
        entry = self.entries.get(key)
        if entry is not None and entry.document is not document:
            entry = None
        if entry is not None and (schema, rules) in entry.validated:
            return []
        errors = validate_document(schema, document, rules)
        if entry is not None:
            if errors:
                del self.entries[key]
                self.held_bytes -= entry.size
            else:
                entry.validated.add((schema, rules))
        return errors

    def plans_of(self, query: str, parse_options: dict[str, Any], document: DocumentNode) -> dict[Any, Any]:
        """The plans kept with a kept document; an empty dict of its own for one not kept."""
        entry = self.entries.get(key_of(query, parse_options))
        if entry is None or entry.document is not document:
            return {}
        return entry.plans

    def keep_plan(self, query: str, parse_options: dict[str, Any], document: DocumentNode, key: Any, plan: Any) -> None:
        """Keep a plan with its kept document, at most MAX_PLANS_PER_DOCUMENT of them (one per
        set of `@include` / `@skip` values), counted in the bytes the cache holds."""
        entry = self.entries.get(key_of(query, parse_options))
        if entry is None or entry.document is not document or len(entry.plans) >= MAX_PLANS_PER_DOCUMENT:
            return
        size = BYTES_PER_PLANNED_FIELD * getattr(plan, "fields", 0)
        entry.plans[key] = plan
        entry.size += size
        self.held_bytes += size
        while self.held_bytes > self.max_bytes and len(self.entries) > 1:
            _, dropped = self.entries.popitem(last=False)
            self.held_bytes -= dropped.size


documents = DocumentCache()


def parse_document(query: str, max_tokens: int) -> DocumentNode:
    """The document of `query` as the schema parses it under this token limit."""
    return documents.parse(query, {"max_tokens": max_tokens})


class CachedDocuments(SchemaExtension):
    """Parses and validates through `documents`, in place of Strawberry's ParserCache and
    ValidationCache, whose LRU caches count entries only."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        assert context.query is not None
        context.graphql_document = documents.parse(context.query, dict(context.parse_options))
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.query is not None and context.graphql_document is not None
        context.pre_execution_errors = documents.validate(
            graphql_schema_of(context.schema),
            context.query,
            dict(context.parse_options),
            context.graphql_document,
            tuple(context.validation_rules),
        )
        yield

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext as StrawberryExecutionContext
from strawberry.types import get_object_definition

import models
from resolvers.context import Info
from schema.collaboration import CollaborationMutation, CollaborationQuery
from schema.company import Company
from schema.conversion import ConversionMutation
from schema.conversion_undo import ConversionUndoMutation
from schema.documents import CachedDocuments
from schema.errors import ErrorCodes, MaskInternalErrors, check_one_of_inputs_in_graphql_core
from schema.input_text import RefuseNulCharacters
from schema.lead import LeadMutation, LeadQuery
from schema.lead_import import LeadImportMutation
from schema.lead_merge import LeadMergeMutation
from schema.limits import QueryLimiter
from schema.node import NodeQuery
from schema.opportunity import OpportunityMutation, OpportunityQuery
from schema.pipeline import PipelineQuery
from schema.planner import PlannedReads
from schema.scalars import SCALAR_OVERRIDES
from schema.subscription import Subscription
from schema.template import TemplateMutation, TemplateQuery
from schema.user import User


@strawberry.type
class ViewerQuery:
    @strawberry.field(graphql_type=User, description="The signed-in user.")
    def viewer(self, info: Info) -> models.User:
        return info.context.viewer


@strawberry.type(description="Every read starts here; each answers only what the signed-in user may see.")
class Query(NodeQuery, ViewerQuery, LeadQuery, OpportunityQuery, CollaborationQuery, TemplateQuery, PipelineQuery):
    pass


@strawberry.type(
    description="Every change starts here. Each mutation takes one `input` and answers a payload whose `userErrors` "
    "say why it was refused; when they are not empty, nothing was written."
)
class Mutation(
    LeadMutation,
    OpportunityMutation,
    CollaborationMutation,
    ConversionMutation,
    ConversionUndoMutation,
    TemplateMutation,
    LeadImportMutation,
    LeadMergeMutation,
):
    pass


def _mutation_type() -> type | None:
    """None until some area defines a mutation: GraphQL has no empty object types."""
    return Mutation if get_object_definition(Mutation, strict=True).fields else None


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: StrawberryExecutionContext | None = None
    ) -> None:
        """Logs nothing: Strawberry would log every error, expected ones too, with its traceback and
        the query's text. Unexpected errors are logged by MaskInternalErrors, without their messages."""


def build_schema(query_limiter: type[QueryLimiter] = QueryLimiter) -> Schema:
    """The schema, with `query_limiter` in QueryLimiter's place: the composition root serves one
    that also charges each operation's cost to the client's rate-limit budget."""
    built = Schema(
        query=Query,
        mutation=_mutation_type(),
        subscription=Subscription,
        types=[Company, User],
        scalar_overrides=SCALAR_OVERRIDES,
        config=StrawberryConfig(),
        extensions=[
            ErrorCodes,
            query_limiter,
            CachedDocuments,
            RefuseNulCharacters,
            MaskInternalErrors,
            PlannedReads,
        ],
    )
    check_one_of_inputs_in_graphql_core(built)
    return built


schema = build_schema()

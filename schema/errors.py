"""What a client sees of errors: GraphQL errors as raised, anything unexpected masked as INTERNAL."""

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

logger = logging.getLogger("leadbridge.errors")

INTERNAL_MESSAGE = "Internal server error"


def is_unexpected(error: GraphQLError) -> bool:
    """An exception from our code or a library, as opposed to a deliberate GraphQL error."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskInternalErrors(MaskErrors):
    """Strawberry's MaskErrors, logging the original and tagging the mask with `code: INTERNAL`."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=INTERNAL_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        logger.error("unexpected error at %s", error.path, exc_info=error.original_error)
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "INTERNAL"},
        )

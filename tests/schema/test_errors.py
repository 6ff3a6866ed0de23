"""The schema's UserErrorCode is the domain's ErrorCode: one list of codes, checked at import."""

import pytest
from graphql import GraphQLEnumType

from models import DomainError, ErrorCode
from schema import schema
from schema.errors import user_errors
from schema.strawberry_internals import graphql_schema_of


def test_user_error_code_serves_every_domain_code_in_order() -> None:
    served = graphql_schema_of(schema).get_type("UserErrorCode")

    assert isinstance(served, GraphQLEnumType)
    assert list(served.values) == [code.value for code in ErrorCode]


def test_a_code_that_is_not_a_member_is_refused_by_the_enum() -> None:
    with pytest.raises(ValueError):
        ErrorCode("NOT_FUOND")


def test_a_domain_error_reads_as_its_code_and_message() -> None:
    error = DomainError(ErrorCode.LAST_OWNER, "The lead needs a direct owner", ["userId"])

    assert str(error) == "LAST_OWNER: The lead needs a direct owner"
    assert [(item.code, item.message, item.field) for item in user_errors([error])] == [
        (ErrorCode.LAST_OWNER, "The lead needs a direct owner", ["userId"])
    ]

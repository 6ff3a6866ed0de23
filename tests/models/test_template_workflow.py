import pytest

from models import DomainError, ErrorCode
from models.template_workflow import mappings_from_input


def test_mappings_take_graphql_names_and_keep_their_order():
    pairs = [("estimatedCloseDate", "closeDate"), ("topic", "name"), ("customerName", "name")]

    assert mappings_from_input(pairs, ["fieldMappings"]) == [
        ("estimated_close_date", "close_date"),
        ("topic", "name"),
        ("customer_name", "name"),
    ]


@pytest.mark.parametrize(
    ("pairs", "error"),
    [
        (
            [("topic", "name"), ("customer_name", "name")],
            DomainError(
                ErrorCode.INVALID_TEMPLATE,
                "'customer_name' is not a lead field that can be mapped",
                ["fieldMappings", "1", "leadField"],
            ),
        ),
        (
            [("topic", "stage")],
            DomainError(
                ErrorCode.INVALID_TEMPLATE,
                "'stage' is not an opportunity field that can be filled",
                ["fieldMappings", "0", "opportunityField"],
            ),
        ),
        (
            [("closeDate", "name")],
            DomainError(
                ErrorCode.INVALID_TEMPLATE,
                "'close_date' is not a lead field that can be mapped",
                ["fieldMappings", "0", "leadField"],
            ),
        ),
        (
            [("score", "amount")],
            DomainError(
                ErrorCode.INVALID_TEMPLATE,
                "'score' holds percentage and cannot fill 'amount', which holds money",
                ["fieldMappings", "0"],
            ),
        ),
    ],
)
def test_a_bad_mapping_is_an_invalid_template_naming_it(pairs, error):
    with pytest.raises(DomainError) as refused:
        mappings_from_input(pairs, ["fieldMappings"])

    assert refused.value == error

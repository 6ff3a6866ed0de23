from models import DomainError, ErrorCode
from resolvers.errors import api_error
from resolvers.ids import global_id


def test_the_records_an_error_names_become_global_ids_in_its_message():
    error = DomainError(
        ErrorCode.DUPLICATE_ACCOUNT,
        "Matching accounts exist: {records}; attach one",
        ["account"],
        [("Account", 4), ("Account", 9)],
    )

    assert api_error(error) == DomainError(
        ErrorCode.DUPLICATE_ACCOUNT,
        f"Matching accounts exist: {global_id('Account', 4)}, {global_id('Account', 9)}; attach one",
        ["account"],
    )


def test_an_error_naming_no_records_keeps_its_message_braces_included():
    error = DomainError(ErrorCode.CONFLICT, "Your company already has a template named '{records}'", ["name"])

    assert api_error(error) is error

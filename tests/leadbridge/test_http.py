"""Content negotiation of GraphQL over HTTP: which media type answers an Accept header."""

import pytest

from leadbridge.http import GRAPHQL_RESPONSE, JSON, negotiate


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("", JSON),
        ("   ", JSON),
        ("application/json", JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE),
        ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE),
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/json, application/graphql-response+json", JSON),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE),
        ("application/graphql-response+json;q=0.5, application/json", JSON),
        ("*/*, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/graphql-response+json; charset=utf-8", GRAPHQL_RESPONSE),
        ('application/json; charset="UTF-8"', JSON),
        ("text/html, application/json;q=0.1", JSON),
        ("application/json;q=bad, application/graphql-response+json;q=0.2", GRAPHQL_RESPONSE),
    ],
)
def test_the_best_accepted_json_type_answers(accept, media_type):
    assert negotiate(accept) == media_type


@pytest.mark.parametrize(
    "accept",
    [
        "text/html",
        "application/xml",
        "application/json;q=0",
        "application/json;q=1.5",
        "application/json; charset=latin-1",
        "application/graphql-response+json; charset=utf-16, text/plain",
    ],
)
def test_an_accept_header_without_a_usable_json_type_gets_none(accept):
    assert negotiate(accept) is None

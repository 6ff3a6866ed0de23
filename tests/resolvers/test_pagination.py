"""Signed cursors, paging arguments and pages cut from loaded lists, without a database."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from graphql import GraphQLError

from models.enums import LeadStatus
from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE, Cursors, _b64, _unb64, cut

CURSORS = Cursors.signed_with("unit-test secret")
OTHER_DEPLOYMENT = Cursors.signed_with("another secret")
LEADS = "leads:createdAt"


def refused(call, argument="after"):
    with pytest.raises(GraphQLError) as raised:
        call()
    assert raised.value.message == f"'{argument}' is not a cursor of this connection"
    assert raised.value.extensions == {"code": "BAD_USER_INPUT"}


@pytest.mark.parametrize(
    "sort_value",
    [
        7,
        "Acme",
        "",
        None,
        datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC),
        datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        datetime(2026, 3, 1, 12, 30, 15),
        date(2026, 3, 1),
        Decimal("1250.50"),
        Decimal("-0.001"),
        (3, "b", Decimal("2.5")),
    ],
    ids=repr,
)
def test_a_cursor_decodes_to_the_position_it_encodes(sort_value):
    cursor = CURSORS.encode(LEADS, sort_value, 42)

    assert CURSORS.decode(cursor, LEADS, "after") == (sort_value, 42)


@pytest.mark.parametrize("connection", ['leads:"quoted"\\name', "Lead.opportunities:7", "é"])
def test_a_cursor_of_any_list_name_decodes_in_that_list_only(connection):
    moment = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    cursor = CURSORS.encode(connection, moment, 42)

    assert CURSORS.decode(cursor, connection, "after") == (moment, 42)
    refused(lambda: CURSORS.decode(cursor, LEADS, "after"))


def test_a_cursor_keeps_the_type_of_its_sort_key():
    moment = datetime(2026, 3, 1, tzinfo=UTC)

    (decoded, _) = CURSORS.decode(CURSORS.encode(LEADS, moment, 1), LEADS, "after")

    assert type(decoded) is datetime and decoded.tzinfo is not None


def test_floats_and_enums_decode_as_what_the_database_compares():
    assert CURSORS.decode(CURSORS.encode(LEADS, 0.1, 1), LEADS, "after") == (Decimal("0.1"), 1)
    assert CURSORS.decode(CURSORS.encode(LEADS, LeadStatus.WORKING_CONTACTED, 1), LEADS, "after") == (
        "WORKING_CONTACTED",
        1,
    )


def test_the_same_secret_reads_the_cursors_of_another_worker():
    cursor = CURSORS.encode(LEADS, 5, 9)

    assert Cursors.signed_with("unit-test secret").decode(cursor, LEADS, "before") == (5, 9)


def test_a_cursor_of_another_deployment_is_refused():
    cursor = OTHER_DEPLOYMENT.encode(LEADS, 5, 9)

    refused(lambda: CURSORS.decode(cursor, LEADS, "after"))


def test_a_cursor_of_another_list_or_order_is_refused():
    cursor = CURSORS.encode("leads:score", 5, 9)

    refused(lambda: CURSORS.decode(cursor, LEADS, "before"), "before")


def test_an_altered_payload_is_refused():
    body, signature = CURSORS.encode(LEADS, 5, 9).split(".")
    altered = _unb64(body).replace(b"9]", b"8]")

    refused(lambda: CURSORS.decode(f"{_b64(altered)}.{signature}", LEADS, "after"))


def test_an_altered_signature_is_refused():
    body, signature = CURSORS.encode(LEADS, 5, 9).split(".")
    flipped = bytes([_unb64(signature)[0] ^ 1]) + _unb64(signature)[1:]

    refused(lambda: CURSORS.decode(f"{body}.{_b64(flipped)}", LEADS, "after"))


@pytest.mark.parametrize(
    "cursor",
    ["", "abc", "a.b.c", "!!!.???", "YXJyYXljb25uZWN0aW9uOjA=", "x" * (MAX_CURSOR_LENGTH + 1)],
    ids=["empty", "no dot", "two dots", "not base64", "relay offset cursor", "too long"],
)
def test_strings_this_server_did_not_issue_are_refused(cursor):
    refused(lambda: CURSORS.decode(cursor, LEADS, "after"))


@pytest.mark.parametrize("pk", [True, "9", 9.0, None], ids=repr)
def test_a_signed_cursor_whose_id_is_not_an_integer_is_refused(pk):
    cursor = CURSORS.encode(LEADS, 5, pk)

    refused(lambda: CURSORS.decode(cursor, LEADS, "after"))


def test_page_args_default_to_the_first_page_of_default_size():
    args = CURSORS.page_args(LEADS)

    assert (args.size, args.after, args.before, args.backward) == (DEFAULT_PAGE_SIZE, None, None, False)


@pytest.mark.parametrize("size", [0, 1, MAX_PAGE_SIZE])
def test_page_sizes_from_zero_to_the_maximum_are_taken(size):
    assert CURSORS.page_args(LEADS, first=size).size == size
    assert CURSORS.page_args(LEADS, last=size).size == size


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"first": MAX_PAGE_SIZE + 1}, f"'first' may be at most {MAX_PAGE_SIZE}, got {MAX_PAGE_SIZE + 1}"),
        ({"last": 1000}, f"'last' may be at most {MAX_PAGE_SIZE}, got 1000"),
        ({"first": -1}, "'first' must not be negative, got -1"),
        ({"last": -5}, "'last' must not be negative, got -5"),
        ({"first": 1, "last": 1}, "Give 'first' or 'last', not both"),
        ({"after": "nonsense"}, "'after' is not a cursor of this connection"),
        ({"before": "nonsense"}, "'before' is not a cursor of this connection"),
    ],
)
def test_page_args_refuse_what_a_client_must_fix(arguments, message):
    with pytest.raises(GraphQLError) as raised:
        CURSORS.page_args(LEADS, **arguments)

    assert raised.value.message == message
    assert raised.value.extensions == {"code": "BAD_USER_INPUT"}


def test_page_args_read_their_cursors_and_direction():
    args = CURSORS.page_args(LEADS, last=3, after=CURSORS.encode(LEADS, 1, 1), before=CURSORS.encode(LEADS, 9, 9))

    assert (args.size, args.after, args.before, args.backward) == (3, (1, 1), (9, 9), True)


ROWS = [(10, 1), (20, 2), (20, 3), (30, 4), (40, 5)]
"""(sort key, id) rows, ascending: a tie on 20 is broken by id."""


def position(row):
    return row


def page(rows, descending=False, **arguments):
    return cut(rows, CURSORS.page_args(LEADS, **arguments), position, descending=descending)


def cursor(row):
    return CURSORS.encode(LEADS, *row)


def test_cut_forwards_gives_the_first_rows_and_says_more_follow():
    first = page(ROWS, first=2)

    assert first.rows == ROWS[:2]
    assert (first.has_next_page, first.has_previous_page) == (True, False)
    assert [CURSORS.decode(c, LEADS, "after") for c in first.cursors] == ROWS[:2]


def test_cut_forwards_after_a_cursor_continues_past_ties_and_ends():
    second = page(ROWS, first=2, after=cursor(ROWS[1]))
    last = page(ROWS, first=2, after=cursor(ROWS[3]))

    assert second.rows == [(20, 3), (30, 4)]
    assert (second.has_next_page, second.has_previous_page) == (True, True)
    assert last.rows == [(40, 5)]
    assert (last.has_next_page, last.has_previous_page) == (False, True)


def test_cut_backwards_gives_the_last_rows_in_list_order():
    end = page(ROWS, last=2)

    assert end.rows == [(30, 4), (40, 5)]
    assert (end.has_next_page, end.has_previous_page) == (False, True)


def test_cut_backwards_before_a_cursor_gives_the_rows_just_before_it():
    earlier = page(ROWS, last=2, before=cursor(ROWS[3]))
    start = page(ROWS, last=5, before=cursor(ROWS[2]))

    assert earlier.rows == [(20, 2), (20, 3)]
    assert (earlier.has_next_page, earlier.has_previous_page) == (True, True)
    assert start.rows == [(10, 1), (20, 2)]
    assert (start.has_next_page, start.has_previous_page) == (True, False)


def test_cut_between_two_cursors_keeps_only_the_window():
    window = page(ROWS, first=10, after=cursor(ROWS[0]), before=cursor(ROWS[4]))

    assert window.rows == ROWS[1:4]


def test_cut_follows_a_descending_list():
    rows = ROWS[::-1]

    first = page(rows, descending=True, first=2)
    second = page(rows, descending=True, first=2, after=cursor(first.rows[-1]))

    assert first.rows == [(40, 5), (30, 4)]
    assert second.rows == [(20, 3), (20, 2)]


async def test_a_cut_page_counts_the_whole_list():
    empty = page(ROWS, first=0)

    assert empty.rows == [] and empty.has_next_page is True
    assert await empty.total_count() == len(ROWS)
    assert await page([], first=5).total_count() == 0

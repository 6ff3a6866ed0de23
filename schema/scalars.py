"""Strawberry's Date, DateTime, Decimal and Upload scalars, with descriptions that say how each is
sent and, where a specification exists, its URL. Date, DateTime and Upload parse and serialize as
Strawberry does; Decimal accepts each amount in one spelling."""

import datetime
import decimal
from dataclasses import replace
from decimal import Decimal, DecimalException

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.file_uploads import Upload
from strawberry.types.scalar import scalar

from models.validation import AMOUNT_SPELLING
from schema.strawberry_internals import DateDefinition, DateTimeDefinition, ScalarDefinition, UploadDefinition


def parse_decimal(value: object) -> Decimal | str:
    """A Decimal; the text itself when Python reads it as a finite number but it is spelt
    otherwise than AMOUNT_SPELLING allows (`"1_000"`, `" 10 "`, other scripts' digits), so that
    the mutation refuses it as INVALID_INPUT naming the field. Text that is no number at all is
    a coercion error, like a value of another type."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise StrawberryInputCoercionError(f'Value cannot represent a Decimal: "{value}". Expected a string.')
    text = value if isinstance(value, str) else str(value)
    try:
        amount = Decimal(text)
    except DecimalException:
        raise StrawberryInputCoercionError(f'Value cannot represent a Decimal: "{text}".') from None
    return text if amount.is_finite() and not AMOUNT_SPELLING.fullmatch(text) else amount


DecimalScalar: ScalarDefinition = scalar(
    name="Decimal",
    description=(
        "An exact decimal number, sent and read as a JSON string of ASCII digits with an optional '-' and a "
        'dot as decimal separator, no thousands separator and no spaces, such as "1250.50"; amounts have at '
        "most two decimal places and come with the ISO 4217 `currency` they are in."
    ),
    serialize=str,
    parse_value=parse_decimal,
)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    datetime.date: replace(
        DateDefinition,
        description='A calendar date, sent as an ISO 8601 string "YYYY-MM-DD", such as "2026-03-31": a day, '
        "not an instant, with no time zone.",
        specified_by_url="https://scalars.graphql.org/andimarek/local-date.html",
    ),
    datetime.datetime: replace(
        DateTimeDefinition,
        description="An instant, sent as an ISO 8601 (RFC 3339) string with its UTC offset, such as "
        '"2026-03-31T14:05:09.250000+00:00" (fractions of a second only when there are any). The server '
        "answers in UTC; an input without an offset is taken as UTC.",
        specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
    ),
    decimal.Decimal: DecimalScalar,
    Upload: replace(
        UploadDefinition,
        description="A file, sent as a part of a multipart/form-data request: the variable is null in `operations` "
        "and `map` names the part that holds the file.",
        specified_by_url="https://github.com/jaydenseric/graphql-multipart-request-spec",
    ),
}

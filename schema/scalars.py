"""Strawberry's Date, DateTime, Decimal and Upload scalars, parsed and serialized as Strawberry does,
with descriptions that say how each is sent and, where a specification exists, its URL."""

import datetime
import decimal
from dataclasses import replace

from strawberry.file_uploads import Upload
from strawberry.file_uploads.scalars import UploadDefinition
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition, DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

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
    decimal.Decimal: replace(
        DecimalDefinition,
        description="An exact decimal number, sent as a JSON string with a dot as decimal separator and no "
        'thousands separator, such as "1250.50". Amounts of money come with the ISO 4217 `currency` they are in.',
    ),
    Upload: replace(
        UploadDefinition,
        description="A file, sent as a part of a multipart/form-data request: the variable is null in `operations` "
        "and `map` names the part that holds the file.",
        specified_by_url="https://github.com/jaydenseric/graphql-multipart-request-spec",
    ),
}

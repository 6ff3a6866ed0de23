"""How Leadbridge sends its custom scalars, for the generated client: `Decimal` is a string
with a dot ("1250.00"), `Date` an ISO 8601 date, `DateTime` an ISO 8601 instant in UTC."""

from datetime import UTC, date, datetime
from decimal import Decimal


def parse_decimal(value: str) -> Decimal:
    return Decimal(value)


def serialize_decimal(value: Decimal) -> str:
    return format(value, "f")


def parse_date(value: str) -> date:
    return date.fromisoformat(value)


def serialize_date(value: date) -> str:
    return value.isoformat()


def parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value)


def serialize_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("a DateTime needs a time zone: Leadbridge reads instants in UTC")
    return value.astimezone(UTC).isoformat()

"""The Decimal scalar: money sent as text, each amount in one spelling."""

from decimal import Decimal, DecimalException

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.types.scalar import ScalarDefinition, scalar

from models.validation import AMOUNT_SPELLING


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
        "A decimal number, sent and read as a string of ASCII digits with an optional '-' and '.', "
        'like "1234.50"; amounts have at most two decimal places.'
    ),
    serialize=str,
    parse_value=parse_decimal,
)

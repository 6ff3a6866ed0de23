"""Checks on input values shared by every workflow; each raises DomainError naming the field."""

import re
from decimal import Decimal, InvalidOperation
from typing import Literal, overload
from urllib.parse import urlsplit

from models.errors import DomainError, ErrorCode
from models.user import normalize_email

ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN
    ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
    JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU
    MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD
    RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY
    TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD
    XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL""".split()
)
MAX_AMOUNT = Decimal("9999999999999999.99")
AMOUNT_SPELLING = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", re.ASCII)
"""How an amount is written: ASCII digits, an optional minus sign, decimal point and exponent.
Python's Decimal also reads spaces, underscores and other scripts' digits; those are refused,
so that each amount has one spelling."""


@overload
def clean_text(value: str | None, field: list[str], *, max_length: int, required: Literal[True]) -> str: ...


@overload
def clean_text(value: str | None, field: list[str], *, max_length: int, required: bool = False) -> str | None: ...


def clean_text(value: str | None, field: list[str], *, max_length: int, required: bool = False) -> str | None:
    """Trimmed text; None for an absent optional value, INVALID_INPUT when empty but required
    or longer than the column allows."""
    if value is None:
        if required:
            raise DomainError(ErrorCode.INVALID_INPUT, f"{field[-1]} is required", field)
        return None
    cleaned = value.strip()
    if not cleaned:
        if required:
            raise DomainError(ErrorCode.INVALID_INPUT, f"{field[-1]} must not be empty", field)
        return None
    if len(cleaned) > max_length:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field[-1]} may be at most {max_length} characters", field)
    return cleaned


def clean_email(value: str | None, field: list[str]) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return normalize_email(value)
    except DomainError as error:
        raise DomainError(ErrorCode.INVALID_INPUT, error.message, field) from None


def clean_currency(value: str | None, field: list[str]) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if code not in ISO_4217:
        raise DomainError(ErrorCode.INVALID_INPUT, f"'{value}' is not an ISO 4217 currency code", field)
    return code


def clean_percentage(value: int | None, field: list[str]) -> int | None:
    """A score or probability: a whole number from 0 to 100."""
    if value is not None and not 0 <= value <= 100:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field[-1]} must be between 0 and 100", field)
    return value


def clean_amount(value: Decimal | str | None, field: list[str]) -> Decimal | None:
    """A money amount, given as a Decimal or as text: not negative, at most two decimal places."""
    if value is None:
        return None
    if isinstance(value, str) and not AMOUNT_SPELLING.fullmatch(value):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"{field[-1]} must be written with ASCII digits and an optional '.', like 1234.50",
            field,
        )
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field[-1]} is not a number", field) from None
    if not amount.is_finite():
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field[-1]} is not a number", field)
    if amount < 0 or amount.is_signed():
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field[-1]} must not be negative", field)
    if amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"{field[-1]} may have at most two decimal places and 16 digits", field
        )
    return amount


WEBSITE_SCHEMES = ("http", "https")
HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.ASCII)


def clean_website(value: str | None, field: list[str]) -> str | None:
    """An http or https URL, trimmed; a bare domain (`acme.example/path`) gets `https://`.
    INVALID_INPUT for any other scheme (`javascript:`, `data:`, `ftp:`), a user name or
    password before the host, a host that is not a domain name, or more than 255 characters."""
    text = clean_text(value, field, max_length=255)
    if text is None:
        return None
    scheme, separator, _ = text.partition("://")
    if not separator:
        text = f"https://{text}"
    if (separator and scheme.lower() not in WEBSITE_SCHEMES) or len(text) > 255 or not _is_web_address(text):
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"{field[-1]} must be an http or https URL, like https://acme.example", field
        )
    return text


def _is_web_address(url: str) -> bool:
    if any(character.isspace() or not character.isprintable() for character in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return False
    labels = host.split(".")
    domain = len(labels) >= 2 and all(HOST_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()
    return "@" not in parts.netloc and (domain or _is_ipv4(labels))


def _is_ipv4(labels: list[str]) -> bool:
    return len(labels) == 4 and all(label.isdigit() and int(label) <= 255 for label in labels)

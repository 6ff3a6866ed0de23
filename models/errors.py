import dataclasses
from dataclasses import dataclass


@dataclass
class DomainError(Exception):
    """A refused domain action: a contract error code, a message and the input path it concerns.

    `records` names the records a message is about, as (type name, primary key) pairs, in
    order: the domain does not spell API IDs, so the message holds `{records}` where the API
    puts them, comma separated (resolvers/errors.py)."""

    code: str
    message: str
    field: list[str] | None = None
    records: list[tuple[str, int]] = dataclasses.field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

from dataclasses import dataclass, field


@dataclass
class DomainError(Exception):
    """A refused domain action: a contract error code, a message and the input path it concerns."""

    code: str
    message: str
    field: list[str] | None = field(default=None)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

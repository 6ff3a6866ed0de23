"""Settings, read once from the environment; command-line flags override them."""

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, overload
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "sqlite://leadbridge.db"
DEFAULT_RATE_LIMIT_CAPACITY = 1000
ENVIRONMENTS = ("development", "production")


class SettingsError(Exception):
    """A setting that cannot be used; its message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = None
    env: str = "development"
    token_ttl_hours: float = 24.0
    max_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 2000
    max_nodes: int = 50_000
    max_body_bytes: int = 1024 * 1024
    rate_limit_capacity: int | None = None
    """Points in each user's bucket; 0 turns rate limiting off; None: the default, DEFAULT_RATE_LIMIT_CAPACITY."""
    rate_limit_restore_rate: float = 50.0
    """Points restored to a bucket per second."""
    redis_url: str | None = None
    """Where the buckets live when several workers serve; in each process's memory when None."""
    redis_key_prefix: str = "leadbridge:rate-limit:"
    planned_reads: bool = True
    """Whether read operations the planner covers run on it (schema.planner); off, every operation
    runs on the generic executor. Responses are the same either way."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        environ = dict(os.environ if environ is None else environ)
        settings = cls(
            database_url=environ.get("LEADBRIDGE_DATABASE_URL") or DEFAULT_DATABASE_URL,
            secret_key=environ.get("LEADBRIDGE_SECRET_KEY") or None,
            env=environ.get("LEADBRIDGE_ENV") or "development",
            max_depth=_number(environ, "LEADBRIDGE_MAX_DEPTH", int, cls.max_depth),
            max_aliases=_number(environ, "LEADBRIDGE_MAX_ALIASES", int, cls.max_aliases),
            max_tokens=_number(environ, "LEADBRIDGE_MAX_TOKENS", int, cls.max_tokens),
            max_nodes=_number(environ, "LEADBRIDGE_MAX_NODES", int, cls.max_nodes),
            max_body_bytes=_number(environ, "LEADBRIDGE_MAX_BODY_BYTES", int, cls.max_body_bytes),
            rate_limit_capacity=_number(environ, "LEADBRIDGE_RATE_LIMIT_CAPACITY", int, None),
            rate_limit_restore_rate=_number(
                environ, "LEADBRIDGE_RATE_LIMIT_RESTORE_RATE", float, cls.rate_limit_restore_rate
            ),
            redis_url=environ.get("LEADBRIDGE_REDIS_URL") or None,
            redis_key_prefix=environ.get("LEADBRIDGE_REDIS_KEY_PREFIX") or cls.redis_key_prefix,
            planned_reads=_switch(environ, "LEADBRIDGE_PLANNED_READS", cls.planned_reads),
        )
        settings.validate()
        return settings

    def with_overrides(self, **overrides: Any) -> "Settings":
        settings = replace(self, **{k: v for k, v in overrides.items() if v is not None})
        settings.validate()
        return settings

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def graphiql_enabled(self) -> bool:
        return not self.is_production

    @property
    def dialect(self) -> str:
        return database_dialect(self.database_url)

    @property
    def effective_rate_limit_capacity(self) -> int:
        if self.rate_limit_capacity is not None:
            return self.rate_limit_capacity
        return DEFAULT_RATE_LIMIT_CAPACITY

    @property
    def rate_limit_enabled(self) -> bool:
        return self.effective_rate_limit_capacity > 0

    def validate(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise SettingsError(f"LEADBRIDGE_ENV must be one of {', '.join(ENVIRONMENTS)}, not '{self.env}'")
        database_dialect(self.database_url)
        for name in ("max_depth", "max_aliases", "max_tokens", "max_nodes", "max_body_bytes"):
            if getattr(self, name) < 1:
                raise SettingsError(f"LEADBRIDGE_{name.upper()} must be at least 1, not {getattr(self, name)}")
        if self.rate_limit_capacity is not None and self.rate_limit_capacity < 0:
            raise SettingsError(
                f"LEADBRIDGE_RATE_LIMIT_CAPACITY must be 0 (off) or more, not {self.rate_limit_capacity}"
            )
        if not self.rate_limit_restore_rate > 0:
            raise SettingsError(
                f"LEADBRIDGE_RATE_LIMIT_RESTORE_RATE must be more than 0, not {self.rate_limit_restore_rate}"
            )
        if self.redis_url is not None and urlsplit(self.redis_url).scheme not in ("redis", "rediss", "unix"):
            raise SettingsError(f"bad Redis URL '{self.redis_url}': expected redis://HOST:PORT/DB")

    def resolved_secret_key(self) -> str:
        """The signing key: the configured one, or in development one kept beside the database."""
        if self.secret_key:
            return self.secret_key
        if self.is_production:
            raise SettingsError("LEADBRIDGE_SECRET_KEY must be set when LEADBRIDGE_ENV=production")
        path = secret_key_path(self.database_url)
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        key = secrets.token_urlsafe(48)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(key, encoding="utf-8")
        return key


N = TypeVar("N", int, float)


@overload
def _number(environ: dict[str, str], name: str, kind: type[N], default: N) -> N: ...


@overload
def _number(environ: dict[str, str], name: str, kind: type[N], default: None) -> N | None: ...


def _number(environ: dict[str, str], name: str, kind: type[N], default: N | None) -> N | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {'an integer' if kind is int else 'a number'}, not '{raw}'") from None


SWITCH_VALUES = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}


def _switch(environ: dict[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in SWITCH_VALUES:
        raise SettingsError(f"{name} must be on or off, not '{environ[name].strip()}'")
    return SWITCH_VALUES[raw]


def database_dialect(url: str) -> str:
    """`sqlite` or `postgres`; SettingsError for anything else."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        if not url.startswith("sqlite://") or len(url) <= len("sqlite://"):
            raise SettingsError(f"bad database URL '{url}': expected sqlite://PATH")
        return "sqlite"
    if scheme in ("postgres", "postgresql", "asyncpg"):
        parts = urlsplit(url)
        if not parts.hostname or not parts.path.strip("/"):
            raise SettingsError(f"bad database URL '{url}': expected postgres://USER@HOST:PORT/DB")
        return "postgres"
    raise SettingsError(f"bad database URL '{url}': use sqlite://PATH or postgres://USER@HOST:PORT/DB")


def secret_key_path(database_url: str) -> Path:
    """Where a development key is kept: beside the SQLite file, else in the working directory."""
    if database_url.startswith("sqlite://"):
        database_path = database_url[len("sqlite://") :]
        if database_path and database_path != ":memory:":
            return Path(database_path + ".secret")
    return Path(".leadbridge-secret")

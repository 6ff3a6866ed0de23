"""Settings, read once from the environment; command-line flags override them."""

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "sqlite://leadbridge.db"
ENVIRONMENTS = ("development", "production")


class SettingsError(Exception):
    """A setting that cannot be used; its message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = None
    env: str = "development"
    token_ttl_hours: float = 24.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        environ = dict(os.environ if environ is None else environ)
        settings = cls(
            database_url=environ.get("LEADBRIDGE_DATABASE_URL") or DEFAULT_DATABASE_URL,
            secret_key=environ.get("LEADBRIDGE_SECRET_KEY") or None,
            env=environ.get("LEADBRIDGE_ENV") or "development",
        )
        settings.validate()
        return settings

    def with_overrides(self, **overrides: object) -> "Settings":
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

    def validate(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise SettingsError(
                f"LEADBRIDGE_ENV must be one of {', '.join(ENVIRONMENTS)}, not '{self.env}'"
            )
        database_dialect(self.database_url)

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
    raise SettingsError(
        f"bad database URL '{url}': use sqlite://PATH or postgres://USER@HOST:PORT/DB"
    )


def secret_key_path(database_url: str) -> Path:
    """Where a development key is kept: beside the SQLite file, else in the working directory."""
    if database_url.startswith("sqlite://"):
        database_path = database_url[len("sqlite://") :]
        if database_path and database_path != ":memory:":
            return Path(database_path + ".secret")
    return Path(".leadbridge-secret")

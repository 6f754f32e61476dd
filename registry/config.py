"""Every setting of the registry, read once from the environment and checked at start-up.

A bad value stops start-up with a `ConfigError` naming the variable and what is wrong, rather
than surfacing later as an obscure failure. The README lists every variable read here; the
deployment check in the tests holds docker-compose.yml to this list (`VARIABLES`).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "production")
SEARCH_ENGINES = ("embedded", "meilisearch")

# Every variable the application reads, with whether production requires it.
VARIABLES: dict[str, bool] = {
    "REGISTRY_ENV": True,
    "REGISTRY_DATA_DIR": False,
    "DATABASE_URL": True,
    "REGISTRY_SECRET_KEY": True,
    "SEARCH_ENGINE": True,
    "MEILI_URL": False,
    "MEILI_API_KEY": False,
    "MEILI_INDEX_PREFIX": False,
    # Read only by `registry search create-key` (and to refuse it as MEILI_API_KEY); never
    # give it to the running registry.
    "MEILI_MASTER_KEY": False,
    "REGISTRY_LOG_LEVEL": False,
    "REGISTRY_TRUSTED_PROXIES": False,
    "REGISTRY_MAIL_URL": False,
    "REGISTRY_MAIL_FROM": False,
    "REGISTRY_BASE_URL": False,
    "REGISTRY_DEMAND_THRESHOLD": False,
    "REGISTRY_WEBHOOK_MERGE_SECONDS": False,
    "REGISTRY_WEBHOOK_TIMEOUT": False,
    "REGISTRY_API_READS_PER_MINUTE": False,
    "REGISTRY_API_WRITES_PER_MINUTE": False,
    "REGISTRY_CONTACT_PER_DAY": False,
}
MAIL_SCHEMES = ("smtp", "smtps")
# Requests one API token may make in a minute, unless configured: generous for reading, tighter
# for writing (each write is a transaction, an audit event and a search update).
DEFAULT_API_READS_PER_MINUTE = 600
DEFAULT_API_WRITES_PER_MINUTE = 60


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    environment: str
    data_dir: Path
    database_url: str
    secret_key: str
    search_engine: str
    meili_url: str | None
    meili_api_key: str | None
    meili_index_prefix: str
    log_level: str
    # The proxies whose X-Forwarded-For / Forwarded headers say who the client is.
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # Where mail goes: an smtp:// or smtps:// URL, or None for .eml files in the data directory.
    mail_url: str | None = None
    mail_from: str = "Shared Solutions Registry <registry@localhost>"
    # The registry's public address, for links in mail and feeds (no trailing slash).
    base_url: str = "http://127.0.0.1:8000"
    # How many councils intending to adopt one solution make demand worth telling people about.
    demand_threshold: int = 3
    # How long a webhook delivery waits for more events about the same subject, to merge them.
    webhook_merge_seconds: int = 10
    # The longest a webhook call may take to connect, and then between bytes of its answer.
    webhook_timeout: int = 10
    # Requests one API token may make per minute (GET and HEAD count as reads).
    api_reads_per_minute: int = DEFAULT_API_READS_PER_MINUTE
    api_writes_per_minute: int = DEFAULT_API_WRITES_PER_MINUTE
    # Messages one person may send to solutions' contacts in 24 hours.
    contact_per_day: int = 10

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def database_kind(self) -> str:
        return "postgresql" if self.database_url.startswith("postgresql://") else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        if self.database_kind != "sqlite":
            raise ConfigError("DATABASE_URL: not a SQLite database")
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def search_dir(self) -> Path:
        return self.data_dir / "search"

    @property
    def mail_dir(self) -> Path:
        """Where messages are written as .eml files when no REGISTRY_MAIL_URL is set."""
        return self.data_dir / "mail"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        environment = env.get("REGISTRY_ENV", "development").strip().lower()
        if environment not in ENVIRONMENTS:
            raise ConfigError(
                f"REGISTRY_ENV: {environment!r} is not one of {', '.join(ENVIRONMENTS)}"
            )
        production = environment == "production"

        data_dir = Path(env.get("REGISTRY_DATA_DIR", "") or "data")
        if data_dir.exists() and not data_dir.is_dir():
            raise ConfigError(f"REGISTRY_DATA_DIR: {data_dir} exists and is not a directory")

        database_url = _database_url(env.get("DATABASE_URL", ""), data_dir, production)
        secret_key = _secret_key(env.get("REGISTRY_SECRET_KEY", ""), data_dir, production)

        search_engine = env.get("SEARCH_ENGINE", "embedded").strip().lower() or "embedded"
        if search_engine not in SEARCH_ENGINES:
            raise ConfigError(
                f"SEARCH_ENGINE: {search_engine!r} is not one of {', '.join(SEARCH_ENGINES)}"
            )
        meili_url = env.get("MEILI_URL", "").strip() or None
        meili_api_key = env.get("MEILI_API_KEY", "").strip() or None
        if meili_url is not None:
            parts = urlsplit(meili_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"MEILI_URL: {meili_url!r} is not an http(s) URL")
        if search_engine == "meilisearch":
            if meili_url is None:
                raise ConfigError("MEILI_URL: required when SEARCH_ENGINE=meilisearch")
            if meili_api_key is None:
                raise ConfigError("MEILI_API_KEY: required when SEARCH_ENGINE=meilisearch")
            master = env.get("MEILI_MASTER_KEY", "").strip()
            if master and master == meili_api_key:
                raise ConfigError(
                    "MEILI_API_KEY: this is the master key; give the registry a scoped key"
                )
        prefix = env.get("MEILI_INDEX_PREFIX", "").strip()
        if prefix and not prefix.replace("_", "").replace("-", "").isalnum():
            raise ConfigError("MEILI_INDEX_PREFIX: only letters, digits, '-' and '_' are allowed")

        log_level = env.get("REGISTRY_LOG_LEVEL", "info").strip().lower() or "info"
        if log_level not in ("debug", "info", "warning", "error"):
            raise ConfigError(f"REGISTRY_LOG_LEVEL: {log_level!r} is not a log level")

        trusted_proxies = _trusted_proxies(env.get("REGISTRY_TRUSTED_PROXIES", ""))
        mail_url = _mail_url(env.get("REGISTRY_MAIL_URL", ""))
        mail_from = _mail_from(env.get("REGISTRY_MAIL_FROM", ""))
        base_url = _base_url(env.get("REGISTRY_BASE_URL", ""))
        demand_threshold = _whole_number(
            env, "REGISTRY_DEMAND_THRESHOLD", Settings.demand_threshold, 2, 32
        )
        webhook_merge_seconds = _whole_number(
            env, "REGISTRY_WEBHOOK_MERGE_SECONDS", Settings.webhook_merge_seconds, 0, 300
        )
        webhook_timeout = _whole_number(
            env, "REGISTRY_WEBHOOK_TIMEOUT", Settings.webhook_timeout, 1, 60
        )
        reads = _whole_number(
            env, "REGISTRY_API_READS_PER_MINUTE", DEFAULT_API_READS_PER_MINUTE, 1, 1_000_000
        )
        writes = _whole_number(
            env, "REGISTRY_API_WRITES_PER_MINUTE", DEFAULT_API_WRITES_PER_MINUTE, 1, 1_000_000
        )
        contact_per_day = _whole_number(
            env, "REGISTRY_CONTACT_PER_DAY", Settings.contact_per_day, 1, 1000
        )

        return cls(
            environment=environment,
            data_dir=data_dir,
            database_url=database_url,
            secret_key=secret_key,
            search_engine=search_engine,
            meili_url=meili_url,
            meili_api_key=meili_api_key,
            meili_index_prefix=prefix,
            log_level=log_level,
            trusted_proxies=trusted_proxies,
            mail_url=mail_url,
            mail_from=mail_from,
            base_url=base_url,
            demand_threshold=demand_threshold,
            webhook_merge_seconds=webhook_merge_seconds,
            webhook_timeout=webhook_timeout,
            api_reads_per_minute=reads,
            api_writes_per_minute=writes,
            contact_per_day=contact_per_day,
        )


def _database_url(raw: str, data_dir: Path, production: bool) -> str:
    raw = raw.strip()
    if not raw:
        if production:
            raise ConfigError("DATABASE_URL: required when REGISTRY_ENV=production")
        return f"sqlite:///{data_dir / 'registry.sqlite'}"
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw.removeprefix("postgres://")
    if raw.startswith("postgresql://"):
        parts = urlsplit(raw)
        if not parts.hostname or not parts.path.strip("/"):
            raise ConfigError(
                "DATABASE_URL: a PostgreSQL URL needs a host and a database, "
                "like postgresql://user@host:5432/registry"
            )
        return raw
    if raw.startswith("sqlite:///") and len(raw) > len("sqlite:///"):
        return raw
    raise ConfigError(
        f"DATABASE_URL: {raw!r} is neither sqlite:///path/to/file nor postgresql://user@host/db"
    )


def _trusted_proxies(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or networks (`10.0.0.5, 172.16.0.0/12, fd00::/8`)."""
    networks = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"REGISTRY_TRUSTED_PROXIES: {item!r} is not an IP address or network "
                "(give addresses or CIDR networks separated by commas)"
            ) from None
    return tuple(networks)


def _mail_url(raw: str) -> str | None:
    """`smtp://user:password@host:587?starttls=true` (or `smtps://` for TLS from the start);
    empty for .eml files in the data directory."""
    raw = raw.strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in MAIL_SCHEMES or not parts.hostname:
        raise ConfigError(
            f"REGISTRY_MAIL_URL: {parts.scheme or raw!r} is not an smtp:// or smtps:// URL with "
            "a host, like smtp://user:password@mail.example.org:587?starttls=true"
        )
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ConfigError("REGISTRY_MAIL_URL: the port must be a number") from None
    for pair in filter(None, parts.query.split("&")):
        name, _, value = pair.partition("=")
        if name != "starttls" or value.lower() not in ("true", "false"):
            raise ConfigError(
                f"REGISTRY_MAIL_URL: {pair!r} is not understood; the only option is "
                "starttls=true or starttls=false"
            )
    return raw


def _mail_from(raw: str) -> str:
    from email.utils import parseaddr

    raw = raw.strip()
    if not raw:
        return Settings.mail_from
    _, address = parseaddr(raw)
    if "@" not in address or "\n" in raw or "\r" in raw:
        raise ConfigError(
            "REGISTRY_MAIL_FROM: give an address, like Registry <registry@example.org>"
        )
    return raw


def _base_url(raw: str) -> str:
    raw = raw.strip().rstrip("/")
    if not raw:
        return Settings.base_url
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError(
            f"REGISTRY_BASE_URL: {raw!r} is not the http(s) address of the registry, "
            "like https://registry.example.org"
        )
    return raw


def _whole_number(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{name}: a whole number from {low} to {high}")
    return int(raw)


def _secret_key(raw: str, data_dir: Path, production: bool) -> str:
    raw = raw.strip()
    if raw:
        if len(raw) < 32:
            raise ConfigError("REGISTRY_SECRET_KEY: must be at least 32 characters")
        return raw
    if production:
        raise ConfigError("REGISTRY_SECRET_KEY: required when REGISTRY_ENV=production")
    # Development keeps a generated key in the data directory so sessions survive restarts.
    key_file = data_dir / "secret_key"
    try:
        if key_file.exists():
            return key_file.read_text().strip()
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key
    except OSError as exc:
        raise ConfigError(f"REGISTRY_DATA_DIR: cannot keep the secret key there ({exc})") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read from the environment on first use."""
    return Settings.from_env(os.environ)

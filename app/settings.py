"""DataPilot settings: ``config/datapilot.yaml``, then ``DATAPILOT_*`` environment variables.

Long because: every section lives here beside the loading and the one-line errors.

Nested keys use ``__`` in environment variables: ``DATAPILOT_SERVER__PORT=8080`` overrides
``server.port``. ``DATAPILOT_CONFIG`` names another YAML file.
The secrets file generated at first start is written whole, then linked into place, so several
processes starting at once share one set (:func:`ensure_secrets`).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets as _secrets
from pathlib import Path
from typing import Annotated, Any, Literal, get_origin

import yaml
from cryptography.fernet import Fernet
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from app.ai_config import AiSettings
from app.connections_config import ConnectionSettings

DEFAULT_CONFIG = Path("config/datapilot.yaml")
ENV_PREFIX = "DATAPILOT_"
SECRETS_FILE = "secrets.yaml"
Role = Literal["admin", "editor", "viewer"]


class ConfigError(Exception):
    """A setting is invalid; the message is one line naming the key and the problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _list_from_env(value: Any) -> Any:
    """Lists from the environment: JSON (``["a", "b"]``) or comma-separated (``a,b``)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError("must be a JSON list or comma-separated values") from None
    return [item.strip() for item in text.split(",") if item.strip()]


# A list that an environment variable may also give as comma-separated values.
EnvList = Annotated[list[str], NoDecode]


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(5006, ge=0, le=65535)
    public_url: str | None = None
    allowed_websocket_origins: EnvList = Field(default_factory=list)
    num_threads: int = Field(4, ge=1, le=64)
    secure_cookies: bool = False
    trusted_proxies: EnvList = Field(default_factory=list)
    hsts_seconds: int = Field(31536000, ge=0)
    prefetch_pages: bool = False
    node: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")

    @field_validator("allowed_websocket_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return _list_from_env(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return value

    def is_trusted_proxy(self, address: str | None) -> bool:
        """Whether a peer may tell us the scheme and client behind it (X-Forwarded-*)."""
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(n, strict=False) for n in self.trusted_proxies)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


class StorageSettings(_Section):
    data_dir: Path = Path("data")


class DatabaseSettings(_Section):
    url: str | None = None
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value


class SecretSettings(_Section):
    secret_key: str | None = Field(None, min_length=32)
    encryption_keys: EnvList = Field(default_factory=list)

    @field_validator("encryption_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        return _list_from_env(value)

    @field_validator("encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: list[str]) -> list[str]:
        for key in value:
            try:
                Fernet(key)
            except ValueError:
                raise ValueError("each key must be a url-safe base64 Fernet key") from None
        return value


class ThrottleSettings(_Section):
    # Per account *from one address*: another address's failures never lock the owner out.
    max_failures_per_account: int = Field(5, ge=1)
    max_failures_per_address: int = Field(20, ge=1)
    window_seconds: int = Field(900, ge=1)
    lockout_seconds: int = Field(30, ge=1)


class OidcProviderSettings(_Section):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    label: str = ""
    issuer: str
    client_id: str
    client_secret: str | None = None
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])
    assume_email_verified: bool = False


class AuthSettings(_Section):
    session_lifetime_minutes: int = Field(720, ge=1)
    access_token_minutes: int = Field(15, ge=1)
    refresh_token_days: int = Field(30, ge=1)
    allow_registration: bool = True
    min_password_length: int = Field(10, ge=8)
    min_password_score: int = Field(3, ge=0, le=4)
    login_throttle: ThrottleSettings = Field(default_factory=ThrottleSettings)
    oidc_providers: list[OidcProviderSettings] = Field(default_factory=list)


class UploadSettings(_Section):
    max_file_mb: int = Field(1024, ge=1)
    tenant_quota_mb: int = Field(10240, ge=1)
    ingest_workers: int = Field(4, ge=1, le=16)
    per_tenant_ingests: int = Field(1, ge=1, le=16)


class ProcessSettings(_Section):
    """Several server processes over one store and data directory: each process leases what it
    works on (an upload, an ingest, a query or ingest slot of a tenant) and renews the lease while
    it lives; another process takes over or cleans up only what a lease no longer covers."""

    lease_seconds: Annotated[float, Field(gt=0)] = 30.0
    heartbeat_seconds: Annotated[float, Field(gt=0)] = 5.0
    folder_grace_seconds: Annotated[float, Field(ge=0)] = 60.0

    @model_validator(mode="after")
    def _beats_within_the_lease(self) -> ProcessSettings:
        if self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError("heartbeat_seconds must be shorter than lease_seconds")
        return self


class ModelSettings(_Section):
    keep_versions: int = Field(20, ge=1, le=1000)


class IngestSettings(_Section):
    """Bounds on one ingest (see ``pipelines.ingest.IngestOptions``); 0 means no limit."""

    # Annotated constraints with plain defaults keep the section constructible under mypy.
    max_columns: Annotated[int, Field(ge=0)] = 2000
    max_cells: Annotated[int, Field(ge=0)] = 50_000_000
    max_expansion_ratio: Annotated[float, Field(ge=0)] = 100.0
    memory_limit_mb: Annotated[int, Field(ge=0)] = 1024
    threads: Annotated[int, Field(ge=0, le=64)] = 2
    timeout_seconds: Annotated[int, Field(ge=0)] = 1800


class SqlSettings(_Section):
    """The SQL workbench: result limits, the per-workspace sandbox and query history."""

    display_limit: int = Field(10_000, ge=1, le=1_000_000)
    display_max_mb: int = Field(50, ge=1)
    download_max_rows: int = Field(1_000_000, ge=1)
    download_max_mb: int = Field(1024, ge=1)
    value_max_mb: int = Field(16, ge=1)
    csv_neutralise_formulas: bool = True
    memory_limit_mb: int = Field(1024, ge=64)
    threads: int = Field(2, ge=1, le=64)
    timeout_seconds: float = Field(30.0, gt=0)
    per_tenant_queries: int = Field(2, ge=1, le=64)
    cache_mb: int = Field(256, ge=0)
    history_size: int = Field(50, ge=1, le=10_000)


class ProvisioningRule(_Section):
    email_domain: str
    tenant: str
    role: Role = "viewer"


class TenantSettings(_Section):
    provisioning: list[ProvisioningRule] = Field(default_factory=list)


class TemplateSettings(_Section):
    """Dashboard templates: the shipped ``config/templates`` plus an admin's own folder."""

    folder: Path | None = None


class DemoSettings(_Section):
    enabled: bool = True
    tenant: str = "demo"
    email: str = "demo@datapilot.local"
    sample_data: bool = True


class _YamlSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{self.path}: not valid YAML{_yaml_problem(exc)}") from None
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot be read ({exc.strerror})") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{self.path}: the top level must be a mapping of sections")
        return data


class Settings(BaseSettings):
    """Every DataPilot setting; ``config/datapilot.yaml`` documents each one."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid"
    )

    server: ServerSettings = Field(default_factory=ServerSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    secrets: SecretSettings = Field(default_factory=SecretSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    uploads: UploadSettings = Field(default_factory=UploadSettings)
    processes: ProcessSettings = ProcessSettings()
    model: ModelSettings = Field(default_factory=ModelSettings)
    ingest: IngestSettings = IngestSettings()
    sql: SqlSettings = Field(default_factory=SqlSettings)
    connections: ConnectionSettings = ConnectionSettings()
    tenants: TenantSettings = Field(default_factory=TenantSettings)
    demo: DemoSettings = Field(default_factory=DemoSettings)
    templates: TemplateSettings = Field(default_factory=TemplateSettings)
    ai: AiSettings = Field(default_factory=AiSettings)

    _config_path: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _YamlSource(settings_cls, cls._config_path))

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.storage.data_dir / 'datapilot.db').resolve()}"

    @property
    def is_embedded(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secret_key(self) -> str:
        assert self.secrets.secret_key, "call ensure_secrets() first"
        return self.secrets.secret_key


def load_settings(config_path: Path | str | None = None, **overrides: Any) -> Settings:
    """Read settings, raising ``ConfigError`` with one line naming the first bad key.

    Precedence: ``overrides`` (command-line options), then ``DATAPILOT_*`` environment
    variables, then the YAML file, then the defaults in this module.
    """
    named = config_path or os.environ.get("DATAPILOT_CONFIG")
    path = Path(named or DEFAULT_CONFIG)
    if named and not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    _check_environment_names()
    Settings._config_path = path
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None
    except SettingsError:
        raise ConfigError(_env_decoding_problem()) from None


def _check_environment_names() -> None:
    """Catch ``DATAPILOT_SERVER_PORT`` (one underscore), which would otherwise be ignored."""
    for name in os.environ:
        if not name.upper().startswith(ENV_PREFIX):
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        for section in Settings.model_fields:
            if rest.startswith(f"{section}_") and not rest.startswith(f"{section}__"):
                raise ConfigError(
                    f"invalid setting {name}: unknown setting "
                    f"(nested keys use two underscores, e.g. {ENV_PREFIX}SERVER__PORT)"
                )


def _env_decoding_problem() -> str:
    """Name the environment variable whose list or mapping value is not valid JSON."""
    for name, value in sorted(os.environ.items()):
        if not name.upper().startswith(ENV_PREFIX) or not _needs_json(name):
            continue
        try:
            json.loads(value)
        except ValueError:
            return f"invalid setting {name}: a list or mapping must be written as JSON"
    return "invalid setting in the environment: a list or mapping must be written as JSON"


def _needs_json(env_name: str) -> bool:
    model: Any = Settings
    field = None
    for part in env_name[len(ENV_PREFIX) :].lower().split("__"):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return False
        field = fields[part]
        model = field.annotation
    if field is None or NoDecode in field.metadata:
        return False
    return (isinstance(model, type) and issubclass(model, BaseModel)) or get_origin(model) in (
        list,
        dict,
    )


_SECRET_WORDS = ("secret", "key", "password", "token")
_URL_CREDENTIALS = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def mask_url(value: str) -> str:
    """``postgresql://user:pw@host/db`` -> ``postgresql://user:***@host/db``."""
    return _URL_CREDENTIALS.sub(r"\1***@", value)


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    parts = [str(part) for part in error["loc"]]
    key = ".".join(parts) or "settings"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown setting"
    value = error.get("input")
    shown = ""
    if error["type"] != "extra_forbidden" and not isinstance(value, dict | list):
        shown = (
            f" (got {mask_url(str(value))!r})" if isinstance(value, str) else f" (got {value!r})"
        )
    if any(word in part.lower() for part in parts for word in _SECRET_WORDS):
        shown = ""  # never echo a secret back
    return f"invalid setting {key}: {message}{shown}"


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"{where}: {problem}" if problem else where


def ensure_secrets(settings: Settings) -> Settings:
    """Fill missing secrets from ``{data_dir}/secrets.yaml``, generating it once (mode 600).

    The generated values are never printed. Secrets set in the file or the environment win.
    """
    if settings.secrets.secret_key and settings.secrets.encryption_keys:
        return settings
    data_dir = settings.storage.data_dir
    path = data_dir / SECRETS_FILE
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        stored = _read_secrets(path) if path.exists() else _write_new_secrets(path)
    except OSError as exc:
        raise ConfigError(
            f"invalid setting storage.data_dir: cannot write {path} ({exc.strerror})"
        ) from None
    if not settings.secrets.secret_key:
        settings.secrets.secret_key = stored["secret_key"]
    if not settings.secrets.encryption_keys:
        settings.secrets.encryption_keys = list(stored["encryption_keys"])
    return settings


def _write_new_secrets(path: Path) -> dict[str, Any]:
    """Generate the secrets into ``path`` unless another process got there first.

    Several processes may start at once on one data directory: the secrets are written whole to
    a file of this process's own, which is then linked to ``path`` (an atomic step that fails
    when ``path`` exists). So no process ever reads a half-written file, and the one whose link
    lost reads the winner's, and all of them use the same secrets.
    """
    stored = {
        "secret_key": _secrets.token_urlsafe(48),
        "encryption_keys": [Fernet.generate_key().decode()],
    }
    own = path.with_name(f".{path.name}.{os.getpid()}.{_secrets.token_hex(4)}")
    fd = os.open(own, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("# Generated by DataPilot. Keep private; back it up with the data.\n")
            yaml.safe_dump(stored, handle)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(own, path)
        except FileExistsError:  # another process generated them first: use theirs
            return _read_secrets(path)
        except OSError:  # a file system without hard links: exclusive create, then write
            return _write_in_place(path, stored)
    finally:
        own.unlink(missing_ok=True)
    return stored


def _write_in_place(path: Path, stored: dict[str, Any]) -> dict[str, Any]:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secrets(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Generated by DataPilot. Keep private; back it up with the data.\n")
        yaml.safe_dump(stored, handle)
    return stored


def _read_secrets(path: Path) -> dict[str, Any]:
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # only the server's user may read it
    try:
        stored = yaml.safe_load(path.read_text(encoding="utf-8"))
        SecretSettings.model_validate(stored)
        if not stored.get("secret_key") or not stored.get("encryption_keys"):
            raise ValueError
    except (yaml.YAMLError, ValidationError, ValueError, AttributeError):
        raise ConfigError(
            f"{path} is damaged: it needs secret_key and encryption_keys "
            "(restore it from a backup; deleting it signs everyone out and makes stored "
            "API keys unreadable)"
        ) from None
    return stored

"""Settings: YAML file, DATAPILOT_* overrides, one-line errors, generated secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

from app.settings import (
    DEFAULT_CONFIG,
    ConfigError,
    ServerSettings,
    Settings,
    ensure_secrets,
    load_settings,
)
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees only the DATAPILOT_* variables it sets itself."""
    for name in list(os.environ):
        if name.startswith("DATAPILOT_"):
            monkeypatch.delenv(name)


def _config(tmp_path: Path, settings: dict[str, object] | str) -> Path:
    path = tmp_path / "datapilot.yaml"
    path.write_text(settings if isinstance(settings, str) else yaml.safe_dump(settings))
    return path


# -- sources and precedence ----------------------------------------------------------------------
def test_values_come_from_the_yaml_file(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path, {"server": {"port": 6100, "host": "0.0.0.0"}}))
    assert (settings.server.port, settings.server.host) == (6100, "0.0.0.0")


def test_environment_variable_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAPILOT_SERVER__PORT", "7000")
    settings = load_settings(_config(tmp_path, {"server": {"port": 6100, "host": "0.0.0.0"}}))
    assert settings.server.port == 7000
    assert settings.server.host == "0.0.0.0"  # the rest of the section still comes from the file


def test_command_line_option_wins_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAPILOT_SERVER__PORT", "7000")
    settings = load_settings(_config(tmp_path, {}), server={"port": 7100})
    assert settings.server.port == 7100


def test_datapilot_config_variable_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAPILOT_CONFIG", str(_config(tmp_path, {"server": {"port": 6200}})))
    assert load_settings().server.port == 6200


def test_a_named_config_file_that_does_not_exist_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAPILOT_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match=r"missing\.yaml does not exist"):
        load_settings()


def test_encryption_keys_from_the_environment_may_be_comma_separated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("DATAPILOT_SECRETS__ENCRYPTION_KEYS", f"{new},{old}")
    assert load_settings(_config(tmp_path, {})).secrets.encryption_keys == [new, old]


def test_a_list_from_the_environment_may_be_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAPILOT_SERVER__ALLOWED_WEBSOCKET_ORIGINS", '["bi.example.com:443"]')
    settings = load_settings(_config(tmp_path, {}))
    assert settings.server.allowed_websocket_origins == ["bi.example.com:443"]


def test_oidc_providers_from_the_environment_are_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "DATAPILOT_AUTH__OIDC_PROVIDERS",
        '[{"name": "corp", "issuer": "http://127.0.0.1:9/", "client_id": "dp"}]',
    )
    (provider,) = load_settings(_config(tmp_path, {})).auth.oidc_providers
    assert (provider.name, provider.client_id) == ("corp", "dp")


def test_datapilot_yaml_documents_every_setting_with_its_default() -> None:
    Settings._config_path = None
    defaults = Settings().model_dump(mode="json")
    documented = yaml.safe_load((ROOT / DEFAULT_CONFIG).read_text())
    assert documented == defaults


# -- one-line errors -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "env", "message"),
    [
        ({"server": {"port": "abc"}}, {}, "invalid setting server.port: Input should be a valid"),
        (
            {},
            {"DATAPILOT_SERVER__PORT": "-1"},
            "server.port: Input should be greater than or equal",
        ),
        ({"server": {"prot": 1}}, {}, "invalid setting server.prot: unknown setting"),
        ({"sever": {"port": 1}}, {}, "invalid setting sever: unknown setting"),
        ({}, {"DATAPILOT_SERVER_PORT": "7000"}, "invalid setting DATAPILOT_SERVER_PORT"),
        (
            {"database": {"url": "mysql://db/x"}},
            {},
            "invalid setting database.url: must be a sqlite:/// or postgresql+psycopg:// URL",
        ),
        (
            {"secrets": {"encryption_keys": ["not-a-fernet-key"]}},
            {},
            "invalid setting secrets.encryption_keys: each key must be a url-safe base64",
        ),
        (
            {},
            {"DATAPILOT_AUTH__OIDC_PROVIDERS": "corp"},
            "invalid setting DATAPILOT_AUTH__OIDC_PROVIDERS: a list or mapping must be written as"
            " JSON",
        ),
        ("server:\n  port: [5006\n", {}, "not valid YAML at line 3"),
    ],
    ids=[
        "port-abc",
        "port-negative",
        "unknown-key",
        "unknown-section",
        "env-one-underscore",
        "database-url",
        "fernet-key",
        "env-not-json",
        "yaml-syntax",
    ],
)
def test_an_invalid_value_stops_serve_with_one_line_naming_the_key(
    tmp_path: Path, settings: dict[str, object] | str, env: dict[str, str], message: str
) -> None:
    result = _serve(_config(tmp_path, settings), env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("datapilot: ")
    assert message in result.stderr
    assert "running on" not in result.stdout


@pytest.mark.parametrize(
    ("settings", "env", "secret"),
    [
        ({}, {"DATAPILOT_SECRETS__SECRET_KEY": "hunter2-too-short"}, "hunter2-too-short"),
        ({"secrets": {"encryption_keys": ["hunter2-not-fernet"]}}, {}, "hunter2-not-fernet"),
        ({}, {"DATAPILOT_DATABASE__URL": "mysql://admin:hunter2pw@db/x"}, "hunter2pw"),
        (
            {
                "auth": {
                    "oidc_providers": [
                        {"name": "corp", "issuer": "x", "client_id": "dp", "client_secret": 4242424}
                    ]
                }
            },
            {},
            "4242424",
        ),
    ],
    ids=["secret-key", "fernet-key", "database-password", "oidc-client-secret"],
)
def test_an_invalid_secret_is_never_echoed_back(
    tmp_path: Path, settings: dict[str, object], env: dict[str, str], secret: str
) -> None:
    result = _serve(_config(tmp_path, settings), env)
    assert result.returncode == 2
    assert "invalid setting" in result.stderr
    assert secret not in result.stderr + result.stdout


def _serve(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATAPILOT_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "--config", str(config), "serve"],
        cwd=config.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


# -- generated secrets ---------------------------------------------------------------------------
def _settings(tmp_path: Path) -> Settings:
    return load_settings(_config(tmp_path, {"storage": {"data_dir": str(tmp_path / "data")}}))


def test_missing_secrets_are_generated_into_the_data_dir_with_mode_600(tmp_path: Path) -> None:
    settings = ensure_secrets(_settings(tmp_path))
    path = tmp_path / "data" / "secrets.yaml"
    assert path.stat().st_mode & 0o777 == 0o600
    stored = yaml.safe_load(path.read_text())
    assert stored["secret_key"] == settings.secret_key
    assert len(settings.secret_key) >= 32
    assert stored["encryption_keys"] == settings.secrets.encryption_keys
    Fernet(settings.secrets.encryption_keys[0])  # a usable key


def test_generated_secrets_are_reused_on_the_next_start(tmp_path: Path) -> None:
    first = ensure_secrets(_settings(tmp_path))
    second = ensure_secrets(_settings(tmp_path))
    assert second.secret_key == first.secret_key
    assert second.secrets.encryption_keys == first.secrets.encryption_keys


def test_configured_secrets_are_used_and_nothing_is_generated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("DATAPILOT_SECRETS__SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATAPILOT_SECRETS__ENCRYPTION_KEYS", key)
    settings = ensure_secrets(_settings(tmp_path))
    assert (settings.secret_key, settings.secrets.encryption_keys) == ("x" * 40, [key])
    assert not (tmp_path / "data" / "secrets.yaml").exists()


def test_a_readable_secrets_file_is_made_private_again(tmp_path: Path) -> None:
    ensure_secrets(_settings(tmp_path))
    path = tmp_path / "data" / "secrets.yaml"
    path.chmod(0o644)
    ensure_secrets(_settings(tmp_path))
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_damaged_secrets_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secrets.yaml").write_text("secret_key: abc\n")
    with pytest.raises(ConfigError, match=r"secrets\.yaml is damaged") as caught:
        ensure_secrets(_settings(tmp_path))
    assert "abc" not in str(caught.value)


def test_an_unwritable_data_dir_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the data directory should be")
    with pytest.raises(ConfigError, match=r"storage\.data_dir: cannot write"):
        ensure_secrets(_settings(tmp_path))


def test_trusted_proxies_take_addresses_and_networks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAPILOT_SERVER__TRUSTED_PROXIES", "127.0.0.1,10.0.0.0/8")
    server = load_settings(_config(tmp_path, {})).server
    assert server.trusted_proxies == ["127.0.0.1", "10.0.0.0/8"]
    assert server.is_trusted_proxy("10.2.3.4") and server.is_trusted_proxy("127.0.0.1")
    assert not server.is_trusted_proxy("192.0.2.1") and not server.is_trusted_proxy("unknown")
    assert not ServerSettings().is_trusted_proxy("127.0.0.1")  # by default: trust no one


def test_a_trusted_proxy_that_is_not_an_address_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"server\.trusted_proxies.*not an IP address"):
        load_settings(_config(tmp_path, {"server": {"trusted_proxies": ["proxy.local"]}}))

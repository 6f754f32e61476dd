"""Settings: defaults that need no set-up, and bad values that stop start-up by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.config import ConfigError, Settings
from tests.clients import run_registry


def test_the_defaults_are_sqlite_in_the_data_directory_and_embedded_search(tmp_data_dir):
    settings = Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_data_dir)})
    assert settings.environment == "development"
    assert settings.database_kind == "sqlite"
    assert settings.sqlite_path == tmp_data_dir / "registry.sqlite"
    assert settings.search_engine == "embedded"
    assert len(settings.secret_key) >= 32
    # the generated development key is kept, so sessions survive a restart
    again = Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_data_dir)})
    assert again.secret_key == settings.secret_key


def test_a_postgresql_url_selects_postgresql(tmp_data_dir):
    settings = Settings.from_env(
        {"REGISTRY_DATA_DIR": str(tmp_data_dir), "DATABASE_URL": "postgres://app@db:5432/reg"}
    )
    assert settings.database_kind == "postgresql"
    assert settings.database_url == "postgresql://app@db:5432/reg"


PRODUCTION = {
    "REGISTRY_ENV": "production",
    "DATABASE_URL": "postgresql://app@db/registry",
    "REGISTRY_SECRET_KEY": "k" * 40,
}


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"REGISTRY_ENV": "staging"}, "REGISTRY_ENV"),
        ({"DATABASE_URL": "mysql://root@localhost/db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://host-only"}, "DATABASE_URL"),
        ({"SEARCH_ENGINE": "solr"}, "SEARCH_ENGINE"),
        ({"SEARCH_ENGINE": "meilisearch"}, "MEILI_URL"),
        ({"SEARCH_ENGINE": "meilisearch", "MEILI_URL": "http://meili:7700"}, "MEILI_API_KEY"),
        ({"MEILI_URL": "meili:7700"}, "MEILI_URL"),
        (
            {
                "SEARCH_ENGINE": "meilisearch",
                "MEILI_URL": "http://m:7700",
                "MEILI_API_KEY": "same",
                "MEILI_MASTER_KEY": "same",
            },
            "MEILI_API_KEY",
        ),
        ({"REGISTRY_SECRET_KEY": "short"}, "REGISTRY_SECRET_KEY"),
        ({"REGISTRY_LOG_LEVEL": "loud"}, "REGISTRY_LOG_LEVEL"),
        ({"REGISTRY_TRUSTED_PROXIES": "10.0.0.1, proxy.internal"}, "REGISTRY_TRUSTED_PROXIES"),
        ({"REGISTRY_TRUSTED_PROXIES": "10.0.0.0/33"}, "REGISTRY_TRUSTED_PROXIES"),
        ({**PRODUCTION, "DATABASE_URL": ""}, "DATABASE_URL"),
        ({**PRODUCTION, "REGISTRY_SECRET_KEY": ""}, "REGISTRY_SECRET_KEY"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_variable(tmp_data_dir, env, variable):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_data_dir), **env})
    assert str(refused.value).startswith(f"{variable}:")


def test_trusted_proxies_are_addresses_and_networks(tmp_data_dir):
    settings = Settings.from_env(
        {"REGISTRY_DATA_DIR": str(tmp_data_dir), "REGISTRY_TRUSTED_PROXIES": " 10.0.0.5,fd00::/8 "}
    )
    assert [str(network) for network in settings.trusted_proxies] == ["10.0.0.5/32", "fd00::/8"]
    assert Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_data_dir)}).trusted_proxies == ()


def test_production_needs_no_data_directory_secret(tmp_data_dir):
    settings = Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_data_dir), **PRODUCTION})
    assert settings.secret_key == "k" * 40
    assert not (tmp_data_dir / "secret_key").exists()


def test_the_command_stops_with_the_variable_named(tmp_path: Path):
    result = run_registry(
        "migrate", env={"DATABASE_URL": "oracle://x"}, data_dir=tmp_path, timeout=60
    )
    assert result.returncode == 2
    assert "Configuration error: DATABASE_URL:" in result.stderr
    assert "Traceback" not in result.stderr

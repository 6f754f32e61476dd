"""docker-compose.yml, checked by reading (there is no Docker engine to run it here) against
the settings the registry actually reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from registry.config import VARIABLES, Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
REFERENCE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)")
INTERPOLATION = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def interpolate(value: str, given: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?message}, for the values in `given`."""

    def one(match: re.Match) -> str:
        name, operator, rest = match[1], match[2], match[3]
        if given.get(name):
            return given[name]
        if operator in (":-", "-"):
            return rest
        raise AssertionError(f"{name} must be set: {rest}")

    return INTERPOLATION.sub(one, value)


pytestmark = pytest.mark.no_database


def environment(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in SERVICES[service].get("environment", {}).items()}


def dockerfile_env() -> set[str]:
    names = set()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("ENV "):
            names |= {part.split("=")[0] for part in line[4:].split() if "=" in part}
    return names


def test_the_production_shape_has_its_four_services():
    assert {"app", "worker", "postgres", "meilisearch"} <= set(SERVICES)


@pytest.mark.parametrize("service", ["app", "worker"])
def test_every_variable_a_registry_service_sets_is_one_the_registry_reads(service):
    unknown = set(environment(service)) - set(VARIABLES)
    assert unknown == set()


@pytest.mark.parametrize("service", ["app", "worker"])
def test_every_required_setting_is_set(service):
    required = {name for name, needed in VARIABLES.items() if needed}
    assert required - set(environment(service)) - dockerfile_env() == set()


@pytest.mark.parametrize("service", ["app", "worker"])
def test_the_settings_a_registry_service_gets_are_accepted(service, tmp_path):
    operator_env = {
        "POSTGRES_PASSWORD": "a-database-password",
        "REGISTRY_SECRET_KEY": "s" * 48,
        "MEILI_API_KEY": "a-scoped-key",
        "REGISTRY_BASE_URL": "https://registry.example.org",
        "REGISTRY_MAIL_URL": "smtp://registry:a-mail-password@smtp.example.org:587?starttls=true",
    }
    filled = {
        name: interpolate(value, operator_env) for name, value in environment(service).items()
    }
    settings = Settings.from_env({**filled, "REGISTRY_DATA_DIR": str(tmp_path)})
    assert settings.environment == "production"
    assert settings.base_url == "https://registry.example.org"
    assert settings.database_kind == "postgresql"
    assert settings.search_engine == "meilisearch"


def test_secrets_come_from_the_environment_never_the_file():
    for service in SERVICES.values():
        for name, value in service.get("environment", {}).items():
            if any(word in name for word in ("KEY", "PASSWORD", "SECRET")):
                assert str(value).startswith("${"), f"{name} is written into the file"


def test_every_variable_the_file_refers_to_is_in_env_example():
    text = (ROOT / "docker-compose.yml").read_text()
    example = {
        line.split("=")[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert set(REFERENCE.findall(text)) <= example


def test_meilisearch_is_pinned_to_a_release_no_older_than_1_50_with_its_data_on_a_volume():
    service = SERVICES["meilisearch"]
    match = re.fullmatch(r"getmeili/meilisearch:v(\d+)\.(\d+)\.(\d+)", service["image"])
    assert match, service["image"]
    assert (int(match[1]), int(match[2])) >= (1, 50)
    assert SERVICES["app"]["depends_on"]["meilisearch"]["condition"] == "service_healthy"
    assert any(v.endswith(":/meili_data") for v in service["volumes"])
    assert service["environment"]["MEILI_ENV"] == "production"


def test_postgres_keeps_its_data_on_a_volume_and_every_server_has_a_health_check():
    assert any("/var/lib/postgresql/data" in v for v in SERVICES["postgres"]["volumes"])
    for name in ("app", "postgres", "meilisearch"):
        assert SERVICES[name]["healthcheck"]["test"]


def test_the_app_migrates_on_start_and_serves_with_several_workers_and_the_worker_drains():
    command = SERVICES["app"]["command"]
    assert command.index("registry migrate") < command.index("registry serve")
    workers = re.search(r"--workers (\d+)", command)
    assert workers
    assert int(workers[1]) > 1
    assert SERVICES["worker"]["command"] == "registry worker"
    assert SERVICES["app"]["depends_on"]["postgres"]["condition"] == "service_healthy"

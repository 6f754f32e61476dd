"""The mail settings: a bad value stops start-up with a message naming the variable."""

from __future__ import annotations

import pytest

from registry.config import ConfigError, Settings

pytestmark = pytest.mark.no_database


def settings(tmp_path, **env) -> Settings:
    return Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_path), **env})


def test_the_defaults_write_mail_as_files_in_the_data_directory(tmp_path):
    s = settings(tmp_path)
    assert s.mail_url is None
    assert s.mail_dir == tmp_path / "mail"
    assert s.demand_threshold == 3
    assert s.base_url == "http://127.0.0.1:8000"


def test_an_smtp_url_with_starttls_is_taken(tmp_path):
    url = "smtp://user:p%40ss@mail.example.org:587?starttls=true"
    assert settings(tmp_path, REGISTRY_MAIL_URL=url).mail_url == url


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REGISTRY_MAIL_URL", "http://mail.example.org"),
        ("REGISTRY_MAIL_URL", "smtp://mail.example.org:x"),
        ("REGISTRY_MAIL_URL", "smtp://mail.example.org:587?tls=yes"),
        ("REGISTRY_MAIL_FROM", "not an address"),
        ("REGISTRY_BASE_URL", "registry.example.org"),
        ("REGISTRY_DEMAND_THRESHOLD", "1"),
        ("REGISTRY_DEMAND_THRESHOLD", "three"),
    ],
)
def test_a_bad_mail_setting_names_its_variable(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        settings(tmp_path, **{name: value})

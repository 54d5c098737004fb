import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from volunteer_hub.env import env_bool, env_int, parse_database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "url",
    [
        "nonsense",
        "mysql://root@127.0.0.1/db",
        "postgres://postgres@127.0.0.1:notaport/db",
        "postgres://postgres@127.0.0.1:5432/",
        "postgres://",
    ],
)
def test_it_rejects_a_malformed_database_url(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        parse_database_url("DATABASE_URL", url)


def test_it_accepts_a_postgres_url():
    config = parse_database_url("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/volunteer_hub")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "volunteer_hub"
    assert config["PORT"] == 5432


def test_settings_refuse_to_start_with_a_malformed_database_url():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:notaport/db"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DATABASE_URL has a port that is not a number" in result.stderr


def test_settings_refuse_production_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY"}}
    env["DEBUG"] = "0"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_typed_readers_fail_loudly(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "-5")
    with pytest.raises(ImproperlyConfigured, match="at least"):
        env_int("X_NUM", 1, minimum=0)

"""Settings come from the environment; malformed values stop startup with the variable's name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from disclosure_site.env import env_bool, env_int, env_list, parse_cache_url, parse_database_url, parse_email_url

ROOT = Path(__file__).resolve().parents[2]


def test_postgres_url_becomes_database_settings():
    config = parse_database_url("postgres://gk:p%40ss@db.internal:5433/disclosure")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "disclosure",
        "gk",
        "p@ss",
        "db.internal",
        "5433",
    )


def test_sqlite_url_names_the_file():
    assert parse_database_url("sqlite:////srv/gk/db.sqlite3")["NAME"] == "/srv/gk/db.sqlite3"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mysql://root@localhost/gk", "must start with one of"),
        ("postgres://localhost", "must name one database"),
        ("postgres://user@host:notaport/gk", "invalid port"),
        ("sqlite://", "names no SQLite file"),
    ],
)
def test_malformed_database_url_names_the_variable(value, message):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL") as error:
        parse_database_url(value)
    assert message in str(error.value)


def test_cache_url_selects_redis_or_local_memory():
    assert parse_cache_url("redis://127.0.0.1:6379/2")["BACKEND"].endswith("RedisCache")
    assert parse_cache_url("locmem://")["BACKEND"].endswith("LocMemCache")
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        parse_cache_url("memcached://127.0.0.1")
    with pytest.raises(ImproperlyConfigured, match="database must be a number"):
        parse_cache_url("redis://127.0.0.1:6379/cache")


def test_email_url_configures_smtp_with_starttls():
    config = parse_email_url("smtp+tls://gk%40example.gov.cn:secret@smtp.example.gov.cn")
    assert config["EMAIL_HOST"] == "smtp.example.gov.cn"
    assert config["EMAIL_PORT"] == 587
    assert config["EMAIL_HOST_USER"] == "gk@example.gov.cn"
    assert config["EMAIL_USE_TLS"] is True
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        parse_email_url("smtp://")


def test_booleans_integers_and_lists_reject_nonsense():
    assert env_bool("DEBUG", False, {"DEBUG": "yes"}) is True
    assert env_bool("DEBUG", True, {"DEBUG": "0"}) is False
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG", False, {"DEBUG": "maybe"})
    with pytest.raises(ImproperlyConfigured, match="SECURE_HSTS_SECONDS"):
        env_int("SECURE_HSTS_SECONDS", 0, {"SECURE_HSTS_SECONDS": "one year"})
    assert env_list("ALLOWED_HOSTS", [], {"ALLOWED_HOSTS": "gk.example.gov.cn, www.example.gov.cn"}) == [
        "gk.example.gov.cn",
        "www.example.gov.cn",
    ]
    with pytest.raises(ImproperlyConfigured, match="empty entry"):
        env_list("ALLOWED_HOSTS", [], {"ALLOWED_HOSTS": "a.gov.cn,,b.gov.cn"})


def _manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG"}}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "disclosure_site.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-for-the-deploy-check-" + "x7Qp2mZr9vLw4tYh8sBn6dJf1gKc5aEu",
    "ALLOWED_HOSTS": "gk.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://gk.example.gov.cn",
}


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_migration_check_runs_without_production_settings():
    result = _manage("makemigrations", "--check", "--dry-run", DEBUG="0")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_malformed_variable_stops_startup_with_its_name():
    result = _manage("check", **{**PRODUCTION, "DATABASE_URL": "mysql://root@localhost/gk"})
    assert result.returncode != 0
    assert "DATABASE_URL='mysql://root@localhost/gk' must start with one of" in result.stderr


def test_deploy_check_is_clean_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_ssl_redirect_can_be_left_to_the_proxy():
    code = "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT, settings.SECURE_PROXY_SSL_HEADER)"
    result = _manage("shell", "-c", code, **PRODUCTION, SECURE_SSL_REDIRECT="0", SECURE_PROXY_SSL_HEADER="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False ('HTTP_X_FORWARDED_PROTO', 'https')"

"""Read settings from the environment.

Every helper raises ImproperlyConfigured naming the variable when its value is
malformed, so a typo in a deployment fails at startup instead of at the first
request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    source = os.environ if environ is None else environ
    value = source.get(name)
    return None if value is None else value.strip()


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name}={value!r} is not a boolean; use 1/0, true/false, yes/no or on/off."
    )


def env_int(name: str, default: int, environ: Mapping[str, str] | None = None) -> int:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} is not an integer.") from None


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    items = [part.strip() for part in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} has an empty entry; separate values with single commas."
        )
    return items


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None or value == "" else value


def _split_url(name: str, value: str, schemes: set[str]):
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        expected = ", ".join(sorted(f"{s}://" for s in schemes))
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} must start with one of {expected}.")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} has an invalid port.") from None
    return parts, port


def parse_database_url(value: str, name: str = "DATABASE_URL") -> dict:
    """postgres://USER[:PASSWORD]@HOST[:PORT]/NAME, or sqlite:////ABSOLUTE/PATH (sqlite:///RELATIVE/PATH)."""
    parts, port = _split_url(name, value, {"postgres", "postgresql", "sqlite"})
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:])
        if not path or path.endswith("/"):
            raise ImproperlyConfigured(f"Environment variable {name}={value!r} names no SQLite file.")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    db_name = unquote(parts.path.lstrip("/"))
    if not db_name or "/" in db_name:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} must name one database after the host.")
    if not parts.hostname:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} names no host.")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    config = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": db_name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname,
        "PORT": str(port or ""),
        "CONN_MAX_AGE": int(options.pop("conn_max_age", 60)),
        "CONN_HEALTH_CHECKS": True,
    }
    if options:
        config["OPTIONS"] = options
    return config


def parse_cache_url(value: str, name: str = "CACHE_URL") -> dict:
    """redis://HOST:PORT/DB (several app servers share it), locmem:// or dummy://.

    Redis goes through disclosure_site.cache_backends.FailSafeRedisCache: when Redis is down the site
    keeps serving, uncached. redis-py reads socket_timeout / socket_connect_timeout (seconds) from the
    URL's query, e.g. redis://cache:6379/0?socket_timeout=2, over the backend's short defaults.
    """
    parts, _port = _split_url(name, value, {"redis", "rediss", "locmem", "dummy"})
    if parts.scheme in {"redis", "rediss"}:
        if not parts.hostname:
            raise ImproperlyConfigured(f"Environment variable {name}={value!r} names no Redis host.")
        db = parts.path.lstrip("/")
        if db and not db.isdigit():
            raise ImproperlyConfigured(f"Environment variable {name}={value!r}: the Redis database must be a number.")
        return {
            "BACKEND": "disclosure_site.cache_backends.FailSafeRedisCache",
            "LOCATION": value,
            "KEY_PREFIX": "disclosure",
        }
    if parts.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": parts.netloc or "default"}


def parse_email_url(value: str, name: str = "EMAIL_URL") -> dict:
    """smtp://USER:PASSWORD@HOST:PORT (smtp+tls:// for STARTTLS, smtps:// for implicit TLS) or console://."""
    parts, port = _split_url(name, value, {"smtp", "smtp+tls", "smtps", "console", "locmem"})
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if not parts.hostname:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} names no SMTP host.")
    default_port = {"smtp": 25, "smtp+tls": 587, "smtps": 465}[parts.scheme]
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or default_port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parts.scheme == "smtps",
    }


def env_path(name: str, default: Path, environ: Mapping[str, str] | None = None) -> Path:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    path = Path(value)
    if not path.is_absolute():
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} must be an absolute path.")
    return path

"""Typed readers for environment variables that fail loudly on bad values."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_dict(name: str, default: dict[str, str]) -> dict[str, str]:
    """'a=1,b=2' → {'a': '1', 'b': '2'}; an item without '=' is refused."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    result = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name}: {item!r} is not NAME=VALUE.")
        result[key.strip()] = value.strip()
    return result


_DB_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}


def parse_database_url(name: str, url: str) -> dict[str, Any]:
    """Parse a database URL, refusing anything that is not a usable PostgreSQL or SQLite URL."""
    parts = urlsplit(url)
    if parts.scheme not in _DB_SCHEMES:
        raise ImproperlyConfigured(
            f"{name} must look like postgres://USER@HOST:PORT/NAME (or sqlite:///PATH); "
            f"got scheme {parts.scheme or '(none)'!r}."
        )
    if parts.scheme != "sqlite":
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name} has a port that is not a number.") from None
        if not parts.hostname and not parts.path.strip("/"):
            raise ImproperlyConfigured(f"{name} names no host and no database.")
        if not parts.path.strip("/"):
            raise ImproperlyConfigured(f"{name} names no database (…/NAME at the end).")
        if port is not None and not 0 < port < 65536:
            raise ImproperlyConfigured(f"{name} has an impossible port {port}.")
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is malformed: {exc}") from None
    return config


def check_redis_url(name: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ImproperlyConfigured(f"{name} must look like redis://HOST:PORT/DB; got {url!r}.")
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number.") from None
    return url

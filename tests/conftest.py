"""Shared fixtures: users in each role, a small real slice of the practice hierarchy, and gates
for tests that need PostgreSQL, Redis or a live Celery worker (they fail instead of skipping when
REQUIRE_SERVICES=1, as in CI)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings

from tests.factories import UserFactory, load_tree


def require_service(available: bool, what: str) -> None:
    if available:
        return
    if settings.REQUIRE_SERVICES:
        pytest.fail(f"{what} is required here (REQUIRE_SERVICES=1) but not configured")
    pytest.skip(f"needs {what}")


def pytest_configure(config: pytest.Config) -> None:
    # Factories hash a password for every user; the production hasher is slow on purpose and
    # nothing here tests hashing strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser journeys run last, together: Playwright's sync API keeps an asyncio loop on the main
    thread while the (session-wide) browser is open, and Django's ORM refuses to run under one."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for every journey of the session (tests/e2e/conftest.py has the harness).
    Browsers are never downloaded: Playwright's bundled driver launches Debian's Chromium."""
    import os
    import shutil

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not shutil.which(CHROMIUM):
        require_service(False, f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop on this thread, which makes Django refuse ORM calls
    # from the test body ("async context"). Journey bodies are plain synchronous code and run
    # last, so allow it from here on, and put the setting back at the end of the session.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def postgres() -> None:
    require_service(settings.USING_POSTGRES, "PostgreSQL (DATABASE_URL)")


@pytest.fixture
def redis_broker() -> None:
    require_service(bool(settings.REDIS_URL), "Redis (REDIS_URL)")


@pytest.fixture
def live_worker(redis_broker, transactional_db):
    """A real Celery worker (solo pool, in a thread) consuming from Redis for the test's duration."""
    import celery.contrib.testing.tasks  # noqa: F401 - registers celery.ping for the ping check
    from celery.contrib.testing.worker import start_worker

    from volunteer_hub.celery import app

    app.control.purge()
    with start_worker(
        app, pool="solo", perform_ping_check=True, shutdown_timeout=30, loglevel="WARNING"
    ):
        yield app


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and cached pages must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def tree(db) -> SimpleNamespace:
    """A small slice of the real Beijing hierarchy (two districts, three streets, five communities)."""
    return load_tree()


@pytest.fixture
def federation_admin(db):
    return UserFactory(is_federation_admin=True, name="联合会管理员")


@pytest.fixture
def plain_user(db):
    return UserFactory(name="普通用户")


@pytest.fixture
def staff_factory(db):
    def make(node, **extra):
        return UserFactory(staff_node=node, name=f"{node.name}工作人员", **extra)

    return make

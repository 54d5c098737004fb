"""Helpers for the volunteers tests: valid registration data and numbers with their check digit."""

from __future__ import annotations

from datetime import date

import pytest

from volunteers.documents import check_char
from volunteers.services import register_volunteer

TODAY = date(2026, 6, 15)


def id_number(born: date, *, address: str = "110105", sequence: str = "002") -> str:
    first17 = f"{address}{born:%Y%m%d}{sequence}"
    return first17 + check_char(first17)


def birthday(born: date, years: int) -> date:
    return born.replace(year=born.year + years)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """As in tests/e2e: the browser harness reads the call report (a screenshot on failure)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Full-strength PBKDF2 costs a third of a second per test user; these tests make many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def registration_data(tree):
    """Keyword arguments for register_volunteer: an adult with a mainland ID, living in 建外街道."""

    def make(**overrides):
        data = {
            "name": "张晓明",
            "document_type": "id_card",
            "document_number": "11010519491231002X",
            "phone": "13912345678",
            "residence_node": tree.jianwai,
            "skills": ["first_aid"],
            "service_categories": ["elderly", "community"],
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def register(registration_data):
    def make(user, **overrides):
        overrides.setdefault("today", TODAY)
        return register_volunteer(user=user, **registration_data(**overrides))

    return make

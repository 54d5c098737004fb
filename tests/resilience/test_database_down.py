"""The database unreachable while requests come in: the Chinese 503 page (no stack trace, a
Retry-After), /healthz says so, and the same process serves normally once the database answers
again. "Unreachable" is the default alias pointed at a port nothing listens on, as in
tests/core/test_health.py (the shared PostgreSQL is never stopped by tests)."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory

from core.views import server_error


@pytest.fixture
def dead_database(monkeypatch, postgres):
    """Point the default alias at a closed port; `revive()` points it back."""
    port = connection.settings_dict["PORT"]
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")

    class Switch:
        @staticmethod
        def revive() -> None:
            connection.close()
            connection.settings_dict["PORT"] = port

    yield Switch
    Switch.revive()


def assert_clean_503(response) -> None:
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "服务暂时不可用" in html and "请稍等片刻后刷新页面重试" in html
    for leak in ("Traceback", "OperationalError", "psycopg", "127.0.0.1"):
        assert leak not in html


@pytest.mark.django_db(transaction=True)
def test_pages_answer_503_in_chinese_while_the_database_is_down_and_recover(
    client, tree, dead_database
):
    assert_clean_503(client.get("/stations/"))
    assert_clean_503(client.get("/stations/110105001024/orders/new/"))
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["database"].startswith("error")

    dead_database.revive()  # same process, same client: no restart
    assert client.get("/stations/").status_code == 200
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_user_gets_the_503_page_too(client, plain_user, dead_database):
    dead_database.revive()
    client.force_login(plain_user)
    connection.close()
    connection.settings_dict["PORT"] = "1"
    # The session and the user load lazily, inside the view: the middleware turns it into 503.
    assert_clean_503(client.get("/me/"))


def test_the_500_handler_turns_a_database_outage_outside_a_view_into_the_503_page():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)  # as Django calls handler500: inside the except
    assert_clean_503(response)
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500

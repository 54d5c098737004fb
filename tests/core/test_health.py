import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_healthz_reports_each_component(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["cache"] == "ok"
    assert body["broker"] == ("ok" if settings.REDIS_URL else "in-process")


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch, postgres):
    # A database *server* going away is a PostgreSQL matter: the embedded SQLite file has none.
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")  # nothing listens there
    response = client.get("/healthz")
    connection.close()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"].startswith("error")
    assert body["cache"] == "ok"


@pytest.mark.django_db
def test_healthz_reports_a_dead_broker(client, settings, redis_broker):
    from volunteer_hub.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")

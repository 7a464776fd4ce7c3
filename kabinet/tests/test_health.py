"""/healthz (liveness) and /readyz (readiness) for load balancers, systemd and Docker."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from kabinet import health


@pytest.fixture(autouse=True)
def _migrations_checked_again():
    health._migrations_applied = False
    yield
    health._migrations_applied = False


def test_it_answers_liveness_without_touching_the_database(client):
    response = client.get("/healthz")  # no django_db mark: a query would fail the test
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["kabinet.example"], SECURE_SSL_REDIRECT=True, REDIS_URL="")
def test_it_answers_a_plain_http_probe_to_the_server_address(client):
    """The probe speaks plain HTTP to 127.0.0.1:8000: no redirect, no Host check."""
    for path in ("/healthz", "/readyz"):
        response = client.get(path, HTTP_HOST="127.0.0.1:8000")
        assert response.status_code == 200, path


@pytest.mark.django_db
def test_it_is_ready_when_the_database_answers_and_migrations_are_applied(client):
    with override_settings(REDIS_URL=""):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
    assert response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_it_checks_migrations_once_per_process(client, django_assert_max_num_queries):
    with override_settings(REDIS_URL=""):
        client.get("/readyz")
        with django_assert_max_num_queries(1):  # SELECT 1, not the migration table again
            assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_it_is_not_ready_when_the_database_is_down(client):
    with (
        override_settings(REDIS_URL=""),
        mock.patch.object(health, "_check_database", side_effect=OperationalError("connection refused")),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "error", "migrations": "unknown"}}
    assert b"connection refused" not in response.content


@pytest.mark.django_db
def test_it_still_answers_liveness_when_the_database_is_down(client):
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=OperationalError):
        assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_it_is_not_ready_with_a_migration_missing(client):
    with (
        override_settings(REDIS_URL=""),
        mock.patch.object(MigrationExecutor, "migration_plan", return_value=[("billing", "0099_new", False)]),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "error"}


@pytest.mark.django_db
def test_it_is_not_ready_when_redis_is_down(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):  # nothing listens on port 1
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "error"}


@pytest.mark.django_db
def test_it_checks_redis_when_configured(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:6379/15"), mock.patch("redis.Redis.ping", return_value=True):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"

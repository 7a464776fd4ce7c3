"""The back office's own doors: its login is throttled like the portal's, and the User
admin makes staff logins only (customers' logins come through the audited services)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from kabinet.test import PASSWORD


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def office_login(client, username, password):
    return client.post(reverse("admin:login"), {"username": username, "password": password})


def test_it_throttles_the_back_office_login(en_client, personas):
    for _ in range(5):
        response = office_login(en_client, "carol", "wrong")
        assert response.status_code == 200 and "_auth_user_id" not in en_client.session
    # Locked now, even with the right password.
    response = office_login(en_client, "carol", PASSWORD)
    assert "_auth_user_id" not in en_client.session
    assert "Too many attempts" in response.content.decode()


def test_it_counts_the_portal_and_the_office_login_together(en_client, personas):
    for _ in range(5):
        en_client.post(reverse("portal:login"), {"identifier": "carol", "password": "wrong"})
    office_login(en_client, "carol", PASSWORD)
    assert "_auth_user_id" not in en_client.session


def test_it_logs_staff_in_and_forgets_earlier_failures(en_client, personas):
    for _ in range(4):
        office_login(en_client, "carol", "wrong")
    response = office_login(en_client, "carol", PASSWORD)
    assert response.status_code == 302
    assert int(en_client.session["_auth_user_id"]) == personas.carol.pk
    en_client.logout()
    en_client.cookies["django_language"] = "en"
    office_login(en_client, "carol", "wrong")
    assert office_login(en_client, "carol", PASSWORD).status_code == 302  # the counter was reset


def test_it_counts_a_customer_at_the_office_door_as_a_failure(en_client, personas):
    for _ in range(5):
        office_login(en_client, "alice@example.com", PASSWORD)
        assert "_auth_user_id" not in en_client.session
    assert "Too many attempts" in office_login(en_client, "alice@example.com", PASSWORD).content.decode()

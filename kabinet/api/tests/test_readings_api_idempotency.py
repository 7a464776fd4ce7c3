"""Idempotency-Key on POST /api/v1/readings/meters/{id}/readings: a retry is not a new reading."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from kabinet.customers.services.api_tokens import api_token_create
from kabinet.meters.models import Reading, ReadingStatus, SubmissionKey

IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
KEY = "9b1c6a52-7f0e-4c8a-b0a1-3f5e2d7c9e10"


@pytest.fixture
def alice_token(personas):
    return api_token_create(user=personas.alice, name="Phone")[1]


def post(client, meter, value, *, token=None, key=KEY, **extra):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en", **extra}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(
        f"/api/v1/readings/meters/{meter.pk}/readings", {"value": value}, content_type="application/json", **headers
    )


@time_machine.travel(IN_WINDOW, tick=False)
def test_the_same_key_twice_stores_one_reading_and_answers_the_same_receipt(client, personas, alice_token):
    first = post(client, personas.alice_cold, "12,3", token=alice_token)
    assert first.status_code == 201, first.content
    # Long after the double-click window: a phone retrying when the network came back.
    with time_machine.travel(IN_WINDOW + dt.timedelta(hours=5), tick=False):
        again = post(client, personas.alice_cold, "12,3", token=alice_token)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Reading.objects.count() == 1
    assert SubmissionKey.objects.get().reading_ids == [first.json()["id"]]


@time_machine.travel(IN_WINDOW, tick=False)
def test_without_a_key_a_later_identical_submission_is_a_new_attempt(client, personas, alice_token):
    post(client, personas.alice_cold, "12,3", token=alice_token, key="")
    with time_machine.travel(IN_WINDOW + dt.timedelta(hours=5), tick=False):
        assert post(client, personas.alice_cold, "12,3", token=alice_token, key="").status_code == 201
    assert Reading.objects.count() == 2  # the later one counts, the first is superseded
    assert not SubmissionKey.objects.exists()


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_retried_rejection_answers_the_same_rejection(client, personas, alice_token):
    first = post(client, personas.alice_cold, "-1", token=alice_token)
    again = post(client, personas.alice_cold, "-1", token=alice_token)
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()
    assert Reading.objects.get().status == ReadingStatus.REJECTED


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_key_reused_for_another_value_is_refused(client, personas, alice_token):
    post(client, personas.alice_cold, "10", token=alice_token)
    response = post(client, personas.alice_cold, "11", token=alice_token)
    assert response.status_code == 400
    assert response.json()["code"] == "key_reused"
    # ... or for another meter.
    assert post(client, personas.alice_hot, "10", token=alice_token).json()["code"] == "key_reused"
    assert list(Reading.objects.values_list("entered_value", flat=True)) == ["10"]


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_malformed_key_is_refused(client, personas, alice_token):
    response = post(client, personas.alice_cold, "10", token=alice_token, key="short")
    assert response.status_code == 400 and response.json()["code"] == "bad_key"
    assert not Reading.objects.exists()


@time_machine.travel(IN_WINDOW, tick=False)
def test_the_portal_session_with_csrf_honours_the_key_too(personas, password):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    client.force_login(personas.alice)
    client.get(reverse("portal:readings"))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert post(client, personas.alice_cold, "10").status_code == 403  # the session alone is not enough
    first = post(client, personas.alice_cold, "10", HTTP_X_CSRFTOKEN=token)
    again = post(client, personas.alice_cold, "10", HTTP_X_CSRFTOKEN=token)
    assert (first.status_code, again.status_code) == (201, 200)
    assert Reading.objects.get().source == "api"


@time_machine.travel(IN_WINDOW, tick=False)
def test_another_customer_cannot_use_a_key_to_reach_alices_meter(client, personas, alice_token):
    post(client, personas.alice_cold, "10", token=alice_token)
    bob_token = api_token_create(user=personas.bob, name="Phone")[1]
    assert post(client, personas.alice_cold, "10", token=bob_token).status_code == 404
    # Bob's own key space: the same key on his meter is his first submission.
    assert post(client, personas.bob_cold, "7", token=bob_token).status_code == 201
    assert Reading.objects.count() == 2


def test_anonymous_requests_are_refused(client, personas):
    assert post(client, personas.alice_cold, "10").status_code == 401
    assert not Reading.objects.exists()

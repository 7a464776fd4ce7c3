"""The inspector's phone pages: who may open them, recording a stop, resending it."""

import datetime as dt
import uuid
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kabinet.inspection.models import CheckStatus, ControlCheck, RouteStop, StopOutcome
from kabinet.inspection.tests.conftest import customer_reading, stop_form
from kabinet.office.roles import ROLES
from kabinet.test import png_bytes, role_logins

NOV = dt.date(2026, 11, 1)


def urls(p):
    return [
        ("get", reverse("inspection:today")),
        ("get", reverse("inspection:route", args=[p.route.pk])),
        ("post", reverse("inspection:stop", args=[p.alice_stop.pk])),
    ]


def test_it_shows_an_inspector_their_routes_and_stops(rounds, client):
    client.force_login(rounds.ivars)
    today = client.get(reverse("inspection:today"))
    assert "Rīgas iela" in today.text and "Saules iela" not in today.text

    page = client.get(reverse("inspection:route", args=[rounds.route.pk]))
    assert page.status_code == 200
    text = page.text
    assert "Rīgas iela 5-12, Daugavpils" in text and "Rīgas iela 5-14, Daugavpils" in text
    assert "CW-1001" in text and "HW-1001" in text and "CW-2001" in text
    assert 'capture="environment"' in text and 'inputmode="decimal"' in text


def test_it_hides_another_inspectors_route_and_stop(rounds, client):
    client.force_login(rounds.ivars)
    assert client.get(reverse("inspection:route", args=[rounds.inga_route.pk])).status_code == 404
    form = stop_form({rounds.alice_cold: "1"})
    assert client.post(reverse("inspection:stop", args=[rounds.inga_stop.pk]), form).status_code == 404
    assert not ControlCheck.objects.exists()


def test_it_sends_customers_to_the_staff_login_on_every_url(rounds, client):
    client.force_login(rounds.alice)
    for method, url in urls(rounds):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    assert not ControlCheck.objects.exists()


def test_it_refuses_every_other_staff_role_on_every_url(rounds, client):
    others = role_logins([role.name for role in ROLES if role.name not in ("Inspector", "Meter engineer")])
    for login in [*others.values(), rounds.mara, rounds.dave]:
        client.force_login(login)
        for method, url in urls(rounds):
            assert getattr(client, method)(url).status_code == 403, (login.username, url)
    assert not ControlCheck.objects.exists()


def test_it_stores_a_stop_sent_twice_once(rounds, client):
    """The phone's queue resends a stop whose answer got lost: the same client_uuid."""
    client.force_login(rounds.ivars)
    form = stop_form({rounds.alice_cold: "123,4", rounds.alice_hot: "45"}, key=uuid.uuid4())
    url = reverse("inspection:stop", args=[rounds.alice_stop.pk])
    first = client.post(url, form)
    again = client.post(url, form)

    assert first.status_code == again.status_code == 302
    assert first["Location"] == reverse("inspection:route", args=[rounds.route.pk]) + f"#stop-{rounds.alice_stop.pk}"
    assert sorted(ControlCheck.objects.values_list("meter__serial_number", "value")) == [
        ("CW-1001", D("123.4")),
        ("HW-1001", D("45")),
    ]
    stop = RouteStop.objects.get(pk=rounds.alice_stop.pk)
    assert stop.outcome == StopOutcome.DONE and stop.visited_at is not None
    # A second form for the same meters (another key) is refused, nothing changes.
    other = client.post(url, stop_form({rounds.alice_cold: "124"}))
    assert other.status_code == 400 and "already checked" in other.text
    assert ControlCheck.objects.count() == 2


@override_settings(INSPECTION_TOLERANCE="2")
def test_it_flags_a_control_reading_beyond_the_tolerance_and_not_one_within(rounds, client):
    customer_reading(rounds.alice_cold, NOV, "120.0")
    customer_reading(rounds.alice_hot, NOV, "40.0")
    client.force_login(rounds.ivars)
    client.post(
        reverse("inspection:stop", args=[rounds.alice_stop.pk]),
        stop_form({rounds.alice_cold: "135", rounds.alice_hot: "41,5"}),
    )
    cold = ControlCheck.objects.get(meter=rounds.alice_cold)
    hot = ControlCheck.objects.get(meter=rounds.alice_hot)
    assert (cold.status, cold.customer_value, cold.difference, cold.reasons) == (
        CheckStatus.FLAGGED,
        D("120"),
        D("15"),
        "difference",
    )
    assert (hot.status, hot.difference, hot.reasons) == (CheckStatus.OK, D("1.5"), "")


def test_it_flags_a_broken_seal_and_keeps_the_photo_private(rounds, client):
    client.force_login(rounds.ivars)
    photo = SimpleUploadedFile("IMG_0001.png", png_bytes(), content_type="image/png")
    form = stop_form(
        {rounds.bob_cold: ""}, **{f"seal_broken_{rounds.bob_cold.pk}": "1", f"photo_{rounds.bob_cold.pk}": photo}
    )
    assert client.post(reverse("inspection:stop", args=[rounds.bob_stop.pk]), form).status_code == 302
    check = ControlCheck.objects.get()
    assert (check.value, check.seal_intact, check.status, check.reasons) == (
        None,
        False,
        CheckStatus.FLAGGED,
        "seal,unreadable",
    )
    assert check.photo.name.startswith(f"inspection/{rounds.bob_cold.pk}/") and check.photo_type == "image/png"

    photo_url = reverse("admin:inspection_controlcheck_photo", args=[check.pk])
    client.force_login(rounds.mara)
    shown = client.get(photo_url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert b"".join(shown.streaming_content) == png_bytes()
    client.force_login(rounds.bob)
    assert client.get(photo_url).status_code == 302  # to the staff login


def test_it_refuses_bad_input_and_changes_nothing(rounds, client):
    client.force_login(rounds.ivars)
    url = reverse("inspection:stop", args=[rounds.alice_stop.pk])
    text_photo = SimpleUploadedFile("meter.jpg", b"#!/bin/sh\necho", content_type="image/jpeg")
    bad = client.post(
        url,
        stop_form(
            {rounds.alice_cold: "12x", rounds.alice_hot: "45"},
            **{f"photo_{rounds.alice_hot.pk}": text_photo},
        ),
    )
    assert bad.status_code == 400
    assert "is not a number" in bad.text and "not a JPEG, PNG or HEIC" in bad.text
    assert 'value="12x"' in bad.text  # what was typed comes back
    nothing = client.post(url, stop_form({rounds.alice_cold: "", rounds.alice_hot: ""}))
    assert nothing.status_code == 400 and "No access" in nothing.text
    assert not ControlCheck.objects.exists()
    assert RouteStop.objects.get(pk=rounds.alice_stop.pk).outcome == ""


def test_it_records_no_access_once(rounds, client):
    client.force_login(rounds.ivars)
    url = reverse("inspection:stop", args=[rounds.bob_stop.pk])
    for _attempt in range(2):
        assert client.post(url, stop_form({}, outcome="no_access")).status_code == 302
    stop = RouteStop.objects.get(pk=rounds.bob_stop.pk)
    assert stop.outcome == StopOutcome.NO_ACCESS
    page = client.get(reverse("inspection:route", args=[rounds.route.pk]))
    assert "No access" in page.text


@pytest.mark.parametrize("stops", [2, 12])
def test_it_shows_a_route_in_a_bounded_number_of_queries(rounds, client, django_assert_max_num_queries, stops):
    from kabinet.test import make_account, make_meter

    for n in range(stops - 2):
        account = make_account(rounds.bob_customer, f"3000{n:02d}", "Ventspils iela", "2", str(n + 1))
        make_meter(account, rounds.services["cold_water"], f"CW-9{n:03d}")
        RouteStop.objects.create(route=rounds.route, premises=account.premises, order=n + 3)
    client.force_login(rounds.ivars)
    client.post(reverse("inspection:stop", args=[rounds.alice_stop.pk]), stop_form({rounds.alice_cold: "5"}))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("inspection:route", args=[rounds.route.pk]))
    assert page.status_code == 200 and page.text.count('class="card stop"') == stops

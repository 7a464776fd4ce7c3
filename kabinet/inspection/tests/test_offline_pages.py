"""What the inspector's phone keeps for a round without signal (kabinet/inspection/offline.py
through the portal's /offline/pages/): the inspector's own routes of today and tomorrow,
nothing of another inspector's, nothing for other staff or customers."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from kabinet.inspection.models import Route, RouteStatus, RouteStop
from kabinet.inspection.tests.conftest import stop_form


def pages(client) -> list[dict]:
    response = client.get(reverse("portal:offline-pages"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    return response.json()["pages"]


def test_it_keeps_the_inspectors_routes_of_today_and_tomorrow(rounds, client):
    today = timezone.localdate()
    tomorrow = Route.objects.create(date=today + dt.timedelta(days=1), inspector=rounds.ivars, name="Saules iela")
    RouteStop.objects.create(route=tomorrow, premises=rounds.alice_second_account.premises, order=1)
    Route.objects.create(date=today + dt.timedelta(days=3), inspector=rounds.ivars, name="Later")
    Route.objects.create(date=today, inspector=rounds.ivars, name="Cancelled", status=RouteStatus.CANCELLED)
    Route.objects.create(date=today - dt.timedelta(days=1), inspector=rounds.ivars, name="Yesterday")
    client.force_login(rounds.ivars)
    fmt = "%d.%m.%Y"
    assert pages(client) == [
        # The list of routes counts every route it shows (a week ahead): 3 stops.
        {"url": "/inspection/", "title": "My routes · 3 stops, 3 left"},
        {
            "url": f"/inspection/routes/{rounds.route.pk}/",
            "title": f"{today.strftime(fmt)} · Rīgas iela · 2 stops, 2 left",
        },
        {
            "url": f"/inspection/routes/{tomorrow.pk}/",
            "title": f"{(today + dt.timedelta(days=1)).strftime(fmt)} · Saules iela · 1 stop, 1 left",
        },
    ]


def test_a_recorded_stop_changes_the_title_so_the_phone_fetches_the_route_again(rounds, client):
    client.force_login(rounds.ivars)
    before = {p["url"]: p["title"] for p in pages(client)}
    stop = reverse("inspection:stop", args=[rounds.alice_stop.pk])
    assert client.post(stop, stop_form({rounds.alice_cold: "135", rounds.alice_hot: "46"})).status_code == 302
    after = {p["url"]: p["title"] for p in pages(client)}
    route = f"/inspection/routes/{rounds.route.pk}/"
    assert before[route].endswith("2 stops, 2 left") and after[route].endswith("2 stops, 1 left")
    assert after["/inspection/"] == "My routes · 2 stops, 1 left"


def test_the_titles_are_in_the_inspectors_language(rounds, client):
    client.cookies["django_language"] = "ru"
    client.force_login(rounds.ivars)
    assert pages(client)[0]["title"] == "Мои маршруты · 2 адреса, осталось 2"


def test_another_inspector_staff_and_customers_keep_none_of_ivars_routes(rounds, client):
    client.force_login(rounds.inga)
    urls = [p["url"] for p in pages(client)]
    assert urls == ["/inspection/", f"/inspection/routes/{rounds.inga_route.pk}/"]
    client.force_login(rounds.mara)  # the meter engineer plans routes but records none
    assert pages(client) == []
    client.force_login(rounds.alice)
    assert not any(p["url"].startswith("/inspection/") for p in pages(client))


def test_a_login_that_is_no_longer_staff_keeps_nothing(rounds, client):
    rounds.ivars.is_staff = False
    rounds.ivars.save()
    client.force_login(rounds.ivars)
    assert pages(client) == []

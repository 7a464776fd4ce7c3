"""The back office: planning a route by street or building, the lists staff work from."""

import datetime as dt

from django.urls import reverse

from kabinet.inspection.models import ControlCheck, Route
from kabinet.inspection.tests.conftest import customer_reading, stop_form
from kabinet.test import role_logins


def test_it_plans_a_route_through_a_streets_premises_in_the_order_given(rounds, client):
    client.force_login(rounds.mara)
    url = reverse("admin:inspection_route_plan")
    listed = client.get(url, {"street": "Rīgas"})
    assert listed.status_code == 200
    assert "Rīgas iela 5-12" in listed.text and "Rīgas iela 5-14" in listed.text
    assert "Saules iela 14-3" not in listed.text
    assert f'value="{rounds.ivars.pk}"' in listed.text and f'value="{rounds.mara.pk}"' not in listed.text

    alice, bob = rounds.alice_account.premises, rounds.bob_account.premises
    response = client.post(
        f"{url}?street=Rīgas",
        {
            "date": "2026-12-15",
            "name": "Rīgas iela 5",
            "inspector": rounds.ivars.pk,
            f"take_{alice.pk}": "1",
            f"order_{alice.pk}": "2",
            f"take_{bob.pk}": "1",
            f"order_{bob.pk}": "1",
        },
    )
    route = Route.objects.get(name="Rīgas iela 5")
    assert response.status_code == 302
    assert (route.date, route.inspector, route.created_by) == (dt.date(2026, 12, 15), rounds.ivars, rounds.mara)
    assert list(route.stops.values_list("order", "premises")) == [(1, bob.pk), (2, alice.pk)]


def test_it_refuses_a_plan_without_an_inspector_and_changes_nothing(rounds, client):
    client.force_login(rounds.mara)
    alice = rounds.alice_account.premises
    response = client.post(
        reverse("admin:inspection_route_plan") + "?street=Rīgas",
        {"date": "2026-12-15", "name": "x", "inspector": rounds.mara.pk, f"take_{alice.pk}": "1"},
    )
    assert response.status_code == 400 and "Choose the inspector" in response.text
    assert not Route.objects.filter(name="x").exists()


def test_it_lets_only_planners_plan(rounds, client):
    for login in [rounds.ivars, *role_logins(["Operator", "Accountant"]).values()]:
        client.force_login(login)
        assert client.get(reverse("admin:inspection_route_plan")).status_code == 403


def test_it_lists_flagged_checks_for_review_in_bounded_queries(rounds, client, django_assert_max_num_queries):
    customer_reading(rounds.alice_cold, dt.date(2026, 11, 1), "120.0")
    client.force_login(rounds.ivars)
    client.post(
        reverse("inspection:stop", args=[rounds.alice_stop.pk]),
        stop_form({rounds.alice_cold: "140", rounds.alice_hot: "3"}, **{f"damaged_{rounds.alice_hot.pk}": "1"}),
    )
    client.post(reverse("inspection:stop", args=[rounds.bob_stop.pk]), stop_form({rounds.bob_cold: "7"}))
    assert ControlCheck.objects.filter(status="flagged").count() == 2
    client.force_login(rounds.mara)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("admin:inspection_controlcheck_changelist"), {"status": "flagged"})
    assert page.status_code == 200
    assert "CW-1001" in page.text and "HW-1001" in page.text and "CW-2001" not in page.text
    assert client.get(reverse("admin:inspection_route_changelist")).status_code == 200
    route_page = client.get(reverse("admin:inspection_route_change", args=[rounds.route.pk]))
    assert route_page.status_code == 200 and "Rīgas iela 5-12" in route_page.text

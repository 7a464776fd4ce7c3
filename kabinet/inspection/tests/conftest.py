"""The inspector's round: alice's and bob's premises on ivars's route for today; inga is
another inspector, mara the meter engineer who plans routes and reviews checks."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from kabinet.inspection.models import Route, RouteStop
from kabinet.meters.models import Reading, ReadingSource, ReadingStatus
from kabinet.test import PASSWORD, User, role_logins


def customer_reading(meter, period: dt.date, value: str) -> Reading:
    """A reading the customer gave in the portal, accepted."""
    return Reading.objects.create(
        meter=meter,
        period=period,
        value=Decimal(value),
        entered_value=value,
        source=ReadingSource.PORTAL,
        status=ReadingStatus.ACCEPTED,
    )


def stop_form(meter_values: dict, *, key: uuid.UUID | None = None, outcome: str = "done", **extra) -> dict:
    """The stop form as the phone posts it: value_<meter id> per meter."""
    data = {"client_uuid": str(key or uuid.uuid4()), "outcome": outcome, "note": ""}
    for meter, value in meter_values.items():
        data[f"value_{meter.pk}"] = value
    data.update(extra)
    return data


@pytest.fixture
def rounds(personas, private_media):
    p = personas
    logins = role_logins(["Inspector", "Meter engineer"])
    p.ivars = logins["Inspector"]
    p.mara = logins["Meter engineer"]
    p.inga = User.objects.create_user(username="inga", password=PASSWORD, is_staff=True)
    p.inga.groups.set(p.ivars.groups.all())
    today = timezone.localdate()
    p.route = Route.objects.create(date=today, inspector=p.ivars, name="Rīgas iela")
    p.alice_stop = RouteStop.objects.create(route=p.route, premises=p.alice_account.premises, order=1)
    p.bob_stop = RouteStop.objects.create(route=p.route, premises=p.bob_account.premises, order=2)
    p.inga_route = Route.objects.create(date=today, inspector=p.inga, name="Saules iela")
    p.inga_stop = RouteStop.objects.create(route=p.inga_route, premises=p.alice_second_account.premises, order=1)
    return p


@pytest.fixture
def client(client):
    """The test client in English (the utility's first language is Latvian)."""
    client.cookies["django_language"] = "en"
    return client

"""The answering machine's calls in the back office: the hotline and the meter engineer
find a call by the caller's number and see the account keyed, each reading given with the
door's answer, and how the call ended; other staff roles do not see the calls."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from kabinet.ivr.models import CallEnded, CallSession
from kabinet.ivr.tests.conftest import ALICE_PHONE, TwilioCall
from kabinet.test import role_logins

pytestmark = pytest.mark.django_db

LV_IN_WINDOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)


def alices_call(client, personas) -> CallSession:
    """Alice (in English) gives 123,4 for cold water, then 10 for hot water, lower than its
    previous 50: accepted, then refused."""
    personas.alice_cold.initial_reading = Decimal("120.5")
    personas.alice_cold.save()
    personas.alice_hot.initial_reading = Decimal("50")
    personas.alice_hot.save()
    call = TwilioCall(client)
    with time_machine.travel(LV_IN_WINDOW, tick=False):
        call.start()
        for keys in ("3", "100001", "123*4", "1", "10", "1"):
            call.press(keys)
    assert call.hung_up
    client.logout()
    return CallSession.objects.get()


def test_the_call_keeps_the_account_the_readings_and_how_it_ended(client, twilio, personas):
    session = alices_call(client, personas)
    assert (session.caller_phone, session.language, session.account_number, session.ended) == (
        ALICE_PHONE,
        "en",
        "100001",
        CallEnded.DONE,
    )
    given = sorted((r.meter.serial_number, r.entered_value, r.status) for r in session.readings.all())
    assert given == [("CW-1001", "123.4", "accepted"), ("HW-1001", "10", "rejected")]


def test_a_call_that_never_found_its_account_says_so(client, twilio, personas):
    call = TwilioCall(client, caller="+37120000999")
    call.start()
    call.press("3")
    for _try in range(3):
        call.press("999999")
    session = CallSession.objects.get()
    assert (session.account_number, session.ended, session.readings.count()) == ("", "account_unknown", 0)


@pytest.mark.parametrize("role", ["Operator", "Meter engineer", "Auditor"])
def test_the_hotline_finds_the_call_by_the_callers_number(client, twilio, personas, role):
    session = alices_call(client, personas)
    client.force_login(role_logins([role])[role])
    client.cookies["django_language"] = "en"
    listing = client.get(reverse("admin:ivr_callsession_changelist"), {"q": "29000001"})
    assert listing.status_code == 200
    text = listing.content.decode()
    assert ALICE_PHONE in text and "100001" in text and "all meters answered" in text
    page = client.get(reverse("admin:ivr_callsession_change", args=[session.pk])).content.decode()
    assert "CW-1001 “123.4”: Accepted" in page
    assert "HW-1001 “10”: Rejected (" in page and "lower than the previous" in page
    assert "dialogue state" not in page  # nothing staff need: the dialogue's inner state


@pytest.mark.parametrize("role", ["Accountant", "Dispatcher", "Customer service", "Inspector"])
def test_other_roles_do_not_see_the_calls(client, twilio, personas, role):
    session = alices_call(client, personas)
    client.force_login(role_logins([role])[role])
    assert client.get(reverse("admin:ivr_callsession_changelist")).status_code == 403
    assert client.get(reverse("admin:ivr_callsession_change", args=[session.pk])).status_code == 403


@pytest.mark.parametrize("who", ["anonymous", "alice"])
def test_anonymous_visitors_and_customers_are_sent_to_the_staff_login(client, twilio, personas, who):
    session = alices_call(client, personas)
    if who == "alice":
        client.force_login(personas.alice)  # the caller herself: a customer, not staff
    for url in (
        reverse("admin:ivr_callsession_changelist"),
        reverse("admin:ivr_callsession_change", args=[session.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/office/login/" in response["Location"], (who, url)

"""Staff review a flagged control check; an accepted one is billed in the next invoice
(ПП 354 п. 85), by the hand-computed figure."""

import datetime as dt
import uuid
from decimal import Decimal as D

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from kabinet.billing.models import Invoice
from kabinet.billing.tests.factories import bill_and_publish, tariff
from kabinet.inspection.models import CheckStatus, ControlCheck, Route, RouteStop
from kabinet.inspection.tests.conftest import customer_reading, stop_form
from kabinet.meters.models import Reading, ReadingSource, ReadingStatus

OCT, NOV, DEC = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def at(day: dt.datetime):
    return time_machine.travel(day, tick=False)


def check_by_phone(client, p, stop, meter, value):
    client.force_login(p.ivars)
    response = client.post(reverse("inspection:stop", args=[stop.pk]), stop_form({meter: value}, key=uuid.uuid4()))
    assert response.status_code == 302
    return ControlCheck.objects.get(stop=stop, meter=meter)


def review(client, login, check, action):
    client.force_login(login)
    return client.post(
        reverse("admin:inspection_controlcheck_changelist"),
        {"action": action, "_selected_action": [check.pk]},
        follow=True,
    )


@override_settings(INSPECTION_TOLERANCE="2")
def test_it_bills_the_accepted_control_reading_in_the_next_invoice(rounds, client):
    """Alice reported 120 m³ for November (100 in October) and was billed 20 m³. The
    inspector reads 135 on 10 December; staff accept it: the December invoice bills
    135 − 120 = 15 m³ at 1.20 = 18.00, VAT 21 % 3.78, 21.78 in all, though alice sent
    nothing for December."""
    tariff(rounds.services["cold_water"], "1.20")
    customer_reading(rounds.alice_cold, OCT, "100.0")
    customer_reading(rounds.alice_cold, NOV, "120.0")
    with at(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)):
        bill_and_publish(NOV, actor=rounds.carol)
    november = Invoice.objects.get(account=rounds.alice_account, period=NOV).lines.get(service__code="cold_water")
    assert (november.quantity, november.total) == (D("20"), D("29.04"))  # 24.00 + 5.04 VAT

    with at(dt.datetime(2026, 12, 10, 9, tzinfo=dt.UTC)):
        route = Route.objects.create(date=dt.date(2026, 12, 10), inspector=rounds.ivars, name="December")
        stop = RouteStop.objects.create(route=route, premises=rounds.alice_account.premises, order=1)
        check = check_by_phone(client, rounds, stop, rounds.alice_cold, "135,0")
    assert (check.status, check.customer_value, check.difference) == (CheckStatus.FLAGGED, D("120"), D("15"))

    with at(dt.datetime(2026, 12, 11, 9, tzinfo=dt.UTC)):
        page = review(client, rounds.mara, check, "accept")
    assert "1 control readings accepted for billing" in page.text
    check.refresh_from_db()
    reading = check.reading
    assert (check.status, check.reviewed_by) == (CheckStatus.ACCEPTED, rounds.mara)
    # Taken before December's window (27th–31st): it waits for it, like any early reading.
    assert (reading.period, reading.value, reading.source, reading.status, reading.entered_by) == (
        DEC,
        D("135"),
        ReadingSource.INSPECTOR,
        ReadingStatus.QUEUED,
        rounds.mara,
    )

    with at(dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC)):
        bill_and_publish(DEC, actor=rounds.carol)
    december = Invoice.objects.get(account=rounds.alice_account, period=DEC).lines.get(service__code="cold_water")
    assert (december.method, december.quantity, december.amount, december.vat, december.total) == (
        "metered",
        D("15"),
        D("18.00"),
        D("3.78"),
        D("21.78"),
    )
    reading.refresh_from_db()
    assert (reading.status, reading.consumption) == (ReadingStatus.ACCEPTED, D("15"))


@override_settings(INSPECTION_TOLERANCE="2")
def test_it_supersedes_the_customers_reading_of_the_same_period(rounds, client):
    """In the window: alice sent 130 on the 28th, the inspector reads 136 on the 29th."""
    customer_reading(rounds.alice_cold, NOV, "120.0")
    december = customer_reading(rounds.alice_cold, DEC, "130.0")
    with at(dt.datetime(2026, 12, 29, 9, tzinfo=dt.UTC)):
        route = Route.objects.create(date=dt.date(2026, 12, 29), inspector=rounds.ivars, name="December")
        stop = RouteStop.objects.create(route=route, premises=rounds.alice_account.premises, order=1)
        check = check_by_phone(client, rounds, stop, rounds.alice_cold, "136")
        assert check.difference == D("6")
        review(client, rounds.mara, check, "accept")
    check.refresh_from_db()
    december.refresh_from_db()
    assert december.status == ReadingStatus.SUPERSEDED
    assert (check.reading.status, check.reading.consumption, check.reading.replaces) == (
        ReadingStatus.ACCEPTED,
        D("16"),
        december,
    )


@override_settings(INSPECTION_TOLERANCE="2")
def test_after_it_the_customer_cannot_send_less_than_the_control_reading(rounds, client):
    """ПП 354 п. 85: the inspector's 136 is December's reading; alice's 131 the next day is
    refused with the reason, her 137 (the meter moved on) is taken."""
    from kabinet.meters.submission import reading_submit

    customer_reading(rounds.alice_cold, NOV, "120.0")
    customer_reading(rounds.alice_cold, DEC, "130.0")
    with at(dt.datetime(2026, 12, 29, 9, tzinfo=dt.UTC)):
        route = Route.objects.create(date=dt.date(2026, 12, 29), inspector=rounds.ivars, name="December")
        stop = RouteStop.objects.create(route=route, premises=rounds.alice_account.premises, order=1)
        review(client, rounds.mara, check_by_phone(client, rounds, stop, rounds.alice_cold, "136"), "accept")
    with at(dt.datetime(2026, 12, 30, 9, tzinfo=dt.UTC)):
        lower = reading_submit(meter=rounds.alice_cold, value="131", source=ReadingSource.PORTAL, actor=rounds.alice)
        assert (lower.status, lower.reason) == (ReadingStatus.REJECTED, "below_control")
        assert "136" in lower.reason_text
        higher = reading_submit(meter=rounds.alice_cold, value="137", source=ReadingSource.PORTAL, actor=rounds.alice)
    assert (higher.status, higher.consumption) == (ReadingStatus.ACCEPTED, D("17"))


def test_it_dismisses_a_check_and_the_customers_readings_stay(rounds, client):
    customer_reading(rounds.alice_cold, NOV, "120.0")
    check = check_by_phone(client, rounds, rounds.alice_stop, rounds.alice_cold, "140")
    assert check.status == CheckStatus.FLAGGED
    review(client, rounds.mara, check, "dismiss")
    check.refresh_from_db()
    assert (check.status, check.reading) == (CheckStatus.DISMISSED, None)
    # Reviewed once: accepting it afterwards changes nothing.
    page = review(client, rounds.mara, check, "accept")
    assert "Only checks to review" in page.text
    assert list(Reading.objects.values_list("source", flat=True)) == [ReadingSource.PORTAL]


@override_settings(INSPECTION_CONTROL_READING_BILLING="off")
def test_it_does_not_bill_control_readings_when_the_deployment_says_off(rounds, client):
    customer_reading(rounds.alice_cold, NOV, "120.0")
    check = check_by_phone(client, rounds, rounds.alice_stop, rounds.alice_cold, "140")
    page = review(client, rounds.mara, check, "accept")
    assert "not used for billing" in page.text
    check.refresh_from_db()
    assert check.status == CheckStatus.FLAGGED
    assert Reading.objects.count() == 1


def test_it_shows_the_refusal_of_the_readings_door_and_changes_nothing(rounds, client):
    """A control reading below the customer's is flagged, but the door refuses a value
    lower than the previous period's: staff see why, nothing is stored."""
    customer_reading(rounds.alice_cold, OCT, "120.0")
    check = check_by_phone(client, rounds, rounds.alice_stop, rounds.alice_cold, "110")
    page = review(client, rounds.mara, check, "accept")
    assert "refused the control reading" in page.text
    check.refresh_from_db()
    assert check.status == CheckStatus.FLAGGED
    assert Reading.objects.count() == 1


@pytest.mark.parametrize("role", ["Inspector", "Operator", "Accountant"])
def test_it_lets_only_reviewers_accept(rounds, client, role):
    from kabinet.test import role_logins

    login = rounds.ivars if role == "Inspector" else role_logins([role])[role]
    customer_reading(rounds.alice_cold, NOV, "120.0")
    check = check_by_phone(client, rounds, rounds.alice_stop, rounds.alice_cold, "140")
    review(client, login, check, "accept")
    check.refresh_from_db()
    assert check.status == CheckStatus.FLAGGED

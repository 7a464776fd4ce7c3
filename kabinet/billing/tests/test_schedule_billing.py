"""Billing on the invoice day: the beat's hourly job bills the previous month from the
profile's invoice day on, as a draft for staff or published, once."""

import datetime as dt

import pytest

from kabinet.billing.models import BillingRun, Invoice, RunStatus
from kabinet.billing.schedule import billing_on_invoice_day, scheduled_period
from kabinet.billing.services import billing_run, billing_run_cancel
from kabinet.billing.tasks import billing_on_invoice_day as task
from kabinet.billing.tests.factories import reading, tariff
from kabinet.utility.models import UtilityProfile

SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)


@pytest.fixture
def october(personas):
    """Alice and Bob read their cold water in September and October; invoice day the 10th."""
    p = personas
    tariff(p.services["cold_water"], "1.20")
    for meter, before, now in ((p.alice_cold, "100.0", "110.0"), (p.bob_cold, "7.0", "9.5")):
        reading(meter, SEP, before)
        reading(meter, OCT, now)
    profile = UtilityProfile.get()
    profile.invoice_day = 10
    profile.save()
    return p


def set_mode(mode: str) -> None:
    profile = UtilityProfile.get()
    profile.scheduled_billing = mode
    profile.save()


def test_the_period_is_the_previous_month_from_the_invoice_day_to_the_months_end():
    assert scheduled_period(dt.date(2026, 11, 9), 10) is None
    assert scheduled_period(dt.date(2026, 11, 10), 10) == OCT
    assert scheduled_period(dt.date(2026, 11, 30), 10) == OCT  # catches up after a down day
    assert scheduled_period(dt.date(2027, 1, 10), 10) == dt.date(2026, 12, 1)  # over the year's turn


def test_before_the_invoice_day_nothing_is_billed(october):
    assert billing_on_invoice_day(today=dt.date(2026, 11, 9)) is None
    assert not BillingRun.objects.exists()


def test_on_the_invoice_day_a_draft_waits_for_staff_and_a_second_tick_changes_nothing(october):
    set_mode("draft")
    run = billing_on_invoice_day(today=dt.date(2026, 11, 10))
    assert run.period == OCT and run.status == RunStatus.DRAFT and run.actor_id is None
    assert Invoice.objects.filter(run=run).count() == 2
    again = billing_on_invoice_day(today=dt.date(2026, 11, 10))
    assert again.pk == run.pk and again.status == RunStatus.DRAFT
    assert BillingRun.objects.count() == 1


def test_in_publish_mode_the_run_is_published(october):
    set_mode("publish")
    run = billing_on_invoice_day(today=dt.date(2026, 11, 12))
    assert run.status == RunStatus.PUBLISHED
    # Alice: 10 m³ × 1.20 = 12.00 + 21 % VAT 2.52 = 14.52; Bob: 2.5 m³ × 1.20 = 3.00 + 0.63 = 3.63.
    totals = sorted(Invoice.objects.filter(run=run).values_list("total", flat=True))
    assert [str(t) for t in totals] == ["3.63", "14.52"]


def test_a_run_staff_started_is_left_for_them_to_publish(october):
    set_mode("publish")
    mine = billing_run(period=OCT, actor=october.carol)
    run = billing_on_invoice_day(today=dt.date(2026, 11, 10))
    assert run.pk == mine.pk and run.status == RunStatus.DRAFT


def test_a_cancelled_run_is_not_started_again(october):
    set_mode("draft")
    run = billing_on_invoice_day(today=dt.date(2026, 11, 10))
    billing_run_cancel(run=run, actor=october.carol)
    again = billing_on_invoice_day(today=dt.date(2026, 11, 11))
    assert again.pk == run.pk and again.status == RunStatus.CANCELLED
    assert BillingRun.objects.count() == 1


def test_off_bills_nothing(october):
    set_mode("off")
    assert billing_on_invoice_day(today=dt.date(2026, 11, 10)) is None
    assert not BillingRun.objects.exists()


def test_the_task_runs_the_schedule(october, time_machine):
    set_mode("draft")
    time_machine.move_to(dt.datetime(2026, 11, 10, 9, 20, tzinfo=dt.UTC), tick=False)
    task.apply()
    assert BillingRun.objects.get().period == OCT

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.utils import translation

from kabinet.billing import estimate as estimate_module
from kabinet.billing.estimate import charge_estimate, charge_estimator
from kabinet.billing.models import Tariff
from kabinet.meters.models import Reading, ReadingFlag, ReadingSource, ReadingStatus
from kabinet.meters.receipts import receipt_context
from kabinet.meters.review import reading_correct
from kabinet.meters.submission import reading_submit, readings_apply_queued
from kabinet.notifications.models import OutboxMessage
from kabinet.test import sent_message
from kabinet.utility.models import Event

LV_IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
RU_IN_WINDOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def history(meter, *values, start=dt.date(2026, 5, 1)):
    """Current readings month by month from `start`, with consumption against the previous."""
    previous = meter.initial_reading
    period = start
    for value in values:
        Reading.objects.create(
            meter=meter,
            period=period,
            value=Decimal(value),
            consumption=Decimal(value) - previous,
            source=ReadingSource.PORTAL,
            status=ReadingStatus.ACCEPTED,
        )
        previous = Decimal(value)
        period = (period + dt.timedelta(days=32)).replace(day=1)


def submit(meter, value, user=None, **kwargs):
    kwargs.setdefault("source", ReadingSource.PORTAL)
    return reading_submit(meter=meter, value=value, actor=user, charge_estimator=charge_estimate, **kwargs)


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_accepts_a_decimal_reading_in_the_latvian_window(personas):
    reading = submit(personas.alice_cold, "123,78", personas.alice)
    assert reading.status == ReadingStatus.ACCEPTED
    assert reading.period == dt.date(2026, 11, 1)
    assert reading.value == Decimal("123.7")  # one decimal kept, the rest dropped
    assert reading.entered_value == "123,78"
    assert reading.consumption == Decimal("123.7")
    assert Event.objects.filter(kind="reading.accepted", object_id=str(reading.pk)).exists()
    mail = sent_message(kind="reading_receipt")
    assert mail.to == "alice@example.com"
    assert "CW-1001" in mail.subject


@time_machine.travel(RU_IN_WINDOW, tick=False)
def test_it_drops_the_fraction_in_the_russian_preset_and_says_so(ru_personas):
    reading = submit(ru_personas.alice_cold, "123.78", ru_personas.alice)
    assert reading.status == ReadingStatus.ACCEPTED
    assert reading.value == Decimal("123")  # dropped, not rounded to 124
    ctx = receipt_context(reading)
    assert ctx["value_changed"] is True
    body = sent_message(kind="reading_receipt").body_text
    assert "123.78" in body and "123" in body


@pytest.mark.parametrize(
    ("preset", "day", "period", "window_open"),
    [
        ("lv", dt.date(2026, 11, 27), dt.date(2026, 11, 1), True),
        ("lv", dt.date(2026, 11, 30), dt.date(2026, 11, 1), True),
        ("lv", dt.date(2026, 11, 26), dt.date(2026, 11, 1), False),
        ("lv", dt.date(2026, 2, 28), dt.date(2026, 2, 1), True),  # "0" = the month's last day
        ("ru", dt.date(2026, 11, 23), dt.date(2026, 11, 1), True),
        ("ru", dt.date(2026, 11, 25), dt.date(2026, 11, 1), True),
        ("ru", dt.date(2026, 11, 22), dt.date(2026, 11, 1), False),
        ("ru", dt.date(2026, 11, 26), dt.date(2026, 12, 1), False),  # after the window: next period
    ],
)
def test_it_knows_the_window_of_each_preset(db, preset, day, period, window_open):
    from kabinet.meters.rules import reading_period_for
    from kabinet.test import make_utility

    profile = make_utility(preset)
    assert reading_period_for(day, profile) == (period, window_open)


def test_it_queues_an_early_reading_and_applies_it_when_the_window_opens(personas):
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC), tick=False):
        reading = submit(personas.alice_cold, "10,5", personas.alice)
        assert reading.status == ReadingStatus.QUEUED
        assert reading.period == dt.date(2026, 11, 1)
        assert "27" in reading.reason_text
        assert readings_apply_queued() == 0  # still closed
    with time_machine.travel(dt.datetime(2026, 11, 27, 6, tzinfo=dt.UTC), tick=False):
        assert readings_apply_queued(charge_estimator=charge_estimate) == 1
        assert readings_apply_queued() == 0  # re-running changes nothing
    reading.refresh_from_db()
    assert reading.status == ReadingStatus.ACCEPTED
    assert reading.consumption == Decimal("10.5")
    assert OutboxMessage.objects.filter(kind="reading_receipt").count() == 2  # queued, then accepted


@time_machine.travel(dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC), tick=False)
def test_it_counts_a_reading_after_the_russian_window_for_the_next_period(ru_personas):
    reading = submit(ru_personas.alice_cold, "15", ru_personas.alice)
    assert reading.status == ReadingStatus.QUEUED
    assert reading.period == dt.date(2026, 12, 1)


@pytest.mark.parametrize("fixture", ["personas", "ru_personas"])
@time_machine.travel(RU_IN_WINDOW.replace(day=25), tick=False)
def test_it_refuses_a_value_lower_than_the_previous(request, fixture):
    p = request.getfixturevalue(fixture)
    if fixture == "personas":
        p.utility.reading_window_first_day = 25
        p.utility.save()
    history(p.alice_cold, "100", "110")
    reading = submit(p.alice_cold, "105", p.alice)
    assert reading.status == ReadingStatus.REJECTED
    assert reading.reason == "lower_than_previous"
    assert "110" in reading.reason_text
    assert not Reading.objects.filter(meter=p.alice_cold, period=reading.period, status="accepted").exists()


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_counts_consumption_across_a_rollover(personas):
    history(personas.alice_cold, "99990")
    reading = submit(personas.alice_cold, "00005", personas.alice)
    assert reading.status == ReadingStatus.ACCEPTED
    assert reading.consumption == Decimal("15")


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_allows_zero_consumption(personas):
    history(personas.alice_cold, "50", "50")
    reading = submit(personas.alice_cold, "50", personas.alice)
    assert reading.status == ReadingStatus.ACCEPTED
    assert reading.consumption == 0
    assert receipt_context(reading)["charge"] == Decimal("0.00")


@pytest.mark.parametrize("fixture", ["personas", "ru_personas"])
def test_it_asks_for_confirmation_of_a_suspected_leak(request, fixture):
    p = request.getfixturevalue(fixture)
    when = LV_IN_WINDOW if fixture == "personas" else RU_IN_WINDOW
    history(p.alice_cold, "10", "20", "30", "40")
    with time_machine.travel(when, tick=False):
        first = submit(p.alice_cold, "200", p.alice)
        assert first.status == ReadingStatus.REJECTED
        assert first.reason == "needs_confirmation"
        assert "leak" in first.reason_text
        confirmed = submit(p.alice_cold, "200", p.alice, confirm=True)
    assert confirmed.status == ReadingStatus.ACCEPTED
    assert confirmed.flag == ReadingFlag.LEAK  # staff look at it too
    assert Reading.objects.filter(meter=p.alice_cold, value=200).count() == 2  # both attempts kept


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_accepts_and_flags_a_suspected_leak_from_a_channel_that_cannot_ask(personas):
    history(personas.alice_cold, "10", "20", "30")
    reading = submit(personas.alice_cold, "300", source=ReadingSource.EMAIL)
    assert reading.status == ReadingStatus.ACCEPTED
    assert reading.flag == ReadingFlag.LEAK


@pytest.mark.parametrize("fixture", ["personas", "ru_personas"])
def test_it_refuses_a_meter_whose_verification_expired(request, fixture):
    p = request.getfixturevalue(fixture)
    p.alice_hot.verification_due = dt.date(2026, 10, 1)
    p.alice_hot.save()
    with time_machine.travel(LV_IN_WINDOW if fixture == "personas" else RU_IN_WINDOW, tick=False):
        reading = submit(p.alice_hot, "12", p.alice)
    assert reading.status == ReadingStatus.REJECTED
    assert reading.reason == "verification_expired"
    assert "verified or replaced" in reading.reason_text


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_refuses_a_replaced_meter(personas):
    personas.alice_hot.status = "replaced"
    personas.alice_hot.removed_on = dt.date(2026, 10, 1)
    personas.alice_hot.save()
    reading = submit(personas.alice_hot, "12", personas.alice)
    assert reading.status == ReadingStatus.REJECTED
    assert reading.reason == "meter_replaced"


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_a_second_submission_replaces_the_first_and_both_stay(personas):
    first = submit(personas.alice_cold, "12", personas.alice)
    second = submit(personas.alice_cold, "13", personas.alice)
    first.refresh_from_db()
    assert first.status == ReadingStatus.SUPERSEDED
    assert second.status == ReadingStatus.ACCEPTED
    assert second.replaces_id == first.pk
    assert Reading.objects.filter(meter=personas.alice_cold).count() == 2


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_a_double_click_stores_one_reading_and_sends_one_receipt(personas):
    first = submit(personas.alice_cold, "12", personas.alice)
    again = submit(personas.alice_cold, "12,0", personas.alice)
    assert again.pk == first.pk and again.duplicate
    assert Reading.objects.filter(meter=personas.alice_cold).count() == 1
    assert OutboxMessage.objects.filter(kind="reading_receipt").count() == 1


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("abc", "not_a_number", "not a number"),
        ("", "empty", "Enter the reading"),
        ("-5", "negative", "negative"),
        ("−5", "negative", "negative"),
        ("1234567", "too_many_digits", "5 digits"),
        ("12.3.4", "not_a_number", "not a number"),
        ("1,2,3", "not_a_number", "not a number"),
    ],
)
@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_refuses_bad_input_with_a_clear_message_and_keeps_the_attempt(personas, raw, code, words):
    reading = submit(personas.alice_cold, raw, personas.alice)
    assert reading.status == ReadingStatus.REJECTED
    assert reading.reason == code
    assert words in reading.reason_text
    assert reading.entered_value == raw
    assert not Reading.objects.filter(status="accepted").exists()


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("١٢٣", "123"),
        ("１２３,４", "123.4"),
        ("1 234,5", "1234.5"),
        ("1\u00a0234.56", "1234.5"),
        ("007", "7"),
        (",5", "0.5"),
    ],
)
@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_reads_numbers_the_way_people_type_them(personas, raw, value):
    reading = submit(personas.alice_cold, raw, personas.alice)
    assert reading.status == ReadingStatus.ACCEPTED, reading.reason_text
    assert reading.value == Decimal(value)


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_the_receipt_estimates_the_charge_with_the_real_tariff(personas):
    cold = personas.services["cold_water"]
    Tariff.objects.create(
        service=cold,
        price=Decimal("1.10"),
        vat_rate=Decimal("21"),
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 10, 31),
    )
    Tariff.objects.create(service=cold, price=Decimal("1.25"), vat_rate=Decimal("21"), valid_from=dt.date(2026, 11, 1))
    history(personas.alice_cold, "100")
    reading = submit(personas.alice_cold, "112,3", personas.alice)
    # 12.3 m³ × 1.25 = 15.375 → 15.38; VAT 21 % = 3.2298 → 3.23; total 18.61
    assert receipt_context(reading, charge_estimate)["charge"] == Decimal("18.61")
    assert "18.61 EUR" in sent_message(kind="reading_receipt").body_text


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_the_receipt_is_queued_with_the_reading_and_rendered_by_the_sender(personas):
    from django.core import mail

    Tariff.objects.create(
        service=personas.services["cold_water"],
        price=Decimal("1.25"),
        vat_rate=Decimal("21"),
        valid_from=dt.date(2026, 1, 1),
    )
    history(personas.alice_cold, "100")
    with translation.override("ru"):
        first = submit(personas.alice_cold, "112,3", personas.alice)
    queued = OutboxMessage.objects.get(kind="reading_receipt")
    # Nothing is rendered in the customer's request; the row keeps what the receipt shows.
    assert (queued.subject, queued.body_text, queued.body_html) == ("", "", "")
    assert queued.template == "reading_receipt" and queued.language == "ru"
    assert queued.context == {"readings": [{"id": first.pk, "status": "accepted", "charge": "18.61"}]}
    # A correction before the sender runs supersedes the first reading: its receipt
    # still says what the customer was told then.
    second = submit(personas.alice_cold, "113", personas.alice)
    assert Reading.objects.get(pk=first.pk).status == ReadingStatus.SUPERSEDED
    sent = sent_message(pk=queued.pk)
    assert "CW-1001" in sent.subject and "CW-1001" in sent.body_text
    with translation.override("ru"):
        assert str(ReadingStatus.ACCEPTED.label) in sent.body_text
    assert "18,61 EUR" in sent.body_text and "18,61" in sent.body_html  # in Russian
    assert "/unsubscribe/" in sent.headers["List-Unsubscribe"]
    later = sent_message(context__readings__0__id=second.pk)
    assert later.language == "en" and "Reading accepted" in later.subject
    by_subject = {m.subject: m for m in mail.outbox}
    assert by_subject.keys() == {sent.subject, later.subject}
    assert by_subject[sent.subject].to == ["alice@example.com"]
    assert by_subject[sent.subject].body == sent.body_text


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_respects_the_customers_choice_of_no_receipts(personas):
    from kabinet.customers.models import MailPreference

    MailPreference.objects.create(user=personas.alice, kind="reading_receipt", enabled=False)
    submit(personas.alice_cold, "12", personas.alice)
    assert not OutboxMessage.objects.exists()


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_staff_correct_a_reading_with_a_reason_and_the_original_stays(personas):
    original = submit(personas.alice_cold, "120", personas.alice)
    corrected = reading_correct(
        reading=original, value="12", reason="Customer typed an extra zero", actor=personas.carol
    )
    original.refresh_from_db()
    assert original.status == ReadingStatus.SUPERSEDED
    assert corrected.status == ReadingStatus.ACCEPTED and corrected.value == 12
    assert corrected.reason_text == "Customer typed an extra zero"
    assert Event.objects.filter(kind="reading.corrected").exists()


@pytest.mark.django_db(transaction=True)
@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_two_devices_at_once_leave_exactly_one_current_reading(request):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent connections need PostgreSQL")
    from kabinet.test import Personas

    p = Personas("lv")
    barrier = threading.Barrier(6)
    errors = []

    def worker(value):
        from django.db import connection as conn

        try:
            barrier.wait()
            submit(p.alice_cold, value, p.alice)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(v,)) for v in ["12", "12", "13", "13", "14", "12"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Reading.objects.filter(meter=p.alice_cold, status__in=["accepted", "estimated"]).count() == 1
    assert Reading.objects.filter(meter=p.alice_cold).count() >= 3  # every distinct attempt is kept


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_a_changed_tariff_shows_on_the_next_receipt_and_another_workers_after_the_cache_time(personas, monkeypatch):
    cold = personas.services["cold_water"]
    tariff = Tariff.objects.create(
        service=cold, price=Decimal("1.00"), vat_rate=Decimal("0"), valid_from=dt.date(2026, 1, 1)
    )
    history(personas.alice_cold, "100")
    estimate = charge_estimator()
    reading = submit(personas.alice_cold, "110", personas.alice)
    assert receipt_context(reading, estimate)["charge"] == Decimal("10.00")
    # Saved in this process (the office's admin): the next receipt has it.
    tariff.price = Decimal("2.00")
    tariff.save()
    assert receipt_context(reading, charge_estimator())["charge"] == Decimal("20.00")
    # Changed where this process does not see it (another worker): kept until the cache time is over.
    Tariff.objects.filter(pk=tariff.pk).update(price=Decimal("3.00"))
    assert receipt_context(reading, charge_estimator())["charge"] == Decimal("20.00")
    monkeypatch.setattr(estimate_module, "TARIFF_CACHE_SECONDS", -1)
    assert receipt_context(reading, charge_estimator())["charge"] == Decimal("30.00")


@time_machine.travel(dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC), tick=False)
def test_a_utility_can_refuse_readings_after_the_window_instead_of_keeping_them(ru_personas):
    from kabinet.utility.models import UtilityProfile

    profile = UtilityProfile.get()
    profile.after_window = "refuse"
    profile.save()
    with translation.override("ru"):
        reading = reading_submit(meter=ru_personas.alice_cold, value="15", source=ReadingSource.EMAIL)
    assert reading.status == ReadingStatus.REJECTED and reading.reason == "after_window"
    assert "25.11.2026" in reading.reason_text and "23.12.2026" in reading.reason_text
    assert not Reading.objects.filter(status__in=[ReadingStatus.ACCEPTED, ReadingStatus.QUEUED]).exists()


def test_a_reading_saved_before_the_window_cannot_undercut_the_inspectors_control_reading(personas):
    """ПП 354 п. 85: the control reading (136) taken for November stands when the window
    opens; alice's 131 saved earlier is refused then, with the reason."""
    history(personas.alice_cold, "100", "110")
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False):
        early = submit(personas.alice_cold, "131", personas.alice)
    assert early.status == ReadingStatus.QUEUED and early.period == dt.date(2026, 11, 1)
    Reading.objects.create(
        meter=personas.alice_cold,
        period=dt.date(2026, 11, 1),
        value=Decimal("136"),
        consumption=Decimal("26"),
        source=ReadingSource.INSPECTOR,
        status=ReadingStatus.ACCEPTED,
    )
    with time_machine.travel(LV_IN_WINDOW, tick=False):
        readings_apply_queued(charge_estimator=charge_estimate)
    early.refresh_from_db()
    assert (early.status, early.reason) == (ReadingStatus.REJECTED, "below_control")
    assert "136" in early.reason_text
    control = Reading.objects.get(source=ReadingSource.INSPECTOR)
    assert control.status == ReadingStatus.ACCEPTED

"""The rules of a reading without a database: rollover, truncation, leak, window, double click.

Expected figures are worked out by hand in each test, never by calling the rule twice."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from kabinet.meters.models import MeterStatus, ReadingFlag, ReadingSource, ReadingStatus
from kabinet.meters.rules import (
    MIN_HISTORY_FOR_LEAK,
    after_window_refusal,
    consumption_between,
    decide,
    history_of,
    is_double_click,
    meter_refusal,
    plain,
    reading_period_for,
)
from kabinet.meters.values import parse_reading_value

DIGITS = st.integers(min_value=3, max_value=8)


def _decide(value, base, average=None, *, confirmed=False, interactive=True, digits=5):
    return decide(
        value=Decimal(value),
        base=Decimal(base),
        average=None if average is None else Decimal(average),
        digits_before=digits,
        leak_factor=Decimal(3),
        confirmed=confirmed,
        interactive=interactive,
    )


# --- rollover ----------------------------------------------------------------------------


def test_it_counts_consumption_across_a_rollover_of_the_register():
    # A five-digit register: 99 990 → 00 015 is 10 to the wrap and 15 after it.
    assert consumption_between(Decimal("99990"), Decimal("15"), 5) == Decimal(25)


def test_it_refuses_a_lower_value_that_no_rollover_explains():
    # 500 → 400 on a five-digit register would be 99 900 m³ across a wrap: a typo.
    decision = _decide("400", "500")
    assert decision.refused
    assert decision.reason == "lower_than_previous"
    assert "400" in decision.text and "500" in decision.text


@given(
    digits=DIGITS,
    previous=st.integers(min_value=0, max_value=10**8 - 1),
    used=st.integers(min_value=0, max_value=10**8 - 1),
)
def test_rollover_consumption_is_the_distance_forward_on_the_dial(digits, previous, used):
    modulus = 10**digits
    previous, value = previous % modulus, (previous + used) % modulus
    result = consumption_between(Decimal(previous), Decimal(value), digits)
    forward = (value - previous) % modulus  # how far the dial turned, by hand
    if value >= previous:
        assert result == forward
    elif forward < modulus // 10:  # the wrap explains it with a small consumption
        assert result == forward
    else:
        assert result is None


@given(digits=DIGITS, previous=st.integers(min_value=0, max_value=10**8 - 1))
def test_a_value_never_gives_a_negative_consumption(digits, previous):
    previous %= 10**digits
    for value in (0, previous // 2, previous, 10**digits - 1):
        result = consumption_between(Decimal(previous), Decimal(value), digits)
        assert result is None or result >= 0


# --- truncation --------------------------------------------------------------------------


@given(
    whole=st.integers(min_value=0, max_value=99999),
    fraction=st.text(alphabet="0123456789", min_size=0, max_size=6),
    decimals=st.integers(min_value=0, max_value=3),
    comma=st.booleans(),
)
def test_the_fraction_beyond_the_meters_precision_is_dropped_never_rounded(whole, fraction, decimals, comma):
    typed = f"{whole}{',' if comma else '.'}{fraction}" if fraction else str(whole)
    entered, used = parse_reading_value(typed, digits_before=5, decimals=decimals)
    kept = fraction[:decimals]  # by hand: the first `decimals` digits, the rest cut off
    assert used == Decimal(f"{whole}.{kept or '0'}")
    assert entered == Decimal(f"{whole}.{fraction or '0'}")
    assert used <= entered


# --- leak suspicion ----------------------------------------------------------------------


def test_it_asks_a_person_to_confirm_a_consumption_far_above_the_usual():
    # Usual 10 m³ a month, factor 3: 31 m³ is above 30 and must be confirmed.
    decision = _decide("131", "100", "10")
    assert decision.refused and decision.reason == "needs_confirmation"
    assert decision.consumption == Decimal(31)


def test_a_confirmed_high_consumption_is_accepted_and_flagged():
    decision = _decide("131", "100", "10", confirmed=True)
    assert decision.status == ReadingStatus.ACCEPTED
    assert decision.flag == ReadingFlag.LEAK


def test_without_a_person_to_ask_a_high_consumption_is_accepted_and_flagged():
    decision = _decide("131", "100", "10", interactive=False)
    assert decision.status == ReadingStatus.ACCEPTED and decision.flag == ReadingFlag.LEAK


def test_exactly_the_factor_times_the_usual_is_not_a_leak():
    decision = _decide("130", "100", "10")
    assert decision.status == ReadingStatus.ACCEPTED and decision.flag == ""


def test_without_enough_history_there_is_no_average():
    rows = [SimpleNamespace(period=dt.date(2026, 10, 1), value=Decimal(100), consumption=Decimal(10))]
    history = history_of(rows, dt.date(2026, 11, 1), months=6)
    assert MIN_HISTORY_FOR_LEAK == 2
    assert history.previous == Decimal(100) and history.average is None and history.current is None


def test_the_average_is_over_the_last_months_before_the_period():
    def row(month, value, consumption):
        return SimpleNamespace(period=dt.date(2026, month, 1), value=Decimal(value), consumption=consumption)

    # Newest first; the November reading is the current one of the period being decided.
    rows = [row(11, 160, Decimal(30)), row(10, 130, Decimal(12)), row(9, 118, Decimal(8)), row(8, 110, Decimal(40))]
    history = history_of(rows, dt.date(2026, 11, 1), months=2)
    assert history.current is rows[0]
    assert history.previous == Decimal(130)
    assert history.average == Decimal(10)  # (12 + 8) / 2; August is beyond two months


# --- the window --------------------------------------------------------------------------


class Window:
    """A utility whose window is the 23rd to the 25th."""

    def window_for(self, period):
        return period.replace(day=23), period.replace(day=25)


def test_a_reading_in_the_window_counts_for_this_month():
    assert reading_period_for(dt.date(2026, 12, 24), Window()) == (dt.date(2026, 12, 1), True)


def test_a_reading_before_the_window_waits_for_it():
    assert reading_period_for(dt.date(2026, 12, 5), Window()) == (dt.date(2026, 12, 1), False)


def test_a_reading_after_the_window_counts_for_next_month():
    assert reading_period_for(dt.date(2026, 12, 27), Window()) == (dt.date(2027, 1, 1), False)


# --- the meter ---------------------------------------------------------------------------


class FakeMeter(SimpleNamespace):
    def verification_expired(self, today):
        return self.verification_due is not None and self.verification_due < today


def test_a_replaced_meter_takes_no_readings():
    meter = FakeMeter(status=MeterStatus.REPLACED, serial_number="A1", verification_due=None)
    refusal = meter_refusal(meter, dt.date(2026, 12, 1), "+7 000")
    assert refusal.reason == "meter_replaced" and "A1" in refusal.text


def test_a_meter_whose_verification_expired_takes_no_readings_and_says_whom_to_ask():
    meter = FakeMeter(status=MeterStatus.ACTIVE, serial_number="A1", verification_due=dt.date(2026, 11, 30))
    refusal = meter_refusal(meter, dt.date(2026, 12, 1), "+7 000")
    assert refusal.reason == "verification_expired" and "+7 000" in refusal.text


def test_an_active_verified_meter_is_not_refused():
    meter = FakeMeter(status=MeterStatus.ACTIVE, serial_number="A1", verification_due=dt.date(2026, 12, 1))
    assert meter_refusal(meter, dt.date(2026, 12, 1), "") is None


# --- double click ------------------------------------------------------------------------


def test_the_same_value_from_the_same_person_moments_later_is_a_double_click():
    now = dt.datetime(2026, 12, 24, 12, 0, tzinfo=dt.UTC)
    existing = SimpleNamespace(
        value=Decimal(5), source=ReadingSource.PORTAL, entered_by_id=7, created=now - dt.timedelta(seconds=30)
    )
    assert is_double_click(existing, value=Decimal(5), source=ReadingSource.PORTAL, actor_id=7, now=now)
    assert not is_double_click(existing, value=Decimal(6), source=ReadingSource.PORTAL, actor_id=7, now=now)
    assert not is_double_click(existing, value=Decimal(5), source=ReadingSource.API, actor_id=7, now=now)
    assert not is_double_click(
        existing, value=Decimal(5), source=ReadingSource.PORTAL, actor_id=7, now=now + dt.timedelta(minutes=5)
    )


def test_plain_writes_a_reading_as_a_customer_does():
    assert plain(Decimal("120.500")) == "120.5"
    assert plain(Decimal("1E+2")) == "100"
    assert plain(Decimal("7.000")) == "7"


def test_messages_write_numbers_in_the_pages_language():
    from django.utils import translation

    with translation.override("lv"):
        decision = _decide("645.3", "700.5")
    assert "645,3" in decision.text and "700,5" in decision.text
    with translation.override("en"):
        decision = _decide("645.3", "700.5")
    assert "645.3" in decision.text


class RefusingWindow(Window):
    after_window = "refuse"


def test_a_utility_that_refuses_late_readings_names_the_closed_and_the_next_window():
    from django.utils import translation

    with translation.override("lv"):
        refusal = after_window_refusal(dt.date(2026, 12, 27), RefusingWindow())
    assert refusal.reason == "after_window"
    assert "23.12.2026" in refusal.text and "25.12.2026" in refusal.text
    assert "23.01.2027" in refusal.text and "25.01.2027" in refusal.text
    # In the window, before it, or at a utility that keeps late readings: nothing refused.
    assert after_window_refusal(dt.date(2026, 12, 24), RefusingWindow()) is None
    assert after_window_refusal(dt.date(2026, 12, 5), RefusingWindow()) is None
    assert after_window_refusal(dt.date(2026, 12, 27), Window()) is None


def test_a_stored_reason_is_worded_again_in_the_pages_language_while_the_meter_is_as_it_was():
    from django.utils import translation

    from kabinet.meters.rules import reason_now

    replaced = FakeMeter(status=MeterStatus.REPLACED, serial_number="A1", verification_due=None)
    reading = SimpleNamespace(
        reason="meter_replaced",
        reason_text="Счётчик A1 заменён…",
        meter=replaced,
        taken_at=dt.datetime(2026, 12, 24, 9, tzinfo=dt.UTC),
        period=dt.date(2026, 12, 1),
    )
    profile = SimpleNamespace(phone_readings="", phone_reception="", email="")
    with translation.override("en"):
        assert reason_now(reading, profile).startswith("Meter A1 has been replaced")
    # Put back into service since: the text of that moment stays.
    reading.meter = FakeMeter(status=MeterStatus.ACTIVE, serial_number="A1", verification_due=None)
    assert reason_now(reading, profile) == "Счётчик A1 заменён…"

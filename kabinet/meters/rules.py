"""The rules of a reading, as pure functions over plain values.

Which period a reading counts for, what consumption it means (a rollover of the register
included), when it is refused, when it looks like a leak and when it is only a double
click. No database here: the submission (kabinet.meters.submission) locks and reads the
meter and its history, calls these rules and writes what they decided, for every channel
alike. A newcomer changing a rule changes it here, and tests it without a database
(kabinet/meters/tests/test_rules.py).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.lib.periods import add_months, month_start
from kabinet.meters.models import MeterStatus, ReadingFlag, ReadingSource, ReadingStatus
from kabinet.meters.values import parse_reading_value
from kabinet.utility.exceptions import ApplicationError

# Channels where a person can answer "are you sure?" right away.
INTERACTIVE_SOURCES = frozenset({ReadingSource.PORTAL, ReadingSource.API, ReadingSource.PHONE})
# A repeated identical submission within this time is a double click, not a new attempt.
DOUBLE_SUBMIT_SECONDS = 120
# A value below the previous one is a rollover only if the wrap explains it with a
# consumption below this share of the register's range.
ROLLOVER_SHARE = Decimal("0.1")
# The leak check needs at least this many known monthly consumptions.
MIN_HISTORY_FOR_LEAK = 2


# Why a reading was refused or marked, in a few words for staff (the review queue, the
# file import's report), in the staff member's own language. The customer's reason_text
# says it at length, in the customer's language at that moment.
REASONS = {
    "unknown_meter": gettext_lazy("No active meter has this serial number."),
    "ambiguous_serial": gettext_lazy(
        "The serial number has lost its leading zeros and more than one meter matches it: type it as text."
    ),
    "bad_date": gettext_lazy("The date is missing or not a date."),
    "future_date": gettext_lazy("The date is in the future."),
    "outside_window": gettext_lazy("The date is outside the reading window."),
    "meter_closed": gettext_lazy("The meter has been replaced or removed."),
    "verification_expired": gettext_lazy("The meter's verification had expired on that date."),
    "duplicate_in_file": gettext_lazy("A later row in the file has a reading for the same meter and period."),
    "lower_than_previous": gettext_lazy("Lower than the previous reading, and not a rollover."),
    "not_a_number": gettext_lazy("Not a number."),
    "negative": gettext_lazy("A reading cannot be negative."),
    "too_many_digits": gettext_lazy("More digits than the meter has."),
    "empty": gettext_lazy("No value."),
    "needs_confirmation": gettext_lazy("Far above the usual consumption; waiting for the customer's confirmation."),
    "meter_replaced": gettext_lazy("The meter has been replaced."),
    "meter_removed": gettext_lazy("The meter has been removed."),
    "queued": gettext_lazy("Saved before the window; applied when it opens."),
    "corrected": gettext_lazy("Corrected by staff."),
    "after_window": gettext_lazy("After the window, which this utility does not accept."),
    "below_control": gettext_lazy("Lower than the inspector's control reading for the period."),
}


def reason_label(code: str) -> str:
    """REASONS[code] for staff; an unknown code as it is."""
    return str(REASONS.get(code, code)) if code else ""


def reading_period_for(day: dt.date, profile) -> tuple[dt.date, bool]:
    """The period a reading taken on `day` counts for, and whether its window is open.

    Before the window a reading waits for this month's window; after it, for next month's
    (readings after the window count for the next period). `profile` gives the window
    (UtilityProfile.window_for)."""
    period = month_start(day)
    first, last = profile.window_for(period)
    if first <= day <= last:
        return period, True
    if day < first:
        return period, False
    return add_months(period, 1), False


def consumption_between(previous: Decimal, value: Decimal, digits_before: int) -> Decimal | None:
    """Consumption from `previous` to `value`, across a rollover of the register if the
    meter's digits explain it; None if the value is simply lower."""
    if value >= previous:
        return value - previous
    modulus = Decimal(10) ** digits_before
    wrapped = value + modulus - previous
    if 0 <= wrapped < modulus * ROLLOVER_SHARE:
        return wrapped
    return None


@dataclass(frozen=True, slots=True)
class History:
    """What a decision needs of a meter's past: the current reading of the period being
    submitted (if any), the previous value and the average monthly consumption (None
    without enough history)."""

    current: object | None = None
    previous: Decimal | None = None
    average: Decimal | None = None


def history_of(rows: list, period: dt.date, months: int) -> History:
    """History from a meter's last current readings (newest first; objects with `period`,
    `value` and `consumption`): the average is over the last `months` known consumptions
    before `period`, with at least MIN_HISTORY_FOR_LEAK of them."""
    current = rows[0] if rows and rows[0].period == period else None
    before = [r for r in rows if r.period < period][: max(months, 1)]
    previous = before[0].value if before else None
    values = [r.consumption for r in before if r.consumption is not None]
    if len(values) < MIN_HISTORY_FOR_LEAK:
        return History(current, previous, None)
    return History(current, previous, sum(values, Decimal(0)) / len(values))


def leak_suspected(consumption: Decimal, average: Decimal | None, leak_factor: Decimal) -> bool:
    """A consumption far above the usual: a leak, or a typo."""
    return bool(average) and average > 0 and consumption > average * leak_factor


@dataclass(frozen=True, slots=True)
class Decision:
    status: str
    reason: str = ""
    text: str = ""
    consumption: Decimal | None = None
    flag: str = ""

    @property
    def refused(self) -> bool:
        return self.status == ReadingStatus.REJECTED


def refused(reason: str, text: str, consumption: Decimal | None = None) -> Decision:
    return Decision(ReadingStatus.REJECTED, reason, text, consumption)


def below_control(current, *, value: Decimal, source: str) -> Decision | None:
    """A customer's value lower than the inspector's control reading of the same period is
    refused (ПП 354 п. 85): once the utility has read the meter itself, that reading is
    the period's, and a lower one from the customer cannot take its place. A higher one
    may (the meter moved on since the check); another control reading always may."""
    if current is None or current.source != ReadingSource.INSPECTOR or source == ReadingSource.INSPECTOR:
        return None
    if value >= current.value:
        return None
    return refused(
        "below_control",
        _(
            "The reading %(value)s is lower than the control reading %(control)s the utility's inspector took "
            "for this month. Check the digits on the meter; if you think the control reading is wrong, "
            "write to the utility."
        )
        % {"value": shown(value), "control": shown(current.value)},
    )


def decide(
    *,
    value: Decimal,
    base: Decimal,
    average: Decimal | None,
    digits_before: int,
    leak_factor: Decimal,
    confirmed: bool,
    interactive: bool,
) -> Decision:
    """Accept or refuse `value` against the previous value `base` (the meter's initial
    reading when there is none). A value lower than the base that no rollover explains is
    refused; a consumption far above the average is asked to be confirmed where a person
    can answer right away, and flagged for staff otherwise."""
    consumption = consumption_between(base, value, digits_before)
    if consumption is None:
        return refused(
            "lower_than_previous",
            _(
                "The reading %(value)s is lower than the previous one, %(previous)s. Check the digits on the meter "
                "(only the black or white ones before the point count)."
            )
            % {"value": shown(value), "previous": shown(base)},
        )
    flag = ""
    if leak_suspected(consumption, average, leak_factor):
        if interactive and not confirmed:
            return refused(
                "needs_confirmation",
                _(
                    "The consumption %(consumption)s is much higher than your usual %(average)s a month: "
                    "a possible leak or a typo. Check the meter and confirm the reading if it is right."
                )
                % {"consumption": shown(consumption), "average": shown(average.quantize(Decimal("0.1")))},
                consumption,
            )
        flag = ReadingFlag.LEAK
    return Decision(ReadingStatus.ACCEPTED, consumption=consumption, flag=flag)


def meter_refusal(meter, today: dt.date, contact: str) -> Decision | None:
    """The refusal of a meter that takes no readings today: replaced, removed, or its
    verification expired (Meter.verification_expired). `contact` is where to ask."""
    if meter.status != MeterStatus.ACTIVE:
        if meter.status == MeterStatus.REPLACED:
            return refused(
                "meter_replaced",
                _("Meter %(serial)s has been replaced and takes no more readings. Submit the reading of the new meter.")
                % {"serial": meter.serial_number},
            )
        return refused(
            "meter_removed",
            _("Meter %(serial)s has been removed and takes no more readings.") % {"serial": meter.serial_number},
        )
    if meter.verification_expired(today):
        return refused(
            "verification_expired",
            _(
                "The verification of meter %(serial)s expired on %(date)s, so its readings cannot be accepted. "
                "Have the meter verified or replaced and send us the certificate; until then the consumption is "
                "charged by the utility's rules. Questions: %(contact)s."
            )
            % {
                "serial": meter.serial_number,
                "date": date_format(meter.verification_due, "SHORT_DATE_FORMAT"),
                "contact": contact or "—",
            },
        )
    return None


def after_window_refusal(day: dt.date, profile) -> Decision | None:
    """For a utility that refuses readings after the window (profile.after_window
    "refuse"): the refusal of a reading taken on `day` after this month's window, naming
    the window that closed and the next one. None when the reading may be kept."""
    if getattr(profile, "after_window", "next_period") != "refuse":
        return None
    period = month_start(day)
    first, last = profile.window_for(period)
    if day <= last:
        return None
    next_first, next_last = profile.window_for(add_months(period, 1))
    return refused(
        "after_window",
        _(
            "Readings are accepted from %(first)s to %(last)s; that window has closed. "
            "Submit the reading in the next window, from %(next_first)s to %(next_last)s."
        )
        % {
            "first": date_format(first, "SHORT_DATE_FORMAT"),
            "last": date_format(last, "SHORT_DATE_FORMAT"),
            "next_first": date_format(next_first, "SHORT_DATE_FORMAT"),
            "next_last": date_format(next_last, "SHORT_DATE_FORMAT"),
        },
    )


def queued_until(first: dt.date, accepted: Decision) -> Decision:
    """An `accepted` reading saved before its window: applied when it opens on `first`."""
    return Decision(
        ReadingStatus.QUEUED,
        "queued",
        _("The window opens on %(date)s; the reading is saved and will be applied then.")
        % {"date": date_format(first, "SHORT_DATE_FORMAT")},
        accepted.consumption,
        accepted.flag,
    )


def is_double_click(existing, *, value: Decimal, source: str, actor_id: int | None, now: dt.datetime) -> bool:
    """Whether a submission repeats `existing` (the reading it would replace) from the same
    person and channel with the same value moments later: a double click or a re-sent
    form, which returns the reading already stored instead of storing another."""
    if existing is None or existing.value != value or existing.source != source or existing.entered_by_id != actor_id:
        return False
    return (now - existing.created).total_seconds() <= DOUBLE_SUBMIT_SECONDS


def plain(value: Decimal) -> str:
    """A reading as a customer writes it: no trailing zeros, no exponent."""
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")
    return text.rstrip(".") if "." in text else text


def shown(value: Decimal) -> str:
    """plain() in the language's number format, for messages ("645,3" on a Latvian page)."""
    text = plain(value)
    places = len(text.split(".")[1]) if "." in text else 0
    return number_format(Decimal(text), decimal_pos=places)


def reason_now(reading, profile) -> str:
    """A reading's reason in the language of the page showing it, where the code and the
    stored facts word it again (a queued reading, a replaced, removed or expired meter, a
    value that is not a number); otherwise the text stored when it was decided, in the
    language of that moment (a comparison with history that has changed since)."""
    code, meter = reading.reason, reading.meter
    if code == "queued":
        return queued_until(profile.window_for(reading.period)[0], Decision(ReadingStatus.ACCEPTED)).text
    if code in ("meter_replaced", "meter_removed", "verification_expired"):
        contact = profile.phone_readings or profile.phone_reception or profile.email
        refusal = meter_refusal(meter, reading.taken_at.date(), contact)
        if refusal is not None and refusal.reason == code:  # the meter is still as it was then
            return refusal.text
    if code in ("empty", "negative", "not_a_number", "too_many_digits"):
        try:
            parse_reading_value(
                reading.entered_value,
                digits_before=meter.digits_before_point,
                decimals=meter.service.reading_decimals,
            )
        except ApplicationError as exc:
            if exc.code == code:
                return exc.message
    return reading.reason_text

"""Readings: reading_submit() is the one door for every channel.

Portal, API, e-mail, SMS, the hotline operator and files all come through here, so the
rules (kabinet.meters.rules: window, precision, lower-than-previous and rollover, leak
suspicion, expired verification, one current reading per period) and the receipt are
the same everywhere.

Every attempt is stored, rejected ones too: nothing a customer submitted is lost. A
rejection is not an exception: reading_submit() returns the stored Reading with
status "rejected" and a translated reason, and each door shows it its own way.

A submission locks its meters, reads their history, lets the rules decide each entry and
writes the readings, their events and the receipt together. The locking read and the
writes are hand-written SQL (kabinet.meters.submission_sql): this is the hottest path of
the evening rush.
"""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from kabinet.customers.models import User
from kabinet.meters import rules
from kabinet.meters.models import CURRENT_STATUSES, Meter, Reading, ReadingStatus
from kabinet.meters.receipts import ChargeEstimator, readings_receipt_enqueue
from kabinet.meters.rules import reading_period_for
from kabinet.meters.submission_sql import lock_meters, readings_insert, readings_supersede
from kabinet.meters.values import parse_reading_value
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record, events_record
from kabinet.utility.sql import WriteBatch

Entry = tuple[Meter, object, bool]  # (meter, value as entered, confirmed)


def reading_submit(
    *,
    meter: Meter,
    value,
    source: str,
    actor: User | None = None,
    confirm: bool = False,
    taken_at: dt.datetime | None = None,
    ip: str | None = None,
    charge_estimator: ChargeEstimator | None = None,
    notify: bool = True,
) -> Reading:
    """Store one reading attempt and decide it: accepted, queued for the window, or
    rejected with a translated reason. Returns the stored reading (a double click
    returns the reading already stored)."""
    return _submit(
        entries=[(meter, value, confirm)],
        source=source,
        actor=actor,
        taken_at=taken_at,
        ip=ip,
        charge_estimator=charge_estimator,
        notify=notify,
    )[0]


def readings_submit(
    *,
    entries: list[Entry],
    source: str,
    actor: User | None = None,
    ip: str | None = None,
    charge_estimator: ChargeEstimator | None = None,
    keep_refused: bool = True,
) -> list[Reading]:
    """Several meters submitted together (one form, one phone call): the same rules as
    reading_submit() for each, one receipt e-mail for all.

    `keep_refused=False` is for a form the customer is looking at: a refused value (a
    typo) comes back unsaved (no id) for the form to show as its error, and is neither
    stored nor mailed. Channels without a form (e-mail, SMS, files) keep every attempt."""
    return _submit(
        entries=entries,
        source=source,
        actor=actor,
        taken_at=None,
        ip=ip,
        charge_estimator=charge_estimator,
        keep_refused=keep_refused,
    )


def _submit(*, entries, source, actor, taken_at, ip, charge_estimator, notify=True, keep_refused=True) -> list[Reading]:
    taken_at = taken_at or timezone.now()
    for attempt in range(3):
        try:
            # The outermost transaction of a portal or API request: no savepoint.
            with transaction.atomic():
                # The new readings, their events and the receipt go to the database together.
                writes = WriteBatch()
                if len({meter.pk for meter, _value, _confirm in entries}) == len(entries):
                    readings = _submit_batch(
                        entries=entries,
                        source=source,
                        actor=actor,
                        taken_at=taken_at,
                        ip=ip,
                        writes=writes,
                        keep_refused=keep_refused,
                    )
                else:
                    # The same meter twice (a hotline call that corrects itself): in order,
                    # so the second entry sees the first.
                    readings = []
                    for entry in entries:
                        readings += _submit_batch(
                            entries=[entry],
                            source=source,
                            actor=actor,
                            taken_at=taken_at,
                            ip=ip,
                            writes=writes,
                            keep_refused=keep_refused,
                        )
                        writes.run()
                if notify:
                    readings_receipt_enqueue(readings=readings, charge_estimator=charge_estimator, writes=writes)
                writes.run()
                return readings
        except IntegrityError:
            # Another request slipped in between (SQLite has no row locks): decide again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _contact(profile: UtilityProfile) -> str:
    return profile.phone_readings or profile.phone_reception or profile.email


def _submit_batch(*, entries, source, actor, taken_at, ip, writes: WriteBatch, keep_refused: bool) -> list[Reading]:
    """Decide every entry (distinct meters) under one lock, from one history query, then
    write them into `writes`: one UPDATE of the readings they replace, one INSERT of the
    new readings and one of their events."""
    profile = UtilityProfile.get()
    day = timezone.localdate(taken_at)
    now = timezone.now()
    # Every submission for a meter is decided under this lock: two devices at once or a
    # double click are serialised, and the second sees the first.
    period, window_open = reading_period_for(day, profile)
    meters, reading_ids, histories = lock_meters(
        {meter.pk: meter for meter, _value, _confirm in entries}, period, profile.average_history_months
    )
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    interactive = source in rules.INTERACTIVE_SOURCES
    late = rules.after_window_refusal(day, profile)
    queued: dict[int, Reading] = {}
    if not window_open:
        for r in Reading.objects.filter(meter_id__in=list(meters), period=period, status=ReadingStatus.QUEUED):
            queued.setdefault(r.meter_id, r)  # the model's ordering: newest first

    results: list[Reading] = []  # one per entry: new, refused and unsaved, or already stored
    new: list[Reading] = []  # to store
    supersede: list[int] = []
    for given, value, confirm in entries:
        meter = meters[given.pk]
        reading = Reading(
            meter=meter,
            period=period,
            entered_value=str(value if value is not None else "")[:40],
            taken_at=taken_at,
            source=source,
            entered_by=actor if actor_id else None,
            value=Decimal(0),
        )
        reading.duplicate = False
        results.append(reading)
        try:
            _entered, reading.value = parse_reading_value(
                value, digits_before=meter.digits_before_point, decimals=meter.service.reading_decimals
            )
        except ApplicationError as exc:
            _apply(reading, rules.refused(exc.code, exc.message))
            if keep_refused:
                new.append(reading)
            continue
        history = histories[meter.pk]
        # A reading saved before the window meets the control reading when it is applied.
        decision = late or _decide(
            meter,
            history,
            reading,
            day=day,
            profile=profile,
            confirmed=confirm,
            interactive=interactive,
            control=window_open,
        )
        if decision.refused:
            _apply(reading, decision)
            if keep_refused:
                new.append(reading)
            continue
        if window_open:
            # Both stay in the history; the later one counts.
            replaced = history.current
        else:
            # Saved now, applied when the window opens; a newer early reading replaces it.
            replaced = queued.get(meter.pk)
            decision = rules.queued_until(profile.window_for(period)[0], decision)
        if rules.is_double_click(replaced, value=reading.value, source=source, actor_id=actor_id, now=now):
            replaced.duplicate = True
            results[-1] = replaced
            continue
        if replaced:
            supersede.append(replaced.pk)
            reading.replaces = replaced
        reading.confirmed = confirm
        _apply(reading, decision)
        new.append(reading)

    if supersede:
        readings_supersede(supersede, writes)
    if new:
        readings_insert(new, reading_ids, writes)
        events_record(
            batch=writes,
            events=[
                {
                    "kind": f"reading.{r.status}",
                    "actor": actor,
                    "obj": r,
                    "ip": ip,
                    "message": f"{r.meter.serial_number} {r.period:%Y-%m} {r.entered_value!r} -> {r.value}",
                    "data": {"source": r.source, "reason": r.reason, "meter": r.meter_id},
                }
                for r in new
            ],
        )
    return results


def _decide(meter, history, reading, *, day, profile, confirmed, interactive, control) -> rules.Decision:
    """The door's rules for one value, in order: the meter itself (verification), the
    inspector's control reading (when `control`), then the value against the meter's history."""
    return (
        rules.meter_refusal(meter, day, _contact(profile))
        or (control and rules.below_control(history.current, value=reading.value, source=reading.source))
        or rules.decide(
            value=reading.value,
            base=history.previous if history.previous is not None else meter.initial_reading,
            average=history.average,
            digits_before=meter.digits_before_point,
            leak_factor=profile.leak_factor,
            confirmed=confirmed,
            interactive=interactive,
        )
    )


def _apply(reading: Reading, decision: rules.Decision) -> None:
    reading.status, reading.reason, reading.reason_text = decision.status, decision.reason, decision.text
    reading.consumption, reading.flag = decision.consumption, decision.flag


# --- the window opens: queued readings are applied -------------------------------------


def readings_apply_queued(
    *,
    today: dt.date | None = None,
    period: dt.date | None = None,
    charge_estimator: ChargeEstimator | None = None,
) -> int:
    """Apply readings saved before their window, once it is open (the periodic job runs
    this every hour), or those of `period` and before whatever the day (billing, before it
    reads the readings of `period`). Safe to re-run: returns how many were decided."""
    profile = UtilityProfile.get()
    today = today or timezone.localdate()
    if period is None:
        period, window_open = reading_period_for(today, profile)
        if not window_open:
            return 0
    ids = list(Reading.objects.filter(status=ReadingStatus.QUEUED, period__lte=period).values_list("id", flat=True))
    for reading_id in ids:
        _apply_queued(reading_id, profile, today, charge_estimator)
    return len(ids)


@transaction.atomic
def _apply_queued(reading_id, profile, today, charge_estimator) -> None:
    reading = Reading.objects.select_related("meter__service").get(pk=reading_id)
    meter = Meter.objects.select_for_update(of=("self",)).select_related("service").get(pk=reading.meter_id)
    reading = Reading.objects.get(pk=reading_id)  # re-read under the lock
    if reading.status != ReadingStatus.QUEUED:
        return
    history = recent_history(meter, reading.period, profile.average_history_months)
    decision = _decide(
        meter, history, reading, day=today, profile=profile, confirmed=True, interactive=False, control=True
    )
    if decision.status == ReadingStatus.ACCEPTED:
        current = Reading.objects.filter(meter=meter, period=reading.period, status__in=CURRENT_STATUSES).first()
        if current:
            Reading.objects.filter(pk=current.pk).update(status=ReadingStatus.SUPERSEDED)
            reading.replaces = current
    flag = reading.flag
    _apply(reading, decision)
    if not decision.refused:
        reading.flag = decision.flag or flag
    reading.meter = meter
    reading.save(update_fields=["status", "reason", "reason_text", "consumption", "flag", "replaces"])
    event_record(kind=f"reading.queued_{reading.status}", obj=reading, data={"meter": meter.pk})
    readings_receipt_enqueue(readings=[reading], charge_estimator=charge_estimator)


# --- a meter's history, with the ORM (off the hot path) --------------------------------


def previous_reading(meter: Meter, period: dt.date) -> Reading | None:
    return (
        Reading.objects.filter(meter=meter, period__lt=period, status__in=CURRENT_STATUSES)
        .order_by("-period", "-id")
        .first()
    )


def recent_history(meter: Meter, period: dt.date, months: int) -> rules.History:
    """The meter's History for `period` in one query (as lock_meters() reads it)."""
    rows = list(
        Reading.objects.filter(meter=meter, period__lte=period, status__in=CURRENT_STATUSES).order_by("-period", "-id")[
            : max(months, 1) + 1
        ]
    )
    return rules.history_of(rows, period, months)

"""Readings: reading_submit() is the one door for every channel.

Portal, API, e-mail, SMS, the hotline operator and files all come through here, so the
rules (window, precision, lower-than-previous and rollover, leak suspicion, expired
verification, one current reading per period) and the receipt are the same everywhere.

Every attempt is stored, rejected ones too: nothing a customer submitted is lost. A
rejection is not an exception: reading_submit() returns the stored Reading with
status "rejected" and a translated reason, and each door shows it its own way.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kabinet.customers.models import AccountAccess, User
from kabinet.customers.selectors import mail_wanted_sql, user_wants_mail
from kabinet.lib.periods import add_months, month_start
from kabinet.meters.models import (
    CURRENT_STATUSES,
    Meter,
    MeterStatus,
    Reading,
    ReadingFlag,
    ReadingSource,
    ReadingStatus,
)
from kabinet.meters.values import normalise_digits, parse_reading_value
from kabinet.notifications.models import MailKind
from kabinet.notifications.services import message_enqueue, message_enqueue_later
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import Service, UtilityProfile
from kabinet.utility.services import event_record, events_record
from kabinet.utility.sql import Columns, Insert, WriteBatch, pipelined

log = logging.getLogger(__name__)

# A charge estimator is offered by billing (a layer above) and passed in by the door:
# charge_estimate(*, service, quantity, on_date) -> Decimal | None.
ChargeEstimator = Callable[..., Decimal | None]

# Channels where a person can answer "are you sure?" right away.
INTERACTIVE_SOURCES = {ReadingSource.PORTAL, ReadingSource.API, ReadingSource.PHONE}
# A repeated identical submission within this time is a double click, not a new attempt.
DOUBLE_SUBMIT_SECONDS = 120
# A value below the previous one is a rollover only if the wrap explains it with a
# consumption below this share of the register's range.
ROLLOVER_SHARE = Decimal("0.1")
MIN_HISTORY_FOR_LEAK = 2


def reading_period_for(day: dt.date, profile: UtilityProfile | None = None) -> tuple[dt.date, bool]:
    """The period a reading taken on `day` counts for, and whether its window is open.

    Before the window a reading waits for this month's window; after it, for next month's
    (readings after the window count for the next period).
    """
    profile = profile or UtilityProfile.get()
    period = month_start(day)
    first, last = profile.window_for(period)
    if first <= day <= last:
        return period, True
    if day < first:
        return period, False
    return add_months(period, 1), False


def previous_reading(meter: Meter, period: dt.date) -> Reading | None:
    return (
        Reading.objects.filter(meter=meter, period__lt=period, status__in=CURRENT_STATUSES)
        .order_by("-period", "-id")
        .first()
    )


def recent_history(meter: Meter, period: dt.date, months: int) -> tuple[Reading | None, Decimal | None, Decimal | None]:
    """In one query: the current reading of `period` (if any), the previous value and the
    average consumption of the last `months` current readings before it (None without
    enough history)."""
    rows = list(
        Reading.objects.filter(meter=meter, period__lte=period, status__in=CURRENT_STATUSES).order_by("-period", "-id")[
            : max(months, 1) + 1
        ]
    )
    return _history_of(rows, period, months)


History = tuple[Reading | None, Decimal | None, Decimal | None]


def _history_of(rows: list[Reading], period: dt.date, months: int) -> History:
    """recent_history() from a meter's last current readings, newest first."""
    current = rows[0] if rows and rows[0].period == period else None
    before = [r for r in rows if r.period < period][: max(months, 1)]
    previous = before[0].value if before else None
    values = [r.consumption for r in before if r.consumption is not None]
    if len(values) < MIN_HISTORY_FOR_LEAK:
        return current, previous, None
    return current, previous, sum(values, Decimal(0)) / len(values)


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


class _Decision:
    __slots__ = ("status", "reason", "text", "consumption", "flag")

    def __init__(self, status, reason="", text="", consumption=None, flag=""):
        self.status, self.reason, self.text = status, reason, text
        self.consumption, self.flag = consumption, flag


def _meter_refusal(meter: Meter, today: dt.date, profile: UtilityProfile) -> tuple[str, str] | None:
    if meter.status != MeterStatus.ACTIVE:
        if meter.status == MeterStatus.REPLACED:
            return "meter_replaced", _(
                "Meter %(serial)s has been replaced and takes no more readings. Submit the reading of the new meter."
            ) % {"serial": meter.serial_number}
        return "meter_removed", _("Meter %(serial)s has been removed and takes no more readings.") % {
            "serial": meter.serial_number
        }
    if meter.verification_expired(today):
        phone = profile.phone_readings or profile.phone_reception or profile.email
        return "verification_expired", _(
            "The verification of meter %(serial)s expired on %(date)s, so its readings cannot be accepted. "
            "Have the meter verified or replaced and send us the certificate; until then the consumption is "
            "charged by the utility's rules. Questions: %(contact)s."
        ) % {
            "serial": meter.serial_number,
            "date": date_format(meter.verification_due, "SHORT_DATE_FORMAT"),
            "contact": phone or "—",
        }
    return None


def _decide(
    meter: Meter,
    value: Decimal,
    period: dt.date,
    *,
    confirmed: bool,
    interactive: bool,
    profile: UtilityProfile,
    history: tuple | None = None,
) -> _Decision:
    _current, previous, average = history or recent_history(meter, period, profile.average_history_months)
    base = previous if previous is not None else meter.initial_reading
    consumption = consumption_between(base, value, meter.digits_before_point)
    if consumption is None:
        return _Decision(
            ReadingStatus.REJECTED,
            "lower_than_previous",
            _(
                "The reading %(value)s is lower than the previous one, %(previous)s. Check the digits on the meter "
                "(only the black or white ones before the point count)."
            )
            % {"value": _plain(value), "previous": _plain(base)},
        )
    flag = ""
    if average and average > 0 and consumption > average * profile.leak_factor:
        if interactive and not confirmed:
            return _Decision(
                ReadingStatus.REJECTED,
                "needs_confirmation",
                _(
                    "The consumption %(consumption)s is much higher than your usual %(average)s a month: "
                    "a possible leak or a typo. Check the meter and confirm the reading if it is right."
                )
                % {"consumption": _plain(consumption), "average": _plain(average.quantize(Decimal("0.1")))},
                consumption=consumption,
            )
        flag = ReadingFlag.LEAK
    return _Decision(ReadingStatus.ACCEPTED, consumption=consumption, flag=flag)


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")
    return text.rstrip(".") if "." in text else text


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
    entries: list[tuple[Meter, object, bool]],
    source: str,
    actor: User | None = None,
    ip: str | None = None,
    charge_estimator: ChargeEstimator | None = None,
) -> list[Reading]:
    """Several meters submitted together (one form, one phone call): the same rules as
    reading_submit() for each, one receipt e-mail for all. Entries are (meter, value, confirm)."""
    return _submit(entries=entries, source=source, actor=actor, taken_at=None, ip=ip, charge_estimator=charge_estimator)


def _submit(*, entries, source, actor, taken_at, ip, charge_estimator, notify=True) -> list[Reading]:
    taken_at = taken_at or timezone.now()
    for attempt in range(3):
        try:
            # The outermost transaction of a portal or API request: no savepoint.
            with transaction.atomic():
                # The new readings, their events and the receipt go to the database together.
                writes = WriteBatch()
                if len({meter.pk for meter, _value, _confirm in entries}) == len(entries):
                    readings = _submit_batch(
                        entries=entries, source=source, actor=actor, taken_at=taken_at, ip=ip, writes=writes
                    )
                else:
                    # The same meter twice (a hotline call that corrects itself): in order,
                    # so the second entry sees the first.
                    readings = []
                    for entry in entries:
                        readings += _submit_batch(
                            entries=[entry], source=source, actor=actor, taken_at=taken_at, ip=ip, writes=writes
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


def _lock_meters(
    given: dict[int, Meter], period: dt.date, months: int
) -> tuple[dict[int, Meter], list[int], dict[int, History]]:
    """The meters of one submission, re-read under a row lock in id order (two forms
    sharing meters cannot deadlock), and then their recent_history() for `period`. Only
    the meter rows are locked: locking their Service rows too would queue every
    submission of that service in the whole utility behind one lock.

    Hand-written SQL: this runs on every submission of every channel, and compiling the
    equivalent querysets took twice as long as running them.

    On PostgreSQL the lock also takes a reading id from the sequence for each meter
    (returned second; empty elsewhere): the new readings can then be written with their
    events and receipt in one statement (WriteBatch). The lock and the history go in one
    round trip with the transaction's BEGIN (pipelined()): the history query starts once
    the locks are granted, so it sees any reading committed by the submission it waited for."""
    ids = sorted(given)
    keep = max(months, 1) + 1
    history_params = [param for pk in ids for param in (pk, period)]
    with connection.cursor() as lock, connection.cursor() as history:
        with pipelined():
            lock.execute(_lock_sql(len(ids)), ids)
            history.execute(_history_sql(len(ids), keep), history_params)
        rows = lock.fetchall()
        history_rows = history.fetchall()
    meters = {m.pk: m for m in (_METER.instance(row[: len(_METER)]) for row in rows)}
    reading_ids = [row[len(_METER)] for row in rows if len(row) > len(_METER)]
    if len(meters) != len(ids):
        raise Meter.DoesNotExist("Meter matching query does not exist.")
    # The door has just read the meters with their service (a handful of rows that the
    # utility configures): reuse those rather than read them again.
    missing = set()
    for pk, meter in meters.items():
        door = given[pk]
        if door.service_id == meter.service_id and Meter.service.is_cached(door):
            meter.service = door.service
        else:
            missing.add(meter.service_id)
    if missing:
        services = Service.objects.in_bulk(missing)
        for meter in meters.values():
            if meter.service_id in missing:
                meter.service = services[meter.service_id]
    return meters, reading_ids, _histories(ids, history_rows, period, months)


def _histories(ids: list[int], rows, period: dt.date, months: int) -> dict[int, History]:
    """recent_history() of each meter from the rows of _history_sql(): each meter's last
    `months` + 1 current readings."""
    by_meter: dict[int, list[Reading]] = {pk: [] for pk in ids}
    for reading in map(_READING.instance, rows):
        by_meter[reading.meter_id].append(reading)
    for found in by_meter.values():  # UNION ALL keeps no order: newest first again
        found.sort(key=lambda r: (r.period, r.pk), reverse=True)
    return {pk: _history_of(found, period, months) for pk, found in by_meter.items()}


_METER = Columns(Meter, "m")
_READING = Columns(Reading, "r")
_insert_readings = Insert(Reading)
_insert_readings_with_ids = Insert(Reading, with_pk=True)
_sql_cache: dict[tuple, str] = {}


def _lock_sql(count: int) -> str:
    key = ("lock", connection.vendor, count)
    if key not in _sql_cache:
        qn = connection.ops.quote_name
        take_id = ""
        if connection.vendor == "postgresql":
            take_id = f", nextval(pg_get_serial_sequence('{Reading._meta.db_table}', 'id'))"
        sql = (
            f"SELECT {_METER.sql}{take_id} FROM {qn(Meter._meta.db_table)} m "
            f"WHERE m.{qn('id')} IN ({', '.join(['%s'] * count)}) ORDER BY m.{qn('id')}"
        )
        if connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        _sql_cache[key] = sql
    return _sql_cache[key]


def _history_sql(count: int, keep: int) -> str:
    key = ("history", connection.vendor, count, keep)
    if key not in _sql_cache:
        qn = connection.ops.quote_name
        # The statuses are written into the SQL, not passed: a prepared statement's
        # generic plan can then use the partial unique index of current readings.
        current = ", ".join(f"'{status}'" for status in CURRENT_STATUSES)
        one = (
            f"SELECT * FROM (SELECT {_READING.sql} FROM {qn(Reading._meta.db_table)} r "
            f"WHERE r.{qn('meter_id')} = %s AND r.{qn('period')} <= %s AND r.{qn('status')} IN ({current}) "
            f"ORDER BY r.{qn('period')} DESC, r.{qn('id')} DESC LIMIT {keep:d}) h"
        )
        _sql_cache[key] = " UNION ALL ".join([one] * count)
    return _sql_cache[key]


def _supersede(ids: list[int], writes: WriteBatch) -> None:
    key = ("supersede", connection.vendor, len(ids))
    if key not in _sql_cache:
        qn = connection.ops.quote_name
        _sql_cache[key] = (
            f"UPDATE {qn(Reading._meta.db_table)} SET {qn('status')} = %s "
            f"WHERE {qn('id')} IN ({', '.join(['%s'] * len(ids))})"
        )
    writes.add_before(_sql_cache[key], [ReadingStatus.SUPERSEDED, *ids])


def _submit_batch(*, entries, source, actor, taken_at, ip, writes: WriteBatch) -> list[Reading]:
    """Decide every entry (distinct meters) under one lock statement, from one history
    query, then write them with one UPDATE, and one INSERT of readings and one of events
    into `writes`."""
    profile = UtilityProfile.get()
    day = timezone.localdate(taken_at)
    # Every submission for a meter is decided under this lock: two devices at once or a
    # double click are serialised, and the second sees the first.
    period, window_open = reading_period_for(day, profile)
    meters, reading_ids, histories = _lock_meters(
        {meter.pk: meter for meter, _value, _confirm in entries}, period, profile.average_history_months
    )
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    interactive = source in INTERACTIVE_SOURCES
    queued: dict[int, Reading] = {}
    if not window_open:
        for r in Reading.objects.filter(meter_id__in=list(meters), period=period, status=ReadingStatus.QUEUED):
            queued.setdefault(r.meter_id, r)  # the model's ordering: newest first

    results: list[Reading | None] = []
    new: list[Reading] = []
    supersede: list[int] = []
    for given, value, confirm in entries:
        meter = meters[given.pk]
        fields = {
            "meter": meter,
            "period": period,
            "entered_value": str(value if value is not None else "")[:40],
            "taken_at": taken_at,
            "source": source,
            "entered_by": actor if actor_id else None,
        }
        try:
            _entered, used = parse_reading_value(
                value, digits_before=meter.digits_before_point, decimals=meter.service.reading_decimals
            )
        except ApplicationError as exc:
            new.append(
                Reading(
                    **fields, value=Decimal(0), status=ReadingStatus.REJECTED, reason=exc.code, reason_text=exc.message
                )
            )
            results.append(None)
            continue
        refusal = _meter_refusal(meter, day, profile)
        if refusal:
            new.append(
                Reading(**fields, value=used, status=ReadingStatus.REJECTED, reason=refusal[0], reason_text=refusal[1])
            )
            results.append(None)
            continue
        history = histories[meter.pk]
        decision = _decide(
            meter, used, period, confirmed=confirm, interactive=interactive, profile=profile, history=history
        )
        if decision.status == ReadingStatus.REJECTED:
            new.append(
                Reading(
                    **fields,
                    value=used,
                    status=decision.status,
                    reason=decision.reason,
                    reason_text=decision.text,
                    consumption=decision.consumption,
                )
            )
            results.append(None)
            continue
        if window_open:
            # Both stay in the history; the later one counts.
            replaced = history[0]
            status, reason, text = ReadingStatus.ACCEPTED, "", ""
        else:
            # Saved now, applied when the window opens; a newer early reading replaces it.
            replaced = queued.get(meter.pk)
            first, _last = profile.window_for(period)
            status, reason = ReadingStatus.QUEUED, "queued"
            text = _("The window opens on %(date)s; the reading is saved and will be applied then.") % {
                "date": date_format(first, "SHORT_DATE_FORMAT")
            }
        duplicate = _double_click(replaced, used, source, actor_id)
        if duplicate:
            results.append(duplicate)
            continue
        if replaced:
            supersede.append(replaced.pk)
        new.append(
            Reading(
                **fields,
                replaces=replaced,
                value=used,
                status=status,
                reason=reason,
                reason_text=text,
                consumption=decision.consumption,
                flag=decision.flag,
                confirmed=confirm,
            )
        )
        results.append(None)

    if supersede:
        # Before the insert: the partial unique index allows one current reading per period.
        _supersede(supersede, writes)
    if new:
        if reading_ids:
            for reading, pk in zip(new, reading_ids, strict=False):
                reading.pk = pk
            writes.add(*_insert_readings_with_ids.statement(new))
        else:
            _insert_readings(new)
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
    stored = iter(new)
    readings = []
    for found in results:
        if found is None:
            found = next(stored)
            found.duplicate = False
        readings.append(found)
    return readings


def _double_click(existing: Reading | None, used: Decimal, source: str, actor_id) -> Reading | None:
    if existing is None or existing.value != used or existing.source != source or existing.entered_by_id != actor_id:
        return None
    if (timezone.now() - existing.created).total_seconds() > DOUBLE_SUBMIT_SECONDS:
        return None
    existing.duplicate = True
    return existing


# --- receipts ------------------------------------------------------------------------


def receipt_recipients(reading: Reading) -> list[User]:
    """Who gets the e-mail receipt: the person who submitted it in the portal or app,
    otherwise (hotline, staff, a queued reading applied) the account's portal users."""
    return [u for u in _receipt_candidates(reading) if user_wants_mail(u, MailKind.READING_RECEIPT)]


def _receipt_candidates(reading: Reading) -> list[User]:
    """receipt_recipients() before their mail preferences are checked."""
    if reading.source in (ReadingSource.PORTAL, ReadingSource.API) and reading.entered_by_id:
        return [reading.entered_by]
    return list(
        User.objects.filter(
            account_accesses__account__premises_id=reading.meter.premises_id,
            account_accesses__account__closed_on__isnull=True,
            is_active=True,
        )
        .select_related("customer")
        .distinct()
    )


def receipt_charge(reading: Reading, charge_estimator: ChargeEstimator | None = None) -> Decimal | None:
    """The charge a receipt shows: the reading's consumption at today's tariff."""
    if charge_estimator and reading.status in (ReadingStatus.ACCEPTED, ReadingStatus.QUEUED) and reading.consumption:
        return charge_estimator(
            service=reading.meter.service, quantity=reading.consumption, on_date=timezone.localdate()
        )
    if reading.consumption == 0 and reading.status == ReadingStatus.ACCEPTED:
        return Decimal("0.00")
    return None


def receipt_context(reading: Reading, charge_estimator: ChargeEstimator | None = None) -> dict:
    """What a receipt shows, on screen and in the e-mail."""
    return {
        "reading": reading,
        "meter": reading.meter,
        "service_name": reading.meter.service.name,
        "unit": reading.meter.service.get_unit_display(),
        "value_changed": reading.entered_value not in ("", _plain(reading.value))
        and reading.status != ReadingStatus.REJECTED
        and _number_differs(reading),
        "charge": receipt_charge(reading, charge_estimator),
        "currency": UtilityProfile.get().currency,
        "utility": UtilityProfile.get(),
    }


def _number_differs(reading: Reading) -> bool:
    """Whether the receipt must say which number was used: it differs from the one typed
    (decimals dropped), or it was typed in another script's digits (Arabic-Indic,
    full-width), which are accepted as the number they mean."""
    if normalise_digits(reading.entered_value) != reading.entered_value:
        return True
    try:
        entered, _used = parse_reading_value(reading.entered_value, digits_before=9, decimals=3)
    except ApplicationError:
        return False
    return entered != reading.value


def _language_of(user: User, source: str = "") -> str:
    if source in (ReadingSource.PORTAL, ReadingSource.API) and translation.get_language():
        # The receipt speaks the language the customer has just used.
        return translation.get_language()[:2]
    customer = user.customer if user.customer_id else None
    return user.language or (customer.language if customer else "") or UtilityProfile.get().language_codes[0]


def readings_receipt_enqueue(
    *, readings: list[Reading], charge_estimator: ChargeEstimator | None = None, writes: WriteBatch | None = None
) -> int:
    """Queue one receipt e-mail for readings submitted together (one form, one call) to
    everyone who wants it, in the same transaction. Returns the number of messages.

    The e-mail is rendered by the outbox sender (receipt_mail_context()), not in the
    customer's request: the row keeps what the receipt must show as it was now, the
    reading's status and the estimated charge at today's tariff. With `writes` the message
    goes with that batch, and the count is of the messages sent to it."""
    readings = [r for r in readings if r.status != ReadingStatus.SUPERSEDED and not getattr(r, "duplicate", False)]
    if not readings:
        return 0
    # The mail preference of each is checked by the outbox insert itself (only_if).
    recipients = [u for u in _receipt_candidates(readings[0]) if u.email]
    if not recipients:
        return 0
    data = {"readings": []}
    for r in readings:
        charge = receipt_charge(r, charge_estimator)
        data["readings"].append({"id": r.pk, "status": r.status, "charge": None if charge is None else str(charge)})
    key = ",".join(f"{r.pk}:{r.status}" for r in readings)
    sent = 0
    for user in recipients:
        if message_enqueue_later(
            to=user.email,
            template="reading_receipt",
            data=data,
            kind=MailKind.READING_RECEIPT,
            language=_language_of(user, readings[0].source),
            user=user,
            customer_id=user.customer_id,
            dedupe_key=f"reading-receipt:{key}:{user.pk}"[:200],
            only_if=mail_wanted_sql(user_id=user.pk, kind=MailKind.READING_RECEIPT),
            batch=writes,
        ):
            sent += 1
    return sent


def receipt_mail_context(data: dict) -> dict:
    """The context of a receipt e-mail queued by readings_receipt_enqueue(), for the sender."""
    by_id = Reading.objects.select_related("meter__service").in_bulk([item["id"] for item in data["readings"]])
    receipts = []
    for item in data["readings"]:
        reading = by_id[item["id"]]
        # As it was when the receipt was issued: a later submission may have superseded it.
        reading.status = item["status"]
        receipt = receipt_context(reading)
        receipt["charge"] = None if item["charge"] is None else Decimal(item["charge"])
        receipts.append(receipt)
    return {**receipts[0], "receipts": receipts}


# --- the window opens: queued readings are applied -------------------------------------


def readings_apply_queued(*, today: dt.date | None = None, charge_estimator: ChargeEstimator | None = None) -> int:
    """Apply readings saved before their window, once it is open. Safe to re-run."""
    profile = UtilityProfile.get()
    today = today or timezone.localdate()
    period, window_open = reading_period_for(today, profile)
    if not window_open:
        return 0
    ids = list(Reading.objects.filter(status=ReadingStatus.QUEUED, period__lte=period).values_list("id", flat=True))
    for reading_id in ids:
        _apply_queued(reading_id, period, profile, today, charge_estimator)
    return len(ids)


@transaction.atomic
def _apply_queued(reading_id, period, profile, today, charge_estimator) -> None:
    reading = Reading.objects.select_related("meter__service").get(pk=reading_id)
    meter = Meter.objects.select_for_update(of=("self",)).select_related("service").get(pk=reading.meter_id)
    reading = Reading.objects.get(pk=reading_id)  # re-read under the lock
    if reading.status != ReadingStatus.QUEUED:
        return
    refusal = _meter_refusal(meter, today, profile)
    if refusal:
        status, reason, text, consumption, flag = ReadingStatus.REJECTED, refusal[0], refusal[1], None, ""
    else:
        decision = _decide(meter, reading.value, reading.period, confirmed=True, interactive=False, profile=profile)
        status, reason, text = decision.status, decision.reason, decision.text
        consumption, flag = decision.consumption, decision.flag or reading.flag
    if status == ReadingStatus.ACCEPTED:
        current = Reading.objects.filter(meter=meter, period=reading.period, status__in=CURRENT_STATUSES).first()
        if current:
            Reading.objects.filter(pk=current.pk).update(status=ReadingStatus.SUPERSEDED)
            reading.replaces = current
    reading.status, reading.reason, reading.reason_text = status, reason, text
    reading.consumption, reading.flag = consumption, flag
    reading.meter = meter
    reading.save(update_fields=["status", "reason", "reason_text", "consumption", "flag", "replaces"])
    event_record(kind=f"reading.queued_{status}", obj=reading, data={"meter": meter.pk})
    readings_receipt_enqueue(readings=[reading], charge_estimator=charge_estimator)


# --- staff ---------------------------------------------------------------------------


@transaction.atomic
def reading_correct(*, reading: Reading, value, reason: str, actor: User) -> Reading:
    """Staff correct a reading with a reason; the original stays in the history."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("reason_required", _("Give the reason for the correction."), field="reason")
    meter = Meter.objects.select_for_update(of=("self",)).select_related("service").get(pk=reading.meter_id)
    _entered, used = parse_reading_value(
        value, digits_before=meter.digits_before_point, decimals=meter.service.reading_decimals
    )
    previous = previous_reading(meter, reading.period)
    base = previous.value if previous is not None else meter.initial_reading
    consumption = consumption_between(base, used, meter.digits_before_point)
    if consumption is None:
        raise ApplicationError(
            "lower_than_previous",
            _("The value is lower than the previous reading, %(previous)s.") % {"previous": _plain(base)},
            field="value",
        )
    current = Reading.objects.filter(meter=meter, period=reading.period, status__in=CURRENT_STATUSES).first()
    if current:
        Reading.objects.filter(pk=current.pk).update(status=ReadingStatus.SUPERSEDED)
    corrected = Reading.objects.create(
        meter=meter,
        period=reading.period,
        value=used,
        entered_value=str(value)[:40],
        consumption=consumption,
        source=ReadingSource.STAFF,
        status=ReadingStatus.ACCEPTED,
        reason="corrected",
        reason_text=reason,
        flag=ReadingFlag.CORRECTED,
        entered_by=actor,
        replaces=reading,
        reviewed_at=timezone.now(),
        reviewed_by=actor,
    )
    Reading.objects.filter(pk=reading.pk, reviewed_at__isnull=True).update(
        reviewed_at=timezone.now(), reviewed_by=actor
    )
    event_record(
        kind="reading.corrected",
        actor=actor,
        obj=corrected,
        message=reason,
        data={"original": reading.pk, "from": str(reading.value), "to": str(used)},
    )
    return corrected


@transaction.atomic
def readings_review(*, readings: Iterable[Reading], actor: User) -> int:
    """Mark flagged or rejected readings as looked at."""
    ids = [r.pk for r in readings]
    count = Reading.objects.filter(pk__in=ids, reviewed_at__isnull=True).update(
        reviewed_at=timezone.now(), reviewed_by=actor
    )
    event_record(kind="reading.reviewed", actor=actor, data={"readings": ids[:500], "count": count})
    return count


def to_review_q() -> Q:
    return Q(reviewed_at__isnull=True) & (Q(status=ReadingStatus.REJECTED) | ~Q(flag=""))


# --- reminders -----------------------------------------------------------------------


def _reminder_users(premises_ids, kind: str) -> dict[int, list[User]]:
    """Portal users of open accounts at these premises who want `kind` e-mail, by premises."""
    from kabinet.customers.models import MailPreference

    disabled = set(MailPreference.objects.filter(kind=kind, enabled=False).values_list("user_id", flat=True))
    by_premises: dict[int, list[User]] = {}
    accesses = (
        AccountAccess.objects.filter(
            account__premises_id__in=list(premises_ids), account__closed_on__isnull=True, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user__customer", "account")
    )
    for access in accesses:
        if access.user_id in disabled:
            continue
        users = by_premises.setdefault(access.account.premises_id, [])
        if all(u.pk != access.user_id for u in users):
            users.append(access.user)
    return by_premises


def _send_reminder(user: User, template: str, kind: str, context: dict, dedupe_key: str) -> bool:
    language = _language_of(user)
    return (
        message_enqueue(
            to=user.email,
            template=template,
            context={**context, "user": user, "utility": UtilityProfile.get()},
            kind=kind,
            language=language,
            user=user,
            customer_id=user.customer_id,
            dedupe_key=dedupe_key,
        )
        is not None
    )


@transaction.atomic
def reading_reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """The window opens today; the window closes tomorrow and no reading yet; a meter's
    verification is due within 30 days. Each reminder once (dedupe keys): safe to re-run."""
    profile = UtilityProfile.get()
    today = today or timezone.localdate()
    sent = {"window_open": 0, "window_closes": 0, "verification": 0}
    period = month_start(today)
    first, last = profile.window_for(period)
    active = Meter.objects.filter(status=MeterStatus.ACTIVE)
    if today == first:
        premises = set(active.values_list("premises_id", flat=True))
        for _premises, users in _reminder_users(premises, MailKind.READING_REMINDER).items():
            for user in users:
                sent["window_open"] += _send_reminder(
                    user,
                    "reading_reminder",
                    MailKind.READING_REMINDER,
                    {"period": period, "first": first, "last": last, "closing": False},
                    f"reading-reminder:open:{period:%Y-%m}:{user.pk}",
                )
    if today == last - dt.timedelta(days=1):
        submitted = Reading.objects.filter(
            period=period, status__in=[*CURRENT_STATUSES, ReadingStatus.QUEUED]
        ).values_list("meter_id", flat=True)
        premises = set(active.exclude(pk__in=submitted).values_list("premises_id", flat=True))
        for _premises, users in _reminder_users(premises, MailKind.READING_REMINDER).items():
            for user in users:
                sent["window_closes"] += _send_reminder(
                    user,
                    "reading_reminder",
                    MailKind.READING_REMINDER,
                    {"period": period, "first": first, "last": last, "closing": True},
                    f"reading-reminder:closes:{period:%Y-%m}:{user.pk}",
                )
    due = list(
        active.filter(verification_due__gte=today, verification_due__lte=today + dt.timedelta(days=30)).select_related(
            "service", "premises__building"
        )
    )
    users_by_premises = _reminder_users({m.premises_id for m in due}, MailKind.VERIFICATION)
    for meter in due:
        for user in users_by_premises.get(meter.premises_id, []):
            sent["verification"] += _send_reminder(
                user,
                "meter_verification",
                MailKind.VERIFICATION,
                {"meter": meter},
                f"verification:{meter.pk}:{meter.verification_due:%Y-%m-%d}:{user.pk}",
            )
    return sent

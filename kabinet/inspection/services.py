"""Writes of the inspector's rounds: planning, recording a stop, reviewing a flagged check.

A recorded stop is idempotent: the phone's form carries a UUID made on the device, and a
resend (the offline queue, a lost answer) returns the checks already stored. An accepted
check enters billing through the one readings door (kabinet.meters.submission) as a reading
from the inspector, so the window, rollover and period rules are the same as every channel.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.customers.models import Premises, User
from kabinet.inspection import rules
from kabinet.inspection.models import (
    TRANSITIONS,
    CheckStatus,
    ControlCheck,
    Route,
    RouteStatus,
    RouteStop,
    StopOutcome,
)
from kabinet.inspection.selectors import RECORD_PERM, customer_last_reading, stop_meters
from kabinet.lib.uploads import EXTENSIONS, SNIFF_BYTES, sniff_image
from kabinet.meters.models import ReadingSource, ReadingStatus
from kabinet.meters.rules import plain
from kabinet.meters.submission import reading_submit
from kabinet.meters.values import parse_reading_value
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.services import event_record

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_NOTE = 500
MAX_STOPS = 200


# --- planning -------------------------------------------------------------------------------


@transaction.atomic
def route_plan(*, date: dt.date, inspector: User, name: str, premises: list[Premises], actor: User) -> Route:
    """A route for `inspector` on `date` through `premises`, in that order."""
    name = (name or "").strip()[:120]
    if not name:
        raise ApplicationError("empty", _("Name the route."), field="name")
    if not inspector.is_active or not inspector.is_staff or not inspector.has_perm(RECORD_PERM):
        raise ApplicationError("not_an_inspector", _("This login may not record checks."), field="inspector")
    unique = list(dict.fromkeys(premises))
    if not unique:
        raise ApplicationError("no_premises", _("Choose at least one premises."), field="premises")
    if len(unique) > MAX_STOPS:
        raise ApplicationError(
            "too_many", _("A route has at most %(count)d stops.") % {"count": MAX_STOPS}, field="premises"
        )
    route = Route.objects.create(date=date, inspector=inspector, name=name, created_by=actor)
    RouteStop.objects.bulk_create([RouteStop(route=route, premises=p, order=n) for n, p in enumerate(unique, start=1)])
    event_record(
        kind="inspection.route_planned",
        actor=actor,
        obj=route,
        data={"inspector": inspector.pk, "date": date.isoformat(), "stops": len(unique)},
    )
    return route


# --- the inspector at a stop ----------------------------------------------------------------


@dataclass(frozen=True)
class CheckInput:
    meter_id: int
    value: str  # as typed on the phone; empty when the register cannot be read
    seal_intact: bool = True
    damaged: bool = False
    note: str = ""
    photo: object = None  # an UploadedFile or None


def _photo_type(upload) -> str:
    if upload.size > MAX_PHOTO_BYTES:
        raise ApplicationError(
            "photo_too_big",
            _("The photo is larger than %(mb)d MB.") % {"mb": MAX_PHOTO_BYTES // (1024 * 1024)},
            field="photo",
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    content_type = sniff_image(head)
    if content_type is None:
        raise ApplicationError("not_an_image", _("The photo is not a JPEG, PNG or HEIC picture."), field="photo")
    return content_type


def stop_record(
    *,
    stop: RouteStop,
    inspector: User,
    outcome: str,
    client_uuid: uuid.UUID,
    checks: list[CheckInput],
    note: str = "",
    taken_at: dt.datetime | None = None,
) -> list[ControlCheck]:
    """Record a visit: its outcome and, when the meters were checked, a ControlCheck per
    meter given. Everything is checked before anything is written: bad input changes
    nothing. A resend with the same `client_uuid` returns the stored checks."""
    for attempt in range(2):
        try:
            return _stop_record(
                stop=stop,
                inspector=inspector,
                outcome=outcome,
                client_uuid=client_uuid,
                checks=checks,
                note=note,
                taken_at=taken_at or timezone.now(),
            )
        except IntegrityError:
            # The same form arrived twice at once (SQLite has no row locks): the second
            # attempt finds the first one's checks and returns them.
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _stop_record(*, stop, inspector, outcome, client_uuid, checks, note, taken_at) -> list[ControlCheck]:
    stop = RouteStop.objects.select_for_update(of=("self",)).select_related("route").get(pk=stop.pk)
    if stop.route.inspector_id != inspector.pk or stop.route.status == RouteStatus.CANCELLED:
        raise ApplicationError("not_your_stop", _("This stop is not on your route."))
    if outcome not in StopOutcome.values:
        raise ApplicationError("outcome", _("Choose what happened at this stop."), field="outcome")
    note = (note or "").strip()[:MAX_NOTE]
    replayed = list(ControlCheck.objects.filter(client_uuid=client_uuid, stop=stop).order_by("id"))
    if replayed or (outcome != StopOutcome.DONE and stop.outcome == outcome):
        return replayed  # the same form again: nothing new
    if outcome != StopOutcome.DONE:
        if stop.checks.exists():
            raise ApplicationError(
                "already_checked", _("The meters of this stop are already checked."), field="outcome"
            )
        _stop_visit(stop, outcome, note, taken_at)
        event_record(kind=f"inspection.stop_{outcome}", actor=inspector, obj=stop, data={"route": stop.route_id})
        return []

    meters = {m.pk: m for m in stop_meters(stop)}
    done = set(stop.checks.values_list("meter_id", flat=True))
    rows: list[tuple[CheckInput, object, str]] = []  # (input, value or None, photo type)
    errors: dict[int, str] = {}
    for given in checks:
        meter = meters.get(given.meter_id)
        if meter is None:
            raise ApplicationError("unknown_meter", _("This meter is not at this stop."))
        if not str(given.value or "").strip() and given.seal_intact and not given.damaged and not given.photo:
            continue  # not checked
        if meter.pk in done:
            raise ApplicationError(
                "already_checked",
                _("Meter № %(serial)s is already checked at this stop.") % {"serial": meter.serial_number},
            )
        try:
            value = None
            if str(given.value or "").strip():
                _entered, value = parse_reading_value(
                    given.value, digits_before=meter.digits_before_point, decimals=meter.service.reading_decimals
                )
            photo_type = _photo_type(given.photo) if given.photo else ""
        except ApplicationError as exc:
            errors[meter.pk] = exc.message
            continue
        rows.append((given, value, photo_type))
    if errors:
        raise ApplicationError("check_refused", _("Correct the marked meters."), extra={"meters": errors})
    if not rows:
        raise ApplicationError(
            "nothing_checked", _("Enter at least one control reading, or choose “No access”."), field="outcome"
        )

    tolerance = rules.tolerance()
    stored: list[ControlCheck] = []
    try:
        for given, value, photo_type in rows:
            meter = meters[given.meter_id]
            last = customer_last_reading(meter)
            customer_value = last.value if last is not None else None
            verdict = rules.check_verdict(
                value=value,
                customer_value=customer_value,
                tolerance=tolerance,
                seal_intact=given.seal_intact,
                damaged=given.damaged,
            )
            check = ControlCheck(
                stop=stop,
                meter=meter,
                inspector=inspector,
                value=value,
                seal_intact=given.seal_intact,
                damaged=given.damaged,
                note=(given.note or "").strip()[:MAX_NOTE],
                taken_at=taken_at,
                client_uuid=client_uuid,
                customer_value=customer_value,
                difference=verdict.difference,
                status=CheckStatus.FLAGGED if verdict.flagged else CheckStatus.OK,
                reasons=",".join(verdict.reasons),
            )
            if photo_type:
                check.photo_type = photo_type
                check.photo.save(f"x.{EXTENSIONS[photo_type]}", given.photo, save=False)
            check.save(force_insert=True)
            stored.append(check)
    except Exception:
        for check in stored:  # the rows roll back with the transaction; the files too
            if check.photo:
                check.photo.delete(save=False)
        raise
    _stop_visit(stop, StopOutcome.DONE, note, taken_at)
    event_record(
        kind="inspection.checked",
        actor=inspector,
        obj=stop,
        data={
            "route": stop.route_id,
            "checks": [c.pk for c in stored],
            "flagged": [c.pk for c in stored if c.status == CheckStatus.FLAGGED],
        },
    )
    return stored


def _stop_visit(stop: RouteStop, outcome: str, note: str, taken_at: dt.datetime) -> None:
    stop.outcome, stop.visited_at = outcome, taken_at
    if note:
        stop.note = note
    stop.save(update_fields=["outcome", "visited_at", "note"])
    # The last stop visited closes the route.
    if not RouteStop.objects.filter(route_id=stop.route_id, outcome="").exists():
        Route.objects.filter(pk=stop.route_id, status=RouteStatus.PLANNED).update(status=RouteStatus.DONE)


# --- staff review ---------------------------------------------------------------------------


def _set_status(check: ControlCheck, status: str, actor: User) -> None:
    if status not in TRANSITIONS[CheckStatus(check.status)]:
        raise ApplicationError(
            "status", _("This check is already reviewed: %(status)s.") % {"status": check.get_status_display()}
        )
    check.status, check.reviewed_at, check.reviewed_by = status, timezone.now(), actor


@transaction.atomic
def check_accept(*, check: ControlCheck, actor: User) -> ControlCheck:
    """Staff accept a flagged control reading as the billing reading (ПП 354 п. 85): it
    becomes the meter's reading from the inspector, superseding the customer's for its
    period, and the next invoice bills the difference by the usual rules. The readings
    door decides the period from the time of the check; a refusal (lower than an earlier
    reading, the window closed) changes nothing and is shown to staff."""
    check = ControlCheck.objects.select_for_update(of=("self",)).select_related("meter__service").get(pk=check.pk)
    if not rules.billing_uses_control_readings():
        raise ApplicationError("billing_off", _("Control readings are not used for billing in this deployment."))
    if check.value is None:
        raise ApplicationError("no_value", _("This check has no control reading to bill."))
    _set_status(check, CheckStatus.ACCEPTED, actor)
    reading = reading_submit(
        meter=check.meter,
        value=plain(check.value),
        source=ReadingSource.INSPECTOR,
        actor=actor,
        confirm=True,  # staff looked at it: a large difference is the point, not a typo
        taken_at=check.taken_at,
        notify=False,
    )
    if reading.status == ReadingStatus.REJECTED:
        raise ApplicationError(
            "reading_refused",
            _("The readings door refused the control reading: %(reason)s") % {"reason": reading.reason_text},
        )
    check.reading = reading
    check.save(update_fields=["status", "reviewed_at", "reviewed_by", "reading"])
    event_record(
        kind="inspection.accepted",
        actor=actor,
        obj=check,
        data={"reading": reading.pk, "value": str(check.value), "customer": str(check.customer_value)},
    )
    return check


@transaction.atomic
def check_dismiss(*, check: ControlCheck, actor: User) -> ControlCheck:
    """Staff looked at a flagged check and leave the customer's readings as they are."""
    check = ControlCheck.objects.select_for_update(of=("self",)).get(pk=check.pk)
    _set_status(check, CheckStatus.DISMISSED, actor)
    check.save(update_fields=["status", "reviewed_at", "reviewed_by"])
    event_record(kind="inspection.dismissed", actor=actor, obj=check)
    return check

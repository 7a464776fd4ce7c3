"""Staff at work on readings: a correction with its reason, and the review queue."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.customers.models import User
from kabinet.meters.models import CURRENT_STATUSES, Meter, Reading, ReadingFlag, ReadingSource, ReadingStatus
from kabinet.meters.rules import consumption_between, shown
from kabinet.meters.submission import previous_reading
from kabinet.meters.values import parse_reading_value
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.services import event_record


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
            _("The value is lower than the previous reading, %(previous)s.") % {"previous": shown(base)},
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

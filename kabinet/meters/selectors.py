from django.db.models import OuterRef, QuerySet, Subquery

from kabinet.meters.models import CURRENT_STATUSES, Meter, MeterStatus, Reading


def meters_with_last_reading(premises_id: int) -> QuerySet[Meter]:
    """Active meters of a premises, each annotated with its latest current reading (one query)."""
    last = Reading.objects.filter(meter=OuterRef("pk"), status__in=CURRENT_STATUSES).order_by("-period", "-id")
    return (
        Meter.objects.filter(premises_id=premises_id, status=MeterStatus.ACTIVE)
        .select_related("service")
        .annotate(
            last_value=Subquery(last.values("value")[:1]),
            last_period=Subquery(last.values("period")[:1]),
            last_taken_at=Subquery(last.values("taken_at")[:1]),
            last_status=Subquery(last.values("status")[:1]),
        )
        .order_by("service__sort_order", "serial_number")
    )

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kabinet.customers.models import Building
from kabinet.news.models import News, Outage, OutageStreet


def news_published(now=None) -> QuerySet[News]:
    return News.objects.published(now)


def outages_current(now=None) -> QuerySet[Outage]:
    """Current outage notices with their service and addresses (for the public page)."""
    return (
        Outage.objects.current(now)
        .select_related("service")
        .prefetch_related("buildings", "streets")
        .order_by("starts_at", "id")
    )


def outages_for_building(building: Building, now=None) -> QuerySet[Outage]:
    """Current outages affecting one building, directly or by its street: one query."""
    now = now or timezone.now()
    by_street = OutageStreet.objects.filter(outage=OuterRef("pk"), street__iexact=building.street)
    by_building = Outage.buildings.through.objects.filter(outage=OuterRef("pk"), building_id=building.pk)
    return (
        Outage.objects.current(now)
        .filter(Q(Exists(by_street)) | Q(Exists(by_building)))
        .select_related("service")
        .order_by("starts_at", "id")
    )


def outage_affected_buildings(outage: Outage) -> QuerySet[Building]:
    streets = list(outage.streets.values_list("street", flat=True))
    q = Q(outages=outage)
    for street in streets:
        q |= Q(street__iexact=street)
    return Building.objects.filter(q).distinct()

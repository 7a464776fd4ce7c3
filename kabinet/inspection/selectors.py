"""Reads of the inspector's rounds: each inspector sees only their own routes."""

import datetime as dt

from django.contrib.auth.models import Permission
from django.db.models import Count, Prefetch, Q, QuerySet

from kabinet.customers.models import Premises, User
from kabinet.inspection.models import CheckStatus, ControlCheck, Route, RouteStatus, RouteStop
from kabinet.meters.models import CURRENT_STATUSES, Meter, MeterStatus, Reading, ReadingSource

RECORD_PERM = "inspection.add_controlcheck"
# Readings that are not the customer's own word: the check is compared with the customer's.
NOT_THE_CUSTOMERS = (ReadingSource.INSPECTOR, ReadingSource.ESTIMATED)


def routes_for_inspector(user: User, *, today: dt.date, days_ahead: int = 7) -> QuerySet[Route]:
    """The login's routes from today to a week ahead, with how many stops are left."""
    return (
        Route.objects.filter(inspector=user, date__gte=today, date__lte=today + dt.timedelta(days=days_ahead))
        .exclude(status=RouteStatus.CANCELLED)
        .annotate(stop_count=Count("stops"), left=Count("stops", filter=Q(stops__outcome="")))
        .order_by("date", "name", "id")
    )


def route_for_inspector(user: User, route_id: int) -> Route | None:
    """The route if it is this login's own (another inspector's is None: a 404)."""
    return Route.objects.filter(pk=route_id, inspector=user).exclude(status=RouteStatus.CANCELLED).first()


def stop_for_inspector(user: User, stop_id: int) -> RouteStop | None:
    return (
        RouteStop.objects.filter(pk=stop_id, route__inspector=user)
        .exclude(route__status=RouteStatus.CANCELLED)
        .select_related("route", "premises__building")
        .first()
    )


def route_stops(route: Route) -> list[RouteStop]:
    """The stops in order with their premises, active meters and checks: four queries
    whatever the number of stops."""
    meters = Meter.objects.filter(status=MeterStatus.ACTIVE).select_related("service")
    return list(
        route.stops.select_related("premises__building")
        .prefetch_related(
            Prefetch(
                "premises__meters",
                queryset=meters.order_by("service__sort_order", "serial_number"),
                to_attr="active_meters",
            ),
            Prefetch(
                "checks", queryset=ControlCheck.objects.select_related("meter").order_by("id"), to_attr="recorded"
            ),
        )
        .order_by("order", "id")
    )


def stop_meters(stop: RouteStop) -> list[Meter]:
    return list(
        Meter.objects.filter(premises_id=stop.premises_id, status=MeterStatus.ACTIVE)
        .select_related("service")
        .order_by("service__sort_order", "serial_number")
    )


def customer_last_reading(meter: Meter) -> Reading | None:
    """The customer's last current reading of the meter (not an estimate, not a control reading)."""
    return (
        Reading.objects.filter(meter=meter, status__in=CURRENT_STATUSES)
        .exclude(source__in=NOT_THE_CUSTOMERS)
        .order_by("-period", "-id")
        .first()
    )


def inspectors() -> QuerySet[User]:
    """Active staff logins that may record checks (the Inspector role or a direct grant)."""
    perm = Permission.objects.filter(content_type__app_label="inspection", codename="add_controlcheck")
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions__in=perm) | Q(user_permissions__in=perm) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


def premises_to_plan(*, street: str = "", building_id: int | None = None) -> QuerySet[Premises]:
    """Premises with active meters on a street or in a building, in walking order."""
    qs = Premises.objects.filter(meters__status=MeterStatus.ACTIVE).select_related("building").distinct()
    if building_id:
        qs = qs.filter(building_id=building_id)
    elif street:
        qs = qs.filter(building__street__icontains=street.strip())
    else:
        return qs.none()
    return qs.order_by("building__street", "building__house", "apartment", "id")


def flagged_checks() -> QuerySet[ControlCheck]:
    return ControlCheck.objects.filter(status=CheckStatus.FLAGGED).select_related(
        "meter__service", "stop__premises__building", "inspector"
    )

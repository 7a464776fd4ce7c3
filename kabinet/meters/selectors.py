from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from kabinet.meters.models import CURRENT_STATUSES, Meter, MeterStatus, Reading, ReadingStatus
from kabinet.utility.models import Service
from kabinet.utility.sql import Columns


def with_last_reading(qs: QuerySet[Meter]) -> QuerySet[Meter]:
    """Annotate meters with their latest current reading (subqueries: still one query)."""
    last = Reading.objects.filter(meter=OuterRef("pk"), status__in=CURRENT_STATUSES).order_by("-period", "-id")
    return qs.annotate(
        last_value=Subquery(last.values("value")[:1]),
        last_period=Subquery(last.values("period")[:1]),
        last_taken_at=Subquery(last.values("taken_at")[:1]),
        last_status=Subquery(last.values("status")[:1]),
    )


def meters_active(premises_id: int) -> QuerySet[Meter]:
    """Active meters of a premises with their service, in the order the readings form shows them."""
    return (
        Meter.objects.filter(premises_id=premises_id, status=MeterStatus.ACTIVE)
        .select_related("service")
        .order_by("service__sort_order", "serial_number")
    )


def meters_active_by_account(user_id: int) -> dict[int, list[Meter]]:
    """meters_active() of every open account this login may open, by account id, in the
    order of accesses_for_user() (accounts without an active meter too, with none).

    One hand-written query: a portal form submission needs the meters of the account it
    is for, and the access check plus the meters as two querysets cost more to build
    than to run."""
    key = connection.vendor
    if key not in _by_account_sql:
        from kabinet.customers.models import Account, AccountAccess

        qn = connection.ops.quote_name
        meter_cols, service_cols = Columns(Meter, "m"), Columns(Service, "s")
        sql = (
            f"SELECT a.id, {meter_cols.sql}, {service_cols.sql} FROM {qn(AccountAccess._meta.db_table)} aa"
            f" JOIN {qn(Account._meta.db_table)} a ON a.id = aa.{qn('account_id')}"
            f" LEFT JOIN {qn(Meter._meta.db_table)} m ON m.{qn('premises_id')} = a.{qn('premises_id')}"
            f" AND m.{qn('status')} = %s"
            f" LEFT JOIN {qn(Service._meta.db_table)} s ON s.id = m.{qn('service_id')}"
            f" WHERE aa.{qn('user_id')} = %s AND a.{qn('closed_on')} IS NULL"
            f" ORDER BY a.{qn('number')}, s.{qn('sort_order')}, m.{qn('serial_number')}"
        )
        _by_account_sql[key] = (sql, meter_cols, service_cols)
    sql, meter_cols, service_cols = _by_account_sql[key]
    with connection.cursor() as cursor:
        cursor.execute(sql, [MeterStatus.ACTIVE, user_id])
        rows = cursor.fetchall()
    by_account: dict[int, list[Meter]] = {}
    for account_id, *row in rows:
        meters = by_account.setdefault(account_id, [])
        meter = meter_cols.instance(row[: len(meter_cols)])
        if meter is not None and all(m.pk != meter.pk for m in meters):
            meter.service = service_cols.instance(row[len(meter_cols) :])
            meters.append(meter)
    return by_account


_by_account_sql: dict[str, tuple] = {}


def meters_with_last_reading(premises_id: int) -> QuerySet[Meter]:
    """Active meters of a premises, each annotated with its latest current reading (one query)."""
    return with_last_reading(meters_active(premises_id))


def meters_for_readings_form(premises_id: int, period) -> QuerySet[Meter]:
    """Active meters of a premises for the readings form of `period` (one query): each
    with the reading the new one is compared with (last_*: the latest current reading
    before `period`) and what is already saved for `period` (saved_*: its current or
    queued reading), so the form shows that the customer's reading was kept."""
    before = Reading.objects.filter(meter=OuterRef("pk"), period__lt=period, status__in=CURRENT_STATUSES).order_by(
        "-period", "-id"
    )
    saved = Reading.objects.filter(
        meter=OuterRef("pk"), period=period, status__in=[*CURRENT_STATUSES, ReadingStatus.QUEUED]
    ).order_by("-id")
    return meters_active(premises_id).annotate(
        last_value=Subquery(before.values("value")[:1]),
        last_period=Subquery(before.values("period")[:1]),
        saved_value=Subquery(saved.values("value")[:1]),
        saved_status=Subquery(saved.values("status")[:1]),
        saved_at=Subquery(saved.values("created")[:1]),
    )


def meters_for_premises(premises_id: int) -> QuerySet[Meter]:
    """Every meter of a premises, replaced and removed ones too (their history stays)."""
    return (
        Meter.objects.filter(premises_id=premises_id)
        .select_related("service")
        .order_by("status", "service__sort_order", "serial_number")
    )


def readings_history(meter_ids, *, limit: int | None = 240) -> QuerySet[Reading]:
    """Every attempt for these meters, newest first, with what the page shows (one query)."""
    qs = (
        Reading.objects.filter(meter_id__in=list(meter_ids))
        .select_related("meter__service")
        .order_by("meter__service__sort_order", "meter__serial_number", "-period", "-created", "-id")
    )
    return qs[:limit] if limit else qs


def monthly_consumption(meter_id: int, *, months: int = 24) -> list[tuple]:
    """(period, consumption) of the current readings, oldest first."""
    rows = list(
        Reading.objects.filter(meter_id=meter_id, status__in=CURRENT_STATUSES, consumption__isnull=False)
        .order_by("-period")
        .values_list("period", "consumption")[:months]
    )
    return rows[::-1]


def meters_visible_to(user) -> QuerySet[Meter]:
    """Meters at the premises of the accounts this login may open."""
    return Meter.objects.filter(
        premises__accounts__accesses__user=user, premises__accounts__closed_on__isnull=True
    ).distinct()


def accounts_without_reading(period):
    """Open accounts with an active meter that has no current or queued reading for `period`."""
    from kabinet.customers.models import Account

    has_reading = Reading.objects.filter(
        meter__premises_id=OuterRef("premises_id"),
        meter__status=MeterStatus.ACTIVE,
        period=period,
        status__in=[*CURRENT_STATUSES, "queued"],
    )
    return (
        Account.objects.filter(closed_on__isnull=True, premises__meters__status=MeterStatus.ACTIVE)
        .exclude(Exists(has_reading))
        .select_related("customer", "premises__building")
        .distinct()
        .order_by("number")
    )

"""The hand-written SQL of a reading submission's write path, and nothing else.

A reading submission runs on every channel and peaks on the last evening of the window
(see bench/bench_readings_http.py). Compiling the equivalent querysets took twice as long
as running them, so these few statements are written once per database vendor and kept:

- lock_meters(): the submitted meters under a row lock, each meter's recent history and,
  on PostgreSQL, a reading id per meter from the sequence, in one round trip with the
  transaction's BEGIN (pipelined());
- readings_supersede() and readings_insert(): the writes, added to the submission's
  WriteBatch so they go to the database with its events and receipt in one statement.

kabinet.meters.submission reads as if these were ORM calls; nothing else uses them.
"""

import datetime as dt

from django.db import connection

from kabinet.meters.models import CURRENT_STATUSES, Meter, Reading, ReadingStatus
from kabinet.meters.rules import History, history_of
from kabinet.utility.models import Service
from kabinet.utility.sql import Columns, Insert, WriteBatch, pipelined

_METER = Columns(Meter, "m")
_READING = Columns(Reading, "r")
_insert_readings = Insert(Reading)
_insert_readings_with_ids = Insert(Reading, with_pk=True)
_sql_cache: dict[tuple, str] = {}


def lock_meters(given: dict[int, Meter], period: dt.date, months: int) -> tuple[dict[int, Meter], list[int], dict]:
    """The meters of one submission, re-read under a row lock in id order (two forms
    sharing meters cannot deadlock), then each one's History for `period` (the last
    `months` + 1 current readings). Only the meter rows are locked: locking their Service
    rows too would queue every submission of that service in the whole utility.

    On PostgreSQL the lock also takes a reading id from the sequence for each meter
    (returned second; empty elsewhere), so the new readings can be written with their
    events and receipt in one statement. The history query starts once the locks are
    granted, so it sees any reading committed by the submission it waited for."""
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
    by_meter: dict[int, list[Reading]] = {pk: [] for pk in ids}
    for reading in map(_READING.instance, rows):
        by_meter[reading.meter_id].append(reading)
    for found in by_meter.values():  # UNION ALL keeps no order: newest first again
        found.sort(key=lambda r: (r.period, r.pk), reverse=True)
    return {pk: history_of(found, period, months) for pk, found in by_meter.items()}


def readings_supersede(ids: list[int], writes: WriteBatch) -> None:
    """Mark these readings superseded, first in the batch: the partial unique index allows
    one current reading per meter and period."""
    key = ("supersede", connection.vendor, len(ids))
    if key not in _sql_cache:
        qn = connection.ops.quote_name
        _sql_cache[key] = (
            f"UPDATE {qn(Reading._meta.db_table)} SET {qn('status')} = %s "
            f"WHERE {qn('id')} IN ({', '.join(['%s'] * len(ids))})"
        )
    writes.add_before(_sql_cache[key], [ReadingStatus.SUPERSEDED, *ids])


def readings_insert(readings: list[Reading], reading_ids: list[int], writes: WriteBatch) -> None:
    """Insert the new readings: with the ids lock_meters() took, into the batch; without
    them (SQLite), now, with their ids returned."""
    if reading_ids:
        for reading, pk in zip(readings, reading_ids, strict=False):
            reading.pk = pk
        writes.add(*_insert_readings_with_ids.statement(readings))
    else:
        _insert_readings(readings)


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

"""Meter-reading files, set-based: rows go into a staging table (COPY on PostgreSQL),
are checked with SQL against each meter's previous reading, rollover and the window,
then stored with one INSERT … SELECT. All or nothing per file; the file's checksum
makes a second import of the same file a no-op.

Python does only what needs no history (which meter, the number, the period); SQL does
the rest for all rows at once. Readings from files are machine-read: no leak question.
"""

import datetime as dt
import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.customers.models import User
from kabinet.lib import bulk
from kabinet.lib.readingfiles import FileFormatError, read_reading_file
from kabinet.meters.models import Meter, MeterStatus, ReadingImport, ReadingSource
from kabinet.meters.services import reading_period_for
from kabinet.meters.values import parse_reading_value
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record

REASONS = {
    "unknown_meter": gettext_lazy("No active meter has this serial number."),
    "bad_date": gettext_lazy("The date is missing or not a date."),
    "outside_window": gettext_lazy("The date is outside the reading window."),
    "meter_closed": gettext_lazy("The meter has been replaced or removed."),
    "verification_expired": gettext_lazy("The meter's verification had expired on that date."),
    "duplicate_in_file": gettext_lazy("A later row in the file has a reading for the same meter and period."),
    "lower_than_previous": gettext_lazy("Lower than the previous reading, and not a rollover."),
    "not_a_number": gettext_lazy("Not a number."),
    "negative": gettext_lazy("A reading cannot be negative."),
    "too_many_digits": gettext_lazy("More digits than the meter has."),
    "empty": gettext_lazy("No value."),
}
ROLLOVER_SHARE = Decimal("0.1")
_FAST_NUMBER = re.compile(r"^\d{1,9}(?:\.\d{1,9})?$")
PREVIEW_ROWS = 200
CURRENT = ("accepted", "estimated")


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    sample: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    already_imported: ReadingImport | None = None
    batch: ReadingImport | None = None


def file_checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _MeterInfo:
    __slots__ = ("id", "decimals", "digits", "due", "active", "modulus")

    def __init__(self, id, decimals, digits, due, active):
        self.id, self.decimals, self.digits, self.due, self.active = id, decimals, digits, due, active
        self.modulus = 10**digits


def _meter_map() -> dict[str, _MeterInfo]:
    """Every meter by serial (active ones win over replaced ones with the same serial)."""
    meters: dict[str, _MeterInfo] = {}
    rows = Meter.objects.values_list(
        "serial_number", "id", "service__reading_decimals", "digits_before_point", "verification_due", "status"
    ).order_by("status")  # "active" sorts first
    for serial, pk, decimals, digits, due, status in rows.iterator(chunk_size=20000):
        if serial not in meters:
            meters[serial] = _MeterInfo(pk, decimals, digits, due, status == MeterStatus.ACTIVE)
    return meters


_QUANTS = [Decimal(1).scaleb(-n) for n in range(4)]


def _fast_value(raw: str, info: _MeterInfo) -> str | None:
    """Plain ASCII digits with an optional dot, as meter-reading systems write them: the
    value used, as text (fraction beyond the service's decimals dropped); None for
    anything else (the full parser decides)."""
    if not _FAST_NUMBER.match(raw):
        return None
    dot = raw.find(".")
    whole = raw if dot < 0 else raw[:dot]
    if len(whole) > info.digits and len(whole.lstrip("0")) > info.digits:
        return None
    if dot >= 0 and len(raw) - dot - 1 > info.decimals:
        return raw[: dot + 1 + info.decimals] if info.decimals else whole  # dropped, not rounded
    return raw


def _staged_rows(rows, meters, profile, pg: bool):
    """(row_no, serial, meter_id, period, value, entered, taken_at, modulus, error) per file row.

    Dates, periods and numbers go out as text (COPY parses text faster than psycopg adapts
    date and Decimal objects); each distinct day is worked out once."""
    days: dict[dt.date, tuple[str, bool, str]] = {}
    tz = timezone.get_current_timezone()
    for row_no, serial, day, raw in rows:
        info = meters.get(serial)
        error = ""
        value = None
        period = None
        taken = None
        open_ = False
        if day is not None:
            cached = days.get(day)
            if cached is None:
                target, is_open = reading_period_for(day, profile)
                noon = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
                stamp = noon.isoformat() if pg else noon.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
                cached = days[day] = (target.isoformat(), is_open, stamp)
            period, open_, taken = cached
        if info is None:
            error = "unknown_meter"
        elif day is None:
            error = "bad_date"
        elif not info.active:
            error = "meter_closed"
        elif info.due is not None and info.due < day:
            error = "verification_expired"
        elif not open_:
            error = "outside_window"
        elif (value := _fast_value(raw, info)) is not None:
            pass
        else:
            try:
                _entered, number = parse_reading_value(raw, digits_before=info.digits, decimals=info.decimals)
                value = str(number)
            except ApplicationError as exc:
                error = exc.code
        yield (
            row_no,
            serial[:40],
            info.id if info else None,
            period,
            value,
            raw[:40],
            taken,
            info.modulus if info else None,
            error,
        )


def _stage(table: str, rows) -> int:
    """Create the staging table and fill it: COPY on PostgreSQL, executemany elsewhere."""
    pg = connection.vendor == "postgresql"
    # PostgreSQL: an unlogged table (shared buffers, no WAL) rather than a temporary one
    # (a few MB of local buffers); created and dropped inside the import's transaction.
    temp = "UNLOGGED" if pg else "TEMP"
    with connection.cursor() as cursor:
        if pg:
            # Big sorts for the window functions stay in memory; JIT compilation costs seconds
            # on these one-off queries and saves nothing.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            f"CREATE {temp} TABLE {table} (row_no integer, serial varchar(40), meter_id bigint, period date, "
            f"value numeric(14,3), entered varchar(40), taken_at {'timestamptz' if pg else 'datetime'}, "
            "modulus numeric(14,0), error varchar(30), consumption numeric(14,3))"
        )
        count = 0
        columns = "row_no, serial, meter_id, period, value, entered, taken_at, modulus, error"
        if pg:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            batch = []
            for row in rows:
                batch.append(tuple(str(v) if isinstance(v, Decimal) else v for v in row))
                if len(batch) >= 5000:
                    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (?,?,?,?,?,?,?,?,?)", batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (?,?,?,?,?,?,?,?,?)", batch)
                count += len(batch)
    return count


def _check(table: str) -> str:
    """Decide every staged row into a `<table>_checked` table; returns its name.

    One sort of the valid rows by meter, period, time and row serves every window: within
    a meter and period the latest row (last in that order) wins and the others are
    duplicates; the winner's previous in the file is the winner of the meter's period
    before, which is exactly `cnt` rows back (cnt = rows of its own period). Only a
    meter's first period in the file looks up the database's previous reading (an index
    probe per meter). Rows already refused in Python are copied through."""
    pg = connection.vendor == "postgresql"
    checked = f"{table}_checked"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE {"UNLOGGED" if pg else "TEMP"} TABLE {checked} AS
            WITH counted AS (
                SELECT t.*, COUNT(*) OVER (PARTITION BY meter_id, period) AS cnt,
                    ROW_NUMBER() OVER (PARTITION BY meter_id, period ORDER BY taken_at, row_no) AS k
                FROM {table} t WHERE t.error = ''
            ),
            chained AS (
                SELECT c.*, c.cnt - c.k + 1 AS rn,
                    LAG(c.value, CAST(c.cnt AS integer)) OVER (
                        PARTITION BY c.meter_id ORDER BY c.period, c.taken_at, c.row_no) AS prev_in_file
                FROM counted c
            ),
            previous AS (
                SELECT row_no, serial, meter_id, period, value, entered, taken_at, modulus, rn,
                    CASE WHEN rn = 1 THEN COALESCE(
                        prev_in_file,
                        (SELECT p.value FROM meters_reading p
                          WHERE p.meter_id = chained.meter_id AND p.period < chained.period
                            AND p.status IN ('accepted', 'estimated')
                          ORDER BY p.period DESC, p.id DESC LIMIT 1),
                        (SELECT m.initial_reading FROM meters_meter m WHERE m.id = chained.meter_id)
                    ) END AS prev
                FROM chained
            )
            SELECT row_no, serial, meter_id, period, value, entered, taken_at,
                CASE WHEN rn > 1 THEN 'duplicate_in_file'
                     WHEN value >= prev THEN ''
                     WHEN value + modulus - prev < modulus * {ROLLOVER_SHARE} THEN ''
                     ELSE 'lower_than_previous' END AS error,
                CASE WHEN rn > 1 THEN NULL
                     WHEN value >= prev THEN value - prev
                     WHEN value + modulus - prev < modulus * {ROLLOVER_SHARE} THEN value + modulus - prev
                     END AS consumption
            FROM previous
            UNION ALL
            SELECT row_no, serial, meter_id, period, value, entered, taken_at, error, NULL
            FROM {table} WHERE error <> ''
            """
        )
        cursor.execute(f"DROP TABLE {table}")
        if pg:
            # Fresh statistics: without them the planner guesses a thousand rows and probes
            # the readings index once per staged row when superseding.
            cursor.execute(f"ANALYZE {checked}")
    return checked


def _summary(table: str, report: ImportReport) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT error, COUNT(*) FROM {table} GROUP BY error")
        for error, count in cursor.fetchall():
            report.rows += count
            if error:
                report.rejected += count
                report.by_reason[error] = count
            else:
                report.accepted += count
        cursor.execute(
            f"SELECT row_no, serial, entered, period, consumption, error FROM {table} "
            f"ORDER BY (error = '') , row_no LIMIT {PREVIEW_ROWS}"
        )
        for row_no, serial, entered, period, consumption, error in cursor.fetchall():
            report.sample.append(
                {
                    "row": row_no,
                    "serial": serial,
                    "value": entered,
                    "period": period,
                    "consumption": consumption,
                    "error": error,
                    "reason": str(REASONS.get(error, error)) if error else "",
                }
            )


def _run(name: str, data: bytes, *, commit: bool, actor=None) -> ImportReport:
    report = ImportReport(file_name=name, sha256=file_checksum(data))
    report.already_imported = ReadingImport.objects.filter(sha256=report.sha256).first()
    if report.already_imported and commit:
        return report
    try:
        rows = read_reading_file(name, data)
    except FileFormatError as exc:
        raise ApplicationError("bad_file", _("The file could not be read: %(error)s") % {"error": exc}) from exc
    table = f"reading_stage_{uuid.uuid4().hex[:12]}"
    profile = UtilityProfile.get()
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.timings[step] = round(now - clock, 3)
        clock = now

    with transaction.atomic():
        meters = _meter_map()
        lap("meters")
        try:
            _stage(table, _staged_rows(rows, meters, profile, connection.vendor == "postgresql"))
        except FileFormatError as exc:
            raise ApplicationError("bad_file", _("The file could not be read: %(error)s") % {"error": exc}) from exc
        lap("stage")
        table = _check(table)
        lap("check")
        _summary(table, report)
        lap("summary")
        if report.rows == 0:
            raise ApplicationError("empty_file", _("The file has no readings."))
        if commit:
            report.batch = _store(table, report, actor, name, lap)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {table}")
        lap("event")
    lap("commit")
    return report


def _store(table: str, report: ImportReport, actor, name: str, lap=lambda step: None) -> ReadingImport:
    batch = ReadingImport.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        file_name=name[:255],
        sha256=report.sha256,
        rows=report.rows,
        accepted=report.accepted,
        rejected=report.rejected,
    )
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    with connection.cursor() as cursor:
        # The file's readings replace the current ones of the same periods (kept as history).
        # The periods as literals: the planner then sees how few current readings they have
        # and starts from those (an index range), instead of probing the readings index
        # once per file row.
        cursor.execute(f"SELECT DISTINCT period FROM {table} WHERE error = ''")
        periods = [row[0] for row in cursor.fetchall()]
        if periods:
            cursor.execute(
                f"""
                UPDATE meters_reading SET status = 'superseded'
                WHERE status IN ('accepted', 'estimated')
                  AND period IN ({", ".join(["%s"] * len(periods))})
                  AND EXISTS (
                    SELECT 1 FROM {table} s WHERE s.error = '' AND s.meter_id = meters_reading.meter_id
                      AND s.period = meters_reading.period)
                """,
                periods,
            )
        lap("supersede")
        reason_case = " ".join(f"WHEN '{code}' THEN %s" for code in REASONS)
        parents = {
            Meter._meta.db_table: f"SELECT meter_id AS id FROM {table} WHERE period IS NOT NULL",
            User._meta.db_table: [actor_id],
        }
        with bulk.triggers_off(cursor, parents) as off:  # never off on SQLite
            if connection.vendor == "postgresql" and not off:
                # No privilege to skip the per-row foreign-key triggers: check at the end of
                # the INSERT rather than queue a million deferred events for the commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            _insert_rows(
                cursor,
                table,
                reason_case,
                [now, ReadingSource.FILE, *[str(v) for v in REASONS.values()], actor_id, False, batch.pk],
            )
    lap("insert")
    event_record(
        kind="reading.file_imported",
        actor=actor,
        obj=batch,
        message=name,
        data={"rows": report.rows, "accepted": report.accepted, "rejected": report.rejected, **report.by_reason},
    )
    return batch


def _insert_rows(cursor, table: str, reason_case: str, params: list) -> None:
    cursor.execute(
        f"""
        INSERT INTO meters_reading (meter_id, period, value, entered_value, consumption, taken_at, created,
            source, status, reason, reason_text, entered_by_id, confirmed, flag, batch_id)
        SELECT meter_id, period, COALESCE(value, 0), entered, consumption, taken_at, %s,
            %s, CASE WHEN error = '' THEN 'accepted' ELSE 'rejected' END, error,
            CASE error WHEN '' THEN '' {reason_case} ELSE '' END, %s, %s, '', %s
        FROM {table}
        WHERE meter_id IS NOT NULL AND period IS NOT NULL
        -- By meter (then in file order): each index page of a meter's readings is
        -- touched once, not once per month of the file.
        ORDER BY meter_id, period, row_no
        """,
        params,
    )


def readings_import_preview(*, name: str, data: bytes) -> ImportReport:
    """What importing the file would do, row by row; changes nothing."""
    return _run(name, data, commit=False)


def readings_import(*, name: str, data: bytes, actor=None) -> ImportReport:
    """Import the file: all rows in one transaction; the same file again changes nothing."""
    return _run(name, data, commit=True, actor=actor)

"""Meter-reading files, set-based: rows go into a staging table (COPY on PostgreSQL),
are checked with SQL against each meter's previous reading, rollover and the window,
then stored with one INSERT … SELECT. All or nothing per file.

A second import of the same readings is a no-op: the same bytes (checksum), and the same
rows saved by another program (BOM, line endings, delimiter, decimal comma, number or text
cells: the rows' fingerprint) are refused as already imported. Row by row, a reading equal
to the meter's current one for that period is not stored again ("unchanged").

Python does only what needs no history (which meter, the number, the period, a date in
the future); SQL does the rest for all rows at once. The leak suspicion is the portal's
(consumption above the leak factor times the average of the last months): a file cannot
ask "are you sure?", so, like an e-mail or SMS reading, the row is accepted and flagged
for review rather than refused; refusing would drop a real leak's reading, the one that
matters most for the bill, and staff see the flagged rows in the preview and in the
readings to review.
"""

import datetime as dt
import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.customers.models import User
from kabinet.lib import bulk
from kabinet.lib.readingfiles import FileFormatError, RowsDigest, read_reading_file
from kabinet.meters.models import (
    Meter,
    MeterStatus,
    ReadingFlag,
    ReadingImport,
    ReadingSource,
    verification_expired_on,
)
from kabinet.meters.rules import MIN_HISTORY_FOR_LEAK, REASONS, ROLLOVER_SHARE, reading_period_for
from kabinet.meters.values import parse_reading_value
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record

# Not a rejection: the meter already has this very reading for the period; not stored again.
UNCHANGED = "unchanged"
_FAST_NUMBER = re.compile(r"^\d{1,9}(?:\.\d{1,9})?$")
PREVIEW_ROWS = 200
CURRENT = ("accepted", "estimated")


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    fingerprint: str = ""
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    unchanged: int = 0
    flagged: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    sample: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    already_imported: ReadingImport | None = None
    batch: ReadingImport | None = None


def file_checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _MeterInfo:
    __slots__ = ("id", "serial", "decimals", "digits", "due", "active", "modulus")

    def __init__(self, id, serial, decimals, digits, due, active):
        self.id, self.serial, self.decimals, self.digits, self.due = id, serial, decimals, digits, due
        self.active = active
        self.modulus = 10**digits


# Two or more meters whose serials differ only in leading zeros: a number cell cannot say which.
AMBIGUOUS = _MeterInfo(None, "", 0, 1, None, False)


class _Meters(dict):
    """Every meter by serial (active ones win over replaced ones with the same serial).

    A spreadsheet that typed "012345" as a number gives 12345: a digits-only serial that
    names no meter is matched on its digits without leading zeros, when exactly one
    meter's serial has them (AMBIGUOUS when several do)."""

    def __init__(self):
        super().__init__()
        self.by_digits: dict[str, _MeterInfo] | None = None

    def find(self, serial: str) -> _MeterInfo | None:
        info = self.get(serial)
        if info is not None or not serial.isdigit():
            return info
        if self.by_digits is None:  # built on the first miss: most files never need it
            self.by_digits = {}
            for known, candidate in self.items():
                if known.isdigit():
                    key = known.lstrip("0")
                    self.by_digits[key] = AMBIGUOUS if key in self.by_digits else candidate
        return self.by_digits.get(serial.lstrip("0"))


def _meter_map() -> _Meters:
    meters = _Meters()
    rows = Meter.objects.values_list(
        "serial_number", "id", "service__reading_decimals", "digits_before_point", "verification_due", "status"
    ).order_by("status")  # "active" sorts first
    for serial, pk, decimals, digits, due, status in rows.iterator(chunk_size=20000):
        if serial not in meters:
            meters[serial] = _MeterInfo(pk, serial, decimals, digits, due, status == MeterStatus.ACTIVE)
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


def _staged_rows(rows, meters: _Meters, profile, pg: bool, digest: RowsDigest | None = None):
    """(row_no, serial, meter_id, period, value, entered, taken_at, modulus, error) per file row.

    Dates, periods and numbers go out as text (COPY parses text faster than psycopg adapts
    date and Decimal objects); each distinct day is worked out once. Each row also goes
    into `digest` as (the matched meter's serial, the ISO date, the value)."""
    days: dict[dt.date, tuple[str, bool, str, str, bool]] = {}
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    add = digest.add if digest is not None else None
    for row_no, serial, day, raw in rows:
        info = meters.get(serial)
        if info is None:
            info = meters.find(serial)
        error = ""
        value = None
        period = None
        taken = None
        open_ = False
        iso = ""
        future = False
        if day is not None:
            cached = days.get(day)
            if cached is None:
                target, is_open = reading_period_for(day, profile)
                noon = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
                stamp = noon.isoformat() if pg else noon.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
                cached = days[day] = (target.isoformat(), is_open, stamp, day.isoformat(), day > today)
            period, open_, taken, iso, future = cached
        if add is not None:
            add(info.serial if info is not None and info.id is not None else serial, iso, raw)
        if info is None:
            error = "unknown_meter"
        elif info is AMBIGUOUS:
            error = "ambiguous_serial"
            info = None
        elif day is None:
            error = "bad_date"
        elif future:
            error = "future_date"
        elif not info.active:
            error = "meter_closed"
        elif verification_expired_on(info.due, day):
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
                     END AS consumption,
                CAST('' AS varchar(20)) AS flag
            FROM previous
            UNION ALL
            SELECT row_no, serial, meter_id, period, value, entered, taken_at, error, NULL, ''
            FROM {table} WHERE error <> ''
            """
        )
        cursor.execute(f"DROP TABLE {table}")
        if pg:
            # Fresh statistics: without them the planner guesses a thousand rows and probes
            # the readings index once per staged row when superseding.
            cursor.execute(f"ANALYZE {checked}")
    return checked


def _flag_leaks(table: str, profile: UtilityProfile) -> None:
    """Flag accepted rows whose consumption is above the leak factor times the average of
    the meter's last months, as the portal does (kabinet.meters.rules.leak_suspected): the
    history is the meter's current readings before its first period in the file followed
    by the file's own accepted rows, averaged over the `average_history_months` readings
    before each row, with at least MIN_HISTORY_FOR_LEAK consumptions. One window over all
    meters; on PostgreSQL the history is an index probe per meter (LIMIT months)."""
    months = max(int(profile.average_history_months), 1)
    current = "'accepted', 'estimated'"
    if connection.vendor == "postgresql":
        history = f"""
            SELECT f.meter_id, h.period, h.consumption, CAST(NULL AS integer) AS row_no
            FROM firsts f CROSS JOIN LATERAL (
                SELECT p.period, p.consumption FROM meters_reading p
                WHERE p.meter_id = f.meter_id AND p.period < f.first AND p.status IN ({current})
                ORDER BY p.period DESC, p.id DESC LIMIT {months}) h"""
    else:
        history = f"""
            SELECT p.meter_id, p.period, p.consumption, NULL AS row_no
            FROM meters_reading p JOIN firsts f ON p.meter_id = f.meter_id
            WHERE p.period < f.first AND p.status IN ({current})"""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH firsts AS (
                SELECT meter_id, MIN(period) AS first FROM {table} WHERE error = '' GROUP BY meter_id
            ),
            series AS (
                {history}
                UNION ALL
                SELECT meter_id, period, consumption, row_no FROM {table} WHERE error = ''
            ),
            averaged AS (
                SELECT row_no, consumption,
                    AVG(consumption) OVER w AS average, COUNT(consumption) OVER w AS known
                FROM series
                WINDOW w AS (PARTITION BY meter_id ORDER BY period ROWS BETWEEN {months} PRECEDING AND 1 PRECEDING)
            )
            UPDATE {table} SET flag = %s WHERE row_no IN (
                SELECT row_no FROM averaged
                WHERE row_no IS NOT NULL AND known >= {MIN_HISTORY_FOR_LEAK} AND average > 0
                  AND consumption > average * %s)
            """,
            [ReadingFlag.LEAK, profile.leak_factor],
        )


def _mark_unchanged(table: str) -> None:
    """A row equal to the meter's current reading of its period is that reading, already
    stored (by an earlier file or another channel): it is not stored a second time."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT period FROM {table} WHERE error = ''")
        periods = [row[0] for row in cursor.fetchall()]
        if not periods:
            return
        # The periods as literals, as in _store(): the planner starts from the current
        # readings of those periods rather than probing once per file row.
        cursor.execute(
            f"""
            UPDATE {table} SET error = %s, flag = ''
            WHERE error = '' AND EXISTS (
                SELECT 1 FROM meters_reading r
                WHERE r.status IN ('accepted', 'estimated')
                  AND r.period IN ({", ".join(["%s"] * len(periods))})
                  AND r.meter_id = {table}.meter_id AND r.period = {table}.period AND r.value = {table}.value)
            """,
            [UNCHANGED, *periods],
        )


def _as_date(value) -> dt.date | None:
    # SQLite hands dates back as text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _as_decimal(value) -> Decimal | None:
    # SQLite computes on numeric columns as binary floats (4.700000000000003): the
    # float's shortest repr at the 3 decimals the readings table keeps.
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(_QUANTS[3])


def _summary(table: str, report: ImportReport) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT error, flag, COUNT(*) FROM {table} GROUP BY error, flag")
        for error, flag, count in cursor.fetchall():
            report.rows += count
            if error == UNCHANGED:
                report.unchanged += count
            elif error:
                report.rejected += count
                report.by_reason[error] = report.by_reason.get(error, 0) + count
            else:
                report.accepted += count
                if flag:
                    report.flagged += count
        # Refused rows first, then the flagged ones: what staff must look at before importing.
        cursor.execute(
            f"SELECT row_no, serial, entered, value, period, consumption, error, flag FROM {table} "
            f"ORDER BY (error = '' OR error = %s), (flag = ''), row_no LIMIT {PREVIEW_ROWS}",
            [UNCHANGED],
        )
        for row_no, serial, entered, value, period, consumption, error, flag in cursor.fetchall():
            report.sample.append(
                {
                    "row": row_no,
                    "serial": serial,
                    "value": entered,
                    "used": _as_decimal(value) if not error or error == UNCHANGED else None,
                    "period": _as_date(period),
                    "consumption": _as_decimal(consumption),
                    "error": "" if error == UNCHANGED else error,
                    "unchanged": error == UNCHANGED,
                    "flag": flag,
                    "reason": str(REASONS.get(error, error)) if error and error != UNCHANGED else "",
                }
            )


def reason_counts(report: ImportReport) -> list[tuple[str, str, int]]:
    """(code, translated reason, rows) of the report's refused rows, most frequent first."""
    return [
        (code, str(REASONS.get(code, code)), count)
        for code, count in sorted(report.by_reason.items(), key=lambda item: (-item[1], item[0]))
    ]


def _run(name: str, data: bytes, *, commit: bool, actor=None) -> ImportReport:
    report = ImportReport(file_name=name, sha256=file_checksum(data))
    # The very same bytes: known before reading a row.
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

    digest = RowsDigest()
    with transaction.atomic():
        meters = _meter_map()
        lap("meters")
        try:
            _stage(table, _staged_rows(rows, meters, profile, connection.vendor == "postgresql", digest))
        except FileFormatError as exc:
            raise ApplicationError("bad_file", _("The file could not be read: %(error)s") % {"error": exc}) from exc
        lap("stage")
        report.fingerprint = digest.hexdigest()
        if report.already_imported is None:
            # The same rows in other bytes (another program, encoding, delimiter, line ending).
            report.already_imported = ReadingImport.objects.filter(fingerprint=report.fingerprint).first()
            if report.already_imported and commit:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP TABLE {table}")
                return report
        table = _check(table)
        lap("check")
        _flag_leaks(table, profile)
        lap("leaks")
        _mark_unchanged(table)
        lap("unchanged")
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
    try:
        with transaction.atomic():
            batch = ReadingImport.objects.create(
                actor=actor if getattr(actor, "pk", None) else None,
                file_name=name[:255],
                sha256=report.sha256,
                fingerprint=report.fingerprint or None,
                rows=report.rows,
                accepted=report.accepted,
                rejected=report.rejected,
            )
    except IntegrityError as exc:  # the same file imported by someone else meanwhile
        raise ApplicationError("already_imported", _("This file was already imported; nothing changed.")) from exc
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
        data={
            "rows": report.rows,
            "accepted": report.accepted,
            "rejected": report.rejected,
            "unchanged": report.unchanged,
            "flagged": report.flagged,
            "fingerprint": report.fingerprint,
            **report.by_reason,
        },
    )
    return batch


def _insert_rows(cursor, table: str, reason_case: str, params: list) -> None:
    cursor.execute(
        f"""
        INSERT INTO meters_reading (meter_id, period, value, entered_value, consumption, taken_at, created,
            source, status, reason, reason_text, entered_by_id, confirmed, flag, batch_id)
        SELECT meter_id, period, COALESCE(value, 0), entered, consumption, taken_at, %s,
            %s, CASE WHEN error = '' THEN 'accepted' ELSE 'rejected' END, error,
            CASE error WHEN '' THEN '' {reason_case} ELSE '' END, %s, %s, flag, %s
        FROM {table}
        WHERE meter_id IS NOT NULL AND period IS NOT NULL AND error <> '{UNCHANGED}'
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

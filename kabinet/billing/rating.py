"""The rating engine: what one account owes for one period, computed in plain Python.

Everything the engine needs is loaded in bulk by kabinet.billing.runs (a few queries per
chunk of accounts) into the small input records below; rate_account() then works
without touching the database, so the same code serves the billing run, the preview and
the tests. Periods inside the engine are month indexes (year * 12 + month - 1).

Metered consumption for a meter is the difference of two real (accepted) readings. A
meter installed during the history counts its initial reading as a real reading taken at
the end of the month before installation; a meter removed during the period counts its
final reading as the period's reading (so a meter replaced mid-period counts both).

Missing current reading (RF Decree 354 p.59-60): the average monthly consumption of the
last `history` months before the last real reading (at least `min_months` for a meter
installed less than `history` months ago) for at most `max_periods` periods
(`max_periods_failed` counted from the verification expiry for an expired meter), then
the norm per resident (times `norm_coefficient_failed` for an expired meter).

When a real reading arrives after periods billed by average, the consumption between it
and the previous real reading is spread evenly over the months in between (periods billed
by norm keep their volume) and each averaged period gets a correction line for the
difference, at that period's price, with its reason.

A tariff's price is net (VAT is added on top) or gross, published with VAT as Russian
household tariffs are: then the line's total is the published price × quantity rounded
once, and the VAT is the part of it the law names (line_money()). Lines priced from a
gross tariff say so in their details ("vat_included"), so a later correction of the
period is priced the same way.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from kabinet.lib.money import CENT

ZERO = Decimal("0")
ZERO_MONEY = Decimal("0.00")
HUNDRED = Decimal("100")
VOLUME = Decimal("0.001")
QUANTITY = Decimal("0.0001")

# Method codes (the values of kabinet.billing.models.Method; kept here Django-free).
METERED = "metered"
AVERAGE = "average"
NORM = "norm"
NORM_COEFFICIENT = "norm_coef"
AREA = "area"
RESIDENTS = "residents"
FIXED = "fixed"
PARENT = "parent"
ESTIMATES = (AVERAGE, NORM, NORM_COEFFICIENT)

# The key in a line's details that says its price included VAT.
VAT_INCLUDED = "vat_included"

CHARGE = "charge"
CORRECTION = "correction"
PENALTY = "penalty"


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_date(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


_LABELS: dict[int, str] = {}


def period_label(index: int) -> str:
    label = _LABELS.get(index)
    if label is None:
        label = _LABELS[index] = f"{index % 12 + 1:02d}.{index // 12}"
    return label


# --- inputs -----------------------------------------------------------------------------


@dataclass(slots=True)
class PriceSegment:
    """A tariff in force for part of the period (a mid-month change gives two)."""

    first: dt.date
    last: dt.date
    days: int
    price: Decimal
    vat_rate: Decimal
    vat_included: bool = False  # the price is gross (published with VAT)


@dataclass(slots=True)
class ServiceInfo:
    id: int
    code: str
    unit: str
    basis: str  # metered | per_m2 | per_resident | fixed
    parents: tuple[int, ...] = ()  # billed on the volume of these services
    segments: list[PriceSegment] = field(default_factory=list)
    norm: Decimal | None = None  # per resident per month, days-weighted over the period


@dataclass(slots=True)
class MeterIn:
    id: int
    service_id: int
    serial: str
    modulus: Decimal  # 10 ** digits_before_point
    # The initial reading as a virtual reading at the end of the month before installation.
    install_index: int
    initial: Decimal
    final: Decimal | None = None  # set when removed during the period
    expired_index: int | None = None  # month index of the first expired day, if within or before the period
    readings: dict[int, Decimal] = field(default_factory=dict)  # real readings by month index


@dataclass(slots=True)
class Estimate:
    """A volume billed for a meter in an earlier period without a real reading."""

    meter_id: int
    index: int
    method: str
    volume: Decimal
    price: Decimal
    vat_rate: Decimal
    service_id: int
    vat_included: bool = False  # the price is gross (the line's details say "vat_included")


@dataclass(slots=True)
class AccountIn:
    id: int
    number: str
    area: Decimal
    residents: int
    services: set[int]  # subscribed services (meters add their own)
    meters: list[MeterIn] = field(default_factory=list)
    estimates: list[Estimate] = field(default_factory=list)  # uncorrected estimate volumes
    corrected: set[tuple[int, int]] = field(default_factory=set)  # (meter, month index) done
    # The lines of services billed on others' volumes (sewerage on cold + hot water) in the
    # periods with estimates, by (service, month index): a correction flows to them.
    derived: dict[tuple[int, int], list[Estimate]] = field(default_factory=dict)
    # Opened or closed within the period: the days it was open (first, last); None: all month.
    open_days: tuple[dt.date, dt.date] | None = None


@dataclass(slots=True)
class Rules:
    """The utility profile's rules for missing readings."""

    average_enabled: bool = True
    history_months: int = 6
    min_months: int = 3
    max_periods: int = 6
    max_periods_failed: int = 3
    norm_coefficient_failed: Decimal = Decimal("1.50")


@dataclass
class Context:
    period: dt.date
    services: dict[int, ServiceInfo]
    rules: Rules
    order: list[int] = field(default_factory=list)  # service ids, parents after children
    # The details of a line billed on other services' volume: the same for every account,
    # so one dict per service, shared by those lines (never modified).
    parent_details: dict[int, dict] = field(default_factory=dict)

    def __post_init__(self):
        self.index = month_index(self.period)
        # Months of readings the engine may need before the period (asked per meter).
        self.lookback = self.rules.history_months + max(self.rules.max_periods, self.rules.max_periods_failed) + 2
        if not self.order:
            self.order = service_order(self.services)
        for sid, info in self.services.items():
            if info.parents:
                details = {"of": [self.services[p].code for p in info.parents if p in self.services]}
                if info.segments and all(seg.vat_included for seg in info.segments):
                    # Marked once here, so the lines keep sharing this one dict.
                    details[VAT_INCLUDED] = True
                self.parent_details[sid] = details


def service_order(services: dict[int, ServiceInfo]) -> list[int]:
    """Service ids with every service after the ones whose volume it is billed on."""
    done: list[int] = []
    seen: set[int] = set()

    def visit(sid: int, path: tuple[int, ...] = ()) -> None:
        if sid in seen or sid in path or sid not in services:
            return
        for parent in services[sid].parents:
            visit(parent, (*path, sid))
        seen.add(sid)
        done.append(sid)

    for sid in sorted(services):
        visit(sid)
    return done


# --- outputs ----------------------------------------------------------------------------


@dataclass(slots=True)
class Line:
    kind: str
    service_id: int | None
    method: str
    description: str
    quantity: Decimal
    unit: str
    price: Decimal
    amount: Decimal
    vat_rate: Decimal
    vat: Decimal
    total: Decimal
    details: dict


@dataclass
class Bill:
    account_id: int
    lines: list[Line]
    anomalies: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO_MONEY)

    @property
    def vat_total(self) -> Decimal:
        return sum((line.vat for line in self.lines), ZERO_MONEY)

    @property
    def penalty_total(self) -> Decimal:
        return sum((line.total for line in self.lines if line.kind == PENALTY), ZERO_MONEY)


def line_money(
    quantity: Decimal, price: Decimal, vat_rate: Decimal, vat_included: bool = False
) -> tuple[Decimal, Decimal, Decimal]:
    """(amount without VAT, VAT, total) of a line, each to the cent, ROUND_HALF_UP.

    Net price: amount = quantity × price rounded, VAT = amount × rate / 100 rounded,
    total = amount + VAT. Gross price (published with VAT): total = quantity × price
    rounded once, so the customer pays exactly the published tariff; the VAT inside it is
    total × rate / (100 + rate) rounded (the calculated rate of the Russian Tax Code,
    art. 164 p.4; the same share for the Latvian VAT in a gross price); amount = total − VAT.
    Re-deriving a net price from a gross one instead (rounded to the price's 5 places)
    can miss the published total by a kopeck.
    """
    if vat_included:
        total = (quantity * price).quantize(CENT, ROUND_HALF_UP)
        vat = (total * vat_rate / (HUNDRED + vat_rate)).quantize(CENT, ROUND_HALF_UP) if vat_rate else ZERO_MONEY
        return total - vat, vat, total
    amount = (quantity * price).quantize(CENT, ROUND_HALF_UP)
    vat = (amount * vat_rate / HUNDRED).quantize(CENT, ROUND_HALF_UP) if vat_rate else ZERO_MONEY
    return amount, vat, amount + vat


def make_line(
    *,
    kind: str,
    service_id: int | None,
    method: str,
    description: str,
    quantity: Decimal,
    unit: str,
    price: Decimal,
    vat_rate: Decimal,
    details: dict,
    vat_included: bool = False,
) -> Line:
    """Each line is rounded on its own (line_money()); a gross price marks the details."""
    return _line(kind, service_id, method, description, quantity, unit, price, vat_rate, details, vat_included)


def _line(kind, service_id, method, description, quantity, unit, price, vat_rate, details, vat_included=False) -> Line:
    # make_line() without keywords: called for every line of a million-account run.
    amount, vat, total = line_money(quantity, price, vat_rate, vat_included)
    if vat_included and VAT_INCLUDED not in details:
        details = {**details, VAT_INCLUDED: True}  # a copy: details may be shared
    return Line(kind, service_id, method, description, quantity, unit, price, amount, vat_rate, vat, total, details)


# --- consumption --------------------------------------------------------------------------


def difference(meter: MeterIn, earlier: Decimal, later: Decimal) -> Decimal | None:
    """Consumption between two register values; a drop is a rollover only when the
    register went round (the wrapped difference is under a tenth of its range)."""
    if later >= earlier:
        return later - earlier
    wrapped = later + meter.modulus - earlier
    if wrapped < meter.modulus / 10:
        return wrapped
    return None


def _real_readings(meter: MeterIn, upto: int) -> list[tuple[int, Decimal]]:
    """Real readings (with the installation as a virtual one) up to a month, oldest first.
    An expired meter's readings after its expiry do not count."""
    points = dict(meter.readings)
    points.setdefault(meter.install_index, meter.initial)
    limit = upto if meter.expired_index is None else min(upto, meter.expired_index)
    return sorted((i, v) for i, v in points.items() if i <= limit)


@dataclass(slots=True)
class MeterResult:
    meter: MeterIn
    method: str  # metered | average | norm | norm_coef
    volume: Decimal  # metered/average volume for the period (norm: decided per service)
    prev: tuple[int, Decimal] | None = None
    cur: Decimal | None = None
    anomaly: str = ""


def average_for(meter: MeterIn, last: tuple[int, Decimal], points: list[tuple[int, Decimal]], ctx: Context):
    """Average monthly consumption over the history ending at the last real reading,
    or None when the history is too short."""
    rules = ctx.rules
    last_index, last_value = last
    earlier = [p for p in points if p[0] < last_index]
    if not earlier:
        return None
    # The latest reading at least `history` months before the last one, if any.
    far = [p for p in earlier if p[0] <= last_index - rules.history_months]
    if far:
        start = far[-1]
    else:
        start = earlier[0]
        newer = meter.install_index > ctx.index - 1 - rules.history_months
        if not newer or last_index - start[0] < rules.min_months:
            return None
    consumed = difference(meter, start[1], last_value)
    if consumed is None:
        return None
    return (consumed / (last_index - start[0])).quantize(VOLUME, rounding=ROUND_HALF_UP)


def rate_meter(meter: MeterIn, ctx: Context) -> MeterResult:
    index = ctx.index
    cur = meter.final if meter.final is not None else meter.readings.get(index)
    expired = meter.expired_index is not None
    if expired and cur is not None and index == meter.expired_index:
        expired = False  # read before the verification ran out in this month: metered
    if expired:
        cur = None  # an expired meter's readings are not used for billing
    elif cur is not None:
        # The common case, without sorting: the last real reading before the period.
        prev_index, prev_value = meter.install_index, meter.initial
        for i, v in meter.readings.items():
            if prev_index <= i < index:
                prev_index, prev_value = i, v
        consumed = difference(meter, prev_value, cur) if prev_index >= index - ctx.lookback else None
        if consumed is not None:
            return MeterResult(meter, METERED, consumed, prev=(prev_index, prev_value), cur=cur)
    points = _real_readings(meter, index - 1)
    prev = points[-1] if points else None
    # A previous reading older than the history the run reads cannot be reconciled with
    # what was billed since (norms, averages): the reading starts a new history instead.
    stale = prev is not None and prev[0] < index - ctx.lookback
    if cur is not None and prev is not None and not stale:
        consumed = difference(meter, prev[1], cur)
        if consumed is not None:
            return MeterResult(meter, METERED, consumed, prev=prev, cur=cur)
        anomaly = "reading_below_previous"
    elif cur is not None:
        anomaly = "no_previous_reading"
    else:
        anomaly = ""
    # No usable reading: average for a limited number of periods, then the norm.
    if expired:
        # ПП 354 п.59 «а», п.60: from the expiry, at most `max_periods_failed` periods by
        # the average, the expiry's own month the first of them unless it was read before
        # the expiry; then the norm times the coefficient.
        first_unread = meter.expired_index + (1 if meter.expired_index in meter.readings else 0)
        missing = index - first_unread + 1
        allowed = ctx.rules.max_periods_failed
    else:
        missing = index - prev[0] if prev else 10**6
        allowed = ctx.rules.max_periods
    if ctx.rules.average_enabled and prev is not None and missing <= allowed:
        average = average_for(meter, prev, points, ctx)
        if average is not None:
            return MeterResult(meter, AVERAGE, average, prev=prev, anomaly=anomaly)
    method = NORM_COEFFICIENT if expired else NORM
    return MeterResult(meter, method, ZERO, prev=prev, anomaly=anomaly)


# --- late readings: corrections ---------------------------------------------------------


def recalculations(account: AccountIn, ctx: Context, results: dict[int, MeterResult]) -> tuple[list[Line], dict]:
    """Correction lines for periods billed by average that a later real reading now
    covers, and the volume those periods give back or take from the current period.

    Returns (lines, extra) where extra[meter_id] is the volume to move into the
    current period's metered line (the part of the span no invoice has billed)."""
    lines: list[Line] = []
    extra: dict[int, Decimal] = {}
    if not account.estimates:
        return lines, extra
    by_meter: dict[int, dict[int, list[Estimate]]] = {}
    for est in account.estimates:
        if (est.meter_id, est.index) in account.corrected:
            continue
        by_meter.setdefault(est.meter_id, {}).setdefault(est.index, []).append(est)
    meters = {m.id: m for m in account.meters}
    for meter_id, periods in by_meter.items():
        meter = meters.get(meter_id)
        if meter is None:
            continue
        result = results.get(meter_id)
        upto = ctx.index if result is not None and result.method == METERED else ctx.index - 1
        points = _real_readings(meter, upto)
        if result is not None and result.method == METERED and meter.final is not None:
            points = [p for p in points if p[0] < ctx.index] + [(ctx.index, meter.final)]
        for (a_index, a_value), (b_index, b_value) in zip(points, points[1:], strict=False):
            span = range(a_index + 1, b_index + 1)
            averaged = [i for i in span if i in periods and periods[i][0].method == AVERAGE]
            if not averaged:
                continue
            consumed = difference(meter, a_value, b_value)
            if consumed is None:
                continue
            normed = [i for i in span if i in periods and periods[i][0].method != AVERAGE]
            fixed = sum((e.volume for i in normed for e in periods[i]), ZERO)
            months = len(span) - len(normed)
            share = max(ZERO, consumed - fixed) / months
            for i in averaged:
                billed = sum((e.volume for e in periods[i]), ZERO)
                for est in periods[i]:
                    # Each tariff segment of the period is corrected in proportion.
                    part = share * est.volume / billed if billed else share / len(periods[i])
                    diff = (part - est.volume).quantize(QUANTITY, rounding=ROUND_HALF_UP)
                    if not diff:
                        continue
                    details = {
                        "reason": "late_reading",
                        "meter": meter.id,
                        "serial": meter.serial,
                        "period": period_label(i),
                        "billed": str(est.volume),
                        "actual": str(part.quantize(VOLUME, rounding=ROUND_HALF_UP)),
                    }
                    lines.append(
                        make_line(
                            kind=CORRECTION,
                            service_id=est.service_id,
                            method=AVERAGE,
                            description="",
                            quantity=diff,
                            unit="",
                            price=est.price,
                            vat_rate=est.vat_rate,
                            vat_included=est.vat_included,
                            details={**details, "corrects": [[meter.id, i]]},
                        )
                    )
                    lines += _derived_corrections(account, ctx, est.service_id, i, diff, details)
            if b_index == ctx.index:
                # The current period's metered line carries the span less what the
                # averaged periods now carry and the norm periods kept.
                extra[meter_id] = consumed - fixed - share * len(averaged) - result.volume
    return lines, extra


def _derived_corrections(account: AccountIn, ctx, service_id: int, index: int, diff: Decimal, details: dict):
    """The same volume change for every service billed on `service_id`'s volume in that
    period (sewerage on cold + hot water), at the price each charged then, split as its
    tariff segments were. Each line names the service it follows."""
    lines = []
    for child in ctx.services.values():
        if service_id not in child.parents:
            continue
        billed = account.derived.get((child.id, index))
        if not billed:
            continue
        whole = sum((d.volume for d in billed), ZERO)
        for n, seg in enumerate(billed):
            share = diff * seg.volume / whole if whole else (diff if n == 0 else ZERO)
            quantity = share.quantize(QUANTITY, rounding=ROUND_HALF_UP)
            if not quantity:
                continue
            lines.append(
                make_line(
                    kind=CORRECTION,
                    service_id=child.id,
                    method=PARENT,
                    description="",
                    quantity=quantity,
                    unit="",
                    price=seg.price,
                    vat_rate=seg.vat_rate,
                    vat_included=seg.vat_included,
                    details={**details, "follows": ctx.services[service_id].code if service_id in ctx.services else ""},
                )
            )
    return lines


# --- one account ------------------------------------------------------------------------


def _priced(
    service: ServiceInfo,
    quantity: Decimal,
    method: str,
    details: dict,
    unit: str | None = None,
    kind: str = CHARGE,
    segments: list[PriceSegment] | None = None,
) -> list[Line]:
    """The quantity priced at the period's tariffs, split by days at a tariff change."""
    segments = service.segments if segments is None else segments
    if not segments:
        return []
    unit = service.unit if unit is None else unit
    if len(segments) == 1:
        seg = segments[0]
        return [_line(kind, service.id, method, "", quantity, unit, seg.price, seg.vat_rate, details, seg.vat_included)]
    lines = []
    total_days = sum(seg.days for seg in segments)
    left = quantity
    for n, seg in enumerate(segments):
        if n == len(segments) - 1:
            part = left
        else:
            part = (quantity * seg.days / total_days).quantize(QUANTITY, rounding=ROUND_HALF_UP)
            left -= part
        lines.append(
            make_line(
                kind=kind,
                service_id=service.id,
                method=method,
                description="",
                quantity=part,
                unit=unit,
                price=seg.price,
                vat_rate=seg.vat_rate,
                details={**details, "from": seg.first.isoformat(), "to": seg.last.isoformat(), "days": seg.days},
                vat_included=seg.vat_included,
            )
        )
    return lines


def rate_account(account: AccountIn, ctx: Context) -> Bill:
    """The charges and corrections of one account for the context's period."""
    bill = Bill(account.id, [])
    services = ctx.services
    meters_by_service: dict[int, list[MeterIn]] = {}
    for meter in account.meters:
        meters_by_service.setdefault(meter.service_id, []).append(meter)
    billed = account.services | meters_by_service.keys()
    results: dict[int, MeterResult] = {}
    for meter in account.meters:
        results[meter.id] = rate_meter(meter, ctx)
    corrections, extra = recalculations(account, ctx, results) if account.estimates else ((), {})
    volumes: dict[int, Decimal] = {}
    for sid in ctx.order:
        if sid not in billed:
            continue
        service = services[sid]
        if not service.segments:
            bill.anomalies.append(f"no_tariff:{service.code}")
            continue
        basis = service.basis
        if service.parents:
            quantity = sum((volumes.get(p, ZERO) for p in service.parents), ZERO)
            volumes[sid] = quantity
            bill.lines += _priced(service, quantity, PARENT, ctx.parent_details[sid])
        elif basis == "metered":
            meters = meters_by_service.get(sid)
            if not meters:
                quantity = _norm_volume(service, account, Decimal(1), bill, ctx)
                if quantity is not None:
                    volumes[sid] = quantity
                    bill.lines += _priced(
                        service,
                        quantity,
                        NORM,
                        {"residents": account.residents, "norm": str(service.norm), **open_details(account, ctx)},
                    )
                continue
            volumes[sid] = _rate_metered(service, account, meters, results, extra, ctx, bill)
        elif basis == "per_m2":
            bill.lines += _priced_for_days(service, account, ctx, account.area, AREA, "m2")
        elif basis == "per_resident":
            bill.lines += _priced_for_days(service, account, ctx, Decimal(account.residents), RESIDENTS, "person")
        else:
            bill.lines += _priced_for_days(service, account, ctx, Decimal(1), FIXED, "month")
    for line in corrections:
        line.unit = services[line.service_id].unit if line.service_id in services else ""
    bill.lines += corrections
    return bill


def _norm_volume(service: ServiceInfo, account: AccountIn, coefficient: Decimal, bill: Bill, ctx) -> Decimal | None:
    if service.norm is None:
        bill.anomalies.append(f"no_norm:{service.code}")
        return None
    volume = service.norm * account.residents * coefficient
    if account.open_days is not None:
        volume *= open_share(account.open_days, month_days(ctx.period))
    return volume.quantize(VOLUME, rounding=ROUND_HALF_UP)


# --- part months ------------------------------------------------------------------------
# An account opened or closed within the period pays the charges that run by time (area,
# residents, a fixed fee, norms and averages) for the days it was open, each line saying
# so; metered water runs from the opening reading to the closing one as it is.


def month_days(period: dt.date) -> int:
    return calendar.monthrange(period.year, period.month)[1]


def open_share(open_days: tuple[dt.date, dt.date], days_in_month: int) -> Decimal:
    """The part of the month an account was open: days open / days in the month."""
    first, last = open_days
    return Decimal((last - first).days + 1) / Decimal(days_in_month)


def open_details(account: AccountIn, ctx) -> dict:
    """What a part month's line says: open from, to, and the month's days."""
    if account.open_days is None:
        return {}
    first, last = account.open_days
    return {
        "open_from": first.isoformat(),
        "open_to": last.isoformat(),
        "days_open": (last - first).days + 1,
        "days_in_month": month_days(ctx.period),
    }


def _priced_for_days(service, account: AccountIn, ctx, base: Decimal, method: str, unit: str) -> list[Line]:
    """A charge that runs by time: the whole base for a whole month; for a part month the
    base times the open days of each tariff segment over the month's days."""
    if account.open_days is None:
        return _priced(service, base, method, {}, unit=unit)
    first, last = account.open_days
    days = month_days(ctx.period)
    details = open_details(account, ctx)
    lines = []
    for seg in service.segments:
        start, end = max(seg.first, first), min(seg.last, last)
        if start > end:
            continue
        open_days = (end - start).days + 1
        quantity = (base * open_days / days).quantize(QUANTITY, rounding=ROUND_HALF_UP)
        clipped = PriceSegment(start, end, open_days, seg.price, seg.vat_rate, seg.vat_included)
        lines += _priced(service, quantity, method, {**details, "days_open": open_days}, unit=unit, segments=[clipped])
    return lines


def _rate_metered(service, account, meters, results, extra, ctx, bill) -> Decimal:
    metered = ZERO
    metered_details = []
    averaged = ZERO
    averaged_details = []
    norm_meters: list[MeterResult] = []
    for meter in meters:
        result = results[meter.id]
        if result.anomaly:
            bill.anomalies.append(f"{result.anomaly}:{meter.serial}")
        if result.method == METERED:
            volume = result.volume + extra.get(meter.id, ZERO)
            metered += volume
            metered_details.append(
                {
                    "meter": meter.id,
                    "serial": meter.serial,
                    "prev": str(result.prev[1].quantize(VOLUME)),
                    "prev_period": period_label(result.prev[0]),
                    "cur": str(result.cur.quantize(VOLUME)),
                    "v": str(volume.quantize(VOLUME)),
                }
            )
        elif result.method == AVERAGE:
            volume = result.volume
            if account.open_days is not None:
                volume = (volume * open_share(account.open_days, month_days(ctx.period))).quantize(
                    VOLUME, rounding=ROUND_HALF_UP
                )
            averaged += volume
            averaged_details.append(
                {
                    "meter": meter.id,
                    "serial": meter.serial,
                    "v": str(volume),
                    "since": period_label(result.prev[0]),
                }
            )
        else:
            norm_meters.append(result)
    total = ZERO
    if metered_details:
        bill.lines += _priced(service, metered, METERED, {"meters": metered_details})
        total += metered
    if averaged_details:
        bill.lines += _priced(service, averaged, AVERAGE, {"meters": averaged_details, **open_details(account, ctx)})
        total += averaged
    if norm_meters:
        coefficient = (
            ctx.rules.norm_coefficient_failed if any(r.method == NORM_COEFFICIENT for r in norm_meters) else Decimal(1)
        )
        method = NORM_COEFFICIENT if coefficient != 1 else NORM
        quantity = _norm_volume(service, account, coefficient, bill, ctx)
        if quantity is not None:
            # The norm volume is attributed to the first meter without a reading, so a
            # later reading can tell which months kept their norm volume.
            share = [
                {"meter": r.meter.id, "serial": r.meter.serial, "v": str(quantity if n == 0 else ZERO)}
                for n, r in enumerate(norm_meters)
            ]
            details = {
                "meters": share,
                "residents": account.residents,
                "norm": str(service.norm),
                **open_details(account, ctx),
            }
            if coefficient != 1:
                details["coefficient"] = str(coefficient)
            bill.lines += _priced(service, quantity, method, details)
            total += quantity
    return total

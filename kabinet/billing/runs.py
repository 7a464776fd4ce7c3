"""The billing run, set-based: load a chunk of accounts in a few queries, rate them in
Python (kabinet.billing.rating), write the drafts with COPY (PostgreSQL) or executemany
(SQLite) in the chunk's transaction.

No query per account: every query below reads a whole chunk (a range of account ids).
The public doors are in kabinet.billing.services; this module holds the machinery.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils import timezone, translation

from kabinet.billing import balances, rating
from kabinet.billing.building_lines import share_lines
from kabinet.billing.models import (
    BillingChunk,
    BillingRun,
    Correction,
    Invoice,
    InvoiceLine,
    KeyRate,
    LedgerEntry,
    Norm,
    Subscription,
    Tariff,
)
from kabinet.billing.penalties import DebtItem, Movement, PenaltyPolicy, penalties_for, penalty_debtors
from kabinet.customers.models import Account, Premises
from kabinet.lib import bulk
from kabinet.lib.periods import add_months, month_end
from kabinet.meters.models import Meter, Reading, verification_expired_on, verification_expiry_day
from kabinet.utility.models import Service, UtilityProfile

ZERO = Decimal("0")
ZERO_MONEY = Decimal("0.00")
ANOMALY_SAMPLE = 200
ESTIMATE_SAMPLE = 200

T_ACCOUNT = Account._meta.db_table
T_PREMISES = Premises._meta.db_table
T_METER = Meter._meta.db_table
T_READING = Reading._meta.db_table
T_SUBSCRIPTION = Subscription._meta.db_table
T_INVOICE = Invoice._meta.db_table
T_LINE = InvoiceLine._meta.db_table
T_LEDGER = LedgerEntry._meta.db_table
T_CORRECTION = Correction._meta.db_table
T_RUN = BillingRun._meta.db_table
T_SERVICE = Service._meta.db_table

INVOICE_COLUMNS = (
    "id",
    "account_id",
    "period",
    "run_id",
    "year",
    "status",
    "issued_on",
    "due_on",
    "previous_balance",
    "payments_received",
    "total",
    "vat_total",
    "penalty_total",
    "amount_due",
    "has_estimates",
)
LINE_COLUMNS = (
    "invoice_id",
    "kind",
    "service_id",
    "method",
    "description",
    "quantity",
    "unit",
    "price",
    "amount",
    "vat_rate",
    "vat",
    "total",
    "details",
)


def _json_dumps():
    """json.dumps for the lines' details, with the same output, without its per-call
    Python layers (three calls deep before the C encoder starts): a tenth of a run's
    Python time went to those layers. No cycle check: details are plain trees."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return json.dumps
    default = json.JSONEncoder()
    encode = make(
        None,
        default.default,
        json.encoder.encode_basestring_ascii,
        None,
        default.key_separator,
        default.item_separator,
        False,
        False,
        True,
    )
    return lambda obj: "".join(encode(obj, 0))


details_dumps = _json_dumps()


def dec(value) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def invoice_dates(period: dt.date, profile: UtilityProfile) -> tuple[dt.date, dt.date]:
    """The invoice day in the month after the period, and the due day after it."""
    following = add_months(period, 1)
    issued_on = following.replace(day=profile.invoice_day)
    due_month = following if profile.payment_due_day > profile.invoice_day else add_months(period, 2)
    return issued_on, due_month.replace(day=profile.payment_due_day)


# --- the context: services, tariffs, norms, rules -------------------------------------------


@dataclass
class RunContext:
    rate: rating.Context
    issued_on: dt.date
    due_on: dt.date
    penalty: PenaltyPolicy | None
    language: str
    run_id: int | None = None
    building_rule: str = ""  # the profile's building meter difference rule, "" when off

    @property
    def period(self) -> dt.date:
        return self.rate.period


def _segments(tariffs: list[Tariff], first: dt.date, last: dt.date) -> list[rating.PriceSegment]:
    """Days of the period covered by each tariff; a newer tariff ends the one before."""
    ordered = sorted(tariffs, key=lambda t: t.valid_from)
    segments = []
    for n, tariff in enumerate(ordered):
        end = tariff.valid_to
        if n + 1 < len(ordered):
            cut = ordered[n + 1].valid_from - dt.timedelta(days=1)
            end = cut if end is None else min(end, cut)
        start = max(tariff.valid_from, first)
        stop = last if end is None else min(end, last)
        if start <= stop:
            segments.append(
                rating.PriceSegment(
                    start, stop, (stop - start).days + 1, tariff.price, tariff.vat_rate, tariff.vat_included
                )
            )
    return segments


def _norm(norms: list[Norm], first: dt.date, last: dt.date) -> Decimal | None:
    """The norm weighted by the days it is in force during the period."""
    segments = _segments(
        [Tariff(valid_from=n.valid_from, valid_to=n.valid_to, price=n.per_resident, vat_rate=ZERO) for n in norms],
        first,
        last,
    )
    if not segments:
        return None
    days = (last - first).days + 1
    weighted = sum((s.price * s.days for s in segments), ZERO) / days
    return weighted.quantize(Decimal("0.0001"))


def context_build(*, period: dt.date, issued_on: dt.date | None = None, due_on: dt.date | None = None) -> RunContext:
    profile = UtilityProfile.get()
    first, last = period, month_end(period)
    default_issue, default_due = invoice_dates(period, profile)
    services: dict[int, rating.ServiceInfo] = {}
    for service in Service.objects.filter(active=True).prefetch_related("volume_of"):
        services[service.id] = rating.ServiceInfo(
            id=service.id,
            code=service.code,
            unit=service.unit,
            basis=service.basis,
            parents=tuple(sorted(p.id for p in service.volume_of.all())),
        )
    tariffs: dict[int, list[Tariff]] = {}
    for tariff in Tariff.objects.filter(valid_from__lte=last):
        tariffs.setdefault(tariff.service_id, []).append(tariff)
    norms: dict[int, list[Norm]] = {}
    for norm in Norm.objects.filter(valid_from__lte=last):
        norms.setdefault(norm.service_id, []).append(norm)
    for sid, info in services.items():
        info.segments = _segments(tariffs.get(sid, []), first, last)
        info.norm = _norm(norms.get(sid, []), first, last)
    rules = rating.Rules(
        average_enabled=profile.average_enabled,
        history_months=profile.average_history_months,
        min_months=profile.average_min_months,
        max_periods=profile.average_max_periods,
        max_periods_failed=profile.average_max_periods_failed,
        norm_coefficient_failed=profile.norm_coefficient_failed,
    )
    penalty = None
    if profile.penalty_policy in ("ru155", "lv_daily"):
        penalty = PenaltyPolicy(
            code=profile.penalty_policy,
            grace_days=profile.penalty_grace_days,
            daily_percent=profile.penalty_daily_percent,
            cap_percent=profile.penalty_cap_percent,
            key_rates=list(KeyRate.objects.values_list("valid_from", "rate")),
            payment_lag_days=profile.penalty_payment_lag_days,
        )
    return RunContext(
        rate=rating.Context(period=period, services=services, rules=rules),
        issued_on=issued_on or default_issue,
        due_on=due_on or default_due,
        penalty=penalty,
        language=(profile.language_codes or ["en"])[0],
        building_rule="" if profile.building_difference_rule == "off" else profile.building_difference_rule,
    )


# --- loading a chunk --------------------------------------------------------------------------


@dataclass
class Loaded:
    accounts: list[rating.AccountIn]
    balance: dict[int, Decimal] = field(default_factory=dict)  # all entries before the invoice date
    # For the penalty rule (penalty_debtors), with a penalty policy only: per account
    # (principal before the period, principal at its end, the latest payment or credit).
    principal: dict[int, tuple[Decimal, Decimal, dt.date | None]] = field(default_factory=dict)
    earliest_due: dict[int, dt.date] = field(default_factory=dict)  # of the charges posted in the period
    last_due: dict[int, Decimal] = field(default_factory=dict)  # the last issued invoice's amount_due
    corrections: dict[int, list[rating.Line]] = field(default_factory=dict)  # staff corrections to bill
    building: dict[int, list[rating.Line]] = field(default_factory=dict)  # building difference shares


def _sqlite_meter_row(row: tuple) -> tuple:
    """SQLite returns dates as text and decimals as numbers: the types PostgreSQL gives."""
    aid, mid, sid, serial, digits, installed, initial, removed, final, verification_due, cur, pp, pv = row
    return (
        aid,
        mid,
        sid,
        serial,
        digits,
        as_date(installed),
        dec(initial),
        as_date(removed),
        dec(final),
        as_date(verification_due),
        dec(cur),
        as_date(pp),
        dec(pv),
    )


def chunk_ranges(period: dt.date, size: int, account_id: int | None = None) -> list[tuple[int, int, int]]:
    """(first id, last id, accounts) of each run of `size` accounts open during the period,
    in order; worked out by the database (a million ids need not travel to Python)."""
    sql = (
        "SELECT MIN(id), MAX(id), COUNT(*) FROM ("
        f" SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1) / %s AS chunk FROM {T_ACCOUNT}"
        " WHERE opened_on <= %s AND (closed_on IS NULL OR closed_on >= %s)"
        + (" AND id = %s" if account_id else "")
        + ") numbered GROUP BY chunk ORDER BY chunk"
    )
    params = [size, month_end(period), period] + ([account_id] if account_id else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def chunk_load(ctx: RunContext, lo: int, hi: int, *, skip_invoiced: bool = True, lock: bool = False) -> Loaded:
    """Everything the rating needs for the accounts lo..hi. `lock` (PostgreSQL, inside the
    chunk's transaction): the accounts are read FOR KEY SHARE, the lock their invoices'
    foreign key would take, so that writing the invoices need not take it again."""
    period = ctx.period
    first, last = period, month_end(period)
    index = rating.month_index(period)
    look_from = rating.month_date(index - ctx.rate.lookback)
    accounts: dict[int, rating.AccountIn] = {}
    premises_of: dict[int, int] = {}
    with connection.cursor() as cursor:
        # Accounts already invoiced for the period (a resumed run, or a seeded invoice):
        # read through the (account, period) index, not by an anti-join the planner may
        # turn into a scan of every invoice per chunk.
        invoiced: set[int] = set()
        if skip_invoiced:
            cursor.execute(
                f"SELECT account_id FROM {T_INVOICE} WHERE account_id BETWEEN %s AND %s AND period = %s",
                [lo, hi, period],
            )
            invoiced = {row[0] for row in cursor.fetchall()}
        premises_join = (
            f" CROSS JOIN LATERAL (SELECT area, residents FROM {T_PREMISES} pp WHERE pp.id = a.premises_id OFFSET 0) p"
            if connection.vendor == "postgresql"
            else f" JOIN {T_PREMISES} p ON p.id = a.premises_id"
        )
        cursor.execute(
            f"SELECT a.id, a.number, p.area, p.residents, a.premises_id, a.opened_on, a.closed_on FROM {T_ACCOUNT} a"
            + premises_join
            + " WHERE a.id BETWEEN %s AND %s AND a.opened_on <= %s AND (a.closed_on IS NULL OR a.closed_on >= %s)"
            " ORDER BY a.id" + (" FOR KEY SHARE OF a" if lock else ""),
            [lo, hi, last, first],
        )
        sqlite = connection.vendor == "sqlite"
        for aid, number, area, residents, premises_id, opened_on, closed_on in cursor.fetchall():
            if aid in invoiced:
                continue
            account = accounts[aid] = rating.AccountIn(aid, number, dec(area), residents, set())
            premises_of[aid] = premises_id
            if sqlite:
                opened_on, closed_on = as_date(opened_on), as_date(closed_on)
            if opened_on > first or (closed_on is not None and closed_on < last):
                # A part month: charges that run by time are for the days it was open.
                account.open_days = (max(opened_on, first), min(closed_on or last, last))
        if not accounts:
            return Loaded([])

        cursor.execute(
            f"SELECT account_id, service_id FROM {T_SUBSCRIPTION}"
            " WHERE account_id BETWEEN %s AND %s AND valid_from <= %s AND (valid_to IS NULL OR valid_to >= %s)",
            [lo, hi, last, first],
        )
        for aid, sid in cursor.fetchall():
            if aid in accounts:
                accounts[aid].services.add(sid)

        # Meters with the period's reading and the last real reading before it. On
        # PostgreSQL the meters are reached through LATERAL from the chunk's accounts, so
        # the planner walks the premises index instead of hashing every meter per chunk.
        columns = (
            "a.id, m.id, m.service_id, m.serial_number, m.digits_before_point, m.installed_on,"
            " m.initial_reading, m.removed_on, m.final_reading, m.verification_due,"
        )
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT {columns} cur.value, prev.period, prev.value FROM {T_ACCOUNT} a"
                f" CROSS JOIN LATERAL (SELECT * FROM {T_METER} mm WHERE mm.premises_id = a.premises_id"
                "  AND mm.installed_on <= %s AND (mm.status = 'active' OR mm.removed_on >= %s) OFFSET 0) m"
                f" LEFT JOIN {T_READING} cur ON cur.meter_id = m.id AND cur.period = %s AND cur.status = 'accepted'"
                f" LEFT JOIN LATERAL (SELECT r.period, r.value FROM {T_READING} r WHERE r.meter_id = m.id"
                "  AND r.period < %s AND r.status = 'accepted' ORDER BY r.period DESC LIMIT 1) prev ON true"
                " WHERE a.id BETWEEN %s AND %s ORDER BY a.id, m.service_id, m.id",
                [last, first, period, period, lo, hi],
            )
        else:
            # "+r.status": SQLite must not pick the (status, period) index, which scans every
            # meter's accepted readings of the period, over the (meter, period) one.
            cursor.execute(
                f"SELECT {columns}"
                f" (SELECT r.value FROM {T_READING} r WHERE r.meter_id = m.id AND r.period = %s"
                "  AND +r.status = 'accepted'),"
                f" (SELECT r.period FROM {T_READING} r WHERE r.meter_id = m.id AND r.period < %s"
                "  AND +r.status = 'accepted' ORDER BY r.period DESC LIMIT 1),"
                f" (SELECT r.value FROM {T_READING} r WHERE r.meter_id = m.id AND r.period < %s"
                "  AND +r.status = 'accepted' ORDER BY r.period DESC LIMIT 1)"
                f" FROM {T_ACCOUNT} a JOIN {T_METER} m ON m.premises_id = a.premises_id"
                " WHERE a.id BETWEEN %s AND %s AND m.installed_on <= %s"
                " AND (m.status = 'active' OR m.removed_on >= %s)"
                " ORDER BY a.id, m.service_id, m.id",
                [period, period, period, lo, hi, last, first],
            )
        meters: dict[int, rating.MeterIn] = {}
        need_history: list[int] = []
        moduli: dict[int, Decimal] = {}
        MeterIn = rating.MeterIn
        first_index = index  # the period's month index
        rows = cursor.fetchall()
        if connection.vendor == "sqlite":
            rows = [_sqlite_meter_row(row) for row in rows]
        # PostgreSQL gives dates and Decimals as they are: the loop below runs for every
        # meter of a million accounts, so it calls nothing it need not.
        for aid, mid, sid, serial, digits, installed, initial, removed, final, verification_due, cur, pp, pv in rows:
            account = accounts.get(aid)
            if account is None:
                continue
            modulus = moduli.get(digits)
            if modulus is None:
                modulus = moduli[digits] = Decimal(10) ** digits
            expired_index = None
            if verification_expired_on(verification_due, last):  # expired within or before the period
                expired = verification_expiry_day(verification_due)
                expired_index = expired.year * 12 + expired.month - 1
            meter = MeterIn(
                mid,
                sid,
                serial,
                modulus,
                installed.year * 12 + installed.month - 2,  # the month before installation
                initial,
                final if removed is not None and removed <= last and final is not None else None,
                expired_index,
            )
            readings_of = meter.readings
            if cur is not None:
                readings_of[first_index] = cur
            prev_index = None
            if pp is not None:
                prev_index = pp.year * 12 + pp.month - 1
                readings_of[prev_index] = pv
            if cur is None or prev_index is None or prev_index < first_index - 1 or expired_index is not None:
                need_history.append(mid)
            account.meters.append(meter)
            meters[mid] = meter

        # Earlier estimates not yet corrected (few: a partial index finds them).
        cursor.execute(
            f"SELECT i.account_id, i.period, l.kind, l.service_id, l.method, l.quantity, l.price, l.vat_rate,"
            f" l.details FROM {T_INVOICE} i JOIN {T_LINE} l ON l.invoice_id = i.id"
            " WHERE i.account_id BETWEEN %s AND %s AND i.has_estimates AND i.period >= %s AND i.period < %s"
            " AND i.status = 'issued'"
            " AND ((l.kind = 'charge' AND l.method IN ('average', 'norm', 'norm_coef', 'parent'))"
            " OR l.kind = 'correction')",
            [lo, hi, look_from, period],
        )
        for aid, iperiod, kind, sid, method, quantity, price, vat_rate, details in cursor.fetchall():
            account = accounts.get(aid)
            if account is None:
                continue
            details = json.loads(details) if isinstance(details, str) else (details or {})
            if kind == "correction":
                for mid, i in details.get("corrects", []):
                    account.corrected.add((mid, i))
                continue
            quantity = dec(quantity)
            i = rating.month_index(as_date(iperiod))
            if method == rating.PARENT:  # sewerage and the like: corrections flow to it
                account.derived.setdefault((sid, i), []).append(
                    rating.Estimate(
                        0, i, method, quantity, dec(price), dec(vat_rate), sid, bool(details.get(rating.VAT_INCLUDED))
                    )
                )
                continue
            parts = details.get("meters") or []
            whole = sum((Decimal(p["v"]) for p in parts), ZERO)
            for part in parts:
                volume = Decimal(part["v"]) * quantity / whole if whole else ZERO
                account.estimates.append(
                    rating.Estimate(
                        part["meter"],
                        i,
                        method,
                        volume,
                        dec(price),
                        dec(vat_rate),
                        sid,
                        bool(details.get(rating.VAT_INCLUDED)),
                    )
                )
                if part["meter"] in meters and part["meter"] not in need_history:
                    need_history.append(part["meter"])

        # Full history only for the meters that need it (missing or late readings). On SQLite
        # "+status" keeps the planner on the (meter, period) index (see above).
        status = "+status" if connection.vendor == "sqlite" else "status"
        for at in range(0, len(need_history), 2000):
            batch = need_history[at : at + 2000]
            marks = ",".join(["%s"] * len(batch))
            cursor.execute(
                f"SELECT meter_id, period, value FROM {T_READING}"
                f" WHERE meter_id IN ({marks}) AND {status} = 'accepted' AND period >= %s AND period <= %s",
                [*batch, look_from, period],
            )
            for mid, rperiod, value in cursor.fetchall():
                meters[mid].readings[rating.month_index(as_date(rperiod))] = dec(value)

        loaded = Loaded(list(accounts.values()))
        # The kept balances and the entries of the last weeks, not every year of the
        # ledger (kabinet.billing.balances).
        for aid, position in balances.positions(
            cursor, list(accounts), lo=lo, hi=hi, issued_on=ctx.issued_on, first=first, last=last, policy=ctx.penalty
        ).items():
            loaded.balance[aid] = position.balance
            if ctx.penalty is not None:
                loaded.principal[aid] = (position.opening, position.closing, position.last_credit)
                if position.earliest_due is not None:
                    loaded.earliest_due[aid] = position.earliest_due
        # The last issued invoice before the period: one step back along each account's
        # (account, period) index, however many invoices lie before it.
        cursor.execute(
            f"SELECT a.id, (SELECT i.amount_due FROM {T_INVOICE} i WHERE i.account_id = a.id AND i.period < %s"
            f" AND i.status = 'issued' ORDER BY i.period DESC LIMIT 1) FROM {T_ACCOUNT} a"
            " WHERE a.id BETWEEN %s AND %s",
            [period, lo, hi],
        )
        for aid, amount_due in cursor.fetchall():
            if amount_due is not None and aid in accounts:
                loaded.last_due[aid] = dec(amount_due)
        cursor.execute(
            f"SELECT id, account_id, service_id, quantity, price, vat_rate, reason FROM {T_CORRECTION}"
            " WHERE invoice_id IS NULL AND account_id BETWEEN %s AND %s ORDER BY id",
            [lo, hi],
        )
        services = ctx.rate.services
        for cid, aid, sid, quantity, price, vat_rate, reason in cursor.fetchall():
            if aid not in accounts:
                continue
            loaded.corrections.setdefault(aid, []).append(
                rating.make_line(
                    kind=rating.CORRECTION,
                    service_id=sid,
                    method="",
                    description=reason,
                    quantity=dec(quantity),
                    unit=services[sid].unit if sid in services else "",
                    price=dec(price),
                    vat_rate=dec(vat_rate),
                    details={"reason": "staff", "correction": cid},
                )
            )
        if ctx.building_rule:  # the shares of the building balances computed before the run
            loaded.building = share_lines(cursor, period, services, lo, hi, accounts)
    return loaded


def _penalty_lines(ctx: RunContext, loaded: Loaded) -> dict[int, list[rating.Line]]:
    """Penalty lines for the accounts the penalty rule names (penalty_debtors)."""
    policy = ctx.penalty
    if policy is None or not loaded.principal:
        return {}
    first, last = ctx.period, month_end(ctx.period)
    debtors = penalty_debtors(
        policy, first=first, last=last, principal=loaded.principal, earliest_due=loaded.earliest_due
    )
    if not debtors:
        return {}
    items: dict[int, list[DebtItem]] = {}
    movements: dict[int, list[Movement]] = {}
    charged: dict[tuple[int, int], Decimal] = {}
    with connection.cursor() as cursor:
        for at in range(0, len(debtors), 2000):
            batch = debtors[at : at + 2000]
            marks = ",".join(["%s"] * len(batch))
            # Every principal entry up to the period's end: penalties accrue continuously
            # from each charge's first day of delay, whenever that was.
            cursor.execute(
                f"SELECT le.account_id, le.id, le.kind, le.amount, le.posted_on, i.due_on, i.number FROM {T_LEDGER} le"
                f" LEFT JOIN {T_INVOICE} i ON i.id = le.invoice_id"
                f" WHERE le.account_id IN ({marks}) AND le.kind <> 'penalty' AND le.posted_on <= %s",
                [*batch, last],
            )
            for aid, key, kind, amount, posted_on, due_on, number in cursor.fetchall():
                posted_on, amount = as_date(posted_on), dec(amount)
                movements.setdefault(aid, []).append(Movement(posted_on, amount, kind == "payment"))
                if amount > 0:
                    items.setdefault(aid, []).append(
                        DebtItem(key, number or posted_on.isoformat(), amount, posted_on, as_date(due_on) or posted_on)
                    )
            # What earlier invoices charged per charge: this invoice charges the rest.
            cursor.execute(
                f"SELECT i.account_id, l.total, l.details FROM {T_LINE} l JOIN {T_INVOICE} i ON i.id = l.invoice_id"
                f" WHERE i.account_id IN ({marks}) AND l.kind = 'penalty' AND i.status = 'issued'",
                batch,
            )
            for aid, total, details in cursor.fetchall():
                details = json.loads(details) if isinstance(details, str) else (details or {})
                if "item" in details:
                    key = (aid, details["item"])
                    charged[key] = charged.get(key, ZERO) + dec(total)
    lines: dict[int, list[rating.Line]] = {}
    for aid in debtors:
        account_items = items.get(aid, [])
        for item in account_items:
            item.charged = charged.get((aid, item.key), ZERO)
        results = penalties_for(
            policy=policy,
            items=account_items,
            movements=movements.get(aid, []),
            first=first,
            last=last,
        )
        for result in results:
            lines.setdefault(aid, []).append(
                rating.make_line(
                    kind=rating.PENALTY,
                    service_id=None,
                    method="",
                    description="",
                    quantity=Decimal(1),
                    unit="",
                    price=result.amount,
                    vat_rate=ZERO,
                    details=result.details,
                )
            )
    return lines


# --- one chunk: rate and summarise ------------------------------------------------------------


@dataclass
class DraftInvoice:
    account_id: int
    number: str
    bill: rating.Bill
    previous_balance: Decimal
    payments_received: Decimal
    total: Decimal
    vat_total: Decimal
    penalty_total: Decimal
    amount_due: Decimal
    has_estimates: bool


def chunk_rate(ctx: RunContext, loaded: Loaded) -> list[DraftInvoice]:
    penalties = _penalty_lines(ctx, loaded)
    drafts = []
    balances, last_due = loaded.balance, loaded.last_due
    rate_account = rating.rate_account
    rate_ctx = ctx.rate
    estimates, correction, charge, penalty = rating.ESTIMATES, rating.CORRECTION, rating.CHARGE, rating.PENALTY
    for account in loaded.accounts:
        bill = rate_account(account, rate_ctx)
        if penalties and account.id in penalties:
            bill.lines += penalties[account.id]
        if account.id in loaded.corrections:
            bill.lines += loaded.corrections[account.id]
        if account.id in loaded.building:
            bill.lines += loaded.building[account.id]
        balance = balances.get(account.id, ZERO_MONEY)
        if not bill.lines and not balance:
            continue  # nothing billed and nothing owed: no invoice
        previous = last_due.get(account.id, balance)
        total = vat_total = penalty_total = ZERO_MONEY
        has_estimates = False
        for line in bill.lines:
            total += line.total
            vat_total += line.vat
            kind = line.kind
            if kind == penalty:
                penalty_total += line.total
            elif kind == correction or (kind == charge and line.method in estimates):
                has_estimates = True
        drafts.append(
            DraftInvoice(
                account.id,
                account.number,
                bill,
                previous,
                previous - balance,
                total,
                vat_total,
                penalty_total,
                balance + total,
                has_estimates,
            )
        )
    return drafts


def summarise(drafts: list[DraftInvoice], services: dict[int, rating.ServiceInfo], summary: dict | None = None) -> dict:
    """Totals per service and method, accounts by method, anomalies; mergeable."""
    summary = summary or {
        "invoices": 0,
        "total": "0.00",
        "vat": "0.00",
        "services": {},
        "methods": {},
        "estimated_accounts": [],
        "anomalies": [],
        "anomaly_count": 0,
    }
    total = Decimal(summary["total"])
    vat = Decimal(summary["vat"])
    methods = Counter(summary["methods"])
    # Sums kept as Decimals while the drafts are walked, turned into text once at the end.
    rows: dict[str, list[Decimal]] = {key: [Decimal(q), Decimal(a)] for key, (q, a) in summary["services"].items()}
    codes = {sid: info.code for sid, info in services.items()}
    estimated = summary["estimated_accounts"]
    anomalies = summary["anomalies"]
    charge, estimates = rating.CHARGE, rating.ESTIMATES
    for draft in drafts:
        summary["invoices"] += 1
        total += draft.total
        vat += draft.vat_total
        seen = None
        for line in draft.bill.lines:
            kind = line.kind
            code = codes.get(line.service_id, kind)
            key = f"{code}:{line.method if kind == charge else kind}"
            row = rows.get(key)
            if row is None:
                row = rows[key] = [ZERO, ZERO_MONEY]
            row[0] += line.quantity
            row[1] += line.total
            if kind == charge:
                method = line.method
                if seen is None:
                    seen = set()
                elif method in seen:
                    continue
                seen.add(method)
                methods[method] += 1
                if method in estimates and len(estimated) < ESTIMATE_SAMPLE:
                    estimated.append([draft.number, method, code])
        if draft.bill.anomalies:
            for anomaly in draft.bill.anomalies:
                summary["anomaly_count"] += 1
                if len(anomalies) < ANOMALY_SAMPLE:
                    anomalies.append([draft.number, anomaly])
    summary["services"] = {key: [_qty(q), str(a)] for key, (q, a) in rows.items()}
    summary["total"] = str(total)
    summary["vat"] = str(vat)
    summary["methods"] = dict(methods)
    return summary


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")


def summary_merge(into: dict, other: dict) -> dict:
    if not into:
        return json.loads(json.dumps(other))
    into["invoices"] += other["invoices"]
    into["total"] = str(Decimal(into["total"]) + Decimal(other["total"]))
    into["vat"] = str(Decimal(into["vat"]) + Decimal(other["vat"]))
    for key, (qty, amount) in other["services"].items():
        row = into["services"].setdefault(key, ["0", "0.00"])
        row[0] = _qty(Decimal(row[0]) + Decimal(qty))
        row[1] = str(Decimal(row[1]) + Decimal(amount))
    methods = Counter(into["methods"])
    methods.update(other["methods"])
    into["methods"] = dict(methods)
    into["estimated_accounts"] = (into["estimated_accounts"] + other["estimated_accounts"])[:ESTIMATE_SAMPLE]
    into["anomalies"] = (into["anomalies"] + other["anomalies"])[:ANOMALY_SAMPLE]
    into["anomaly_count"] += other["anomaly_count"]
    return into


# --- writing drafts -------------------------------------------------------------------------------


def drafts_write(ctx: RunContext, drafts: list[DraftInvoice], *, accounts_locked: bool = False) -> None:
    """Write invoices and lines: COPY on PostgreSQL, executemany on SQLite. Call inside
    the chunk's transaction (`accounts_locked`: chunk_load(lock=True) read them)."""
    if not drafts:
        return
    common = (ctx.period, ctx.run_id, ctx.issued_on.year, ctx.issued_on, ctx.due_on)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            parents = {
                T_ACCOUNT: [] if accounts_locked else [d.account_id for d in drafts],
                T_RUN: [ctx.run_id] if ctx.run_id else [],
                # Every service (a few rows): a superset of those the lines name.
                T_SERVICE: f"SELECT id FROM {T_SERVICE}",
            }
            # The lines' invoices are the ones written here, in this transaction.
            with bulk.triggers_off(cursor, parents):
                ids = _copy_drafts(cursor, drafts, common, ctx.rate.parent_details.values())
        else:
            ids = _insert_drafts(cursor, drafts, common)
        links = [
            (invoice_id, ln.details["correction"])
            for invoice_id, draft in zip(ids, drafts, strict=True)
            if draft.has_estimates
            for ln in draft.bill.lines
            if ln.kind == rating.CORRECTION and "correction" in ln.details
        ]
        if links:
            cursor.executemany(f"UPDATE {T_CORRECTION} SET invoice_id = %s WHERE id = %s", links)


def _invoice_row(d: DraftInvoice, common: tuple) -> tuple:
    """An invoice's values for INVOICE_COLUMNS without the id (the database assigns it)."""
    period, run_id, year, issued_on, due_on = common
    return (
        d.account_id,
        period,
        run_id,
        year,
        "draft",
        issued_on,
        due_on,
        d.previous_balance,
        d.payments_received,
        d.total,
        d.vat_total,
        d.penalty_total,
        d.amount_due,
        d.has_estimates,
    )


def _line_row(invoice_id: int, ln: rating.Line, dumps=details_dumps) -> tuple:
    return (
        invoice_id,
        ln.kind,
        ln.service_id,
        ln.method,
        ln.description,
        ln.quantity,
        ln.unit,
        ln.price,
        ln.amount,
        ln.vat_rate,
        ln.vat,
        ln.total,
        dumps(ln.details),
    )


def _insert_drafts(cursor, drafts: list[DraftInvoice], common: tuple) -> list[int]:
    """SQLite: the invoices (ids from the database), then their lines; returns the ids."""
    period = common[0]
    cursor.executemany(
        f"INSERT INTO {T_INVOICE} ({', '.join(INVOICE_COLUMNS[1:])})"
        f" VALUES ({', '.join(['%s'] * (len(INVOICE_COLUMNS) - 1))})",
        [_invoice_row(d, common) for d in drafts],
    )
    ids = _written_ids(cursor, drafts, period)
    cursor.executemany(
        f"INSERT INTO {T_LINE} ({', '.join(LINE_COLUMNS)}) VALUES ({', '.join(['%s'] * len(LINE_COLUMNS))})",
        [_line_row(invoice_id, ln) for invoice_id, d in zip(ids, drafts, strict=True) for ln in d.bill.lines],
    )
    return ids


def _written_ids(cursor, drafts: list[DraftInvoice], period: dt.date) -> list[int]:
    """The ids the database gave the drafts' invoices, in the drafts' order (one invoice
    per account and period: the (account, period) index answers)."""
    cursor.execute(
        f"SELECT account_id, id FROM {T_INVOICE} WHERE account_id BETWEEN %s AND %s AND period = %s",
        [drafts[0].account_id, drafts[-1].account_id, period],
    )
    by_account = dict(cursor.fetchall())
    return [by_account[d.account_id] for d in drafts]


def _copy_drafts(cursor, drafts: list[DraftInvoice], common: tuple, shared_details=()) -> list[int]:
    """PostgreSQL: COPY the invoices, then their lines, straight from the drafts; returns
    the invoice ids. `shared_details` are details dicts many lines share: written once."""
    raw = cursor.cursor
    with raw.copy(f"COPY {T_INVOICE} ({', '.join(INVOICE_COLUMNS[1:])}) FROM STDIN") as copy:
        for d in drafts:
            copy.write_row(_invoice_row(d, common))
    ids = _written_ids(cursor, drafts, common[0])
    known = {id(details): details_dumps(details) for details in shared_details}

    def dumps(details: dict) -> str:
        return known.get(id(details)) or details_dumps(details)

    with raw.copy(f"COPY {T_LINE} ({', '.join(LINE_COLUMNS)}) FROM STDIN") as copy:
        for invoice_id, d in zip(ids, drafts, strict=True):
            for ln in d.bill.lines:
                copy.write_row(_line_row(invoice_id, ln, dumps))
    return ids


def chunk_bill(ctx: RunContext, chunk: BillingChunk) -> dict:
    """Rate and write one chunk (inside its transaction); returns its summary."""
    # The chunk allocates many small objects that all die together: the cyclic garbage
    # collector would only walk them again and again.
    # They are freed (by reference counting) before the collector is turned back on, or
    # its first pass would walk them all once more.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with translation.override(ctx.language):
            lock = connection.vendor == "postgresql"
            loaded = chunk_load(ctx, chunk.first_account_id, chunk.last_account_id, lock=lock)
            drafts = chunk_rate(ctx, loaded)
            del loaded
            drafts_write(ctx, drafts, accounts_locked=lock)
            summary = summarise(drafts, ctx.rate.services)
            invoice_count = len(drafts)
            del drafts
    finally:
        if gc_was_enabled:
            gc.enable()
    chunk.status = "done"
    chunk.invoice_count = invoice_count
    chunk.total = Decimal(summary["total"])
    chunk.summary = summary
    chunk.finished = timezone.now()
    chunk.save(update_fields=["status", "invoice_count", "total", "summary", "finished"])
    return summary

"""The demo's year of history: readings, invoices and payments, simulated month by month
per account in memory, then written in bulk (see services.py for the invariants kept)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.db.models import F
from django.utils import timezone

from kabinet.billing.models import (
    BillingRun,
    EntryKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    LineKind,
    Method,
    RunStatus,
)
from kabinet.billing.services import invoice_number_format, invoice_numbers_reserve
from kabinet.customers.models import (
    Account,
    Customer,
    CustomerKind,
    Premises,
    User,
)
from kabinet.demo import constants as c
from kabinet.lib.money import money, truncate, vat_of
from kabinet.lib.periods import add_months
from kabinet.meters.models import Meter, Reading, ReadingSource, ReadingStatus
from kabinet.payments.models import Payment, PaymentChannel, PaymentStatus
from kabinet.utility.models import Basis

HISTORY_MONTHS = 12
ZERO = Decimal("0")

# How customers pay (shares of all accounts; the rest pay in full around the due date).
PAYER_SHARES = [("debtor", 0.08), ("partial", 0.10), ("late", 0.05), ("overpayer", 0.03)]


class PaymentBehaviour:
    REGULAR = "regular"
    PARTIAL = "partial"
    LATE = "late"
    DEBTOR = "debtor"
    OVERPAYER = "overpayer"


@dataclass
class MeterSim:
    meter: Meter
    service_code: str
    monthly: Decimal  # typical consumption per month
    true_value: Decimal  # what the register shows (3 decimals)
    last_value: Decimal | None = None  # last reading the utility has
    last_period: dt.date | None = None
    averaged_since: Decimal = ZERO  # volume billed by average since the last reading (ru)
    history: list[Decimal] = field(default_factory=list)  # monthly consumption from readings


@dataclass
class AccountSim:
    account: Account
    customer: Customer
    premises: Premises
    user: User | None
    behaviour: str
    meters: list[MeterSim] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    missing: set[dt.date] = field(default_factory=set)
    stop_paying_at: int | None = None
    balance: Decimal = ZERO
    last_amount_due: Decimal | None = None


class History:
    """Readings, billing and payments of the DemoBuilder (a mixin: it uses the builder's
    random generator, calendar, services and tariffs)."""

    # --- behaviour -----------------------------------------------------------------
    def assign_behaviour(self, sims: list[AccountSim]) -> None:
        rng = self.rng
        for i, sim in enumerate(sims):
            if i == 0:
                sim.behaviour = PaymentBehaviour.PARTIAL  # alice pays her home's invoices in part…
            elif i == 1:
                sim.behaviour = PaymentBehaviour.REGULAR  # …and those of her second premises in full
            elif i == 2:
                sim.behaviour = PaymentBehaviour.LATE  # bob pays every other month
            else:
                roll, acc = rng.random(), 0.0
                for behaviour, share in PAYER_SHARES:
                    acc += share
                    if roll < acc:
                        sim.behaviour = behaviour
                        break
            if sim.behaviour == PaymentBehaviour.DEBTOR:
                sim.stop_paying_at = rng.randint(HISTORY_MONTHS - 8, HISTORY_MONTHS - 4)
            # Readings: most send every month, some forget now and then, a few stop.
            periods = self.reading_periods[1:]
            roll = rng.random()
            if i < 3 or roll < 0.78:
                continue
            if roll < 0.94:
                sim.missing = set(rng.sample(periods, min(len(periods), rng.randint(1, 3))))
            else:
                sim.missing = set(periods[-rng.randint(2, 4) :])
        # At least one debtor and one overpayer whatever the random draw.
        rest = sims[3:]
        if rest and not any(s.behaviour == PaymentBehaviour.DEBTOR for s in rest):
            rest[0].behaviour, rest[0].stop_paying_at = PaymentBehaviour.DEBTOR, HISTORY_MONTHS - 5
        if len(rest) > 1 and not any(s.behaviour == PaymentBehaviour.OVERPAYER for s in rest):
            rest[-1].behaviour = PaymentBehaviour.OVERPAYER

    # --- readings ------------------------------------------------------------------
    def reading_source(self, sim: AccountSim) -> str:
        roll = self.rng.random()
        if sim.user and roll < 0.65:
            return ReadingSource.PORTAL
        options = [ReadingSource.EMAIL, ReadingSource.SMS, ReadingSource.PHONE, ReadingSource.STAFF]
        return self.rng.choice(options)

    def taken_at(self, period: dt.date) -> dt.datetime | None:
        first, last = self.profile.window_for(period)
        last = min(last, self.today)
        if last < first:
            return None
        day = first + dt.timedelta(days=self.rng.randint(0, (last - first).days))
        moment = timezone.make_aware(dt.datetime(day.year, day.month, day.day, self.rng.randint(7, 22), 0, 0))
        moment += dt.timedelta(minutes=self.rng.randint(0, 59))
        return moment if moment <= self.now else None

    def simulate_readings(self, sims: list[AccountSim]) -> dict[tuple[int, dt.date], Reading]:
        """Advance every meter month by month; a reading is taken where the customer sent one."""
        rng = self.rng
        decimals = 0 if self.preset == "ru" else 1
        current = self.today.replace(day=1)
        readings: dict[tuple[int, dt.date], Reading] = {}
        for sim in sims:
            for period in self.reading_periods:
                if period in sim.missing:
                    sent_sources = None
                elif period == current and rng.random() < 0.4:
                    sent_sources = None  # not yet sent in the open window
                else:
                    sent_sources = self.reading_source(sim)
                moment = self.taken_at(period) if sent_sources else None
                for ms in sim.meters:
                    season = Decimal("1")
                    if ms.service_code == "hot_water":
                        season = Decimal("1.12") if period.month in (11, 12, 1, 2, 3) else Decimal("0.9")
                    use = ms.monthly * season * Decimal(str(round(rng.uniform(0.7, 1.3), 3)))
                    ms.true_value = (ms.true_value + use).quantize(Decimal("0.001"))
                    if moment is None:
                        continue
                    value = truncate(ms.true_value, decimals)
                    previous = ms.last_value
                    reading = Reading(
                        meter=ms.meter,
                        period=period,
                        value=value,
                        entered_value=f"{value:.{decimals}f}",
                        consumption=None if previous is None else value - previous,
                        taken_at=moment,
                        source=sent_sources,
                        status=ReadingStatus.ACCEPTED,
                        entered_by=sim.user if sent_sources == ReadingSource.PORTAL else None,
                    )
                    readings[(id(ms.meter), period)] = reading
                    ms.last_value = value
            # Billing replays the readings from the start.
            for ms in sim.meters:
                ms.last_value = None
        return readings

    # --- billing -------------------------------------------------------------------
    def description(self, code: str) -> str:
        return self.services[code].name_ru if self.preset == "ru" else self.services[code].name_lv

    def bill(self, sim: AccountSim, period: dt.date, readings: dict) -> list[dict]:
        """The lines of one invoice: per service and method, with the readings used."""
        decimals = 0 if self.preset == "ru" else 1
        lines: list[dict] = []
        volumes: dict[str, Decimal] = defaultdict(Decimal)
        residents = Decimal(sim.premises.residents or 0)
        norms = {s["code"]: s.get("norm") for s in self.service_specs}
        for code in sim.services:
            service = self.services[code]
            if service.basis == Basis.PER_M2:
                lines.append(self.line(code, period, sim.premises.area, Method.AREA, {}))
                continue
            if code == "sewerage":
                continue  # after the water lines
            meters = [ms for ms in sim.meters if ms.service_code == code]
            if not meters:
                if norms.get(code) is not None:
                    quantity = norms[code] * residents
                    details = {"norm": str(norms[code]), "residents": sim.premises.residents}
                    lines.append(self.line(code, period, quantity, Method.NORM, details))
                    volumes[code] += quantity
                continue
            by_method: dict[str, tuple[Decimal, list]] = {}
            for ms in meters:
                reading = readings.get((id(ms.meter), period))
                if reading is not None:
                    previous = ms.last_value
                    if previous is None:  # the first reading of the history only sets the start
                        ms.last_value, ms.last_period = reading.value, period
                        continue
                    months = (period.year - ms.last_period.year) * 12 + period.month - ms.last_period.month
                    consumption = reading.value - previous
                    quantity = consumption - ms.averaged_since
                    ms.history.extend([consumption / months] * months)
                    detail = {
                        "meter": ms.meter.serial_number,
                        "previous": f"{previous:.{decimals}f}",
                        "previous_period": ms.last_period.strftime("%Y-%m"),
                        "current": f"{reading.value:.{decimals}f}",
                        "consumption": f"{consumption:.{decimals}f}",
                    }
                    if ms.averaged_since:
                        detail["billed_by_average"] = f"{ms.averaged_since:.{decimals}f}"
                    ms.last_value, ms.last_period, ms.averaged_since = reading.value, period, ZERO
                    total, details = by_method.get(Method.METERED, (ZERO, []))
                    by_method[Method.METERED] = (total + quantity, [*details, detail])
                elif self.profile.average_enabled and ms.last_value is not None:
                    recent = ms.history[-self.profile.average_history_months :]
                    if recent:
                        quantity = truncate(sum(recent) / len(recent), 3)
                        detail = {"meter": ms.meter.serial_number, "average_of_months": len(recent)}
                    else:
                        quantity = norms[code] * residents / len(meters)
                        detail = {"meter": ms.meter.serial_number, "norm": str(norms[code])}
                    detail["previous"] = f"{ms.last_value:.{decimals}f}"
                    ms.averaged_since += quantity
                    total, details = by_method.get(Method.AVERAGE, (ZERO, []))
                    by_method[Method.AVERAGE] = (total + quantity, [*details, detail])
                # Without averaging (Latvia) a missed month is caught up by the next reading.
            for method, (quantity, details) in by_method.items():
                if quantity:
                    lines.append(self.line(code, period, quantity, method, {"meters": details}))
                    volumes[code] += quantity
        if "sewerage" in sim.services:
            sources = next(s["volume_of"] for s in self.service_specs if s["code"] == "sewerage")
            quantity = sum((volumes[code] for code in sources), ZERO)
            if quantity:
                lines.append(self.line("sewerage", period, quantity, Method.PARENT, {"of": sources}))
        return lines

    def line(self, code: str, period: dt.date, quantity: Decimal, method: str, details: dict) -> dict:
        tariff = self.tariff_for(code, period)
        quantity = quantity.quantize(Decimal("0.0001"))
        amount = money(quantity * tariff.price)
        vat = vat_of(amount, tariff.vat_rate)
        return {
            "service": self.services[code],
            "method": method,
            "description": self.description(code),
            "quantity": quantity,
            "unit": self.services[code].unit,
            "price": tariff.price,
            "amount": amount,
            "vat_rate": tariff.vat_rate,
            "vat": vat,
            "total": amount + vat,
            "details": details,
        }

    def payment_for(self, sim: AccountSim, index: int, invoice: dict) -> tuple[Decimal, dt.date] | None:
        """What this customer pays after the invoice, and when (None: nothing)."""
        rng = self.rng
        due = invoice["due_on"]
        balance = sim.balance
        if balance <= 0 and sim.behaviour != PaymentBehaviour.OVERPAYER:
            return None
        paid_on = due + dt.timedelta(days=rng.randint(-13, 3))
        if sim.behaviour == PaymentBehaviour.DEBTOR:
            amount = balance
            if sim.stop_paying_at is not None and index >= sim.stop_paying_at:
                if rng.random() >= 0.15:
                    return None
                amount = money(balance * Decimal("0.2")).quantize(Decimal("1"))  # a little, now and then
        elif sim.behaviour == PaymentBehaviour.PARTIAL:
            share = Decimal(str(round(rng.uniform(0.5, 0.9), 2))) if rng.random() < 0.6 else Decimal("1")
            amount = money(balance * share).quantize(Decimal("1")) if share < 1 else balance
        elif sim.behaviour == PaymentBehaviour.LATE:
            if index % 2 == 0:
                return None
            paid_on = due + dt.timedelta(days=rng.randint(4, 12))
            amount = balance
        elif sim.behaviour == PaymentBehaviour.OVERPAYER:
            if index == HISTORY_MONTHS - 2:  # pays ahead for a few months
                amount = (max(balance, ZERO) + invoice["total"] * 3).quantize(Decimal("1"), rounding=ROUND_CEILING)
            elif balance <= 0:
                return None
            else:
                amount = (balance / 10).quantize(Decimal("1"), rounding=ROUND_CEILING) * 10
        else:
            amount = balance
        return (money(amount), paid_on) if amount > 0 else None

    def simulate_billing(self, sims: list[AccountSim], readings: dict) -> tuple[list, list]:
        """Invoices (with their lines) and payments of every account, in time order."""
        invoices: list[dict] = []
        payments: list[dict] = []
        for sim in sims:
            # The first reading period only sets where consumption starts.
            for ms in sim.meters:
                reading = readings.get((id(ms.meter), self.reading_periods[0]))
                if reading is not None:
                    ms.last_value, ms.last_period = reading.value, self.reading_periods[0]
            for index, period in enumerate(self.periods):
                issued_on, due_on = self.issue_dates(period)
                next_issue = self.issue_dates(add_months(period, 1))[0]
                lines = self.bill(sim, period, readings)
                total = sum((line["total"] for line in lines), Decimal("0.00"))
                balance_before = sim.balance
                previous_balance = sim.last_amount_due if sim.last_amount_due is not None else balance_before
                invoice = {
                    "sim": sim,
                    "period": period,
                    "issued_on": issued_on,
                    "due_on": due_on,
                    "previous_balance": previous_balance,
                    "payments_received": previous_balance - balance_before,
                    "total": total,
                    "vat_total": sum((line["vat"] for line in lines), Decimal("0.00")),
                    "amount_due": balance_before + total,
                    "lines": lines,
                }
                invoices.append(invoice)
                sim.balance += total
                sim.last_amount_due = invoice["amount_due"]
                paid = self.payment_for(sim, index, invoice)
                if paid is None:
                    continue
                amount, paid_on = paid
                # A payment falls between this invoice and the next, and not in the future.
                paid_on = max(paid_on, issued_on + dt.timedelta(days=1))
                paid_on = min(paid_on, next_issue - dt.timedelta(days=1))
                if paid_on > self.today:
                    continue
                payments.append({"sim": sim, "invoice": invoice, "amount": amount, "paid_on": paid_on})
                sim.balance -= amount
        return invoices, payments

    # --- writing -------------------------------------------------------------------
    def write_readings(self, readings: dict) -> None:
        rows = sorted(readings.values(), key=lambda r: (r.taken_at, r.meter.serial_number))
        Reading.objects.bulk_create(rows, batch_size=2000)
        # "Received" is when the customer sent it, not when the demo was built.
        Reading.objects.update(created=F("taken_at"))
        self.counts["readings"] = len(rows)

    def write_invoices(self, invoices: list[dict]) -> None:
        invoices.sort(key=lambda inv: (inv["issued_on"], inv["sim"].account.number))
        by_year: dict[int, list[dict]] = defaultdict(list)
        for inv in invoices:
            by_year[inv["issued_on"].year].append(inv)
        # One published billing run per month, as the billing staff would have left them.
        runs = {}
        for inv in invoices:
            run = runs.get(inv["period"])
            if run is None:
                published = timezone.make_aware(dt.datetime.combine(inv["issued_on"], dt.time(9, 0)))
                run = runs[inv["period"]] = BillingRun(
                    period=inv["period"],
                    status=RunStatus.PUBLISHED,
                    finished=published,
                    published=published,
                    actor=self.carol,
                )
            run.invoice_count += 1
            run.total += inv["total"]
        BillingRun.objects.bulk_create(runs.values())
        rows = []
        for year, items in sorted(by_year.items()):
            first = invoice_numbers_reserve(year=year, count=len(items))
            for offset, inv in enumerate(items):
                seq = first + offset
                inv["row"] = Invoice(
                    account=inv["sim"].account,
                    period=inv["period"],
                    run=runs[inv["period"]],
                    year=year,
                    seq=seq,
                    number=invoice_number_format(year, seq),
                    status=InvoiceStatus.ISSUED,
                    issued_on=inv["issued_on"],
                    due_on=inv["due_on"],
                    previous_balance=inv["previous_balance"],
                    payments_received=inv["payments_received"],
                    total=inv["total"],
                    vat_total=inv["vat_total"],
                    amount_due=inv["amount_due"],
                )
                rows.append(inv["row"])
        Invoice.objects.bulk_create(rows, batch_size=2000)
        InvoiceLine.objects.bulk_create(
            (
                InvoiceLine(invoice=inv["row"], kind=LineKind.CHARGE, **line)
                for inv in invoices
                for line in inv["lines"]
            ),
            batch_size=2000,
        )
        self.counts["invoices"] = len(rows)

    def write_payments(self, invoices: list[dict], payments: list[dict]) -> None:
        """Ledger entries of invoices and payments in date order, then the payments."""
        entries = []
        for inv in invoices:
            if inv["total"]:
                row = inv["row"]
                entries.append(
                    (
                        (inv["issued_on"], 0),
                        LedgerEntry(
                            account=row.account,
                            posted_on=inv["issued_on"],
                            kind=EntryKind.INVOICE,
                            amount=inv["total"],
                            invoice=row,
                            description=row.number,
                        ),
                    )
                )
        rows = []
        for n, pay in enumerate(sorted(payments, key=lambda p: (p["paid_on"], p["sim"].account.number)), start=1):
            channel, external_id = self.payment_source(pay["paid_on"], n)
            entry = LedgerEntry(
                account=pay["sim"].account,
                posted_on=pay["paid_on"],
                kind=EntryKind.PAYMENT,
                amount=-pay["amount"],
                description=external_id,
            )
            entries.append(((pay["paid_on"], 1), entry))
            rows.append(
                Payment(
                    account=pay["sim"].account,
                    invoice=pay["invoice"]["row"],
                    amount=pay["amount"],
                    paid_on=pay["paid_on"],
                    channel=channel,
                    status=PaymentStatus.REGISTERED,
                    external_id=external_id,
                    payer_name=pay["sim"].customer.display_name,
                    purpose=self.purpose(pay),
                    match_reason="account number" if channel == PaymentChannel.BANK else "",
                    ledger_entry=entry,
                )
            )
        entries.sort(key=lambda item: item[0])
        LedgerEntry.objects.bulk_create([entry for _key, entry in entries], batch_size=2000)
        Payment.objects.bulk_create(rows, batch_size=2000)
        self.counts["payments"] = len(rows)

    def payment_source(self, paid_on: dt.date, n: int) -> tuple[str, str]:
        roll = self.rng.random()
        if roll < 0.7:
            prefix = "SB" if self.preset == "ru" else "HABA"
            return PaymentChannel.BANK, f"{prefix}{paid_on:%Y%m%d}{n:06d}"
        if roll < 0.9:
            return PaymentChannel.ONLINE, f"PAY-{paid_on:%y%m%d}-{n:06d}"
        return PaymentChannel.CASHIER, f"K{paid_on:%y%m%d}{n:05d}"

    def purpose(self, pay: dict) -> str:
        inv = pay["invoice"]
        number = pay["sim"].account.number
        if self.preset == "ru":
            return f"Оплата по л/с {number} за {inv['period']:%m.%Y}"
        return f"Rēķins {inv['row'].number}, konts {number}"

    def choose_unregistered(self, sims: list[AccountSim], invoices: list[dict]) -> None:
        """The unregistered person whose details the registration demo uses: the last
        invoice's amount to pay equals its charges (the previous one was paid in full)."""
        last = {}
        for inv in invoices:
            last[id(inv["sim"])] = inv
        for sim in sims[3:]:
            inv = last.get(id(sim))
            if sim.user is None and sim.customer.kind == CustomerKind.PERSON and inv and inv["total"] > 0:
                if inv["amount_due"] == inv["total"]:
                    break
        else:
            sim = next(s for s in sims[3:] if s.user is None and s.customer.kind == CustomerKind.PERSON)
        sim.customer.email = c.UNREGISTERED_EMAIL
        sim.customer.save(update_fields=["email"])

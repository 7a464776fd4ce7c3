"""The demo's year of history: readings simulated per account in memory and written in
bulk; then each month billed by the billing engine and published as a utility does it
(so every invoice line is what the engine writes), and paid by the customers before
the next month is billed."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.db.models import F
from django.utils import timezone, translation

from kabinet.billing import runs
from kabinet.billing.models import BillingRun, EntryKind, Invoice, LedgerEntry
from kabinet.billing.services import billing_run_publish, billing_run_start, billing_run_work
from kabinet.customers.models import (
    Account,
    Customer,
    CustomerKind,
    Premises,
    User,
)
from kabinet.demo import constants as c
from kabinet.lib.money import money, truncate
from kabinet.lib.periods import add_months
from kabinet.meters.models import Meter, Reading, ReadingSource, ReadingStatus
from kabinet.notifications.models import MailKind, OutboxMessage, OutboxStatus
from kabinet.payments.models import Payment, PaymentChannel, PaymentStatus

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
    balance: Decimal = ZERO  # what the customer owes, as the ledger says


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
        return readings

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
            # The last invoice is always paid in part: the dashboard has something to pay.
            in_full = rng.random() >= 0.6 and index < HISTORY_MONTHS - 1
            share = Decimal("1") if in_full else Decimal(str(round(rng.uniform(0.5, 0.9), 2)))
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

    def bill_and_pay(self, sims: list[AccountSim]) -> list[dict]:
        """Bill the year month by month as the utility does (a billing run of the engine,
        published by carol), then let each customer pay before the next run; returns the
        invoices as {"sim", "row", "total", "amount_due", "due_on"}."""
        by_account = {sim.account.pk: sim for sim in sims}
        invoices: list[dict] = []
        for index, period in enumerate(self.periods):
            run = billing_run_start(period=period, actor=self.carol)
            billing_run_work(run_id=run.pk, actor=self.carol)
            run = billing_run_publish(run=run, actor=self.carol)
            self.backdate_run(run)
            next_issue = runs.invoice_dates(add_months(period, 1), self.profile)[0]
            payments = []
            for row in Invoice.objects.filter(run=run).select_related("account").order_by("account__number"):
                sim = by_account[row.account_id]
                invoice = {
                    "sim": sim,
                    "row": row,
                    "total": row.total,
                    "amount_due": row.amount_due,
                    "due_on": row.due_on,
                }
                invoices.append(invoice)
                sim.balance = row.amount_due  # the ledger on the invoice day
                paid = self.payment_for(sim, index, invoice)
                if paid is None:
                    continue
                amount, paid_on = paid
                # A payment falls between this invoice and the next, and not in the future.
                paid_on = max(paid_on, row.issued_on + dt.timedelta(days=1))
                paid_on = min(paid_on, next_issue - dt.timedelta(days=1))
                if paid_on > self.today:
                    continue
                payments.append({"sim": sim, "invoice": invoice, "amount": amount, "paid_on": paid_on})
                sim.balance -= amount
            self.write_payments(payments)
        self.counts["invoices"] = len(invoices)
        self.counts["payments"] = self.payment_count
        return invoices

    def backdate_run(self, run: BillingRun) -> None:
        """The run was billed and published on its invoice day, and its e-mails were sent
        then (the history must not mail a year of invoices when the demo starts)."""
        moment = timezone.make_aware(dt.datetime.combine(run.issued_on, dt.time(9, 0)))
        BillingRun.objects.filter(pk=run.pk).update(created=moment, finished=moment, published=moment)
        LedgerEntry.objects.filter(invoice__run=run).update(created=moment)
        mailed = moment.replace(hour=8)
        OutboxMessage.objects.filter(kind=MailKind.INVOICE, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.SENT, attempts=1, created=mailed, next_attempt_at=mailed, sent_at=mailed
        )

    # --- writing -------------------------------------------------------------------
    def write_readings(self, readings: dict) -> None:
        rows = sorted(readings.values(), key=lambda r: (r.taken_at, r.meter.serial_number))
        Reading.objects.bulk_create(rows, batch_size=2000)
        # "Received" is when the customer sent it, not when the demo was built.
        Reading.objects.update(created=F("taken_at"))
        self.counts["readings"] = len(rows)

    def write_payments(self, payments: list[dict]) -> None:
        """One month's payments, each with its ledger entry, in date order."""
        entries, rows = [], []
        # As the statement import words it, in the utility's language (staff read it there).
        with translation.override("ru" if self.preset == "ru" else "lv"):
            matched_by = translation.gettext("account number %(number)s in the text")
        for pay in sorted(payments, key=lambda p: (p["paid_on"], p["sim"].account.number)):
            self.payment_count += 1
            channel, external_id = self.payment_source(pay["paid_on"], self.payment_count)
            entry = LedgerEntry(
                account=pay["sim"].account,
                posted_on=pay["paid_on"],
                kind=EntryKind.PAYMENT,
                amount=-pay["amount"],
                description=external_id,
            )
            entries.append(entry)
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
                    match_reason=matched_by % {"number": pay["sim"].account.number}
                    if channel == PaymentChannel.BANK
                    else "",
                    ledger_entry=entry,
                )
            )
        LedgerEntry.objects.bulk_create(entries, batch_size=2000)
        Payment.objects.bulk_create(rows, batch_size=2000)

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
            return f"Оплата по л/с {number} за {inv['row'].period:%m.%Y}"
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

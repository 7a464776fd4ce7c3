"""Each report's figures against sums worked out in the test from the rows it created,
on both presets (Latvia: EUR, VAT 21 %; Russia: RUB, VAT 22 %)."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import translation

from kabinet.billing.models import EntryKind, LedgerEntry, LineKind
from kabinet.billing.services import LineSpec, invoice_create, ledger_post
from kabinet.customers.models import Building
from kabinet.meters.models import ReadingSource, ReadingStatus
from kabinet.office.reports import billing, consumption, debtors, payments, readings, turnover
from kabinet.office.reports.ageing import ageing_bucket, days_late
from kabinet.office.reports.dashboard import dashboard
from kabinet.office.reports.filters import Filters
from kabinet.office.tests.test_reports_world import AUG, EVIL, OCT, SEP, TODAY, World
from kabinet.payments.models import PaymentChannel
from kabinet.payments.selectors import account_dues
from kabinet.payments.services import payment_register, payment_reverse
from kabinet.test import make_account
from kabinet.utility.models import UtilityProfile

ZERO = Decimal("0.00")


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):  # the labels the tests compare with
        yield


@pytest.fixture(params=["lv", "ru"])
def world(request, db) -> World:
    return World(request.getfixturevalue("personas" if request.param == "lv" else "ru_personas"))


def october(**kwargs) -> Filters:
    return Filters(period=OCT, today=TODAY, **kwargs)


def principal(invoice) -> Decimal:
    return invoice.total - invoice.penalty_total


# --- debtors ----------------------------------------------------------------------------


def test_it_ages_each_debtors_open_debt_oldest_paid_first(world):
    w = world
    found = {d.account: d for d in debtors.rows(october())}
    # Alice paid 10.00: it covers August first. On 20 October August is 56 days late,
    # September (and its penalty, covered last) 25 days, October not due until the 25th.
    alice = found[w.p.alice_account.number]
    aug_left = principal(w.alice_aug) - Decimal("10.00")
    assert alice.d31_90 == aug_left
    assert alice.d0_30 == principal(w.alice_sep) + Decimal("0.50")
    assert alice.not_due == principal(w.alice_oct)
    assert alice.d90_plus == ZERO
    assert alice.penalties == Decimal("0.50")
    assert alice.debt == aug_left + principal(w.alice_sep) + Decimal("0.50") + principal(w.alice_oct)
    assert alice.oldest_due == dt.date(2026, 8, 25)
    # The second account: May's 100.00; the payment reversed counts as neither.
    second = found[w.p.alice_second_account.number]
    assert (second.debt, second.d90_plus, second.oldest_due) == (
        Decimal("100.00"),
        Decimal("100.00"),
        dt.date(2026, 5, 1),
    )
    # The organisation: 50.00 of 1 September less the 20.00 credit, 49 days late.
    org = found["300001"]
    assert (org.debt, org.d31_90, org.customer) == (Decimal("30.00"), Decimal("30.00"), EVIL)
    assert org.address == "Brīvības iela 1-1, Daugavpils"
    # Bob owes only October's rest, not due yet: no debtor.
    assert w.p.bob_account.number not in found
    assert list(found) == sorted(found, key=lambda n: -found[n].debt)  # the largest debt first
    total = debtors.totals(list(found.values()))
    assert total.debt == alice.debt + Decimal("100.00") + Decimal("30.00")


def test_it_agrees_with_the_allocation_every_page_shows(world):
    """The set-based figures are account_dues()'s, bucket by bucket."""
    w = world
    accounts = [w.p.alice_account, w.p.alice_second_account, w.p.bob_account, w.org_account]
    dues = account_dues([a.pk for a in accounts], TODAY)
    found = {d.account_id: d for d in debtors.rows(october())}
    for account in accounts:
        d = dues[account.pk]
        buckets = {"not_due": ZERO, "d0_30": ZERO, "d31_90": ZERO, "d90_plus": ZERO}
        for item in [*d.open_invoices, *d.open_others]:
            buckets[ageing_bucket(days_late(item.due_on, TODAY))] += item.remaining
        overdue = d.outstanding - buckets["not_due"]
        if overdue <= 0:
            assert account.pk not in found
            continue
        row = found[account.pk]
        assert row.debt == d.outstanding
        assert {k: getattr(row, k) for k in buckets} == buckets


def test_it_agrees_with_the_allocation_on_a_random_ledger(personas):
    """Invoices, penalties, openings, credits, payments and reversals in random order and
    amounts on a dozen accounts: every account's debt and buckets are account_dues()'s."""
    rng = random.Random(7)
    cold = personas.services["cold_water"]
    accounts = [make_account(personas.alice_customer, f"9{k:05d}", "Meža iela", str(k), "1") for k in range(12)]
    for account in accounts:
        for month in range(1, 11):
            period = dt.date(2026, month, 1)
            if rng.random() < 0.8:
                lines = [_line(cold, rng)]
                if rng.random() < 0.3:
                    lines.append(_penalty_line(rng))
                issued = period + dt.timedelta(days=rng.randint(0, 20))
                invoice_create(
                    account=account,
                    period=period,
                    lines=lines,
                    issued_on=issued,
                    due_on=issued + dt.timedelta(days=rng.choice([0, 15, 30])),
                )
            if rng.random() < 0.15:
                kind = rng.choice([EntryKind.OPENING, EntryKind.CORRECTION])
                amount = Decimal(rng.randint(-3000, 5000)) / 100 or Decimal("1.00")
                ledger_post(account=account, kind=kind, amount=amount, posted_on=period + dt.timedelta(days=3))
            if rng.random() < 0.6:
                paid_on = period + dt.timedelta(days=rng.randint(0, 27))
                payment, _new = payment_register(
                    account=account,
                    amount=Decimal(rng.randint(100, 4000)) / 100,
                    paid_on=paid_on,
                    channel=PaymentChannel.BANK,
                    notify=False,
                )
                if rng.random() < 0.2:
                    payment_reverse(payment=payment, reason="returned", reversed_on=paid_on + dt.timedelta(days=2))
    for as_of in (dt.date(2026, 6, 30), dt.date(2026, 10, 20)):
        dues = account_dues([a.pk for a in accounts], as_of)
        found = {d.account_id: d for d in debtors.rows(Filters(period=as_of.replace(day=1), today=as_of))}
        assert len(found) >= 3  # the ledger has debtors to compare
        for account in accounts:
            d = dues[account.pk]
            buckets = {"not_due": ZERO, "d0_30": ZERO, "d31_90": ZERO, "d90_plus": ZERO}
            for item in [*d.open_invoices, *d.open_others]:
                buckets[ageing_bucket(days_late(item.due_on, as_of))] += item.remaining
            if d.outstanding - buckets["not_due"] <= 0:
                assert account.pk not in found, (as_of, account.number)
                continue
            row = found[account.pk]
            assert row.debt == d.outstanding, (as_of, account.number)
            assert {k: getattr(row, k) for k in buckets} == buckets, (as_of, account.number)
            assert row.oldest_due == d.due_on


def _line(service, rng) -> LineSpec:
    quantity = Decimal(rng.randint(1, 15))
    return LineSpec(service, "Water", quantity, "m3", Decimal("1.37"), service.vat_rate)


def _penalty_line(rng) -> LineSpec:
    amount = Decimal(rng.randint(1, 300)) / 100
    return LineSpec(None, "Penalty", Decimal("1"), "", amount, Decimal("0"), kind=LineKind.PENALTY)


def test_it_reads_the_end_of_a_past_month(world):
    w = world
    found = {d.account: d for d in debtors.rows(Filters(period=SEP, today=TODAY))}
    # On 30 September nothing was paid yet: August 36 days late, September 5.
    alice = found[w.p.alice_account.number]
    assert alice.d31_90 == principal(w.alice_aug)
    assert alice.d0_30 == principal(w.alice_sep) + Decimal("0.50")
    assert found["300001"].debt == Decimal("50.00")  # the credit came in October
    assert found[w.p.bob_account.number].d0_30 == principal(w.bob_sep)


def test_it_filters_debtors_by_building_and_street(world):
    w = world
    building = w.p.alice_account.premises.building
    assert [d.account for d in debtors.rows(october(building=building))] == [w.p.alice_account.number]
    assert [d.account for d in debtors.rows(october(street="Saules iela"))] == [w.p.alice_second_account.number]
    assert debtors.rows(october(street="Nowhere")) == []


# --- the billing summary ----------------------------------------------------------------


def test_it_sums_the_months_lines_by_service_and_tariff_against_the_previous(world):
    w = world
    rows = billing.rows(october())
    cold = next(r for r in rows if r.service == w.cold.name and r.kind == "Charge")
    lines = {
        month: [line for inv in invoices for line in inv.lines.all() if line.service_id == w.cold.pk]
        for month, invoices in {OCT: [w.alice_oct, w.bob_oct], SEP: [w.alice_sep, w.bob_sep]}.items()
    }
    assert cold.price == Decimal("1.20") and cold.vat_rate == w.cold.vat_rate
    assert (cold.invoices, cold.previous_invoices) == (2, 2)
    assert cold.quantity == Decimal("17") and cold.previous_quantity == Decimal("13")
    assert cold.amount == sum(line.amount for line in lines[OCT])
    assert cold.vat == sum(line.vat for line in lines[OCT])
    assert cold.total == sum(line.total for line in lines[OCT])
    assert cold.previous_total == sum(line.total for line in lines[SEP])
    assert cold.change == cold.total - cold.previous_total
    hot = next(r for r in rows if r.service == w.hot.name)
    assert (hot.quantity, hot.price, hot.previous_invoices) == (Decimal("3"), Decimal("4.50"), 0)
    penalty = next(r for r in rows if r.kind == "Penalty")
    assert (penalty.total, penalty.previous_total) == (ZERO, Decimal("0.50"))
    total = billing.totals(rows)
    assert total.total == w.alice_oct.total + w.bob_oct.total
    assert total.previous_total == w.alice_sep.total + w.bob_sep.total


def test_it_filters_the_billing_summary_by_service_and_building(world):
    w = world
    assert {r.service for r in billing.rows(october(service=w.hot))} == {w.hot.name}
    street = billing.rows(october(street="Saules iela"))
    assert street == []
    bobs = Building.objects.get(street="Rīgas iela", house="5")
    assert billing.totals(billing.rows(october(building=bobs))).total == w.alice_oct.total + w.bob_oct.total


# --- readings ----------------------------------------------------------------------------


def test_it_counts_the_months_readings_by_day_and_channel(world):
    w = world
    first, last = UtilityProfile.get().window_for(OCT)
    rows = readings.rows(october())
    expected = {}
    for r in w.readings:
        if r.source == ReadingSource.ESTIMATED:
            continue
        key = (r.received_on, str(ReadingSource(r.source).label))
        counts = expected.setdefault(key, [0, 0, 0, 0, 0])
        counts[0] += 1
        counts[1] += r.status == ReadingStatus.ACCEPTED
        counts[2] += r.status == ReadingStatus.REJECTED
        counts[3] += r.status == ReadingStatus.QUEUED
        counts[4] += bool(r.flag)
    got = {(r.day, r.channel): [r.submitted, r.accepted, r.rejected, r.queued, r.flagged] for r in rows}
    assert got == expected
    assert [r.day for r in rows] == sorted(r.day for r in rows)
    in_window = {(r.day, r.channel): r.in_window for r in rows}
    for (day, _channel), shown in in_window.items():
        assert shown == ("yes" if first <= day <= last else "no")
    assert readings.totals(rows).submitted == 4
    assert readings.rows(october(service=w.cold)) and all(
        r.channel == "Portal" for r in readings.rows(october(service=w.cold))
    )
    assert sum(r.submitted for r in readings.rows(october(street="Saules iela"))) == 0


# --- consumption by building ------------------------------------------------------------


def test_it_sums_consumption_per_building_from_the_apartments_lines(world):
    w = world
    rows = consumption.rows(october())
    by = {(r.building, r.service): r for r in rows}
    riga = str(w.p.alice_account.premises.building)
    cold = by[(riga, w.cold.name)]
    cold_lines = [line for inv in (w.alice_oct, w.bob_oct) for line in inv.lines.all() if line.service_id == w.cold.pk]
    assert (cold.accounts, cold.metered, cold.estimated, cold.quantity) == (2, Decimal("17"), 0, Decimal("17"))
    assert cold.total == sum(line.total for line in cold_lines)
    hot = by[(riga, w.hot.name)]
    assert (hot.accounts, hot.metered, hot.estimated, hot.other) == (1, 0, Decimal("3"), 0)
    assert len(rows) == 2  # the other buildings had no October invoice
    assert consumption.totals(rows).total == w.alice_oct.total + w.bob_oct.total - Decimal("0")
    assert [r.service for r in consumption.rows(october(service=w.hot))] == [w.hot.name]


# --- payments ----------------------------------------------------------------------------


def test_it_sums_the_months_payments_by_day_channel_and_bank_file(world):
    w = world
    rows = payments.rows(october())
    expected = {}
    for pay in w.payments:
        key = (pay.paid_on, pay.get_channel_display(), pay.statement.file_name if pay.statement else "")
        e = expected.setdefault(key, [0, ZERO, ZERO, ZERO, ZERO])
        e[0] += 1
        e[1] += pay.amount
        e[2] += pay.amount if pay.status == "unmatched" else ZERO
        e[3] += pay.amount if pay.status == "reversed" else ZERO
        e[4] += pay.amount if pay.status == "registered" else ZERO
    got = {(r.day, r.channel, r.bank_file): [r.count, r.received, r.unmatched, r.reversed, r.credited] for r in rows}
    assert got == expected
    total = payments.totals(rows)
    assert (total.count, total.received, total.credited) == (4, Decimal("75.00"), Decimal("20.00"))
    # A building: only its accounts' payments (an unassigned one has no building).
    building = w.p.alice_account.premises.building
    assert payments.totals(payments.rows(october(building=building))).received == Decimal("20.00")
    assert payments.rows(Filters(period=SEP, today=TODAY)) == []


# --- turnover ------------------------------------------------------------------------------


def test_it_gives_the_months_turnover_and_closing_balance(world):
    w = world
    months = turnover.rows(october())
    assert [m.month for m in months][0] == dt.date(2025, 11, 1) and months[-1].month == OCT
    entries = list(LedgerEntry.objects.values_list("posted_on", "kind", "amount"))
    for m in months:
        end = m.month.replace(day=28) + dt.timedelta(days=4)
        end = end - dt.timedelta(days=end.day)  # the month's last day
        mine = [(k, a) for d, k, a in entries if m.month <= d <= end]
        charged = sum((a for k, a in mine if k in (EntryKind.INVOICE, EntryKind.CORRECTION, EntryKind.PENALTY)), ZERO)
        paid = -sum((a for k, a in mine if k in (EntryKind.PAYMENT, EntryKind.REVERSAL)), ZERO)
        assert (m.charged, m.paid) == (charged, paid), m.month
        assert m.closing == sum((a for d, _k, a in entries if d <= end), ZERO)
    oct_ = months[-1]
    assert oct_.paid == Decimal("20.00")  # 10 + 30 − 30 reversed + 10
    assert oct_.charged == w.alice_oct.total + w.bob_oct.total - Decimal("20.00")
    assert oct_.penalties == ZERO and months[-2].penalties == Decimal("0.50")
    assert months[-6].other == Decimal("100.00")  # May's transferred debt
    assert oct_.closing == sum((a for _d, _k, a in entries), ZERO)
    saules = turnover.rows(october(street="Saules iela"))
    assert saules[-1].closing == Decimal("100.00") and saules[-1].paid == ZERO


def test_the_dashboard_puts_the_month_together(world):
    board = dashboard(october())
    assert board.debtor_count == 3
    assert board.debt.overdue == board.debt.d0_30 + board.debt.d31_90 + board.debt.d90_plus
    assert board.month == turnover.rows(october())[-1]
    assert board.payments.received == Decimal("75.00")
    assert board.readings.submitted == 4
    titles = [str(title) for title, _chart, _money in board.charts]
    assert "Overdue debt by age" in titles
    ageing = dict(zip(titles, [c for _t, c, _m in board.charts], strict=True))["Overdue debt by age"]
    assert [b.value for b in ageing["bars"]] == [board.debt.d0_30, board.debt.d31_90, board.debt.d90_plus]
    assert AUG < OCT

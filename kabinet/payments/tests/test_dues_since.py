"""account_dues(since=…) reads the entries before `since` as sums: every figure it gives
must be the one the whole ledger gives, whatever the charges, payments, reversals and
penalties and their dates (hypothesis; SQLite and PostgreSQL)."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing.models import EntryKind, Invoice
from kabinet.billing.services import ledger_post
from kabinet.payments.selectors import account_dues
from kabinet.payments.services import payment_register, payment_reverse

START = dt.date(2022, 1, 1)
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300"), places=2)
events = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), st.integers(0, 1), money, money | st.just(Decimal("0"))),  # principal, penalty
        st.tuples(st.just("pay"), st.integers(0, 1), money, st.booleans()),  # reversed later?
        st.tuples(st.just("opening"), st.integers(0, 1), money, st.just(None)),
        st.tuples(st.just("credit"), st.integers(0, 1), money, st.just(None)),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=events, since_month=st.integers(0, 24), today_month=st.integers(0, 26), order=st.randoms())
def test_it_gives_the_whole_ledgers_answer_from_the_sums_before_since(
    personas, events, since_month, today_month, order
):
    with transaction.atomic():
        accounts = [personas.alice_account, personas.bob_account]
        payments = []
        # One event a month, posted in a shuffled order (a late bank file, a backdated credit).
        dated = [(START + dt.timedelta(days=30 * n + 5), event) for n, event in enumerate(events)]
        order.shuffle(dated)
        for n, (day, (kind, which, amount, extra)) in enumerate(dated):
            account = accounts[which]
            if kind == "invoice":
                invoice = Invoice.objects.create(
                    account=account,
                    # One period per event: 30-day steps put two events in one month at times.
                    period=dt.date(START.year + n // 12, n % 12 + 1, 1),
                    year=day.year,
                    seq=n + 1,
                    number=f"T-{n}",
                    issued_on=day,
                    due_on=day + dt.timedelta(days=15),
                    total=amount + extra,
                    penalty_total=extra,
                    amount_due=amount + extra,
                )
                ledger_post(account=account, kind=EntryKind.INVOICE, amount=amount, posted_on=day, invoice=invoice)
                if extra:
                    ledger_post(account=account, kind=EntryKind.PENALTY, amount=extra, posted_on=day, invoice=invoice)
            elif kind == "pay":
                payment, _ = payment_register(
                    account=account, amount=amount, paid_on=day, channel="bank", external_id=f"p{n}", notify=False
                )
                if extra:
                    payments.append((payment, day + dt.timedelta(days=40)))
            elif kind == "opening":
                ledger_post(account=account, kind=EntryKind.OPENING, amount=amount, posted_on=day)
            else:
                ledger_post(account=account, kind=EntryKind.CORRECTION, amount=-amount, posted_on=day)
        for payment, day in payments:
            payment_reverse(payment=payment, reason="returned", reversed_on=day)

        ids = [a.pk for a in accounts]
        since = START + dt.timedelta(days=30 * since_month)
        for today in (START + dt.timedelta(days=30 * today_month + 10), None):
            whole = account_dues(ids, today)
            recent = account_dues(ids, today, since=since)
            for aid in ids:
                w, r = whole[aid], recent[aid]
                assert (r.balance, r.to_pay, r.credit, r.due_on, r.overdue) == (
                    w.balance,
                    w.to_pay,
                    w.credit,
                    w.due_on,
                    w.overdue,
                )
                assert [(o.entry_id, o.paid) for o in r.open_others] == [(o.entry_id, o.paid) for o in w.open_others]
                # Every invoice posted from `since` on is there, as the whole ledger has it;
                # an older one only while open, with what remains of it.
                posted_since = {
                    i
                    for i in w.invoices
                    if Invoice.objects.get(pk=i).issued_on >= since
                    and (today is None or Invoice.objects.get(pk=i).issued_on <= today)
                }
                assert posted_since <= set(r.invoices)
                for invoice_id, row in r.invoices.items():
                    full = w.invoices[invoice_id]
                    if invoice_id in posted_since:
                        assert (row.total, row.paid, row.status) == (full.total, full.paid, full.status)
                    else:
                        assert (row.remaining, row.overdue) == (full.remaining, full.overdue)
                assert [(i.invoice_id, i.remaining) for i in r.open_invoices] == [
                    (i.invoice_id, i.remaining) for i in w.open_invoices
                ]
                for invoice_id in posted_since:
                    assert r.to_settle(invoice_id) == w.to_settle(invoice_id)
                for payment_id, links in r.paid_by.items():
                    recent_links = [(i, amount) for i, amount in links if i in posted_since]
                    assert recent_links == [(i, amount) for i, amount in w.paid_by[payment_id] if i in posted_since]
        transaction.set_rollback(True)


def test_it_reads_an_old_open_debt_whole(personas):
    account = personas.alice_account
    old = dt.date(2022, 3, 10)
    ledger_post(account=account, kind=EntryKind.OPENING, amount=Decimal("80.00"), posted_on=old)
    payment_register(
        account=account, amount=Decimal("30.00"), paid_on=dt.date(2026, 1, 5), channel="bank", external_id="x1"
    )
    today = dt.date(2026, 2, 1)
    dues = account_dues([account.pk], today, since=dt.date(2025, 6, 1))[account.pk]
    assert dues.to_pay == Decimal("50.00")  # 80 − 30, still owed since 2022
    assert [(o.posted_on, o.remaining) for o in dues.open_others] == [(old, Decimal("50.00"))]
    assert dues.due_on == old
    assert dues.overdue


def test_it_reads_years_of_settled_history_in_two_queries(personas, django_assert_num_queries):
    account = personas.alice_account
    for n in range(36):  # three years of invoices, each paid in full ten days later
        day = dt.date(2023, 1, 10) + dt.timedelta(days=30 * n)
        ledger_post(account=account, kind=EntryKind.INVOICE, amount=Decimal("25.00"), posted_on=day)
        payment_register(
            account=account, amount=Decimal("25.00"), paid_on=day + dt.timedelta(days=10), channel="bank",
            external_id=f"y{n}", notify=False,
        )  # fmt: skip
    last = dt.date(2026, 1, 10)
    ledger_post(account=account, kind=EntryKind.INVOICE, amount=Decimal("31.40"), posted_on=last)
    with django_assert_num_queries(2):  # the sums before `since`, the rows after it
        dues = account_dues([account.pk], dt.date(2026, 1, 20), since=dt.date(2025, 8, 1))[account.pk]
    assert dues.to_pay == Decimal("31.40")
    assert dues.due_on == last
    assert dues.balance == Decimal("31.40")

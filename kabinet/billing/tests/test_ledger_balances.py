"""The kept balances (AccountBalance, kabinet.billing.balances) always equal the sum of
the ledger, whatever writes it, in whatever order of dates, and the billing run's view
of an account before a day equals the same figures summed over the whole history.
Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing import balances
from kabinet.billing.models import AccountBalance, EntryKind, LedgerEntry
from kabinet.billing.penalties import PenaltyPolicy
from kabinet.billing.selectors import account_balances
from kabinet.billing.services import ledger_post
from kabinet.customers.models import Account
from kabinet.payments.bulk import insert_rows

START = dt.date(2021, 1, 1)
KINDS = [EntryKind.INVOICE, EntryKind.PAYMENT, EntryKind.PENALTY, EntryKind.CORRECTION, EntryKind.REVERSAL]

amounts = st.decimals(min_value=Decimal("-500"), max_value=Decimal("500"), places=2).filter(bool)
entries = st.tuples(
    st.integers(0, 2),  # which account
    st.sampled_from(KINDS),
    amounts,
    st.integers(0, 5 * 365),  # posted on START + days: any order, closed months included
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("post"), entries),  # ledger_post: the ORM, one row
        st.tuples(st.just("bulk"), st.lists(entries, min_size=1, max_size=6)),  # insert_rows: COPY on PostgreSQL
        st.tuples(st.just("sql"), st.lists(entries, min_size=1, max_size=4)),  # INSERT … SELECT, as publishing
        st.tuples(st.just("move"), st.integers(0, 50), entries),  # an entry changed: account, amount, date
        st.tuples(st.just("delete"), st.integers(0, 50)),
    ),
    min_size=1,
    max_size=12,
)


def _post(accounts, spec):
    which, kind, amount, days = spec
    ledger_post(account=accounts[which], kind=kind, amount=amount, posted_on=START + dt.timedelta(days=days))


def _apply(accounts, operation):
    name, *args = operation
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    if name == "post":
        _post(accounts, args[0])
    elif name == "bulk":
        insert_rows(
            LedgerEntry,
            ["account_id", "posted_on", "created", "kind", "amount", "description"],
            [(accounts[w].pk, START + dt.timedelta(days=d), now, k, a, "") for w, k, a, d in args[0]],
        )
    elif name == "sql":
        with connection.cursor() as cursor:
            selects = " UNION ALL ".join(["SELECT %s AS a, %s AS p, %s AS k, %s AS m"] * len(args[0]))
            params = [p for w, k, a, d in args[0] for p in (accounts[w].pk, START + dt.timedelta(days=d), k, a)]
            cursor.execute(
                "INSERT INTO billing_ledgerentry (account_id, posted_on, created, kind, amount, description)"
                f" SELECT a, p, %s, k, m, '' FROM ({selects}) rows",
                [now, *params],
            )
    elif name == "move":
        ids = list(LedgerEntry.objects.order_by("id").values_list("id", flat=True))
        if ids:
            which, kind, amount, days = args[1]
            LedgerEntry.objects.filter(pk=ids[args[0] % len(ids)]).update(
                account=accounts[which], kind=kind, amount=amount, posted_on=START + dt.timedelta(days=days)
            )
    elif name == "delete":
        ids = list(LedgerEntry.objects.order_by("id").values_list("id", flat=True))
        if ids:
            LedgerEntry.objects.filter(pk=ids[args[0] % len(ids)]).delete()


def _summed(account, *, before=None, through=None, principal=False):
    """The figure by hand: every entry of the account, filtered in Python."""
    total = Decimal("0.00")
    for kind, amount, posted_on in LedgerEntry.objects.filter(account=account).values_list(
        "kind", "amount", "posted_on"
    ):
        if principal and kind == EntryKind.PENALTY:
            continue
        if before is not None and posted_on >= before:
            continue
        if through is not None and posted_on > through:
            continue
        total += Decimal(str(amount)).quantize(Decimal("0.01"))
    return total


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations, day=st.integers(0, 5 * 365))
def test_it_keeps_every_balance_equal_to_the_sum_of_the_whole_ledger(personas, ops, day):
    with transaction.atomic():
        accounts = [personas.alice_account, personas.alice_second_account, personas.bob_account]
        for operation in ops:
            _apply(accounts, operation)
        assert balances.balances_mismatched() == []
        kept = account_balances([a.pk for a in accounts])
        assert kept == {a.pk: _summed(a) for a in accounts}

        # The billing run's view of a period: the kept sum less the entries after a day.
        first = (START + dt.timedelta(days=day)).replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        issued_on = last + dt.timedelta(days=10)
        policy = PenaltyPolicy(code="ru155", grace_days=30)
        ids = sorted(a.pk for a in accounts)
        with connection.cursor() as cursor:
            seen = balances.positions(
                cursor, ids, lo=ids[0], hi=ids[-1], issued_on=issued_on, first=first, last=last, policy=policy
            )
        for account in accounts:
            if not LedgerEntry.objects.filter(account=account).exists() and account.pk not in seen:
                continue
            position = seen[account.pk]
            assert position.balance == _summed(account, before=issued_on)
            assert position.opening == _summed(account, before=first, principal=True)
            assert position.closing == _summed(account, through=last, principal=True)
        transaction.set_rollback(True)


def test_it_counts_a_payment_dated_in_a_closed_month(personas):
    account = personas.alice_account
    ledger_post(account=account, kind=EntryKind.INVOICE, amount=Decimal("40.00"), posted_on=dt.date(2026, 3, 10))
    ledger_post(account=account, kind=EntryKind.INVOICE, amount=Decimal("30.00"), posted_on=dt.date(2026, 4, 10))
    # A bank payment booked in March arrives after April was billed.
    ledger_post(account=account, kind=EntryKind.PAYMENT, amount=Decimal("-25.50"), posted_on=dt.date(2026, 3, 28))
    ledger_post(account=account, kind=EntryKind.PENALTY, amount=Decimal("1.25"), posted_on=dt.date(2026, 4, 10))
    kept = AccountBalance.objects.get(account=account)
    assert kept.balance == Decimal("45.75")  # 40 + 30 − 25.50 + 1.25
    assert kept.principal == Decimal("44.50")  # without the penalty
    with connection.cursor() as cursor:
        seen = balances.positions(
            cursor,
            [account.pk],
            lo=account.pk,
            hi=account.pk,
            issued_on=dt.date(2026, 4, 10),
            first=dt.date(2026, 3, 1),
            last=dt.date(2026, 3, 31),
            policy=PenaltyPolicy(code="ru155"),
        )[account.pk]
    assert seen.balance == Decimal("14.50")  # 40 − 25.50: April's entries are on the invoice day
    assert seen.opening == Decimal("0.00")
    assert seen.closing == Decimal("14.50")
    assert seen.last_credit == dt.date(2026, 3, 28)
    assert seen.earliest_due == dt.date(2026, 3, 10)


def test_it_fills_the_balances_of_an_account_without_entries_with_zero(personas):
    assert account_balances([personas.bob_account.pk]) == {personas.bob_account.pk: Decimal("0.00")}
    assert not AccountBalance.objects.exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_it_stays_exact_when_two_transactions_post_to_one_account_at_once(personas):
    account_id = personas.alice_account.pk
    barrier = threading.Barrier(4)
    errors = []

    def worker(n):
        try:
            barrier.wait()
            for k in range(25):
                with transaction.atomic():
                    # Dates in any order, some in long-closed months.
                    posted_on = dt.date(2021 + (n + k) % 5, 1 + k % 12, 1 + n)
                    ledger_post(
                        account=account_id, kind=EntryKind.PAYMENT, amount=Decimal("-1.01"), posted_on=posted_on
                    )
                    insert_rows(
                        LedgerEntry,
                        ["account_id", "posted_on", "created", "kind", "amount", "description"],
                        [
                            (
                                account_id,
                                posted_on,
                                dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                                "invoice",
                                Decimal("3.00"),
                                "",
                            )
                        ],
                    )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # 4 workers × 25 × (3.00 − 1.01)
    assert AccountBalance.objects.get(account_id=account_id).balance == Decimal("199.00")
    assert balances.balances_mismatched() == []
    assert Account.objects.filter(pk=account_id).exists()

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from kabinet.billing.selectors import account_balance
from kabinet.billing.services import LineSpec, invoice_create
from kabinet.lib.periods import add_months
from kabinet.lib.tests.statement_builders import Tx, camt053, registry
from kabinet.payments.allocation import Credit, Debit, allocate
from kabinet.payments.models import Payment, RegistryLayout
from kabinet.payments.services import payment_register


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def issue(account, period, amount, service):
    return invoice_create(
        account=account,
        period=period,
        lines=[LineSpec(service, "Water", Decimal("1"), "m3", Decimal(amount), Decimal("0"))],
        issued_on=add_months(period, 1).replace(day=10),
        due_on=add_months(period, 1).replace(day=25),
    )


def test_history_shows_each_payment_with_date_channel_and_invoices_paid(client, personas):
    p = personas
    cold = p.services["cold_water"]
    a = issue(p.alice_account, dt.date(2026, 8, 1), "30.00", cold)
    b = issue(p.alice_account, dt.date(2026, 9, 1), "20.00", cold)
    payment_register(
        account=p.alice_account,
        amount=Decimal("40.00"),
        paid_on=dt.date(2026, 10, 12),
        channel="bank",
        external_id="X1",
    )
    client.force_login(p.alice)
    page = client.get(reverse("portal:payment-history")).content.decode()
    assert "12.10.2026" in page and "Bank transfer" in page
    assert f"{a.number} (30.00)" in page and f"{b.number} (10.00)" in page
    assert "To pay" in page and "10.00 EUR" in page


def test_overpayment_stays_as_credit_for_the_next_invoice(client, personas):
    p = personas
    cold = p.services["cold_water"]
    issue(p.alice_account, dt.date(2026, 8, 1), "30.00", cold)
    payment_register(
        account=p.alice_account, amount=Decimal("50.00"), paid_on=dt.date(2026, 9, 12), channel="bank", external_id="X1"
    )
    client.force_login(p.alice)
    page = client.get(reverse("portal:payment-history")).content.decode()
    assert "Credit (overpaid)" in page and "20.00 EUR" in page
    nxt = issue(p.alice_account, dt.date(2026, 9, 1), "25.00", cold)
    assert nxt.payments_received == Decimal("50.00") and nxt.amount_due == Decimal("5.00")
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "part-paid" in page


def test_history_query_count_does_not_grow(client, personas, django_assert_max_num_queries):
    p = personas
    cold = p.services["cold_water"]
    period = dt.date(2024, 1, 1)
    for n in range(30):
        issue(p.alice_account, period, "10.00", cold)
        payment_register(
            account=p.alice_account, amount=Decimal("10.00"), paid_on=period, channel="bank", external_id=f"P{n}"
        )
        period = add_months(period, 1)
    client.force_login(p.alice)
    client.get(reverse("portal:payment-history"))
    with django_assert_max_num_queries(10):
        assert client.get(reverse("portal:payment-history")).status_code == 200


def test_the_watched_folder_is_imported_once(personas, tmp_path, capsys):
    p = personas
    issue(p.alice_account, dt.date(2026, 9, 1), "30.00", p.services["cold_water"])
    (tmp_path / "a.xml").write_bytes(camt053([Tx("W1", "30.00", text="100001")]))
    (tmp_path / "bad.xml").write_bytes(camt053([Tx("W2", "x")]))
    (tmp_path / "a-copy.xml").write_bytes(camt053([Tx("W1", "30.00", text="100001")]))
    RegistryLayout.objects.create(
        name="Agent",
        code="agent",
        columns={"date": 0, "op_id": 4, "account": 5, "amount": 9},
        summary_count_column=0,
        summary_total_column=1,
    )
    (tmp_path / "agent").mkdir()
    (tmp_path / "agent" / "r.txt").write_bytes(registry([("OP1", "100002", "5.00")]))
    call_command("import_statements", folder=str(tmp_path))
    out = capsys.readouterr()
    assert "Ntry #1 (W2)/Amt" in out.err
    assert (tmp_path / "done" / "a.xml").exists() and (tmp_path / "failed" / "bad.xml.error.txt").exists()
    assert Payment.objects.count() == 2
    assert account_balance(p.alice_account.pk) == Decimal("0.00")
    assert account_balance(p.alice_second_account.pk) == Decimal("-5.00")


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)


@given(st.lists(money, max_size=8), st.lists(money, max_size=8))
def test_allocation_never_creates_or_loses_money(debits, credits):
    ds = [Debit(key=i, amount=a, order=(i,)) for i, a in enumerate(debits)]
    cs = [Credit(key=("c", i), amount=a, order=(i,)) for i, a in enumerate(credits)]
    result = allocate(ds, cs)
    covered = sum(result.covered.values(), Decimal("0"))
    assert covered + result.unapplied == sum(credits, Decimal("0"))
    assert all(result.covered[d.key] <= d.amount for d in ds)
    # Oldest first: an open debit is never followed by a covered one (without targets).
    states = [result.covered[d.key] == d.amount for d in ds]
    if False in states:
        assert not any(result.covered[d.key] > 0 for d in ds[states.index(False) + 1 :])
    assert sum(d.amount for d in ds) - covered - result.unapplied == sum(debits, Decimal("0")) - sum(
        credits, Decimal("0")
    )


@pytest.mark.parametrize(
    ("lang", "text"), [("lv", "Maksājumu vēsture"), ("ru", "История платежей"), ("en", "Payment history")]
)
def test_the_payment_pages_speak_three_languages(client, personas, lang, text):
    client.cookies["django_language"] = lang
    client.force_login(personas.alice)
    assert text in client.get(reverse("portal:payment-history")).content.decode()

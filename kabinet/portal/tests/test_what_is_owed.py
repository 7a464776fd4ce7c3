"""What is paid, what is due, by when: every page gives the one answer of
payments.selectors.account_dues, for both presets.

The account history every test here reads (all amounts without VAT, computed by hand):

    invoice A  07.2026  issued 10.08  due 25.08  charges 40.00
    payment 1  20.08    40.00  -> A 40.00                         A paid
    invoice B  08.2026  issued 10.09  due 25.09  charges 50.00
    payment 2  20.09    30.00  -> B 30.00 (a part payment)
    invoice C  09.2026  issued 10.10  due 25.10  charges 60.00
    payment 3  20.10   100.00  -> B 20.00, C 60.00, 20.00 left   B, C paid
                                  (an overpayment: a credit of 20.00)
    invoice D  10.2026  issued 10.11  due 25.11  charges 45.00
                                  the credit pays D 20.00 (payment 3)
    invoice E  11.2026  issued 10.12  due 25.12  charges 35.00
    payment 4  11.12    10.00 "for invoice E" -> D 10.00 (oldest debt first)

    today 12.12.2026:
    A 40.00 paid 40.00  remaining  0.00  paid
    B 50.00 paid 50.00  remaining  0.00  paid
    C 60.00 paid 60.00  remaining  0.00  paid
    D 45.00 paid 30.00  remaining 15.00  part-paid, overdue (due 25.11)   <- the late invoice
    E 35.00 paid  0.00  remaining 35.00  unpaid, due 25.12
    to pay 15.00 + 35.00 = 50.00 (= charges 230.00 - payments 180.00), by 25.11.2026, overdue
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from kabinet.billing.services import LineSpec, invoice_create
from kabinet.lib.periods import add_months
from kabinet.payments.selectors import PAY_STATE_LABELS, account_dues
from kabinet.payments.services import payment_register
from kabinet.test import Personas

D = Decimal
NOW = dt.datetime(2026, 12, 12, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 12)

# invoice: (charges, paid, remaining, badges: state [+ overdue])
EXPECTED = {
    "A": ("40.00", "40.00", "0.00", ["paid"]),
    "B": ("50.00", "50.00", "0.00", ["paid"]),
    "C": ("60.00", "60.00", "0.00", ["paid"]),
    "D": ("45.00", "30.00", "15.00", ["part_paid", "overdue"]),
    "E": ("35.00", "0.00", "35.00", ["unpaid"]),
}


def issue(account, period: dt.date, amount: str, service):
    lines = [LineSpec(service, "Water", D("1"), "m3", D(amount), D("0"), method="metered")]
    return invoice_create(
        account=account,
        period=period,
        lines=lines,
        issued_on=add_months(period, 1).replace(day=10),
        due_on=add_months(period, 1).replace(day=25),
    )


def pay(account, amount: str, paid_on: dt.date, ref: str, invoice=None):
    payment, _new = payment_register(
        account=account, amount=D(amount), paid_on=paid_on, channel="bank", external_id=ref, invoice=invoice
    )
    return payment


@pytest.fixture(params=["lv", "ru"])
def history(request, db):
    p = Personas(request.param)
    cold = p.services["cold_water"]
    account = p.alice_account
    p.inv = {}
    p.inv["A"] = issue(account, dt.date(2026, 7, 1), "40.00", cold)
    p.pay1 = pay(account, "40.00", dt.date(2026, 8, 20), "P1")
    p.inv["B"] = issue(account, dt.date(2026, 8, 1), "50.00", cold)
    p.pay2 = pay(account, "30.00", dt.date(2026, 9, 20), "P2")
    p.inv["C"] = issue(account, dt.date(2026, 9, 1), "60.00", cold)
    p.pay3 = pay(account, "100.00", dt.date(2026, 10, 20), "P3")
    p.inv["D"] = issue(account, dt.date(2026, 10, 1), "45.00", cold)
    p.inv["E"] = issue(account, dt.date(2026, 11, 1), "35.00", cold)
    p.pay4 = pay(account, "10.00", dt.date(2026, 12, 11), "P4", invoice=p.inv["E"])
    p.currency = p.utility.currency
    return p


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def language(page: str) -> str:
    return re.search(r'<html lang="([\w-]+)"', page).group(1)


def labels(page: str, states: list[str]) -> list[str]:
    with translation.override(language(page)):
        return [str(PAY_STATE_LABELS[s]) for s in states]


def badges(html: str) -> list[str]:
    return re.findall(r'<span class="badge \w+">([^<]+)</span>', html)


def row(page: str, number: str) -> str:
    return re.search(rf'<tr data-invoice="{number}">(.*?)</tr>', page, re.S).group(1)


def numbers_in(row_html: str) -> list[str]:
    return re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row_html)


def headline_html(page: str) -> str:
    return re.search(r'<p class="balance[^"]*">(.*?)</p>', page, re.S).group(1)


def headline(page: str) -> str:
    return text(headline_html(page))


@time_machine.travel(NOW)
def test_it_computes_the_dues_by_hand(history):
    dues = account_dues([history.alice_account.pk], TODAY)[history.alice_account.pk]

    for name, (total, paid, remaining, states) in EXPECTED.items():
        st = dues.invoices[history.inv[name].pk]
        assert (st.total, st.paid, st.remaining) == (D(total), D(paid), D(remaining)), name
        assert st.status == ("overdue" if "overdue" in states else states[0])
    assert dues.to_pay == D("50.00") and dues.balance == D("50.00") and dues.credit == D("0.00")
    assert dues.due_on == dt.date(2026, 11, 25) and dues.overdue
    # What settles each invoice: its remaining and all older debt (oldest first).
    assert dues.to_settle(history.inv["D"].pk) == D("15.00")
    assert dues.to_settle(history.inv["E"].pk) == D("50.00")  # 15.00 + 35.00
    assert dues.to_settle(history.inv["A"].pk) == D("0.00")
    # Which invoices each payment settled.
    inv = {k: v.pk for k, v in history.inv.items()}
    assert dues.paid_by[history.pay1.pk] == [(inv["A"], D("40.00"))]
    assert dues.paid_by[history.pay2.pk] == [(inv["B"], D("30.00"))]
    assert dues.paid_by[history.pay3.pk] == [(inv["B"], D("20.00")), (inv["C"], D("60.00")), (inv["D"], D("20.00"))]
    assert dues.paid_by[history.pay4.pk] == [(inv["D"], D("10.00"))]


@time_machine.travel(NOW)
def test_it_shows_the_same_amount_and_date_on_every_page(client, history):
    client.force_login(history.alice)
    # 15.00 (D) + 35.00 (E), due by D's due date, which has passed.
    for url in (reverse("portal:dashboard"), reverse("portal:invoices"), reverse("portal:payment-history")):
        page = client.get(url).content.decode()
        line = headline(page)
        assert f"50.00 {history.currency}" in line, url
        assert "25.11.2026" in line, url
        assert badges(headline_html(page)) == labels(page, ["overdue"]), url


@time_machine.travel(NOW)
def test_it_shows_the_same_state_for_each_invoice_on_the_dashboard_and_the_invoices_page(client, history):
    client.force_login(history.alice)
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    invoices = client.get(reverse("portal:invoices")).content.decode()

    for name, (total, _paid, remaining, states) in EXPECTED.items():
        number = history.inv[name].number
        # The dashboard's latest invoices; /invoices/'s unpaid ones and all of them.
        shown = re.findall(rf'<tr data-invoice="{number}">(.*?)</tr>', dashboard + invoices, re.S)
        assert len(shown) == (3 if D(remaining) > 0 else 2), name
        for html in shown:
            assert numbers_in(html) == [total, remaining], (name, html)
            assert badges(html) == labels(dashboard, states), (name, html)
    # /invoices/ lists the unpaid ones first, oldest first: D then E.
    unpaid = invoices[: invoices.index('id="all-h"')]
    assert re.findall(r'<tr data-invoice="([^"]+)">', unpaid) == [history.inv["D"].number, history.inv["E"].number]


@time_machine.travel(NOW)
@pytest.mark.parametrize("name", list(EXPECTED))
def test_it_shows_the_same_state_on_the_invoice_page(client, history, name):
    total, paid, remaining, states = EXPECTED[name]
    client.force_login(history.alice)
    invoice = history.inv[name]

    page = client.get(reverse("portal:invoice-detail", args=[invoice.pk])).content.decode()

    block = re.search(rf'<dl class="facts" data-invoice="{invoice.number}">(.*?)</dl>', page, re.S).group(1)
    assert re.findall(r"<dd>([\d.]+)</dd>", block) == [total, paid, remaining]
    assert badges(block) == labels(page, states)
    pay_link = f'href="{reverse("portal:pay")}?invoice={invoice.pk}"'
    assert (pay_link in page) == (D(remaining) > 0)


@time_machine.travel(NOW)
def test_it_prefills_the_pay_page_with_the_remaining_debt(client, history):
    client.force_login(history.alice)
    field = f'name="amount-{history.alice_account.pk}" value="'
    pay_url = reverse("portal:pay")

    whole = client.get(pay_url).content.decode()
    assert field + '50.00"' in whole  # 15.00 + 35.00
    assert f'name="amount-{history.alice_second_account.pk}" value=""' in whole  # nothing owed there

    d = client.get(f"{pay_url}?invoice={history.inv['D'].pk}").content.decode()
    assert field + '15.00"' in d and "oldest debt first" not in d
    # E's 35.00 is paid only after D's 15.00: paying E asks for both.
    e = client.get(f"{pay_url}?invoice={history.inv['E'].pk}").content.decode()
    assert field + '50.00"' in e and "oldest debt first" in e
    a = client.get(f"{pay_url}?invoice={history.inv['A'].pk}").content.decode()
    assert field + '"' in a and "Nothing to pay" in a


@time_machine.travel(NOW)
def test_the_pay_field_is_filled_in_the_pages_number_format_and_read_back(client, history):
    client.force_login(history.alice)
    client.cookies["django_language"] = "lv"
    page = client.get(reverse("portal:pay")).content.decode()
    # As the amount beside it reads: 50,00 EUR.
    assert f'name="amount-{history.alice_account.pk}" value="50,00"' in page


@time_machine.travel(NOW)
def test_it_shows_which_invoices_each_payment_settled(client, history):
    client.force_login(history.alice)

    page = client.get(reverse("portal:payment-history")).content.decode()

    n = {k: v.number for k, v in history.inv.items()}
    payments = page[page.index('id="hist-h"') : page.index('id="stmt-h"')]
    rows = {text(r).split(" ")[0]: text(r) for r in re.findall(r"<tr>(.*?)</tr>", payments, re.S)}
    assert rows["20.08.2026"].endswith(f"{n['A']} (40.00)")
    assert rows["20.09.2026"].endswith(f"{n['B']} (30.00)")
    assert rows["20.10.2026"].endswith(f"{n['B']} (20.00), {n['C']} (60.00), {n['D']} (20.00)")
    assert rows["11.12.2026"].endswith(f"{n['D']} (10.00)")  # made "for E", pays the older D


@time_machine.travel(NOW)
def test_it_answers_the_same_after_the_rest_is_paid(client, history):
    pay(history.alice_account, "50.00", TODAY, "P5")
    client.force_login(history.alice)

    for url in (reverse("portal:dashboard"), reverse("portal:invoices"), reverse("portal:payment-history")):
        page = client.get(url).content.decode()
        assert "Nothing to pay" in headline(page), url
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    for name in EXPECTED:
        assert badges(row(dashboard, history.inv[name].number)) == labels(dashboard, ["paid"])


@time_machine.travel(NOW)
def test_it_keeps_an_overpayment_as_credit_and_shows_nothing_due(client, history):
    pay(history.alice_account, "60.00", TODAY, "P5")  # 50.00 owed: 10.00 credit
    client.force_login(history.alice)

    for url in (reverse("portal:dashboard"), reverse("portal:invoices"), reverse("portal:payment-history")):
        assert f"10.00 {history.currency}" in headline(client.get(url).content.decode()), url
    page = client.get(reverse("portal:pay")).content.decode()
    assert f'name="amount-{history.alice_account.pk}" value=""' in page


@time_machine.travel(NOW)
def test_it_does_not_count_an_invoice_before_its_invoice_day(client, history):
    # F is published now but issued on 10.01.2027: not the customer's yet, on any page.
    f = issue(history.alice_account, dt.date(2026, 12, 1), "99.00", history.services["cold_water"])
    client.force_login(history.alice)

    for url in (reverse("portal:dashboard"), reverse("portal:invoices"), reverse("portal:pay")):
        page = client.get(url).content.decode()
        assert f.number not in page and "149.00" not in page and "50.00" in page, url


def test_it_pays_principal_before_penalties(personas):
    """The penalty rule charges on principal only: payments cover every principal debit,
    oldest first, before any penalty."""
    cold = personas.services["cold_water"]
    account = personas.alice_account
    a = invoice_create(
        account=account,
        period=dt.date(2026, 7, 1),
        lines=[
            LineSpec(cold, "Water", D("1"), "m3", D("100.00"), D("0"), method="metered"),
            LineSpec(None, "Penalty", D("1"), "", D("5.00"), D("0"), kind="penalty"),
        ],
        issued_on=dt.date(2026, 8, 10),
        due_on=dt.date(2026, 8, 25),
    )
    b = issue(account, dt.date(2026, 8, 1), "50.00", cold)
    pay(account, "120.00", dt.date(2026, 9, 20), "P1")

    dues = account_dues([account.pk], dt.date(2026, 9, 21))[account.pk]

    # A: 100.00 principal + 5.00 penalty; 120.00 pays A's 100.00, then B's 20.00.
    assert (dues.invoices[a.pk].total, dues.invoices[a.pk].paid) == (D("105.00"), D("100.00"))
    assert (dues.invoices[b.pk].total, dues.invoices[b.pk].paid) == (D("50.00"), D("20.00"))
    assert dues.to_pay == D("35.00")  # 155.00 - 120.00
    assert dues.due_on == dt.date(2026, 8, 25) and dues.overdue


@time_machine.travel(NOW)
@pytest.mark.parametrize("preset", ["lv", "ru"])
@pytest.mark.parametrize("name", ["portal:dashboard", "portal:invoices"])
def test_it_keeps_the_pages_to_a_few_queries_with_many_invoices(
    client, db, django_assert_max_num_queries, preset, name
):
    p = Personas(preset)
    cold = p.services["cold_water"]
    period = dt.date(2022, 1, 1)
    for n in range(48):  # four years of invoices, each part-paid
        issue(p.alice_account, period, "10.00", cold)
        pay(p.alice_account, "7.50", add_months(period, 1).replace(day=20), f"M{n}")
        period = add_months(period, 1)
    client.force_login(p.alice)
    client.get(reverse(name))  # warm the per-process caches

    # 7 and 5 today, whether 1 or 48 invoices; a little room for the menu.
    with django_assert_max_num_queries(8):
        page = client.get(reverse(name)).content.decode()

    # 48 × 10.00 - 48 × 7.50 = 120.00, oldest first: the newest 12 invoices are open.
    assert f"120.00 {p.utility.currency}" in headline(page)

import datetime as dt
import io
import json
from collections import defaultdict
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from stdnum import iban
from stdnum.lv import pvn
from stdnum.ru import inn, ogrn

from kabinet.billing.models import BillingRun, Invoice, InvoiceCounter, KeyRate, LedgerEntry, Norm, Tariff
from kabinet.billing.selectors import account_balances
from kabinet.customers.models import Account, Customer, CustomerKind, User
from kabinet.demo import constants as c
from kabinet.demo.data import ru_account_key_valid
from kabinet.lib.money import money, vat_of
from kabinet.meters.models import Meter, Reading
from kabinet.payments.models import Payment
from kabinet.utility.models import UtilityProfile

# The 28th: Latvian readings for November are coming in (27th–30th), Russian ones are in.
NOW = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 28)
ACCOUNTS = 30


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--accounts", str(ACCOUNTS), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lv(db, frozen, client):
    seed("--preset", "lv")
    client.cookies["django_language"] = "en"


@pytest.fixture
def ru(db, frozen, client):
    seed("--preset", "ru")
    client.cookies["django_language"] = "en"


@pytest.fixture(params=["lv", "ru"])
def preset(request, db, frozen, client):
    seed("--preset", request.param)
    client.cookies["django_language"] = "en"
    return request.param


def ledger_sums() -> dict[int, Decimal]:
    rows = LedgerEntry.objects.values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s")
    sums = {account_id: Decimal("0.00") for account_id in Account.objects.values_list("id", flat=True)}
    # money(): SQLite sums decimals as floats (1.4e-14 instead of 0).
    sums.update({account_id: money(total) for account_id, total in rows})
    return sums


def dashboard_balance_text(balance: Decimal, currency: str) -> str:
    return f"{abs(balance):.2f} {currency}"


def test_it_keeps_every_balance_equal_to_its_ledger(preset):
    sums = ledger_sums()
    assert account_balances(sums) == sums
    for invoice in Invoice.objects.prefetch_related("lines"):
        # The invoice's arithmetic, line by line as invoice_create rounds it.
        assert invoice.amount_due == invoice.previous_balance - invoice.payments_received + invoice.total
        assert invoice.total == sum(line.total for line in invoice.lines.all())
        assert invoice.vat_total == sum(line.vat for line in invoice.lines.all())
        for line in invoice.lines.all():
            assert line.amount == money(line.quantity * line.price)
            assert line.vat == vat_of(line.amount, line.vat_rate)
            assert line.total == line.amount + line.vat
        # What the invoice says is to pay is the ledger on the day it was issued.
        posted = LedgerEntry.objects.filter(account_id=invoice.account_id, posted_on__lte=invoice.issued_on)
        assert invoice.amount_due == money(posted.aggregate(s=Sum("amount"))["s"])
    # Every payment posted exactly its amount.
    for payment in Payment.objects.select_related("ledger_entry"):
        assert payment.ledger_entry.amount == -payment.amount
        assert payment.ledger_entry.account_id == payment.account_id
    assert not LedgerEntry.objects.filter(kind="payment", payment__isnull=True).exists()


def test_the_dashboard_shows_the_ledger_balance_of_each_premises(preset, client):
    profile = UtilityProfile.objects.get()
    sums = ledger_sums()
    alice = User.objects.get(email=c.ALICE_EMAIL)
    client.force_login(alice)
    for access in alice.account_accesses.all():
        client.post(reverse("portal:account-choose"), {"account": access.account_id})
        page = client.get(reverse("portal:dashboard")).content.decode()
        balance = sums[access.account_id]
        if balance:
            assert dashboard_balance_text(balance, profile.currency) in page
        else:
            assert "Nothing to pay" in page
    # She pays for her home in part: there is something to pay.
    assert sums[Account.objects.get(number=c.ALICE_ACCOUNTS[preset][0]).pk] > 0


def test_it_numbers_invoices_without_gaps_per_year(preset):
    by_year = defaultdict(list)
    for year, seq, number, issued_on in Invoice.objects.order_by("seq").values_list(
        "year", "seq", "number", "issued_on"
    ):
        by_year[year].append((seq, number, issued_on))
    assert sorted(by_year) == [2025, 2026]
    for year, rows in by_year.items():
        assert [seq for seq, _n, _d in rows] == list(range(1, len(rows) + 1))
        assert [d for _s, _n, d in rows] == sorted(d for _s, _n, d in rows)  # numbered in date order
        assert all(number == f"{year}-{seq:06d}" for seq, number, _d in rows)
        assert InvoiceCounter.objects.get(year=year).last == len(rows)
    # Twelve monthly invoices per account, each month's in a published billing run.
    assert Invoice.objects.count() == ACCOUNTS * 12
    runs = BillingRun.objects.all()
    assert runs.count() == 12 and all(run.status == "published" for run in runs)
    assert all(
        run.invoice_count == ACCOUNTS and run.total == money(run.invoices.aggregate(s=Sum("total"))["s"])
        for run in runs
    )


def test_alice_logs_in_and_sees_balance_invoices_and_meters(lv, client):
    response = client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": "kabinet-demo"})
    assert response.status_code == 302
    page = client.get(reverse("portal:dashboard")).content.decode()
    account = Account.objects.get(number=c.ALICE_ACCOUNTS["lv"][0])
    last = Invoice.objects.filter(account=account).order_by("-period").first()
    assert last.number in page
    assert "EUR" in page and "To pay" in page
    for meter in Meter.objects.filter(premises=account.premises):
        assert meter.serial_number in page
    assert {m.service.code for m in Meter.objects.filter(premises=account.premises)} >= {"cold_water", "hot_water"}
    assert Payment.objects.filter(account=account).exists()
    # Both premises in the switcher.
    assert c.ALICE_ACCOUNTS["lv"][1] in page


@pytest.mark.parametrize("login", ["4610000001", "alice@example.com"])
def test_ru_customers_log_in_with_their_account_number_or_email(ru, client, login):
    response = client.post(reverse("portal:login"), {"identifier": login, "password": "kabinet-demo"})
    assert response.status_code == 302
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "4610000001" in page and "RUB" in page
    account = Account.objects.get(number="4610000001")
    assert Invoice.objects.filter(account=account).order_by("-period").first().number in page


def test_bob_logs_in_too(lv, client):
    response = client.post(reverse("portal:login"), {"identifier": "bob@example.com", "password": "kabinet-demo"})
    assert response.status_code == 302
    assert c.BOB_ACCOUNTS["lv"][0] in client.get(reverse("portal:dashboard")).content.decode()


def test_staff_logins_have_their_roles(preset, client):
    carol = User.objects.get(username="carol")
    dave = User.objects.get(username="dave")
    assert carol.is_superuser and carol.is_staff
    assert dave.is_staff and not dave.is_superuser
    assert dave.user_permissions.exists()
    assert all(p.startswith("view_") for p in dave.user_permissions.values_list("codename", flat=True))
    assert client.login(username="carol", password="kabinet-staff")
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 200
    client.logout()
    assert client.login(username="dave", password="kabinet-staff")
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 200
    assert client.get(reverse("admin:customers_customer_add")).status_code == 403


def test_some_customers_are_not_registered(preset, client):
    out = json.loads(seed("--if-empty", "--json"))
    new = out["unregistered"]
    customer = Customer.objects.get(client_code=new["client_code"])
    assert not customer.users.exists()
    assert not User.objects.filter(email__iexact=new["email"]).exists()
    assert customer.accounts.get().number == new["account_number"]
    unregistered = Customer.objects.filter(users__isnull=True).count()
    assert 0.05 * ACCOUNTS <= unregistered <= 0.4 * ACCOUNTS
    organisation = Customer.objects.filter(kind=CustomerKind.ORGANISATION).first()
    assert organisation.organisation_name and organisation.registration_number
    assert organisation.accounts.get().premises.residents == 0


def test_it_has_exactly_one_expired_meter_and_some_due_soon(preset):
    expired = Meter.objects.filter(status="active", verification_due__lt=TODAY)
    assert expired.count() == 1
    assert expired.get().premises.accounts.get().customer.client_code == c.BOB_CLIENT_CODE
    soon = Meter.objects.filter(verification_due__gte=TODAY, verification_due__lte=TODAY + dt.timedelta(days=30))
    assert soon.count() >= 1
    assert soon.filter(premises__accounts__customer__client_code=c.ALICE_CLIENT_CODE).exists()
    for meter in Meter.objects.all():
        assert meter.installed_on <= meter.verified_on < meter.verification_due
        assert meter.seal_number and meter.model and meter.location


def test_alice_has_two_premises(preset):
    alice = Customer.objects.get(client_code=c.ALICE_CLIENT_CODE)
    accounts = list(alice.accounts.order_by("number"))
    assert [a.number for a in accounts] == c.ALICE_ACCOUNTS[preset]
    assert accounts[0].premises.building_id != accounts[1].premises.building_id
    user = User.objects.get(email=c.ALICE_EMAIL)
    assert set(user.account_accesses.values_list("account__number", flat=True)) == set(c.ALICE_ACCOUNTS[preset])


def test_there_are_debtors_and_customers_in_credit(preset):
    sums = ledger_sums()
    debtors = 0
    for account in Account.objects.all():
        last_three = Invoice.objects.filter(account=account).order_by("-period")[:3]
        if sums[account.pk] >= sum(inv.total for inv in last_three):
            debtors += 1  # owes at least the last three months
    assert debtors >= 1
    assert any(balance < 0 for balance in sums.values())
    # Most customers pay: payments around the due date.
    assert Payment.objects.count() > ACCOUNTS * 12 * 0.7


def test_readings_respect_the_window_and_precision(preset):
    profile = UtilityProfile.objects.get()
    decimals = 1 if preset == "lv" else 0
    for reading in Reading.objects.select_related("meter__service"):
        assert reading.status == "accepted"
        assert reading.meter.service.reading_decimals == decimals
        assert reading.value == reading.value.quantize(Decimal(1).scaleb(-decimals))
        first, last = profile.window_for(reading.period)
        local = reading.taken_at.astimezone(dt.timezone(dt.timedelta(hours=2))).date()
        assert first <= local <= last
        assert reading.taken_at <= NOW
    # Some accounts missed months; the current window is partly filled (lv) or complete (ru).
    meters = Meter.objects.count()
    assert Reading.objects.filter(period=dt.date(2026, 11, 1)).count() < meters or preset == "ru"
    assert Reading.objects.count() < meters * 14


def test_ru_bills_missing_months_by_average_and_sewerage_on_water_volume(ru):
    lines = {}
    for invoice in Invoice.objects.prefetch_related("lines__service"):
        lines[invoice.pk] = list(invoice.lines.all())
    methods = {line.method for rows in lines.values() for line in rows}
    assert {"metered", "average", "parent"} <= methods
    for rows in lines.values():
        charges = [line for line in rows if line.kind == "charge"]
        water = [line.quantity for line in charges if line.service.code in ("cold_water", "hot_water")]
        sewerage = sum(line.quantity for line in charges if line.service.code == "sewerage")
        # Each line's quantity is rounded to 0.0001 on its own.
        assert abs(sewerage - sum(water)) <= Decimal("0.0001") * len(water)
    # The engine corrects months billed by average once a reading comes, and charges penalties.
    kinds = {line.kind for rows in lines.values() for line in rows}
    assert {"charge", "correction", "penalty"} <= kinds
    # VAT 20% before 2026, 22% from 2026-01-01 (a correction keeps its period's rate).
    vat = {
        (line.service.code, inv.period < dt.date(2026, 1, 1), line.vat_rate)
        for inv in Invoice.objects.all()
        for line in inv.lines.filter(kind="charge")
    }
    assert {rate for _c, before, rate in vat if before} == {Decimal("20.00")}
    assert {rate for _c, before, rate in vat if not before} == {Decimal("22.00")}
    assert Norm.objects.count() == 3 and KeyRate.objects.filter(rate=Decimal("9.5")).exists()
    assert all(len(a) == 10 for a in Account.objects.values_list("number", flat=True))


def test_lv_has_the_daugavpils_rules_and_a_tariff_change(lv):
    profile = UtilityProfile.objects.get()
    assert (profile.currency, profile.languages, profile.registration_mode) == ("EUR", "lv,ru,en", "self")
    assert (profile.reading_window_first_day, profile.reading_window_last_day) == (27, 0)
    assert (profile.invoice_day, profile.payment_due_day) == (10, 25)
    assert iban.is_valid(profile.iban) and profile.bic == "HABALV22"
    assert pvn.is_valid(profile.registration_number) and profile.vat_number == "LV" + profile.registration_number
    assert profile.phone_emergency and profile.phone_reception and profile.phone_readings and profile.opening_hours
    prices = {code: set() for code in ("cold_water", "hot_water", "gas", "maintenance")}
    for invoice in Invoice.objects.prefetch_related("lines__service"):
        for line in invoice.lines.all():
            prices[line.service.code].add(line.price)
            assert line.vat_rate == Decimal("21.00")
    assert all(len(p) == 2 for p in prices.values())  # one tariff change within the year
    assert Tariff.objects.filter(valid_to__isnull=True).count() == 4


def test_services_know_the_words_customers_use(preset):
    from kabinet.utility.models import Service

    words = {s.code: set(s.short_names.split(",")) for s in Service.objects.all()}
    assert {"хвс", "холодная", "auksts", "aukstais", "cold"} <= words["cold_water"]
    assert {"гвс", "горячая", "karsts", "karstais", "hot"} <= words["hot_water"]
    if preset == "lv":
        assert {"газ", "gāze", "gas"} <= words["gas"]
        assert Service.objects.get(code="maintenance").basis == "per_m2"
    else:
        assert set(Service.objects.get(code="sewerage").volume_of.values_list("code", flat=True)) == {
            "cold_water",
            "hot_water",
        }


def test_the_back_office_lists_open_with_the_demo_data(lv, client):
    from django.contrib import admin

    client.force_login(User.objects.get(username="carol"))
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url, follow=True).status_code == 200, url  # a one-row page goes to its form


def test_ru_bank_details_are_valid(ru):
    profile = UtilityProfile.objects.get()
    assert inn.is_valid(profile.inn) and len(profile.inn) == 10
    assert ogrn.is_valid(profile.registration_number)
    assert len(profile.kpp) == 9 and profile.kpp.isdigit()
    assert ru_account_key_valid(profile.bic, profile.bank_account)
    assert ru_account_key_valid(profile.bic, profile.correspondent_account, correspondent=True)
    assert profile.reset_by_account_and_phone and profile.average_enabled and profile.penalty_policy == "ru155"


def test_if_empty_does_nothing_the_second_time(preset):
    before = (Invoice.objects.count(), Payment.objects.count(), Reading.objects.count())
    out = seed("--if-empty", "--preset", preset)
    assert "nothing to do" in out
    assert (Invoice.objects.count(), Payment.objects.count(), Reading.objects.count()) == before


def test_it_refuses_a_filled_database_without_force(lv):
    with pytest.raises(CommandError):
        seed()


def test_force_replaces_everything(lv):
    seed("--force", "--preset", "ru")
    assert UtilityProfile.objects.get().currency == "RUB"
    assert Account.objects.count() == ACCOUNTS
    assert not Account.objects.filter(number__startswith="1000").exists()
    assert set(User.objects.filter(is_staff=True).values_list("username", flat=True)) == {"carol", "dave", "ivo"}


def test_json_lists_the_logins_and_matches_the_database(preset, client):
    doc = json.loads(seed("--if-empty", "--json"))
    assert doc["preset"] == preset
    assert [(s["username"], s["role"]) for s in doc["staff"]] == [
        ("carol", "superuser"),
        ("dave", "read-only"),
        ("ivo", "inspector"),
    ]
    for customer in doc["customers"]:
        db_customer = Customer.objects.get(client_code=customer["client_code"])
        assert customer["accounts"] == list(db_customer.accounts.order_by("number").values_list("number", flat=True))
        assert customer["name"] == db_customer.display_name
        client.logout()
        response = client.post(
            reverse("portal:login"), {"identifier": customer["login"], "password": customer["password"]}
        )
        assert response.status_code == 302, customer
    alice = doc["customers"][0]
    assert alice["login"] == (c.ALICE_ACCOUNTS["ru"][0] if preset == "ru" else c.ALICE_EMAIL)
    new = doc["unregistered"]
    last = Invoice.objects.filter(account__number=new["account_number"]).order_by("-period").first()
    assert (new["last_invoice_number"], new["last_invoice_amount"]) == (last.number, f"{last.amount_due:.2f}")
    customer = Customer.objects.get(client_code=new["client_code"])
    assert (new["first_name"], new["last_name"]) == (customer.first_name, customer.last_name)


def test_json_alone_prints_only_json(db, frozen):
    doc = json.loads(seed("--json"))
    assert doc["customers"][0]["client_code"] == "10001"


def test_logins_prints_the_demo_logins(lv):
    out = io.StringIO()
    call_command("seed_demo", "--logins", "--url", "http://127.0.0.1:8000", stdout=out)
    text = out.getvalue()
    assert "Open http://127.0.0.1:8000 — customer: alice@example.com / kabinet-demo" in text
    assert "back office: http://127.0.0.1:8000/office/ carol / kabinet-staff" in text


def test_the_same_seed_gives_the_same_data(db, frozen):
    def digest():
        return (
            list(Customer.objects.order_by("client_code").values_list("client_code", "first_name", "last_name")),
            list(Meter.objects.order_by("serial_number").values_list("serial_number", "verification_due")),
            list(Invoice.objects.order_by("number").values_list("number", "account__number", "total", "amount_due")),
            list(Payment.objects.order_by("external_id").values_list("external_id", "amount", "paid_on")),
        )

    seed("--preset", "lv")
    first = digest()
    seed("--preset", "lv", "--force")
    assert digest() == first
    seed("--preset", "lv", "--force", "--random-seed", "2")
    assert digest() != first


@pytest.mark.parametrize("preset_name,shown", [("lv", "alice@example.com"), ("ru", "4610000001")])
def test_the_login_page_shows_the_presets_demo_login(db, frozen, client, settings, preset_name, shown):
    settings.DEMO = True
    seed("--preset", preset_name)
    page = client.get(reverse("portal:login")).content.decode()
    assert f"<code>{shown}</code> / <code>kabinet-demo</code>" in page
    assert "<code>carol</code> / <code>kabinet-staff</code>" in page
    if preset_name == "ru":  # the Russian utility's page speaks Russian
        assert "Абонент, по номеру лицевого счёта" in page


def test_it_seeds_across_the_new_year(db):
    # Early January: the December invoice is not out yet; readings and VAT cross the year.
    with time_machine.travel(dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC), tick=False):
        seed("--preset", "lv")
        assert Invoice.objects.order_by("-period").first().period == dt.date(2025, 11, 1)
        assert Reading.objects.filter(period=dt.date(2025, 12, 1)).exists()
        assert sum(ledger_sums().values()) == money(LedgerEntry.objects.aggregate(s=Sum("amount"))["s"])
        assert Invoice.objects.filter(year=2025).exists() and not Invoice.objects.filter(year=2026).exists()


def test_the_demo_inspector_has_a_route_for_today(preset, client):
    from kabinet.inspection.models import Route

    ivo = User.objects.get(username="ivo")
    route = Route.objects.get(inspector=ivo)
    assert route.date == timezone.localdate() and route.stops.count() == 8
    client.force_login(ivo)
    page = client.get(reverse("inspection:route", args=[route.pk]))
    assert page.status_code == 200 and route.name in page.content.decode()
    assert client.get(reverse("admin:index")).status_code == 200

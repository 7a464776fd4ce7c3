"""Building meters and the difference, through the run: hand-computed invoice lines for the
Latvian (MK 524) and Russian (ОДН) rules, review before publication, the back office."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from kabinet.billing.building import building_balance_review, building_balances_compute
from kabinet.billing.models import (
    BalanceFlag,
    BalanceStatus,
    BuildingBalance,
    BuildingMeter,
    BuildingReading,
    Invoice,
)
from kabinet.billing.receipts import line_note
from kabinet.billing.services import billing_run, billing_run_publish
from kabinet.billing.tests.factories import lines_of, norm, reading, tariff
from kabinet.customers.models import User
from kabinet.test import PASSWORD, make_account, make_customer, make_meter
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile

D = Decimal
JUL, AUG, SEP, OCT = (dt.date(2026, m, 1) for m in (7, 8, 9, 10))


class House:
    """Dzirnavu iela 7: three flats and a building meter for cold water.
    Kārlis (flat 1) and Līga (flat 2) read their meters; Jānis (flat 3) has sent no
    reading since July."""

    def __init__(self, p, *, areas=("40", "50", "60"), start="1000", end="1100", common_area=None):
        self.cold = p.services["cold_water"]
        self.flats = []
        for n, (name, area) in enumerate(zip(("Kārlis", "Līga", "Jānis"), areas, strict=True), start=1):
            customer = make_customer(f"3000{n}", name, "Ozols")
            account = make_account(customer, f"30000{n}", "Dzirnavu iela", "7", str(n))
            account.premises.area = D(area)
            account.premises.save()
            meter = make_meter(account, self.cold, f"CW-300{n}")
            self.flats.append((account, meter))
        self.building = self.flats[0][0].premises.building
        self.meter = BuildingMeter.objects.create(
            building=self.building,
            service=self.cold,
            serial_number="B-7",
            installed_on=dt.date(2024, 1, 1),
            common_area=None if common_area is None else D(common_area),
        )
        BuildingReading.objects.create(meter=self.meter, period=SEP, value=D(start))
        BuildingReading.objects.create(meter=self.meter, period=OCT, value=D(end))

    def account(self, n):
        return self.flats[n - 1][0]

    def meter_of(self, n):
        return self.flats[n - 1][1]


def set_rule(rule, **fields):
    UtilityProfile.objects.filter(pk=1).update(building_difference_rule=rule, **fields)


@pytest.fixture
def lv_house(personas):
    set_rule("lv_mk524")
    tariff(personas.services["cold_water"], "1.20")
    norm(personas.services["cold_water"], "17.5")  # the Latvian preset bills a missing reading by norm
    house = House(personas)
    reading(house.meter_of(1), SEP, "100.0")
    reading(house.meter_of(1), OCT, "120.0")  # 20 m³
    reading(house.meter_of(2), SEP, "300.0")
    reading(house.meter_of(2), OCT, "330.0")  # 30 m³
    reading(house.meter_of(3), JUL, "500.0")  # then nothing: no reading for Aug, Sep, Oct
    return house


def test_it_gives_the_difference_first_to_the_flat_without_readings(personas, lv_house):
    (balance,) = building_balances_compute(period=OCT, actor=personas.carol)

    # Jānis is billed by norm: 17.5 × 2 residents = 35; the flats 20 + 30 + 35 = 85;
    # the building 1100 − 1000 = 100; the difference 15 goes to Jānis alone (stage I).
    assert (balance.building_volume, balance.apartments_volume, balance.difference, balance.distributed) == (
        D("100"),
        D("85"),
        D("15"),
        D("15"),
    )
    assert [(s.account.number, s.volume, s.reason) for s in balance.shares.select_related("account")] == [
        ("300003", D("15.000"), "no_readings_3_months")
    ]

    billing_run(period=OCT, actor=personas.carol)

    janis = Invoice.objects.get(account=lv_house.account(3), period=OCT)
    # norm 35 × 1.20 = 42.00 + 21 % 8.82; difference 15 × 1.20 = 18.00 + 3.78
    assert lines_of(janis) == [
        ("cold_water", "norm", D("35"), D("1.2"), D("42.00"), D("8.82"), D("50.82")),
        ("cold_water", "building", D("15"), D("1.2"), D("18.00"), D("3.78"), D("21.78")),
    ]
    assert janis.total == D("72.60")
    karlis = Invoice.objects.get(account=lv_house.account(1), period=OCT)
    assert [row[1] for row in lines_of(karlis)] == ["metered"]
    line = janis.lines.get(method="building")
    assert line.details["rule"] == "lv_mk524"
    with translation.override("en"):
        assert line_note(line) == (
            "Building meter 100, apartments 85, difference 15; your share 15 (no meter readings for 3 months)"
        )


def test_publication_waits_for_the_review(personas, lv_house):
    run = billing_run(period=OCT, actor=personas.carol)  # computes the missing balance itself
    balance = BuildingBalance.objects.get(period=OCT)
    assert balance.status == BalanceStatus.DRAFT

    with pytest.raises(ApplicationError) as refused:
        billing_run_publish(run=run, actor=personas.carol)
    assert refused.value.code == "building_balance_not_reviewed"

    building_balance_review(balance=balance, actor=personas.carol)
    billing_run_publish(run=run, actor=personas.carol)

    balance.refresh_from_db()
    assert (balance.status, balance.reviewed_by) == (BalanceStatus.REVIEWED, personas.carol)
    assert Invoice.objects.get(account=lv_house.account(3), period=OCT).number


def test_it_refuses_to_recompute_while_the_period_is_billed(personas, lv_house):
    billing_run(period=OCT, actor=personas.carol)
    with pytest.raises(ApplicationError) as refused:
        building_balances_compute(period=OCT, actor=personas.carol)
    assert refused.value.code == "building_run_exists"


def test_a_negative_mk524_difference_is_flagged_and_not_billed(personas):
    set_rule("lv_mk524")
    tariff(personas.services["cold_water"], "1.20")
    house = House(personas, start="1000", end="1040")  # 40 m³ at the building
    for n, (sep, oct_) in enumerate((("100", "120"), ("300", "330"), ("500", "505")), start=1):
        reading(house.meter_of(n), SEP, sep)
        reading(house.meter_of(n), OCT, oct_)

    (balance,) = building_balances_compute(period=OCT, actor=personas.carol)
    billing_run(period=OCT)

    # 20 + 30 + 5 = 55 > 40: −15, flagged for staff, nothing distributed
    assert (balance.difference, balance.distributed, balance.flag) == (D("-15"), D("0"), BalanceFlag.NEGATIVE)
    assert not balance.shares.exists()
    assert not Invoice.objects.filter(period=OCT, lines__method="building").exists()


def test_with_every_flat_read_mk524_splits_the_difference_by_area(personas):
    set_rule("lv_mk524", building_difference_split="area")
    tariff(personas.services["cold_water"], "1.20")
    house = House(personas, start="1000", end="1100")
    for n, (sep, oct_) in enumerate((("100", "120"), ("300", "330"), ("500", "535")), start=1):
        reading(house.meter_of(n), SEP, sep)
        reading(house.meter_of(n), OCT, oct_)

    (balance,) = building_balances_compute(period=OCT, actor=personas.carol)

    # 100 − 85 = 15 by area 40 : 50 : 60 (of 150) → 4, 5, 6
    assert [(s.premises.apartment, s.volume, s.reason) for s in balance.shares.select_related("premises")] == [
        ("1", D("4.000"), "split_area"),
        ("2", D("5.000"), "split_area"),
        ("3", D("6.000"), "split_area"),
    ]


def test_it_bills_russian_odn_by_area_capped_by_the_norm(ru_personas):
    p = ru_personas
    set_rule("ru_odn", odn_norm_per_m2=D("0.03"))
    tariff(p.services["cold_water"], "40.00")
    house = House(p, areas=("30", "50", "120"), start="1000", end="1110", common_area="500")
    for n, (sep, oct_) in enumerate((("100", "120"), ("300", "330"), ("500", "535")), start=1):
        reading(house.meter_of(n), SEP, sep)
        reading(house.meter_of(n), OCT, oct_)

    (balance,) = building_balances_compute(period=OCT, actor=p.carol)
    billing_run(period=OCT, actor=p.carol)

    # 110 − (20 + 30 + 35) = 25; the cap 0.03 × 500 m² = 15; by area 30 : 50 : 120 of 200:
    # 2.25, 3.75, 9 → whole m³ 2, 3, 9 and the unit left to the largest remainder → 2, 4, 9
    assert (balance.difference, balance.distributed, balance.flag) == (D("25"), D("15"), BalanceFlag.CAPPED)
    expected = {
        1: ("2", "80.00", "17.60", "97.60"),
        2: ("4", "160.00", "35.20", "195.20"),
        3: ("9", "360.00", "79.20", "439.20"),
    }
    for n, (qty, amount, vat, total) in expected.items():
        invoice = Invoice.objects.get(account=house.account(n), period=OCT)
        (row,) = [row for row in lines_of(invoice) if row[1] == "building"]
        assert row == ("cold_water", "building", D(qty), D("40"), D(amount), D(vat), D(total))
    line = Invoice.objects.get(account=house.account(3), period=OCT).lines.get(method="building")
    assert line.details["reason"] == "odn_capped"


def test_the_rule_off_adds_no_building_lines(personas, lv_house):
    set_rule("off")
    billing_run(period=OCT)
    assert not BuildingBalance.objects.exists()
    assert not Invoice.objects.filter(period=OCT, lines__method="building").exists()


# --- the back office ------------------------------------------------------------------------------


def login_in(role: str) -> User:
    user = User.objects.create_user(username=role, email=f"{role}@utility.example", password=PASSWORD, is_staff=True)
    user.groups.set([Group.objects.get(name=role)])
    return user


@pytest.mark.parametrize(
    "role, allowed", [("Accountant", True), ("Meter engineer", True), ("Operator", False), ("Auditor", False)]
)
def test_mark_reviewed_is_for_the_accountant_and_the_meter_engineer(client, personas, lv_house, role, allowed):
    (balance,) = building_balances_compute(period=OCT, actor=personas.carol)
    client.force_login(login_in(role))
    client.cookies["django_language"] = "en"
    client.post(
        reverse("admin:billing_buildingbalance_changelist"),
        {"action": "mark_reviewed", ACTION_CHECKBOX_NAME: [balance.pk]},
    )
    balance.refresh_from_db()
    assert (balance.status == BalanceStatus.REVIEWED) == allowed


def test_the_compute_page_computes_for_the_meter_engineer(client, personas, lv_house):
    client.force_login(login_in("Meter engineer"))
    client.cookies["django_language"] = "en"
    url = reverse("admin:billing_buildingbalance_compute")
    assert client.get(url).status_code == 200
    response = client.post(url, {"period": "2026-10-15"})
    assert response.status_code == 302
    assert BuildingBalance.objects.get(period=OCT).distributed == D("15")
    page = client.get(reverse("admin:billing_buildingbalance_changelist")).content.decode()
    assert "Dzirnavu iela 7" in page


def test_the_operator_cannot_open_the_compute_page(client, personas, lv_house):
    client.force_login(login_in("Operator"))
    assert client.get(reverse("admin:billing_buildingbalance_compute")).status_code == 403


def test_a_flat_whose_meter_verification_ran_out_takes_the_difference(personas):
    set_rule("lv_mk524")
    tariff(personas.services["cold_water"], "1.20")
    norm(personas.services["cold_water"], "17.5")
    house = House(personas, end="1120")  # 120 m³ at the building
    expired = house.meter_of(2)
    expired.verified_on, expired.verification_due = dt.date(2020, 6, 1), dt.date(2026, 6, 1)
    expired.save()
    for n, (sep, oct_) in enumerate((("100", "120"), ("300", "330"), ("500", "535")), start=1):
        reading(house.meter_of(n), SEP, sep)
        reading(house.meter_of(n), OCT, oct_)

    (balance,) = building_balances_compute(period=OCT, actor=personas.carol)

    # Līga's readings do not count after the expiry: norm 17.5 × 2 residents × 1.5 (the
    # coefficient after an expired meter) = 52.5; 20 + 52.5 + 35 = 107.5; the difference
    # 120 − 107.5 = 12.5 goes to her flat alone (stage I: no verified meter).
    assert (balance.apartments_volume, balance.difference) == (D("107.5"), D("12.5"))
    assert [(s.premises.apartment, s.volume, s.reason) for s in balance.shares.select_related("premises")] == [
        ("2", D("12.500"), "no_valid_meter")
    ]

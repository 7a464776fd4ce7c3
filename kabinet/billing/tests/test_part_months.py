"""Part months: an account opened or closed within the period pays the charges that run by
time for the days it was open, and each line says so. Figures worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from kabinet.billing.models import Invoice
from kabinet.billing.receipts import line_note
from kabinet.billing.tests.factories import bill_and_publish, lines_of, norm, readings, subscribe, tariff
from kabinet.customers.models import Account
from kabinet.utility.models import Basis, Service, Unit

D = Decimal
OCT = dt.date(2026, 10, 1)


@pytest.fixture
def maintenance(personas):
    service = Service.objects.create(
        code="maintenance",
        name_lv="Apsaimniekošana",
        name_ru="Содержание",
        name_en="Maintenance",
        unit=Unit.M2,
        basis=Basis.PER_M2,
        vat_rate=D("21"),
        sort_order=5,
    )
    tariff(service, "0.50")
    subscribe(personas.alice_account, service)
    return service


def maintenance_lines(invoice):
    return [row for row in lines_of(invoice) if row[0] == "maintenance"]


def test_an_account_opened_on_the_11th_pays_21_of_31_days_of_maintenance(personas, maintenance):
    Account.objects.filter(pk=personas.alice_account.pk).update(opened_on=dt.date(2026, 10, 11))

    bill_and_publish(OCT)

    invoice = Invoice.objects.get(account=personas.alice_account, period=OCT)
    # 52.40 m² × 21 / 31 = 35.4968 m² × 0.50 = 17.7484 → 17.75; VAT 21 % 3.7275 → 3.73
    assert maintenance_lines(invoice) == [
        ("maintenance", "area", D("35.4968"), D("0.5"), D("17.75"), D("3.73"), D("21.48"))
    ]
    line = invoice.lines.get(service=maintenance)
    assert line.details["days_open"] == 21 and line.details["days_in_month"] == 31
    with translation.override("en"):
        assert line_note(line) == "for 21 of 31 days: from 11.10.2026 to 31.10.2026"


def test_an_account_closed_on_the_20th_pays_20_of_31_days(personas, maintenance):
    Account.objects.filter(pk=personas.alice_account.pk).update(closed_on=dt.date(2026, 10, 20))

    bill_and_publish(OCT)

    invoice = Invoice.objects.get(account=personas.alice_account, period=OCT)
    # 52.40 × 20 / 31 = 33.8065 m² × 0.50 = 16.90325 → 16.90; VAT 3.549 → 3.55
    assert maintenance_lines(invoice) == [
        ("maintenance", "area", D("33.8065"), D("0.5"), D("16.90"), D("3.55"), D("20.45"))
    ]


def test_a_whole_month_is_billed_whole(personas, maintenance):
    bill_and_publish(OCT)

    invoice = Invoice.objects.get(account=personas.alice_account, period=OCT)
    # 52.40 × 0.50 = 26.20; VAT 5.502 → 5.50
    assert maintenance_lines(invoice) == [
        ("maintenance", "area", D("52.4"), D("0.5"), D("26.20"), D("5.50"), D("31.70"))
    ]
    assert "days_open" not in invoice.lines.get(service=maintenance).details


def test_a_norm_is_prorated_for_an_account_closed_mid_month(ru_personas):
    p = ru_personas
    p.alice_hot.delete()
    tariff(p.services["cold_water"], "40.00")
    norm(p.services["cold_water"], "3.5")
    readings(p.alice_cold, dt.date(2025, 9, 1), [0, 5, 10, 15, 20, 25, 30])  # 09.2025..03.2026: none since
    Account.objects.filter(pk=p.alice_account.pk).update(closed_on=dt.date(2026, 10, 15))

    bill_and_publish(OCT)

    invoice = Invoice.objects.get(account=p.alice_account, period=OCT)
    cold = [row for row in lines_of(invoice) if row[0] == "cold_water"]
    # 3.5 m³ × 2 residents × 15 / 31 = 3.387 m³ × 40.00 = 135.48; VAT 22 % 29.8056 → 29.81
    assert cold == [("cold_water", "norm", D("3.387"), D("40"), D("135.48"), D("29.81"), D("165.29"))]

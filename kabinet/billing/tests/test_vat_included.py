"""Tariffs published with VAT (gross prices): the line costs exactly the published price ×
quantity, rounded once; the VAT inside it is total × rate / (100 + rate), rounded; the
net is the rest. Net tariffs bill as they always did.

Every expected figure is worked out by hand in the comment next to it."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from kabinet.billing import rating
from kabinet.billing.estimate import charge_estimate
from kabinet.billing.models import Invoice, Tariff
from kabinet.billing.tests.factories import bill_and_publish, lines_of, reading

D = Decimal
CENT = D("0.01")
SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)


def line(quantity, price, vat_rate, **kwargs):
    return rating.make_line(
        kind="charge",
        service_id=1,
        method="metered",
        description="",
        quantity=D(quantity),
        unit="m3",
        price=D(price),
        vat_rate=D(vat_rate),
        details={},
        **kwargs,
    )


def money_of(ln) -> tuple:
    return ln.amount, ln.vat, ln.total


# --- the rule, without a database ----------------------------------------------------------------


def test_it_bills_a_gross_ru_tariff_at_exactly_the_published_price():
    # 45.67 × 8.000 = 365.36 exactly
    # VAT 20 %: 365.36 × 20 / 120 = 7307.20 / 120 = 60.89333… → 60.89
    # net: 365.36 − 60.89 = 304.47
    assert rating.line_money(D("8.000"), D("45.67"), D("20"), True) == (D("304.47"), D("60.89"), D("365.36"))
    ln = line("8.000", "45.67", "20", vat_included=True)
    assert money_of(ln) == (D("304.47"), D("60.89"), D("365.36"))
    assert ln.price == D("45.67")  # the line shows the tariff as published
    assert ln.details == {"vat_included": True}


def test_it_is_exact_at_22_percent_where_the_net_price_path_was_a_kopeck_off():
    # The case. Gross 45.67 × 8.000 m³ at 22 % (from 2026-01-01):
    # total 365.36; VAT 365.36 × 22 / 122 = 8037.92 / 122 = 65.88459… → 65.88; net 365.36 − 65.88 = 299.48
    assert money_of(line("8.000", "45.67", "22", vat_included=True)) == (D("299.48"), D("65.88"), D("365.36"))
    # The old way, a net tariff re-derived from it: 45.67 / 1.22 = 37.4344262… → 37.43443 (5 places);
    # 37.43443 × 8 = 299.47544 → 299.48; VAT 299.48 × 22 % = 65.8856 → 65.89; total 365.37, a kopeck over.
    assert money_of(line("8.000", "37.43443", "22")) == (D("299.48"), D("65.89"), D("365.37"))


def test_it_is_exact_where_even_an_exact_net_price_is_a_kopeck_off():
    # Gross 40.05 × 3 m³ at 20 %: total 120.15; VAT 120.15 × 20 / 120 = 2403.00 / 120 = 20.025 → 20.03
    # (half up); net 120.15 − 20.03 = 100.12
    assert money_of(line("3", "40.05", "20", vat_included=True)) == (D("100.12"), D("20.03"), D("120.15"))
    # Net 40.05 / 1.2 = 33.375 exactly, yet 33.375 × 3 = 100.125 → 100.13; VAT 100.13 × 20 % = 20.026
    # → 20.03; total 120.16.
    assert money_of(line("3", "33.375", "20")) == (D("100.13"), D("20.03"), D("120.16"))


def test_it_bills_a_gross_lv_tariff_with_21_percent_vat():
    # Gross 1.85 EUR/m³ × 4.5 m³ = 8.325 → 8.33 (half up)
    # VAT 21 %: 8.33 × 21 / 121 = 174.93 / 121 = 1.44570… → 1.45; net 8.33 − 1.45 = 6.88
    assert money_of(line("4.5", "1.85", "21", vat_included=True)) == (D("6.88"), D("1.45"), D("8.33"))
    # Net 1.85 / 1.21 = 1.528925… → 1.52893; × 4.5 = 6.880185 → 6.88; VAT 6.88 × 21 % = 1.4448 → 1.44;
    # total 8.32: a cent short of the published price.
    assert money_of(line("4.5", "1.52893", "21")) == (D("6.88"), D("1.44"), D("8.32"))


def test_it_credits_a_gross_quantity_symmetrically():
    # A correction of −3 m³ at gross 40.05, 20 %: −120.15; VAT −2403.00 / 120 = −20.025 → −20.03
    # (half up rounds away from zero, as for a charge); net −120.15 + 20.03 = −100.12
    assert money_of(line("-3", "40.05", "20", vat_included=True)) == (D("-100.12"), D("-20.03"), D("-120.15"))


def test_it_bills_a_gross_tariff_without_vat_as_its_price():
    # A VAT-exempt municipal utility: 45.67 × 8 = 365.36, VAT 0.00, net 365.36
    assert money_of(line("8", "45.67", "0", vat_included=True)) == (D("365.36"), D("0.00"), D("365.36"))


def test_it_bills_a_net_tariff_exactly_as_before():
    # 12.5 m³ × 1.20 = 15.00; VAT 15.00 × 21 % = 3.15; total 18.15
    ln = line("12.5", "1.20", "21")
    assert money_of(ln) == (D("15.00"), D("3.15"), D("18.15"))
    assert ln.details == {}  # nothing marks a net line
    # 12.3 m³ × 1.25 = 15.375 → 15.38; VAT 15.38 × 21 % = 3.2298 → 3.23; total 18.61
    assert rating.line_money(D("12.3"), D("1.25"), D("21")) == (D("15.38"), D("3.23"), D("18.61"))
    # 8 m³ × 45.67 = 365.36; VAT 365.36 × 22 % = 80.3792 → 80.38; total 445.74 (VAT on top)
    assert rating.line_money(D("8"), D("45.67"), D("22"), False) == (D("365.36"), D("80.38"), D("445.74"))


quantities = st.decimals(min_value=D("-50"), max_value=D("5000"), places=4)
prices = st.decimals(min_value=D("0"), max_value=D("500"), places=5)
vat_rates = st.sampled_from([D("0"), D("10"), D("12"), D("20"), D("21"), D("22")])


@given(quantities, prices, vat_rates)
def test_it_always_bills_a_gross_tariff_at_price_times_quantity_rounded_once(q, p, r):
    amount, vat, total = rating.line_money(q, p, r, True)
    assert total == (q * p).quantize(CENT, rounding=ROUND_HALF_UP)
    assert amount + vat == total
    assert vat == (total * r / (100 + r)).quantize(CENT, rounding=ROUND_HALF_UP)
    assert amount == amount.quantize(CENT) and vat == vat.quantize(CENT)


@given(quantities, prices, vat_rates)
def test_it_bills_a_net_tariff_by_the_old_rule(q, p, r):
    amount = (q * p).quantize(CENT, rounding=ROUND_HALF_UP)
    vat = (amount * r / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    assert rating.line_money(q, p, r) == (amount, vat, amount + vat)
    assert money_of(line(q, p, r)) == (amount, vat, amount + vat)


# --- the rating engine, without a database -------------------------------------------------------

OCT_INDEX = 2026 * 12 + 9  # month_index(2026-10-01)


def _context(segments, *, sewerage_segments=None):
    cold = rating.ServiceInfo(1, "cold_water", "m3", "metered", segments=segments)
    services = {1: cold}
    if sewerage_segments is not None:
        services[2] = rating.ServiceInfo(2, "sewerage", "m3", "metered", parents=(1,), segments=sewerage_segments)
    return rating.Context(period=OCT, services=services, rules=rating.Rules())


def _account(prev, cur, *, services=frozenset(), estimates=()):
    meter = rating.MeterIn(10, 1, "CW-1", D("100000"), OCT_INDEX - 13, D("0"))
    meter.readings.update(prev)
    if cur is not None:
        meter.readings[OCT_INDEX] = D(cur)
    return rating.AccountIn(1, "100001", D("50"), 2, set(services), [meter], list(estimates))


def _segment(price, vat, included, first=OCT, last=dt.date(2026, 10, 31)):
    return rating.PriceSegment(first, last, (last - first).days + 1, D(price), D(vat), included)


def test_the_engine_prices_a_metered_line_and_its_sewerage_at_the_gross_tariff():
    ctx = _context([_segment("45.67", "22", True)], sewerage_segments=[_segment("30.00", "22", True)])
    account = _account({OCT_INDEX - 1: D("100")}, "108", services={2})

    bill = rating.rate_account(account, ctx)

    # Cold water 108 − 100 = 8 m³ × 45.67 = 365.36; VAT 8037.92 / 122 = 65.884… → 65.88; net 299.48
    # Sewerage on the same 8 m³ × 30.00 = 240.00; VAT 240.00 × 22 / 122 = 5280 / 122 = 43.278… → 43.28;
    # net 196.72
    assert [(ln.service_id, ln.amount, ln.vat, ln.total) for ln in bill.lines] == [
        (1, D("299.48"), D("65.88"), D("365.36")),
        (2, D("196.72"), D("43.28"), D("240.00")),
    ]
    assert all(ln.details["vat_included"] for ln in bill.lines)
    # 365.36 + 240.00 = 605.36; VAT 65.88 + 43.28 = 109.16
    assert (bill.total, bill.vat_total) == (D("605.36"), D("109.16"))
    # The sewerage lines of every account still share one details dict.
    assert bill.lines[1].details is ctx.parent_details[2]


def test_the_engine_prices_each_part_of_a_month_at_its_own_kind_of_tariff():
    # Net 37.00 + 22 % until the 15th, gross 45.67 from the 16th.
    ctx = _context(
        [
            _segment("37.00", "22", False, OCT, dt.date(2026, 10, 15)),
            _segment("45.67", "22", True, dt.date(2026, 10, 16), dt.date(2026, 10, 31)),
        ]
    )
    account = _account({OCT_INDEX - 1: D("100")}, "131")

    bill = rating.rate_account(account, ctx)

    # 31 m³ over 31 days: 15 days → 15.0000 m³, 16 days → 16 m³.
    # Net: 15 × 37.00 = 555.00; VAT 555.00 × 22 % = 122.10; total 677.10
    # Gross: 16 × 45.67 = 730.72; VAT 730.72 × 22 / 122 = 16075.84 / 122 = 131.769… → 131.77;
    # net 730.72 − 131.77 = 598.95
    assert [(ln.quantity, ln.amount, ln.vat, ln.total) for ln in bill.lines] == [
        (D("15.0000"), D("555.00"), D("122.10"), D("677.10")),
        (D("16.0000"), D("598.95"), D("131.77"), D("730.72")),
    ]
    assert "vat_included" not in bill.lines[0].details
    assert bill.lines[1].details["vat_included"] is True


def test_the_engine_corrects_an_averaged_period_at_its_gross_tariff():
    # August read at 100, September billed 5 m³ by average at gross 45.67, October read at 112:
    # 12 m³ over two months, 6 m³ each, so September gets +1 m³.
    ctx = _context([_segment("45.67", "20", True)])
    september = rating.Estimate(10, OCT_INDEX - 1, rating.AVERAGE, D("5"), D("45.67"), D("20"), 1, True)
    account = _account({OCT_INDEX - 2: D("100")}, "112", estimates=[september])

    bill = rating.rate_account(account, ctx)

    metered, correction = bill.lines
    # October: 6 m³ × 45.67 = 274.02; VAT 274.02 × 20 / 120 = 45.67; net 228.35
    assert (metered.quantity, metered.amount, metered.vat, metered.total) == (
        D("6"),
        D("228.35"),
        D("45.67"),
        D("274.02"),
    )
    # September: +1 m³ × 45.67 = 45.67; VAT 45.67 × 20 / 120 = 913.4 / 120 = 7.6116… → 7.61; net 38.06
    assert (correction.kind, correction.quantity) == ("correction", D("1.0000"))
    assert (correction.amount, correction.vat, correction.total) == (D("38.06"), D("7.61"), D("45.67"))
    assert correction.details["vat_included"] is True


# --- the database: the field, the admin, the receipt's estimate, the run -------------------------


@pytest.fixture
def gross_ru(ru_personas):
    p = ru_personas
    p.alice_hot.delete()
    Tariff.objects.create(
        service=p.services["cold_water"],
        price=D("45.67"),
        vat_rate=D("22"),
        vat_included=True,
        valid_from=dt.date(2026, 1, 1),
    )
    return p


def test_a_tariff_is_net_unless_it_says_otherwise(personas):
    t = Tariff.objects.create(
        service=personas.services["cold_water"], price=D("1.20"), vat_rate=D("21"), valid_from=dt.date(2026, 1, 1)
    )
    t.refresh_from_db()
    assert t.vat_included is False


def test_the_reading_receipt_estimates_a_gross_tariff_exactly(gross_ru):
    cold = gross_ru.services["cold_water"]
    # 8 m³ × 45.67 = 365.36 (VAT 65.88 inside it)
    assert charge_estimate(service=cold, quantity=D("8"), on_date=OCT) == D("365.36")
    # 4.5 m³ × 45.67 = 205.515 → 205.52
    assert charge_estimate(service=cold, quantity=D("4.5"), on_date=OCT) == D("205.52")


def test_the_reading_receipt_estimates_a_net_tariff_as_before(personas):
    Tariff.objects.create(
        service=personas.services["cold_water"], price=D("1.25"), vat_rate=D("21"), valid_from=dt.date(2026, 1, 1)
    )
    # 12.3 × 1.25 = 15.375 → 15.38; VAT 15.38 × 21 % = 3.2298 → 3.23; total 18.61
    assert charge_estimate(service=personas.services["cold_water"], quantity=D("12.3"), on_date=OCT) == D("18.61")


def test_staff_enter_a_gross_tariff_in_the_admin(client, personas, password):
    client.cookies["django_language"] = "en"
    client.login(username="carol", password=password)
    url = reverse("admin:billing_tariff_add")

    page = client.get(url).content.decode()
    assert 'name="vat_included"' in page
    assert "total × rate / (100 + rate)" in page

    response = client.post(
        url,
        {
            "service": personas.services["cold_water"].pk,
            "price": "45.67",
            "vat_included": "on",
            "vat_rate": "22",
            "valid_from": "2026-01-01",
        },
    )
    assert response.status_code == 302
    tariff = Tariff.objects.get()
    assert (tariff.price, tariff.vat_included, tariff.vat_rate) == (D("45.67"), True, D("22"))
    changelist = client.get(reverse("admin:billing_tariff_changelist")).content.decode()
    assert "vat_included" in changelist  # the column and the filter


def test_a_billing_run_charges_the_published_gross_price(gross_ru):
    reading(gross_ru.alice_cold, SEP, 100)
    reading(gross_ru.alice_cold, OCT, 108)

    bill_and_publish(OCT)

    invoice = Invoice.objects.get(account=gross_ru.alice_account, period=OCT)
    # 8 m³ × 45.67 = 365.36; VAT 365.36 × 22 / 122 = 65.884… → 65.88; net 299.48
    assert [row for row in lines_of(invoice) if row[0] == "cold_water"] == [
        ("cold_water", "metered", D("8"), D("45.67"), D("299.48"), D("65.88"), D("365.36"))
    ]
    assert invoice.lines.get(service__code="cold_water").details["vat_included"] is True


def test_a_billing_run_recalculates_an_averaged_period_at_its_gross_tariff(gross_ru):
    cold = gross_ru.alice_cold
    for n, value in enumerate([5, 10, 15, 20, 25, 30, 35]):  # 02..08.2026
        reading(cold, dt.date(2026, 2 + n, 1), value)
    bill_and_publish(SEP)  # no reading for 09: average (35 − 5) / 6 = 5 m³
    reading(cold, OCT, 43)  # 8 m³ since 08, over two months: 4 m³ each, September −1 m³

    bill_and_publish(OCT)

    september = Invoice.objects.get(account=gross_ru.alice_account, period=SEP)
    # 5 × 45.67 = 228.35; VAT 228.35 × 22 / 122 = 5023.70 / 122 = 41.1778… → 41.18; net 187.17
    assert lines_of(september) == [("cold_water", "average", D("5"), D("45.67"), D("187.17"), D("41.18"), D("228.35"))]
    october = Invoice.objects.get(account=gross_ru.alice_account, period=OCT)
    # 4 × 45.67 = 182.68; VAT 182.68 × 22 / 122 = 4018.96 / 122 = 32.9423… → 32.94; net 149.74
    # −1 × 45.67 = −45.67; VAT −1004.74 / 122 = −8.2356… → −8.24; net −37.43
    assert lines_of(october) == [
        ("cold_water", "metered", D("4"), D("45.67"), D("149.74"), D("32.94"), D("182.68")),
        ("cold_water", "correction", D("-1"), D("45.67"), D("-37.43"), D("-8.24"), D("-45.67")),
    ]
    # 182.68 − 45.67 = 137.01
    assert october.total == D("137.01")

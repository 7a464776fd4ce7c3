"""The consumption page: each metered service month by month, with the same month a year
earlier, a chart and its table; figures computed by hand from the readings and tariffs."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from kabinet.billing.tests.factories import bill_and_publish, subscribe, tariff
from kabinet.lib.periods import add_months
from kabinet.meters.models import Reading, ReadingSource, ReadingStatus
from kabinet.utility.models import Basis, Service, Unit

D = Decimal
# In December, before the invoice day (the 10th): October is the newest invoice and November
# is read but not billed yet.
NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def read(meter, start: dt.date, first: str, uses: list) -> None:
    """A first reading in `start`, then one a month using `uses[n]` more (None: no reading)."""
    value = D(first)
    rows = [Reading(meter=meter, period=start, value=value, source=ReadingSource.STAFF, status=ReadingStatus.ACCEPTED)]
    for n, use in enumerate(uses, start=1):
        if use is None:
            continue
        value += D(use)
        rows.append(
            Reading(
                meter=meter,
                period=add_months(start, n),
                value=value,
                consumption=D(use),
                source=ReadingSource.STAFF,
                status=ReadingStatus.ACCEPTED,
            )
        )
    Reading.objects.bulk_create(rows)


@pytest.fixture
def history(personas):
    """Readings from 09.2025 to 11.2026, billed from 10.2025 to 10.2026, and an area charge."""
    p = personas
    tariff(p.services["cold_water"], "1.20")
    tariff(p.services["hot_water"], "4.50")
    maintenance = Service.objects.create(
        code="maintenance",
        name_lv="Mājas apsaimniekošana",
        name_ru="Обслуживание дома",
        name_en="Building maintenance",
        unit=Unit.M2,
        basis=Basis.PER_M2,
        vat_rate=D("21"),
        sort_order=5,
    )
    tariff(maintenance, "0.50")
    subscribe(p.alice_account, maintenance)
    # cold: 15.8 in 10.2025, 9.0 in 11.2025, 8.0 a month until 09.2026, 5.5 in 10.2026, 7.5 in 11.2026
    read(p.alice_cold, dt.date(2025, 9, 1), "100.0", ["15.8", "9.0", *["8.0"] * 10, "5.5", "7.5"])
    # hot: 2.0 a month, 1.2 in 10.2026, not read in 11.2026
    read(p.alice_hot, dt.date(2025, 9, 1), "50.0", [*["2.0"] * 12, "1.2"])
    with time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)):
        for n in range(13):
            bill_and_publish(add_months(dt.date(2025, 10, 1), n))
    return p


def table_rows(page: str, service_id: int) -> list[tuple[str, ...]]:
    """(month, consumption, a year ago) per row of a service's table, as text."""
    table = page[page.index(f'id="use-{service_id}-c"') :]
    table = table[: table.index("</table>")]
    rows = []
    for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", table, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append(tuple(" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells))
    return rows


def chart_bars(page: str, service_id: int) -> list[str]:
    chart = page[page.index(f'aria-labelledby="use-{service_id}-t"') :]
    chart = chart[: chart.index("</figure>")]
    return re.findall(r"<rect [^>]*><title>([^<]*)</title>", chart)


@time_machine.travel(NOW)
def test_it_shows_each_month_with_the_same_month_a_year_ago(en_client, history, password):
    en_client.login(username="alice@example.com", password=password)

    page = en_client.get(reverse("portal:consumption")).content.decode()

    cold = table_rows(page, history.services["cold_water"].pk)
    # The newest month first; 12 months, 12.2025–11.2026. 1.20 EUR/m³ + 21% VAT, per line:
    # 11.2026: read, not billed yet. 11.2025: 9.0 × 1.20 = 10.80 + 2.27 = 13.07
    # 10.2026: 5.5 × 1.20 = 6.60 + 1.39 = 7.99. 10.2025: 15.8 × 1.20 = 18.96 + 3.98 = 22.94
    # 09.2026: 8.0 × 1.20 = 9.60 + 2.02 = 11.62. 09.2025: the first reading, no consumption.
    assert cold[:3] == [
        ("November 2026", "7.5 m³ not billed yet", "9.0 m³ 13.07 EUR"),
        ("October 2026", "5.5 m³ 7.99 EUR", "15.8 m³ 22.94 EUR"),
        ("September 2026", "8.0 m³ 11.62 EUR", "no data"),
    ]
    assert len(cold) == 12 and cold[-1] == ("December 2025", "8.0 m³ 11.62 EUR", "no data")
    hot = table_rows(page, history.services["hot_water"].pk)
    # 4.50 EUR/m³: 1.2 × 4.50 = 5.40 + 1.13 = 6.53; 2.0 × 4.50 = 9.00 + 1.89 = 10.89.
    # No hot water reading in 11.2026 yet.
    assert hot[:2] == [
        ("November 2026", "not billed yet", "2.0 m³ 10.89 EUR"),
        ("October 2026", "1.2 m³ 6.53 EUR", "2.0 m³ 10.89 EUR"),
    ]
    assert "The latest invoice is for 10.2026." in page
    assert "This month" not in page


@time_machine.travel(NOW)
def test_it_leaves_out_what_is_charged_by_area(en_client, history, password):
    en_client.login(username="alice@example.com", password=password)

    page = en_client.get(reverse("portal:consumption")).content.decode()

    assert "Cold water" in page and "Hot water" in page
    assert "Building maintenance" not in page and "m²" not in page and "52.4" not in page


@time_machine.travel(NOW)
@pytest.mark.parametrize(
    "language,expected",
    [("en", "15.8 m³"), ("lv", "15,8 m³"), ("ru", "15,8 м³")],
)
def test_it_shows_quantities_with_the_reading_precision_in_each_language(client, history, password, language, expected):
    client.cookies["django_language"] = language
    client.login(username="alice@example.com", password=password)

    page = client.get(reverse("portal:consumption")).content.decode()

    # October 2025, the year before October 2026: the service keeps one decimal.
    assert expected in page
    assert "15,800" not in page and "15.800" not in page


@time_machine.travel(NOW)
def test_it_draws_a_bar_per_month_with_the_table_as_its_text(en_client, history, password):
    en_client.login(username="alice@example.com", password=password)

    page = en_client.get(reverse("portal:consumption")).content.decode()

    cold, hot = history.services["cold_water"].pk, history.services["hot_water"].pk
    assert chart_bars(page, cold) == [
        "12.2025: 8.0",
        *[f"{month:02d}.2026: 8.0" for month in range(1, 10)],
        "10.2026: 5.5",
        "11.2026: 7.5",
    ]
    # No bar for the month without a figure; the oldest month is at the top.
    assert chart_bars(page, hot)[-1] == "10.2026: 1.2" and len(chart_bars(page, hot)) == 11
    # The chart is described by the table that holds the same figures, and its labels are
    # drawn in CSS pixels (no viewBox on the chart itself), so they keep their size on a phone.
    assert f'aria-describedby="use-{cold}-c"' in page and f'<table class="stack" id="use-{cold}-c">' in page
    assert f'<svg width="100%" height="288" role="img" aria-labelledby="use-{cold}-t"' in page


@time_machine.travel(NOW)
def test_it_shows_the_invoice_months_by_name_on_the_invoice(en_client, history, password):
    from kabinet.billing.models import Invoice

    en_client.login(username="alice@example.com", password=password)
    october = Invoice.objects.get(account=history.alice_account, period=dt.date(2026, 10, 1))

    page = en_client.get(reverse("portal:invoice-detail", args=[october.pk])).content.decode()

    comparison = page[page.index('id="cmp-h"') :]
    assert re.search(r">October 2026</th>.*>September 2026</th>.*>October 2025</th>", comparison, re.S)
    assert "Building maintenance" in page  # on the invoice's lines, not in the comparison
    assert "Building maintenance" not in comparison and "This month" not in page
    assert "5.5 m³" in comparison and "8.0 m³" in comparison and "15.8 m³" in comparison


def test_it_keeps_to_the_same_queries_however_long_the_history(
    en_client, personas, password, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tariff(personas.services["cold_water"], "1.20")
    en_client.login(username="alice@example.com", password=password)
    read(personas.alice_cold, dt.date(2026, 9, 1), "100.0", ["1.0", "1.0"])
    with time_machine.travel(NOW):  # the process's caches (the utility profile) warmed, as in production
        en_client.get(reverse("portal:consumption"))
    with time_machine.travel(NOW), CaptureQueriesContext(connection) as short:
        assert en_client.get(reverse("portal:consumption")).status_code == 200
    # Three more years of readings, of both meters, and a year of invoices.
    Reading.objects.all().delete()
    read(personas.alice_cold, dt.date(2023, 9, 1), "100.0", ["1.0"] * 38)
    read(personas.alice_hot, dt.date(2023, 9, 1), "10.0", ["0.5"] * 38)
    tariff(personas.services["hot_water"], "4.50")
    with time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)):
        for n in range(12):
            bill_and_publish(add_months(dt.date(2025, 11, 1), n))

    with time_machine.travel(NOW), django_assert_max_num_queries(len(short)) as long:
        page = en_client.get(reverse("portal:consumption")).content.decode()

    assert len(long) <= len(short) <= 12
    assert len(table_rows(page, personas.services["hot_water"].pk)) == 12


@time_machine.travel(NOW)
def test_it_leaves_out_a_previous_occupants_readings(en_client, personas, password):
    account = personas.alice_account
    account.opened_on = dt.date(2026, 10, 15)
    account.save(update_fields=["opened_on"])
    read(personas.alice_cold, dt.date(2026, 6, 1), "100.0", ["1.0", "2.0", "3.0", "4.0", "5.0"])
    en_client.login(username="alice@example.com", password=password)

    page = en_client.get(reverse("portal:consumption")).content.decode()

    assert table_rows(page, personas.services["cold_water"].pk) == [
        ("November 2026", "5.0 m³ not billed yet", "no data"),
        ("October 2026", "4.0 m³ not billed yet", "no data"),
    ]


@time_machine.travel(NOW)
def test_it_says_so_when_nothing_was_billed_or_read(en_client, personas, password):
    en_client.login(username="alice@example.com", password=password)

    page = en_client.get(reverse("portal:consumption")).content.decode()

    assert "No consumption has been billed or read yet." in page and "<svg" not in page.split("<main")[1]

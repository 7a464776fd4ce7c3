"""The parts of pages generated from the data: tariffs, readings channels, bank details."""

import datetime as dt
from decimal import Decimal

import time_machine
from django.urls import reverse

from kabinet.billing.models import Tariff
from kabinet.pages.models import PageKind
from kabinet.pages.tests.conftest import make_page
from kabinet.utility.models import UtilityProfile

TODAY = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)


def tariff(service, price, rate, included, start, end=None):
    return Tariff.objects.create(
        service=service,
        price=Decimal(price),
        vat_rate=Decimal(rate),
        vat_included=included,
        valid_from=start,
        valid_to=end,
    )


@time_machine.travel(TODAY)
def test_the_tariffs_page_shows_net_prices_with_vat_added(en_client, personas):
    cold, hot = personas.services["cold_water"], personas.services["hot_water"]
    tariff(cold, "1.10", "21", False, dt.date(2025, 1, 1), dt.date(2026, 6, 30))  # ended
    tariff(cold, "1.20", "21", False, dt.date(2026, 7, 1))
    tariff(cold, "9.99", "21", False, dt.date(2027, 1, 1))  # not yet
    tariff(hot, "3.45678", "21", False, dt.date(2026, 1, 1))
    make_page("tariffs", PageKind.TARIFFS, title_en="Tariffs")
    page = en_client.get(reverse("pages:page", args=["tariffs"])).content.decode()
    # By hand: 1.20 × 1.21 = 1.452; 3.45678 × 1.21 = 4.1827038 → 4.18270 (five places).
    assert '<td class="num" data-label="Price without VAT">1.20</td>' in page
    assert '<td class="num" data-label="Price with VAT">1.452</td>' in page
    assert '<td class="num" data-label="Price without VAT">3.45678</td>' in page
    assert '<td class="num" data-label="Price with VAT">4.1827</td>' in page
    assert "1.10" not in page and "9.99" not in page
    assert page.index("Cold water") < page.index("Hot water")


@time_machine.travel(TODAY)
def test_the_tariffs_page_shows_gross_prices_as_published(en_client, ru_personas):
    tariff(ru_personas.services["cold_water"], "45.67", "22", True, dt.date(2026, 7, 1))
    make_page("tariffs", PageKind.TARIFFS, title_ru="Тарифы")
    page = en_client.get(reverse("pages:page", args=["tariffs"])).content.decode()
    # By hand: 45.67 × 100 / 122 = 37.434426… → 37.43443; the published 45.67 stays as it is.
    assert '<td class="num" data-label="Price with VAT">45.67</td>' in page
    assert '<td class="num" data-label="Price without VAT">37.43443</td>' in page
    assert '<td class="num" data-label="VAT, %">22</td>' in page


@time_machine.travel(TODAY)
def test_the_tariffs_page_takes_bounded_queries(en_client, personas, django_assert_max_num_queries):
    for year in range(2010, 2027):
        tariff(personas.services["cold_water"], f"1.{year - 2000}", "21", False, dt.date(year, 1, 1))
        tariff(personas.services["hot_water"], f"3.{year - 2000}", "21", False, dt.date(year, 1, 1))
    make_page("tariffs", PageKind.TARIFFS, title_en="Tariffs")
    en_client.get(reverse("pages:page", args=["tariffs"]))
    with django_assert_max_num_queries(6):
        page = en_client.get(reverse("pages:page", args=["tariffs"])).content.decode()
    assert '<td class="num" data-label="Price without VAT">1.26</td>' in page


def test_the_readings_page_names_the_real_channels_and_window(en_client, personas):
    profile = UtilityProfile.get()
    profile.readings_email = "readings@udens.example"
    profile.readings_sms_number = "+371 29 000 111"
    profile.phone_readings = "+371 654 11111"
    profile.reading_window_first_day, profile.reading_window_last_day = 20, 25
    profile.save()
    make_page("readings", PageKind.READINGS, title_en="Readings")
    page = en_client.get(reverse("pages:page", args=["readings"])).content.decode()
    assert "Readings are accepted from day 20 to day 25 of each month." in page
    assert 'href="mailto:readings@udens.example"' in page
    assert 'href="sms:+371 29 000 111"' in page
    assert 'href="tel:+371 654 11111"' in page
    assert reverse("portal:readings") in page and reverse("portal:developers") in page
    assert "Telegram" not in page  # no bot is configured, so none is named


def test_the_readings_page_leaves_out_channels_that_are_off(en_client, personas):
    make_page("readings", PageKind.READINGS, title_en="Readings")
    page = en_client.get(reverse("pages:page", args=["readings"])).content.decode()
    assert "from day 27 to the last day of each month" in page
    assert "mailto:" not in page.split("<footer")[0] and "sms:" not in page


def test_the_payment_page_shows_the_iban_and_the_rf_reference(en_client, personas):
    make_page("payment", PageKind.PAYMENT, title_en="Payment")
    page = en_client.get(reverse("pages:page", args=["payment"])).content.decode()
    assert "LV80BANK0000435195001" in page and "HABALV22" in page
    assert "RF reference" in page


def test_the_payment_page_shows_the_russian_requisites(en_client, ru_personas):
    make_page("payment", PageKind.PAYMENT, title_ru="Оплата")
    page = en_client.get(reverse("pages:page", args=["payment"])).content.decode()
    for value in ("4629011445", "463201001", "043807606", "40702810833000000123", "30101810300000000606"):
        assert value in page
    assert "RF reference" not in page


def test_the_readings_page_names_the_telegram_bot_when_one_is_configured(en_client, personas, settings):
    settings.TELEGRAM_BOT_NAME = "@udens_bot"
    make_page("readings", PageKind.READINGS, title_en="Readings")
    page = en_client.get(reverse("pages:page", args=["readings"])).content.decode()
    assert '<a href="https://t.me/udens_bot">@udens_bot</a>' in page

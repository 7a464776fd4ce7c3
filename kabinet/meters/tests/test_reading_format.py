"""Meter readings are shown with the decimals their service keeps (Service.reading_decimals),
everywhere: dashboard, readings pages, receipts and the receipt e-mail."""

import datetime as dt
from decimal import Decimal

import time_machine
from django.urls import reverse
from django.utils import translation

from kabinet.meters.models import Reading, ReadingSource, ReadingStatus
from kabinet.meters.submission import reading_submit
from kabinet.meters.templatetags.readings import qty
from kabinet.test import sent_message

LV_IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def test_it_formats_with_the_services_decimals(personas):
    service = personas.services["cold_water"]  # keeps one decimal
    with translation.override("lv"):
        assert qty(Decimal("564.500"), service) == "564,5"
        assert qty(Decimal("564.000"), service) == "564,0"
        assert qty(Decimal("564.125"), service) == "564,125"  # an older, finer reading is not rounded
        assert qty(Decimal("564.500")) == "564,5"  # no service: trailing zeros dropped
        assert qty(None, service) == "—"
    service.reading_decimals = 0
    with translation.override("en"):
        assert qty(Decimal("564.000"), service) == "564"


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_shows_the_kept_decimals_on_every_page_and_in_the_receipt_email(personas, en_client):
    reading = reading_submit(
        meter=personas.alice_cold, value="564.500", source=ReadingSource.PORTAL, actor=personas.alice
    )
    assert reading.status == ReadingStatus.ACCEPTED and reading.value == Decimal("564.5")
    Reading.objects.filter(pk=reading.pk).update(consumption=Decimal("12.000"))
    en_client.force_login(personas.alice)
    pages = [
        reverse("portal:dashboard"),
        reverse("portal:readings"),
        reverse("portal:readings-history"),
        reverse("portal:meter-detail", args=[personas.alice_cold.pk]),
        reverse("portal:readings-receipt") + f"?r={reading.pk}",
    ]
    for path in pages:
        html = en_client.get(path).content.decode()
        assert "564.5" in html, path
        assert "564.500" not in html, path
    history = en_client.get(reverse("portal:readings-history")).content.decode()
    assert "12.0<" in history and "12.000" not in history
    body = sent_message(kind="reading_receipt").body_text
    assert "564,5\n" in body and "564.500" not in body  # in Latvian, the customer's language


@time_machine.travel(LV_IN_WINDOW, tick=False)
def test_it_accepts_digits_of_any_script_and_shows_the_value_it_used(personas, en_client):
    # A decision, not an accident: a phone keyboard in Arabic or a full-width input method
    # types these digits; the reading is the number they mean, and the receipt says which.
    en_client.force_login(personas.alice)
    response = en_client.post(reverse("portal:readings"), {f"value_{personas.alice_cold.pk}": "１２３,４"})
    assert response.status_code == 302
    reading = Reading.objects.get(meter=personas.alice_cold)
    assert reading.value == Decimal("123.4") and reading.entered_value == "１２３,４"
    page = en_client.get(response["Location"]).content.decode()
    assert "１２３,４ entered, 123.4 used" in page
    body = sent_message(kind="reading_receipt").body_text
    assert "１２３,４ entered, 123.4 used" in body  # in the language the customer just used

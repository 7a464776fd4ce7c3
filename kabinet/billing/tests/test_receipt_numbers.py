"""Numbers on the invoice page and the receipt: one format per language, prices with the
decimals they have (at least two), quantities with the meter's."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import translation

from kabinet.billing.models import Invoice
from kabinet.billing.receipts import receipt_html
from kabinet.billing.tests.factories import bill_and_publish, reading, tariff

SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)


def test_latvian_pages_write_prices_and_quantities_the_latvian_way(client, personas):
    tariff(personas.services["cold_water"], "1.20")
    reading(personas.alice_cold, SEP, "100.0")
    reading(personas.alice_cold, OCT, "115.7")
    bill_and_publish(OCT)
    invoice = Invoice.objects.get(account=personas.alice_account, period=OCT)

    client.force_login(personas.alice)
    client.cookies["django_language"] = "lv"
    page = client.get(reverse("portal:invoice-detail", args=[invoice.pk])).content.decode()
    with translation.override("lv"):
        receipt = receipt_html(invoice)
    for shown in (page, receipt):
        # 15.7 m³ × 1.20 = 18.84 + 21 % VAT 3.96 = 22.80
        assert "15,7 m³" in shown and ">1,20<" in shown and "3,96" in shown and "22,80" in shown
        assert "100 → 115,7" in shown  # the line's readings
        assert "1,20000" not in shown and "15,7000" not in shown and "115.7" not in shown
    assert Decimal("18.84") == invoice.lines.get(service=personas.services["cold_water"]).amount


def test_the_statement_and_the_payment_history_write_paid_amounts_the_latvian_way(client, personas):
    import time_machine

    from kabinet.payments.services import payment_register

    tariff(personas.services["cold_water"], "1.20")
    reading(personas.alice_cold, SEP, "100.0")
    reading(personas.alice_cold, OCT, "115.7")
    bill_and_publish(OCT)
    payment_register(
        account=personas.alice_account,
        amount=Decimal("12.50"),
        paid_on=dt.date(2026, 11, 20),
        channel="bank",
        external_id="lv-1",
    )
    client.force_login(personas.alice)
    client.cookies["django_language"] = "lv"
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)):
        pages = [client.get(reverse(name)).content.decode() for name in ("portal:statement", "portal:payment-history")]
    for page in pages:
        assert "12,50" in page and "12.50" not in page

"""The printable receipt: the PDF is parsed and its QR code decoded with an independent
decoder (zxing-cpp), for both currencies."""

import datetime as dt
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
import time_machine
import zxingcpp
from django.urls import reverse

from kabinet.billing.models import Invoice
from kabinet.billing.tests.factories import bill_and_publish, reading, tariff
from kabinet.lib.qr import gost_parse

D = Decimal
SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)
AFTER_INVOICE_DAY = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def pdf_text_and_qr(content: bytes) -> tuple[str, list[str]]:
    pdf = pdfium.PdfDocument(content)
    page = pdf[0]
    text = page.get_textpage().get_text_range()
    image = page.render(scale=3).to_pil()
    codes = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    return text, codes


@pytest.fixture
def lv_invoice(personas):
    tariff(personas.services["cold_water"], "1.20")
    tariff(personas.services["hot_water"], "4.50")
    reading(personas.alice_cold, SEP, "100.0")
    reading(personas.alice_cold, OCT, "112.5")
    reading(personas.alice_hot, SEP, "50.0")
    reading(personas.alice_hot, OCT, "53.2")
    bill_and_publish(OCT)
    return Invoice.objects.get(account=personas.alice_account)


@pytest.fixture
def ru_invoice(ru_personas):
    tariff(ru_personas.services["cold_water"], "40.00")
    tariff(ru_personas.services["hot_water"], "200.00")
    reading(ru_personas.alice_cold, SEP, 100)
    reading(ru_personas.alice_cold, OCT, 112)
    reading(ru_personas.alice_hot, SEP, 50)
    reading(ru_personas.alice_hot, OCT, 53)
    bill_and_publish(OCT)
    return Invoice.objects.get(account=ru_personas.alice_account)


@time_machine.travel(AFTER_INVOICE_DAY)
def test_it_prints_an_epc_qr_with_the_rf_reference_on_the_latvian_invoice(client, personas, lv_invoice, password):
    client.login(username="alice@example.com", password=password)

    response = client.get(reverse("portal:invoice-pdf", args=[lv_invoice.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text, codes = pdf_text_and_qr(response.content)
    # 12.5 × 1.20 = 15.00 + 3.15; 3.2 × 4.50 = 14.40 + 3.02 → 35.57
    assert codes == ["BCD\n002\n1\nSCT\nHABALV22\nSIA Pilsētas ūdens\nLV80BANK0000435195001\nEUR35.57\n\nRF69100001"]
    for expected in (
        "2026-000001",  # number
        "10.11.2026",  # date
        "SIA Pilsētas ūdens",  # supplier
        "41503002555",  # registration number
        "LV41503002555",  # VAT number
        "Alise Bērziņa",  # buyer
        "Rīgas iela 5-12",  # address
        "100001",  # account number
        "Rēķins",  # the title, in the utility's language (decimal commas below)
        "12,5",  # quantity
        "1,2",  # unit price
        "3,15",  # VAT
        "35,57",  # total
        "LV80BANK0000435195001",  # IBAN
        "RF69100001",
        "25.11.2026",  # due date
        "112,5",  # current reading, in the language's number format like every number
    ):
        assert expected in text, expected


@time_machine.travel(AFTER_INVOICE_DAY)
def test_it_prints_a_gost_qr_with_the_account_and_sum_in_kopecks_on_the_russian_receipt(
    client, ru_personas, ru_invoice, password
):
    client.login(username="alice@example.com", password=password)

    response = client.get(reverse("portal:invoice-pdf", args=[ru_invoice.pk]))

    text, codes = pdf_text_and_qr(response.content)
    [code] = codes
    fields = gost_parse(code)
    assert code.startswith("ST00012|Name=")
    # 12 × 40 = 480.00 + 105.60; 3 × 200 = 600.00 + 132.00 → 1317.60
    assert fields == {
        "Name": "МУП «Водоканал»",
        "PersonalAcc": "40702810833000000123",
        "BankName": "ПАО Сбербанк",
        "BIC": "043807606",
        "CorrespAcc": "30101810300000000606",
        "Sum": "131760",
        "Purpose": fields["Purpose"],
        "PayeeINN": "4629011445",
        "KPP": "463201001",
        "PersAcc": "100001",
        "PaymPeriod": "102026",
        "TechCode": "02",
    }
    assert "100001" in fields["Purpose"]
    assert list(fields)[:5] == ["Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc"]
    for expected in (
        "Единый платёжный документ",
        "2026-000001",
        "1317,60",
        "4629011445",
        "40702810833000000123",
        "Холодная вода",
        "100",
        "112",
    ):
        assert expected in text, expected


@time_machine.travel(AFTER_INVOICE_DAY)
def test_it_shows_the_same_receipt_as_a_page(client, personas, lv_invoice, password):
    client.login(username="alice@example.com", password=password)

    response = client.get(reverse("portal:invoice-receipt", args=[lv_invoice.pk]))

    assert response.status_code == 200
    assert "data:image/png;base64," in response.content.decode()
    assert "RF69100001" in response.content.decode()


def ru_invoice_with_corrections(p, count: int) -> Invoice:
    """Three services and `count` recalculations with long reasons, as the averaging
    policy writes them: the longer the table, the lower the payment block on the page."""
    from kabinet.billing.services import correction_add
    from kabinet.billing.tests.factories import sewerage

    tariff(p.services["cold_water"], "40.00")
    tariff(p.services["hot_water"], "200.00")
    tariff(sewerage(p.services, p.alice_account), "30.00")
    reading(p.alice_cold, SEP, 100)
    reading(p.alice_cold, OCT, 112)
    reading(p.alice_hot, SEP, 50)
    reading(p.alice_hot, OCT, 53)
    for n in range(count):
        correction_add(
            account=p.alice_account,
            service=p.services["cold_water"],
            reason=f"Перерасчёт за {n + 1:02d}.2026: получены показания счётчика № CW-1001 "
            "(начислено по среднему 8.524, фактически 5.5)",
            price=D("40.00"),
            quantity=D("-1"),
            vat_rate=D("22"),
        )
    bill_and_publish(OCT)
    return Invoice.objects.get(account=p.alice_account)


def pages_text_and_qr(content: bytes) -> list[tuple[str, list[str]]]:
    pdf = pdfium.PdfDocument(content)
    pages = []
    for page in pdf:
        image = page.render(scale=3).to_pil()
        codes = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
        pages.append((page.get_textpage().get_text_range(), codes))
    return pages


@time_machine.travel(AFTER_INVOICE_DAY)
@pytest.mark.parametrize("corrections", range(1, 7))
def test_it_keeps_the_qr_code_on_the_page_of_the_amount_it_pays(client, ru_personas, password, corrections):
    invoice = ru_invoice_with_corrections(ru_personas, corrections)
    client.login(username="alice@example.com", password=password)

    response = client.get(reverse("portal:invoice-pdf", args=[invoice.pk]))

    pages = pages_text_and_qr(response.content)
    # 12 × 40 + 3 × 200 + 15 × 30 = 1530.00 + 22% VAT 336.60 = 1866.60; each correction
    # −40.00 − 8.80 = −48.80.
    total = D("1866.60") - corrections * D("48.80")
    amount = f"{total:.2f}".replace(".", ",")
    [qr_page] = [n for n, (_text, codes) in enumerate(pages) if codes]
    text, [code] = pages[qr_page]
    assert gost_parse(code)["Sum"] == f"{total * 100:.0f}"
    assert not any("#}" in page_text or "comment %}" in page_text for page_text, _codes in pages)
    assert f"Итого к оплате, RUB\r\n{amount}" in text or f"Итого к оплате, RUB {amount}" in text, text

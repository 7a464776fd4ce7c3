from decimal import Decimal

import pytest

from kabinet.lib.qr import PayloadError, epc_payload, gost_parse, gost_payload, kopecks

BANK = {
    "name": "МУП «Водоканал»",
    "personal_acc": "40702810833000000123",
    "bank_name": "ПАО Сбербанк",
    "bic": "043807606",
    "correspondent_acc": "30101810300000000606",
}


def test_it_builds_the_gost_payload_with_the_required_block_first():
    text = gost_payload(**BANK, sum_kopecks=123456, optional={"PersAcc": "100001", "TechCode": "02"})
    assert text == (
        "ST00012|Name=МУП «Водоканал»|PersonalAcc=40702810833000000123|BankName=ПАО Сбербанк"
        "|BIC=043807606|CorrespAcc=30101810300000000606|Sum=123456|PersAcc=100001|TechCode=02"
    )
    assert gost_parse(text)["Sum"] == "123456"


def test_it_picks_another_separator_when_a_value_contains_the_pipe():
    text = gost_payload(**BANK, optional={"Purpose": "вода | стоки"})
    assert text.startswith("ST00012#Name=")
    assert gost_parse(text)["Purpose"] == "вода | стоки"


@pytest.mark.parametrize(
    "field,value",
    [("personal_acc", "123"), ("bic", "04380760X"), ("correspondent_acc", ""), ("name", ""), ("bank_name", "x" * 46)],
)
def test_it_refuses_invalid_required_fields(field, value):
    with pytest.raises(PayloadError):
        gost_payload(**{**BANK, field: value})


def test_it_counts_kopecks_half_up():
    assert kopecks(Decimal("1234.565")) == 123457
    assert kopecks(Decimal("0.00")) == 0


def test_it_builds_the_epc_payload_with_an_rf_reference():
    text = epc_payload(
        name="SIA Pilsētas ūdens",
        iban="LV80 BANK 0000 4351 9500 1",
        bic="HABALV22",
        amount=Decimal("52.67"),
        reference="RF69100001",
    )
    assert text.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "HABALV22",
        "SIA Pilsētas ūdens",
        "LV80BANK0000435195001",
        "EUR52.67",
        "",
        "RF69100001",
    ]


def test_it_never_puts_a_reference_and_a_text_together():
    with pytest.raises(PayloadError):
        epc_payload(name="X", iban="LV80BANK0000435195001", amount=Decimal("1"), reference="RF69100001", text="x")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"iban": "LV00BANK0000435195001"},
        {"reference": "RF00100001"},
        {"name": "x" * 71},
        {"amount": Decimal("1000000000")},
        {"bic": "HABA"},
    ],
)
def test_it_refuses_invalid_epc_fields(kwargs):
    base = {"name": "X", "iban": "LV80BANK0000435195001", "amount": Decimal("1.00")}
    with pytest.raises(PayloadError):
        epc_payload(**{**base, **kwargs})


def test_it_leaves_the_amount_empty_when_nothing_is_due():
    text = epc_payload(name="X", iban="LV80BANK0000435195001", amount=Decimal("0"), reference="RF69100001")
    assert text.split("\n")[7] == ""

import datetime as dt

import pytest

from kabinet.autopay.tests.fakes import FakeYooKassa
from kabinet.billing.tests.factories import reading, tariff

SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)


def readings_for(p) -> None:
    """Alice: cold 100 → 110 m³ at 1.20, hot 50 → 52 m³ at 4.50; Bob: cold 7 → 9.5 m³."""
    tariff(p.services["cold_water"], "1.20")
    tariff(p.services["hot_water"], "4.50")
    for meter, before, now in (
        (p.alice_cold, "100.0", "110.0"),
        (p.alice_hot, "50.0", "52.0"),
        (p.bob_cold, "7.0", "9.5"),
    ):
        reading(meter, SEP, before)
        reading(meter, OCT, now)


@pytest.fixture(autouse=True)
def english(client):
    """The pages and mails are read in English here (the utility's first language is Latvian)."""
    client.cookies["django_language"] = "en"


@pytest.fixture
def sandbox(settings, personas):
    settings.PAYMENT_PROVIDER = "sandbox"
    readings_for(personas)
    return personas


@pytest.fixture
def fake_yookassa():
    fake = FakeYooKassa()
    yield fake
    fake.close()


@pytest.fixture
def yk(settings, ru_personas, fake_yookassa):
    settings.PAYMENT_PROVIDER = "yookassa"
    settings.YOOKASSA_SHOP_ID = "100500"
    settings.YOOKASSA_SECRET_KEY = "test_secret"
    settings.YOOKASSA_CHECK_IP = True
    settings.YOOKASSA_API_URL = fake_yookassa.url
    readings_for(ru_personas)
    ru_personas.fake = fake_yookassa
    return ru_personas

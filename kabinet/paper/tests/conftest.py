"""A published run with paper and e-mail customers at addresses that test the route.

Paper (no login): Pēteris (Rīgas iela 5-10), Marta (Rīgas iela 5-2), Jānis (Rīgas iela 5-1a,
a Russian speaker), Olga (Rīgas iela 10-3: house 10 after house 5), Ivars (Aka iela 1-7:
Aka before Rīgas), Zane (Rīgas iela 5-11, her login reads meters only), and Laura (Rīgas
iela 5-9, whose login turned invoice e-mails off). E-mail: alice and bob (personas).
"""

import datetime as dt

import pytest

from kabinet.billing.models import BillingRun
from kabinet.billing.tests.factories import bill_and_publish, reading, tariff
from kabinet.customers.models import AccessRole, AccountAccess, MailPreference
from kabinet.notifications.models import MailKind
from kabinet.test import make_account, make_customer, make_login, make_meter

SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


class Paper:
    """Who is who in the paper tests."""

    def __init__(self, personas):
        self.personas = personas
        cold = personas.services["cold_water"]
        tariff(cold, "1.20")
        tariff(personas.services["hot_water"], "4.50")
        people = [
            ("30001", "Pēteris", "Kalniņš", "300001", "Rīgas iela", "5", "10", "lv"),
            ("30002", "Marta", "Ozola", "300002", "Rīgas iela", "5", "2", "lv"),
            ("30003", "Jānis", "Petrovs", "300003", "Rīgas iela", "5", "1a", "ru"),
            ("30004", "Olga", "Liepa", "300004", "Rīgas iela", "10", "3", "lv"),
            ("30005", "Ivars", "Aka", "300005", "Aka iela", "1", "7", "lv"),
            ("30006", "Zane", "Lapa", "300006", "Rīgas iela", "5", "11", "lv"),
            ("30007", "Laura", "Vītola", "300007", "Rīgas iela", "5", "9", "lv"),
        ]
        self.accounts = {}
        for code, first, last, number, street, house, flat, language in people:
            customer = make_customer(code, first, last)
            customer.language = language
            customer.save(update_fields=["language"])
            account = make_account(customer, number, street, house, flat)
            meter = make_meter(account, cold, f"CW-{number}")
            reading(meter, SEP, "100.0")
            reading(meter, OCT, f"{100 + int(number[-1]) * 2}.0")
            self.accounts[first] = account
        zane = make_login(self.accounts["Zane"].customer, "zane@example.com", [])
        AccountAccess.objects.create(user=zane, account=self.accounts["Zane"], role=AccessRole.READINGS)
        laura = make_login(self.accounts["Laura"].customer, "laura@example.com", [self.accounts["Laura"]])
        MailPreference.objects.create(user=laura, kind=MailKind.INVOICE, enabled=False)
        reading(personas.alice_cold, SEP, "100.0")
        reading(personas.alice_cold, OCT, "112.5")
        self.run = bill_and_publish(OCT)

    def published_run(self) -> BillingRun:
        return self.run


# The delivery order of the paper receipts above.
ROUTE = ["Ivars", "Jānis", "Marta", "Laura", "Pēteris", "Zane", "Olga"]


@pytest.fixture
def paper(personas) -> Paper:
    return Paper(personas)

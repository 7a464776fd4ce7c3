"""Shared test data: named personas built once per test (healthchecks' alice/bob/charlie).

alice  — a customer (client code 10001) with two premises, portal login alice@example.com
bob    — another customer, for every "can't see it" test
carol  — staff, superuser of the back office
dave   — read-only staff
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Permission

from kabinet.customers.models import (
    AccessRole,
    Account,
    AccountAccess,
    Building,
    Customer,
    Premises,
    User,
)
from kabinet.meters.models import Meter
from kabinet.utility.models import RegistrationMode, Service, Unit, UtilityProfile

PASSWORD = "correct-horse-battery"


def make_utility(preset: str = "lv") -> UtilityProfile:
    if preset == "ru":
        profile = UtilityProfile(
            name="МУП «Водоканал»",
            short_name="Водоканал",
            currency="RUB",
            languages="ru",
            reading_window_first_day=23,
            reading_window_last_day=25,
            invoice_day=1,
            payment_due_day=15,
            registration_mode=RegistrationMode.STAFF_ONLY,
            average_enabled=True,
            penalty_policy="ru155",
            bank_name="ПАО Сбербанк",
            bic="043807606",
            bank_account="40702810833000000123",
            correspondent_account="30101810300000000606",
            inn="4629011445",
            kpp="463201001",
            email="abonent@vodokanal.example",
            phone_emergency="8-471-270-06-14",
            phone_reception="8-471-270-23-16",
            phone_readings="8-471-222-76-33",
        )
    else:
        profile = UtilityProfile(
            name="SIA Pilsētas ūdens",
            short_name="Pilsētas ūdens",
            currency="EUR",
            languages="lv,ru,en",
            reading_window_first_day=27,
            reading_window_last_day=0,
            invoice_day=10,
            payment_due_day=25,
            registration_mode=RegistrationMode.SELF_SERVICE,
            average_enabled=False,
            iban="LV80BANK0000435195001",
            bic="HABALV22",
            bank_name="Swedbank",
            registration_number="41503002555",
            vat_number="LV41503002555",
            email="info@udens.example",
            phone_emergency="+371 654 00000",
        )
    profile.save()
    return profile


def make_services(preset: str = "lv") -> dict[str, Service]:
    decimals = 0 if preset == "ru" else 1
    vat = Decimal("22") if preset == "ru" else Decimal("21")
    cold = Service.objects.create(
        code="cold_water",
        name_lv="Aukstais ūdens",
        name_ru="Холодная вода",
        name_en="Cold water",
        short_names="хвс,холодная,auksts,aukstais,cold",
        unit=Unit.M3,
        vat_rate=vat,
        reading_decimals=decimals,
        sort_order=1,
    )
    hot = Service.objects.create(
        code="hot_water",
        name_lv="Karstais ūdens",
        name_ru="Горячая вода",
        name_en="Hot water",
        short_names="гвс,горячая,karsts,karstais,hot",
        unit=Unit.M3,
        vat_rate=vat,
        reading_decimals=decimals,
        sort_order=2,
        verification_interval_years=4,
    )
    return {"cold_water": cold, "hot_water": hot}


def make_customer(code: str, first: str, last: str, *, email: str = "") -> Customer:
    return Customer.objects.create(client_code=code, first_name=first, last_name=last, email=email)


def make_account(customer: Customer, number: str, street: str, house: str, apartment: str) -> Account:
    building, _ = Building.objects.get_or_create(city="Daugavpils", street=street, house=house)
    premises = Premises.objects.create(building=building, apartment=apartment, area=Decimal("52.40"), residents=2)
    return Account.objects.create(number=number, customer=customer, premises=premises, opened_on=dt.date(2020, 1, 1))


def make_meter(account: Account, service: Service, serial: str, **kwargs) -> Meter:
    defaults = {
        "installed_on": dt.date(2022, 3, 1),
        "verified_on": dt.date(2022, 3, 1),
        "verification_due": dt.date(2028, 3, 1),
    }
    defaults.update(kwargs)
    return Meter.objects.create(premises=account.premises, service=service, serial_number=serial, **defaults)


def make_login(customer: Customer, email: str, accounts: list[Account], *, password: str = PASSWORD) -> User:
    user = User.objects.create_user(
        username=email,
        email=email,
        password=password,
        customer=customer,
        first_name=customer.first_name,
        last_name=customer.last_name,
    )
    for account in accounts:
        AccountAccess.objects.create(user=user, account=account, role=AccessRole.HOLDER)
    return user


def role_logins(roles) -> dict[str, User]:
    """One staff login per role name, in the group the migrations made for it."""
    from django.contrib.auth.models import Group

    logins = {}
    for role in roles:
        slug = role.lower().replace(" ", "_")
        user = User.objects.create_user(
            username=slug, email=f"{slug}@utility.example", password=PASSWORD, is_staff=True
        )
        user.groups.set([Group.objects.get(name=role)])
        logins[role] = user
    return logins


class Personas:
    """Everything a typical test needs, built in one place."""

    def __init__(self, preset: str = "lv"):
        self.utility = make_utility(preset)
        self.services = make_services(preset)
        self.alice_customer = make_customer("10001", "Alise", "Bērziņa", email="alice@example.com")
        self.alice_account = make_account(self.alice_customer, "100001", "Rīgas iela", "5", "12")
        self.alice_second_account = make_account(self.alice_customer, "100002", "Saules iela", "14", "3")
        self.alice = make_login(
            self.alice_customer,
            "alice@example.com",
            [self.alice_account, self.alice_second_account],
        )
        kitchen = {"location_lv": "virtuve", "location_ru": "кухня", "location_en": "kitchen"}
        self.alice_cold = make_meter(self.alice_account, self.services["cold_water"], "CW-1001", **kitchen)
        self.alice_hot = make_meter(self.alice_account, self.services["hot_water"], "HW-1001", **kitchen)

        self.bob_customer = make_customer("20002", "Boriss", "Ivanovs", email="bob@example.com")
        self.bob_account = make_account(self.bob_customer, "200001", "Rīgas iela", "5", "14")
        self.bob = make_login(self.bob_customer, "bob@example.com", [self.bob_account])
        self.bob_cold = make_meter(self.bob_account, self.services["cold_water"], "CW-2001")

        self.carol = User.objects.create_user(
            username="carol",
            email="carol@utility.example",
            password=PASSWORD,
            is_staff=True,
            is_superuser=True,
        )
        self.dave = User.objects.create_user(
            username="dave", email="dave@utility.example", password=PASSWORD, is_staff=True
        )
        self.dave.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))


def png_bytes(width: int = 4, height: int = 4) -> bytes:
    """A real (tiny) PNG picture for upload tests."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (11, 92, 173)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


# --- access tests: a customer without a login, and the mail they receive ----------------


def make_unregistered(
    code: str = "30003", account_number: str = "300001", *, invoice_amount: str = "23.45"
) -> tuple[Customer, Account, object]:
    """A customer with one account and one issued invoice, and no portal login yet
    (what seed_demo calls "unregistered"). Returns (customer, account, invoice)."""
    from kabinet.billing.services import LineSpec, invoice_create

    customer = make_customer(code, "Jānis", "Kalniņš", email="")
    account = make_account(customer, account_number, "Vienības iela", "8", "21")
    service = Service.objects.filter(code="cold_water").first() or make_services()["cold_water"]
    invoice = invoice_create(
        account=account,
        period=dt.date(2026, 9, 1),
        lines=[
            LineSpec(
                service=service,
                description="Water",
                quantity=Decimal("1"),
                unit="m3",
                price=Decimal(invoice_amount),
                vat_rate=Decimal("0"),
                method="metered",
            )
        ],
        issued_on=dt.date(2026, 10, 10),
        due_on=dt.date(2026, 10, 25),
    )
    return customer, account, invoice


def mail_links(message_text: str) -> list[str]:
    """The site-relative paths of the links in an e-mail's text."""
    import re

    from django.conf import settings

    return [url.removeprefix(settings.SITE_URL) for url in re.findall(r"https?://\S+", message_text)]


def without_csrf(html: bytes | str) -> str:
    """A page with its CSRF tokens blanked, to compare two responses for equality."""
    import re

    text = html.decode() if isinstance(html, bytes) else html
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', text)


def sent_message(**filters):
    """The one outbox message matching `filters`, once the outbox sender has sent it (and
    rendered it, if it was queued with message_enqueue_later())."""
    from kabinet.notifications.models import OutboxMessage, OutboxStatus
    from kabinet.notifications.services import outbox_send_due

    outbox_send_due()
    message = OutboxMessage.objects.get(**filters)
    assert message.status == OutboxStatus.SENT, message.last_error
    return message


def menu_open(page) -> None:
    """Opens the main menu in a browser test, as a person does on a phone, where it is folded
    into a "Menu" disclosure (base.html); on a wide screen its links are always shown."""
    summary = page.locator("nav.nav .menu > summary")
    if summary.is_visible() and not page.locator("nav.nav .menu[open]").count():
        summary.click()

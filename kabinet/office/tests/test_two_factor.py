"""Staff log in with a password and a code from an authenticator app; the first time the
back office sets the app up. Customers' logins are untouched."""

import base64
import time

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kabinet.test import PASSWORD
from kabinet.utility.models import Event


@pytest.fixture(autouse=True)
def two_factor(settings):
    settings.STAFF_TWO_FACTOR = True


def code_for(device: TOTPDevice, *, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at or time.time()
    return f"{totp.token():0{device.digits}d}"


def password_step(client, username="carol"):
    data = {"username": username, "password": PASSWORD, "next": reverse("admin:index")}  # as the login form posts
    return client.post(reverse("admin:login"), data, follow=True)


def test_a_first_login_sets_up_the_app_then_opens_the_back_office(client, personas):
    page = password_step(client)
    assert page.redirect_chain[-1][0].startswith(reverse("admin:two_factor"))
    html = page.content.decode()
    assert "<svg" in html and "Set up the second step" in html
    device = TOTPDevice.objects.get(user=personas.carol, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode()[:4]
    assert secret in html.replace(" ", "")
    # Nothing of the back office opens yet, whatever the login may do.
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 302

    wrong = client.post(reverse("admin:two_factor"), {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert "This code is not right" in wrong.content.decode()
    # django-otp makes a wrong code wait a moment (a second, doubling) before the next try.
    with time_machine.travel(time.time() + 2):
        response = client.post(reverse("admin:two_factor"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    kinds = set(Event.objects.values_list("kind", flat=True))
    assert {"staff.two_factor_set_up", "staff.two_factor_passed", "staff.two_factor_failed"} <= kinds


def test_a_later_login_asks_only_for_the_code(client, personas):
    device = TOTPDevice.objects.create(user=personas.dave, name="phone", confirmed=True)
    page = password_step(client, "dave")
    html = page.content.decode()
    assert "Enter the six-digit code" in html and "segno" not in html
    assert base64.b32encode(device.bin_key).decode()[:8] not in html
    response = client.post(reverse("admin:two_factor"), {"code": code_for(device)})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_code_works_once(client, personas):
    device = TOTPDevice.objects.create(user=personas.dave, name="phone", confirmed=True)
    password_step(client, "dave")
    code = code_for(device)
    assert client.post(reverse("admin:two_factor"), {"code": code}).status_code == 302
    client.logout()
    client.cookies["django_language"] = "en"
    password_step(client, "dave")
    again = client.post(reverse("admin:two_factor"), {"code": code})
    assert again.status_code == 200 and client.get(reverse("admin:index")).status_code == 302


def test_customers_log_in_to_the_portal_with_their_password_alone(client, personas):
    response = client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("portal:dashboard")


def test_the_back_office_lists_authenticators_without_their_secret(client, personas):
    device = TOTPDevice.objects.create(user=personas.dave, name="phone", confirmed=True)
    mine = TOTPDevice.objects.create(user=personas.carol, name="phone", confirmed=True)
    client.force_login(personas.carol)
    session = client.session
    session["otp_device_id"] = mine.persistent_id
    session.save()
    listing = client.get(reverse("admin:office_authenticator_changelist")).content.decode()
    detail = client.get(reverse("admin:office_authenticator_change", args=[device.pk])).content.decode()
    for page in (listing, detail):
        assert "dave" in page
        assert device.key not in page and base64.b32encode(device.bin_key).decode()[:8] not in page


def test_staff_passwords_are_longer_than_customers(personas):
    validate_password("kettle-harb9", personas.dave)  # 12 characters is the minimum
    validate_password("kettle-hr9x", personas.alice)  # a customer's 11 characters are fine
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        validate_password("kettle-hr9x", personas.dave)
    assert "at least 12 characters" in " ".join(exc.value.messages)

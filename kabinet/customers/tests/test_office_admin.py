"""The back office's own doors: its login is throttled like the portal's, and the User
admin makes staff logins only (customers' logins come through the audited services)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from kabinet.customers.models import AccessRole, AccountAccess, User
from kabinet.test import PASSWORD


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def office_login(client, username, password):
    return client.post(reverse("admin:login"), {"username": username, "password": password})


def test_it_throttles_the_back_office_login(en_client, personas):
    for _ in range(5):
        response = office_login(en_client, "carol", "wrong")
        assert response.status_code == 200 and "_auth_user_id" not in en_client.session
    # Locked now, even with the right password.
    response = office_login(en_client, "carol", PASSWORD)
    assert "_auth_user_id" not in en_client.session
    assert "Too many attempts" in response.content.decode()


def test_it_counts_the_portal_and_the_office_login_together(en_client, personas):
    for _ in range(5):
        en_client.post(reverse("portal:login"), {"identifier": "carol", "password": "wrong"})
    office_login(en_client, "carol", PASSWORD)
    assert "_auth_user_id" not in en_client.session


def test_it_logs_staff_in_and_forgets_earlier_failures(en_client, personas):
    for _ in range(2):
        office_login(en_client, "carol", "wrong")
    response = office_login(en_client, "carol", PASSWORD)
    assert response.status_code == 302
    assert int(en_client.session["_auth_user_id"]) == personas.carol.pk
    en_client.logout()
    en_client.cookies["django_language"] = "en"
    office_login(en_client, "carol", "wrong")
    assert office_login(en_client, "carol", PASSWORD).status_code == 302  # the counter was reset


def test_it_counts_a_customer_at_the_office_door_as_a_failure(en_client, personas):
    for _ in range(5):
        office_login(en_client, "alice@example.com", PASSWORD)
        assert "_auth_user_id" not in en_client.session
    assert "Too many attempts" in office_login(en_client, "alice@example.com", PASSWORD).content.decode()


def test_it_makes_staff_logins_only_from_the_user_admin(en_client, personas):
    en_client.force_login(personas.carol)
    response = en_client.post(
        reverse("admin:customers_user_add"),
        {
            "username": "erika",
            "email": "erika@utility.example",
            "first_name": "Ērika",
            "last_name": "Ozola",
            "usable_password": "true",
            "password1": "violet-kettle-harbour-42",
            "password2": "violet-kettle-harbour-42",
            "customer": personas.bob_customer.pk,  # not a field of the add form: ignored
        },
    )
    assert response.status_code == 302
    erika = User.objects.get(username="erika")
    assert erika.is_staff and erika.customer is None


def test_it_shows_but_does_not_edit_a_logins_customer_or_access(en_client, personas):
    en_client.force_login(personas.carol)
    url = reverse("admin:customers_user_change", args=[personas.bob.pk])
    page = en_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="customer"' not in html and "200001" in html
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update({"customer": personas.alice_customer.pk, "date_joined_0": "2026-01-01", "date_joined_1": "00:00"})
    data.update({"is_active": "on", "last_login_0": "", "last_login_1": ""})
    data["groups"] = []
    data["user_permissions"] = []
    for inline in page.context["inline_admin_formsets"]:  # shown read-only, posted back as they are
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for i, f in enumerate(formset.forms):
            data[f"{formset.prefix}-{i}-id"] = f.instance.pk
            data[f"{formset.prefix}-{i}-user"] = personas.bob.pk
    assert en_client.post(url, data).status_code == 302  # saved, without the customer
    personas.bob.refresh_from_db()
    assert personas.bob.customer == personas.bob_customer
    assert AccountAccess.objects.filter(user=personas.bob, role=AccessRole.HOLDER).count() == 1


def test_it_refuses_the_user_admin_to_an_anonymous_visitor(client, personas):
    response = client.get(reverse("admin:customers_user_add"))
    assert response.status_code == 302 and "/office/login/" in response.headers["Location"]

"""The menu shows only what the person may open."""

from django.urls import reverse

from kabinet.customers.models import AccessRole, AccountAccess, User
from kabinet.test import PASSWORD


def household_member(personas, role: str) -> User:
    member = User.objects.create_user(username="eve@example.com", email="eve@example.com", password=PASSWORD)
    AccountAccess.objects.create(user=member, account=personas.alice_account, role=role)
    return member


def menu(client, url_name: str = "portal:dashboard") -> str:
    page = client.get(reverse(url_name)).content.decode()
    return page.split('<nav class="wrap nav"', 1)[1].split("</nav>", 1)[0]


def test_it_hides_invoices_and_payments_from_a_readings_only_member(personas, en_client):
    en_client.force_login(household_member(personas, AccessRole.READINGS))
    nav = menu(en_client)
    assert reverse("portal:readings") in nav
    assert reverse("portal:invoices") not in nav
    assert reverse("portal:payment-history") not in nav
    # What the menu would have offered is not theirs to open.
    assert en_client.get(reverse("portal:invoices")).status_code == 404
    assert en_client.get(reverse("portal:payment-history")).status_code == 404


def test_it_shows_invoices_and_payments_to_a_member_who_may_see_invoices(personas, en_client):
    en_client.force_login(household_member(personas, AccessRole.READINGS_INVOICES))
    nav = menu(en_client)
    assert reverse("portal:invoices") in nav and reverse("portal:payment-history") in nav
    assert en_client.get(reverse("portal:invoices")).status_code == 200


def test_it_shows_invoices_and_payments_to_the_account_holder(personas, en_client):
    en_client.force_login(personas.alice)
    nav = menu(en_client)
    assert reverse("portal:invoices") in nav and reverse("portal:payment-history") in nav


def test_it_follows_the_account_chosen_in_the_switcher(personas, en_client):
    member = household_member(personas, AccessRole.READINGS)
    AccountAccess.objects.create(user=member, account=personas.alice_second_account, role=AccessRole.HOLDER)
    en_client.force_login(member)
    en_client.post(reverse("portal:account-choose"), {"account": personas.alice_second_account.pk})
    assert reverse("portal:invoices") in menu(en_client)
    en_client.post(reverse("portal:account-choose"), {"account": personas.alice_account.pk})
    assert reverse("portal:invoices") not in menu(en_client)


def test_it_marks_the_current_page_and_the_section_it_belongs_to(personas, en_client):
    en_client.force_login(personas.alice)
    assert f'href="{reverse("portal:dashboard")}" aria-current="page"' in menu(en_client)
    nav = menu(en_client, "portal:readings-history")
    assert f'href="{reverse("portal:readings")}" aria-current="true"' in nav  # a page of "Meter readings"
    assert nav.count("aria-current") == 1
    assert f'href="{reverse("portal:invoices")}" aria-current="true"' in menu(en_client, "portal:statement")


def test_it_folds_into_a_disclosure_that_needs_no_javascript(personas, en_client):
    en_client.force_login(personas.alice)
    nav = menu(en_client)
    assert '<details class="menu">' in nav and "<summary>" in nav and "<script" not in nav

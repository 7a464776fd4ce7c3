import pytest
from django.urls import reverse

from kabinet.customers.models import MailPreference
from kabinet.customers.selectors import user_wants_mail
from kabinet.notifications.models import MailKind
from kabinet.notifications.unsubscribe import unsubscribe_token, unsubscribe_url


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def test_it_sends_anonymous_visitors_to_login(client, personas):
    response = client.get(reverse("portal:notification-settings"))
    assert response["Location"].startswith(reverse("portal:login"))


def test_it_lists_every_optional_kind_and_saves_the_choice(client, personas):
    client.force_login(personas.alice)
    page = client.get(reverse("portal:notification-settings")).content.decode()
    for kind in MailKind:
        assert (f'value="{kind.value}"' in page) == (kind != MailKind.ACCOUNT)
    assert page.count("checked") == len(MailKind) - 1  # everything on by default
    client.post(reverse("portal:notification-settings"), {"kinds": ["invoice", "outage", "account", "bogus"]})
    assert user_wants_mail(personas.alice, "invoice") and user_wants_mail(personas.alice, "outage")
    assert not user_wants_mail(personas.alice, "request") and not user_wants_mail(personas.alice, "payment")
    assert user_wants_mail(personas.alice, "account")  # never off
    assert not MailPreference.objects.filter(kind__in=["account", "bogus"]).exists()
    assert not MailPreference.objects.filter(user=personas.bob).exists()
    page = client.get(reverse("portal:notification-settings")).content.decode()
    assert page.count("checked") == 2


def test_the_unsubscribe_link_asks_first_then_turns_the_kind_off(client, personas):
    url = unsubscribe_url(user=personas.alice, kind=MailKind.OUTAGE)
    assert url.startswith("http")
    path = url.split("testserver")[-1] if "testserver" in url else url[url.index("/unsubscribe/") :]
    page = client.get(path).content.decode()  # no login needed
    assert "Outages at my address" in page and "alice@example.com" in page
    assert user_wants_mail(personas.alice, MailKind.OUTAGE)  # a GET (mail scanners) changes nothing
    response = client.post(path)
    assert response.status_code == 200 and "no longer receive" in response.content.decode()
    assert not user_wants_mail(personas.alice, MailKind.OUTAGE)
    assert user_wants_mail(personas.alice, MailKind.INVOICE)
    assert client.post(path).status_code == 200  # a second click is harmless


def test_a_forged_or_edited_token_changes_nothing(client, personas):
    good = unsubscribe_token(user_id=personas.alice.pk, kind="outage")
    for token in (good[:-2] + "xx", "abc", unsubscribe_token(user_id=personas.alice.pk, kind="account")):
        response = client.post(reverse("portal:unsubscribe", args=[token]))
        assert response.status_code == 404 and "not valid" in response.content.decode()
    assert not MailPreference.objects.exists()


def test_there_is_no_unsubscribe_link_for_account_mail(personas):
    assert unsubscribe_url(user=personas.alice, kind=MailKind.ACCOUNT) == ""

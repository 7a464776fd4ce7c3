"""The demo shows news, outages and the utility's own texts in each of its languages."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from kabinet.customers.models import Account
from kabinet.demo import constants as c
from kabinet.meters.models import Meter
from kabinet.news.models import News, Outage
from kabinet.news.selectors import outages_for_building
from kabinet.notifications.models import OutboxMessage
from kabinet.utility.models import UtilityProfile

NOW = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def seeded(db):
    """Seeds on NOW and keeps the clock there for the pages the test opens."""
    with time_machine.travel(NOW, tick=False):
        yield lambda preset: call_command("seed_demo", "--accounts", "30", "--preset", preset, stdout=io.StringIO())


def alice_home(preset: str):
    return Account.objects.select_related("premises__building").get(number=c.ALICE_ACCOUNTS[preset][0]).premises


def log_in_alice(client, preset: str, language: str) -> None:
    client.cookies["django_language"] = language
    login = c.customer_login(preset, c.ALICE_EMAIL, c.ALICE_ACCOUNTS[preset])
    response = client.post(reverse("portal:login"), {"identifier": login, "password": c.CUSTOMER_PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("preset", ["lv", "ru"])
def test_alice_has_an_outage_now_and_a_planned_one(seeded, preset):
    seeded(preset)
    outages = list(outages_for_building(alice_home(preset).building))
    now = [o for o in outages if o.starts_at <= NOW]
    planned = [o for o in outages if o.starts_at > NOW]
    assert len(now) == 1 and now[0].kind == "emergency" and now[0].ends_at > NOW
    assert planned and all(o.kind == "planned" for o in planned)
    # announced to her, and not mailed again when the demo starts
    mails = OutboxMessage.objects.filter(kind="outage", to=c.ALICE_EMAIL)
    assert mails.count() >= 2 and not mails.exclude(status="sent").exists()
    assert Outage.objects.exclude(pk__in=[o.pk for o in outages]).exists()  # and one elsewhere


@pytest.mark.parametrize("preset", ["lv", "ru"])
def test_news_and_outages_are_written_in_every_language_of_the_utility(seeded, preset):
    seeded(preset)
    languages = UtilityProfile.get().language_codes
    assert News.objects.count() >= 4
    for item in [*News.objects.all(), *Outage.objects.all()]:
        for code in ("lv", "ru", "en"):
            assert bool(getattr(item, f"title_{code}")) == (code in languages), (item, code)
    assert all("{" not in item.body_ru for item in News.objects.all())  # the profile's numbers filled in


def test_the_latvian_utility_speaks_to_each_customer_in_their_language(seeded, client):
    seeded("lv")
    profile = UtilityProfile.get()
    assert profile.readings_email and profile.readings_sms_number
    log_in_alice(client, "lv", "ru")
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "Авария: нет холодной воды" in page and "Avārija" not in page
    assert "кухня" in page and "virtuve" not in page
    contacts = client.get(reverse("portal:contacts")).content.decode()
    assert "Аварийная служба: круглосуточно" in contacts and "diennakti" not in contacts
    news = client.get(reverse("portal:news")).content.decode()
    assert "Показания счётчиков можно передать по SMS и электронной почте" in news
    assert (
        profile.readings_sms_number
        in client.get(reverse("portal:news-detail", args=[News.objects.first().pk])).content.decode()
    )

    client.cookies["django_language"] = "en"
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "Emergency: no cold water" in page and "kitchen" in page
    assert "Emergency service: day and night" in client.get(reverse("portal:contacts")).content.decode()


def test_the_russian_utility_writes_only_russian(seeded, client):
    seeded("ru")
    log_in_alice(client, "ru", "ru")
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "Аварийное отключение холодной воды" in page
    assert set(Meter.objects.values_list("location_ru", flat=True)) <= {"кухня", "ванная", "туалет", "коридор"}
    assert not Meter.objects.exclude(location_lv="").exists()

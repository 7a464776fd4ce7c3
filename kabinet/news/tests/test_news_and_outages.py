import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from kabinet.customers.models import Building, MailPreference
from kabinet.news.models import News, Outage, OutageKind, OutageStreet
from kabinet.news.selectors import outages_for_building
from kabinet.news.services import outage_notify
from kabinet.notifications.models import MailKind, OutboxMessage
from kabinet.portal.context import SESSION_KEY
from kabinet.test import png_bytes
from kabinet.utility.exceptions import ApplicationError

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def make_outage(personas, *, streets=(), buildings=(), **kwargs) -> Outage:
    now = timezone.now()
    defaults = {
        "kind": OutageKind.PLANNED,
        "service": personas.services["cold_water"],
        "title": "Pipe replacement",
        "starts_at": now + dt.timedelta(hours=2),
        "ends_at": now + dt.timedelta(hours=8),
    }
    defaults.update(kwargs)
    outage = Outage.objects.create(**defaults)
    for street in streets:
        OutageStreet.objects.create(outage=outage, street=street)
    outage.buildings.set(buildings)
    return outage


def building(street, house="5") -> Building:
    return Building.objects.get(street=street, house=house)


# --- who is affected -------------------------------------------------------------------
def test_it_shows_a_street_outage_only_to_customers_on_that_street(client, personas):
    # Alice's second premises are on Saules iela; bob lives on Rīgas iela only.
    make_outage(personas, streets=["saules iela"], title="Saules street works")
    client.force_login(personas.bob)
    assert "Saules street works" not in client.get(reverse("portal:dashboard")).content.decode()
    client.force_login(personas.alice)
    assert "Saules street works" not in client.get(reverse("portal:dashboard")).content.decode()  # Rīgas iela chosen
    session = client.session
    session[SESSION_KEY] = personas.alice_second_account.pk
    session.save()
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "Outages at your address" in page and "Saules street works" in page


def test_it_shows_a_building_outage_to_everyone_in_it_and_nobody_else(client, personas):
    riga5 = building("Rīgas iela")
    make_outage(personas, buildings=[riga5], title="Riser repair")
    for user in (personas.alice, personas.bob):
        client.force_login(user)
        assert "Riser repair" in client.get(reverse("portal:dashboard")).content.decode()
    assert list(outages_for_building(building("Saules iela", "14"))) == []


def test_it_hides_past_cancelled_and_unpublished_outages(personas):
    riga5 = building("Rīgas iela")
    now = timezone.now()
    make_outage(
        personas,
        buildings=[riga5],
        title="past",
        starts_at=now - dt.timedelta(days=2),
        ends_at=now - dt.timedelta(days=1),
    )
    make_outage(personas, buildings=[riga5], title="cancelled", cancelled=True)
    make_outage(personas, buildings=[riga5], title="draft", published=False)
    make_outage(
        personas,
        buildings=[riga5],
        title="ongoing",
        kind=OutageKind.EMERGENCY,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=None,
    )
    assert [o.title for o in outages_for_building(riga5)] == ["ongoing"]


def test_it_emails_only_affected_customers_who_want_it_once(personas):
    MailPreference.objects.create(user=personas.bob, kind=MailKind.OUTAGE, enabled=False)
    outage = make_outage(personas, buildings=[building("Rīgas iela")], title="Riser repair")
    assert outage_notify(outage=outage, actor=personas.carol) == 1
    message = OutboxMessage.objects.get(kind=MailKind.OUTAGE)
    assert message.to == "alice@example.com"
    assert "Rīgas iela 5-12" in message.body_text and "Riser repair" in message.body_text
    assert "/unsubscribe/" in message.body_text
    assert outage_notify(outage=outage, actor=personas.carol) == 0  # repeated: no duplicates
    assert OutboxMessage.objects.filter(kind=MailKind.OUTAGE).count() == 1
    outage.refresh_from_db()
    assert outage.notified_at is not None


def test_it_emails_by_street_and_refuses_a_cancelled_outage(personas):
    outage = make_outage(personas, streets=["Saules iela"])
    assert outage_notify(outage=outage, actor=personas.carol) == 1
    assert OutboxMessage.objects.get().to == "alice@example.com"
    cancelled = make_outage(personas, streets=["Rīgas iela"], cancelled=True)
    with pytest.raises(ApplicationError):
        outage_notify(outage=cancelled, actor=personas.carol)
    assert OutboxMessage.objects.count() == 1


def test_the_dashboard_stays_within_its_query_budget_with_outages(client, personas, django_assert_max_num_queries):
    for i in range(10):
        make_outage(personas, buildings=[building("Rīgas iela")], streets=["Rīgas iela"], title=f"o{i}")
    client.force_login(personas.alice)
    client.get(reverse("portal:dashboard"))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("portal:dashboard")).content.decode()
    assert "o9" in page


# --- public pages -----------------------------------------------------------------------
def test_the_public_outage_page_lists_current_outages_without_login(client, personas):
    make_outage(personas, streets=["Saules iela"], title="<b>Works</b>", description="<script>x()</script>")
    page = client.get(reverse("portal:outages")).content.decode()
    assert "&lt;b&gt;Works&lt;/b&gt;" in page and "<script>x()" not in page
    assert "Saules iela" in page and "Cold water" in page


def test_news_is_public_between_publish_and_expiry(client, personas):
    now = timezone.now()
    News.objects.create(title="Current news", body="Body text", publish_at=now - dt.timedelta(days=1))
    future = News.objects.create(title="Future news", body="x", publish_at=now + dt.timedelta(days=1))
    expired = News.objects.create(
        title="Old news", body="x", publish_at=now - dt.timedelta(days=9), expires_at=now - dt.timedelta(days=1)
    )
    page = client.get(reverse("portal:news")).content.decode()
    assert "Current news" in page and "Future news" not in page and "Old news" not in page
    assert client.get(reverse("portal:news-detail", args=[future.pk])).status_code == 404
    assert client.get(reverse("portal:news-detail", args=[expired.pk])).status_code == 404


def test_news_images_are_served_for_published_news(client, personas, private_media):
    item = News(title="With image", body="x", image_token="abc", image_type="image/png")
    item.image.save("x.png", ContentFile(png_bytes()), save=True)
    page = client.get(reverse("portal:news-detail", args=[item.pk])).content.decode()
    assert reverse("portal:news-image", args=[item.pk]) in page
    response = client.get(reverse("portal:news-image", args=[item.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


# --- feeds -------------------------------------------------------------------------------
def test_the_rss_feed_parses_and_has_the_required_elements(client, personas):
    now = timezone.now()
    News.objects.create(title='Water & "tariffs" <2027>', body="<p>Text</p>", publish_at=now - dt.timedelta(hours=1))
    News.objects.create(title="Hidden", body="x", publish_at=now + dt.timedelta(days=1))
    response = client.get(reverse("portal:news-rss"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for tag in ("title", "link", "description"):
        assert channel.findtext(tag)
    items = channel.findall("item")
    assert len(items) == 1
    item = items[0]
    assert item.findtext("title") == 'Water & "tariffs" <2027>'
    assert item.findtext("link").startswith("http") and item.findtext("pubDate") and item.findtext("guid")
    assert item.findtext("description") == "<p>Text</p>"  # escaped in XML, so text when read


def test_the_atom_feed_parses_and_has_the_required_elements(client, personas):
    News.objects.create(title="Atom news", body="Body", publish_at=timezone.now() - dt.timedelta(hours=1))
    response = client.get(reverse("portal:news-atom"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for tag in ("title", "id", "updated"):
        assert root.findtext(f"{ATOM}{tag}")
    assert root.find(f"{ATOM}link").get("href")
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    for tag in ("title", "id", "updated"):
        assert entry.findtext(f"{ATOM}{tag}")
    assert entry.find(f"{ATOM}link").get("href").startswith("http")


def test_the_outage_feed_is_valid_atom(client, personas):
    make_outage(personas, streets=["Saules iela"], title="Night works")
    root = ET.fromstring(client.get(reverse("portal:outages-atom")).content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1 and "Night works" in entries[0].findtext(f"{ATOM}title")
    assert root.findtext(f"{ATOM}id") and entries[0].findtext(f"{ATOM}updated")


def test_the_periodic_run_announces_each_outage_once(personas):
    from django.core.management import call_command

    make_outage(personas, streets=["Saules iela"], title="Announced once")
    make_outage(personas, streets=["Saules iela"], title="Draft", published=False)
    call_command("send_outage_notices")
    call_command("send_outage_notices")
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == ["alice@example.com"]
    assert "Announced once" in OutboxMessage.objects.get().body_text


def test_subjects_are_plain_text(personas):
    outage = make_outage(personas, streets=["Saules iela"], title="x")
    personas.services["cold_water"].name_en = "Cold & hot"
    personas.services["cold_water"].name_lv = "Auksts & karsts"
    personas.services["cold_water"].save()
    outage.refresh_from_db()
    outage_notify(outage=outage, actor=None)
    assert "&amp;" not in OutboxMessage.objects.get().subject


def test_the_back_office_refuses_a_fake_news_image(client, personas, private_media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(personas.carol)
    now = timezone.localtime()
    data = {
        "title_lv": "With a fake picture",
        "body_lv": "x",
        "publish_at_0": now.strftime("%Y-%m-%d"),
        "publish_at_1": now.strftime("%H:%M:%S"),
        "image": SimpleUploadedFile("cat.png", b"MZ\x90\x00 an exe", content_type="image/png"),
    }
    response = client.post(reverse("admin:news_news_add"), data)
    assert response.status_code == 200 and "must be a JPEG or PNG" in response.content.decode()
    assert not News.objects.exists()
    data["image"] = SimpleUploadedFile("cat.png", png_bytes(), content_type="image/png")
    response = client.post(reverse("admin:news_news_add"), data)
    assert response.status_code == 302
    item = News.objects.get()
    assert item.image_type == "image/png" and item.created_by == personas.carol
    assert client.get(reverse("portal:news-image", args=[item.pk])).status_code == 200

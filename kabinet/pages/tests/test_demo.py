"""The demo's pages: every one published and opening in the preset's languages."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from kabinet.pages.demo import pages_demo_build
from kabinet.pages.models import Document, Page


def test_the_latvian_demo_pages_open_in_three_languages(client, personas, private_media):
    check_demo(client, personas, "lv", ["lv", "ru", "en"])


def test_the_russian_demo_pages_open_in_russian(client, ru_personas, private_media):
    check_demo(client, ru_personas, "ru", ["ru"])


def check_demo(client, personas, preset, languages):
    count = pages_demo_build(preset=preset, actor=personas.carol, today=timezone.localdate())
    assert Page.objects.published().count() == count == 7
    assert Document.objects.published().count() == 2
    for page in Page.objects.all():
        for language in languages:
            client.cookies["django_language"] = language
            response = client.get(reverse("pages:page", args=[page.slug]))
            assert response.status_code == 200, (page.slug, language)
            assert getattr(page, f"title_{language}") in response.content.decode()
    document = Document.objects.published().first()
    assert client.get(reverse("pages:document", args=[document.pk]))["Content-Type"] == "application/pdf"
    assert document.publish_from < timezone.localdate() + dt.timedelta(days=1)

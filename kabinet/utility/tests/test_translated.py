"""Texts the utility writes are kept per language and shown in the page's language, or
else in the utility's first language."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kabinet.meters.models import Meter
from kabinet.news.models import News
from kabinet.utility.models import UtilityProfile


def set_profile(**fields) -> UtilityProfile:
    profile = UtilityProfile.objects.get(pk=1)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    return profile


def test_it_shows_the_pages_language_then_the_utilitys_first_language(personas):
    profile = set_profile(languages="ru,lv,en", opening_hours_lv="Pirmdien 8–17", opening_hours_ru="Пн 8–17")
    with translation.override("lv"):
        assert profile.opening_hours == "Pirmdien 8–17"
    with translation.override("en"):
        assert profile.opening_hours == "Пн 8–17"  # no English: the first language, Russian
    profile.opening_hours_ru = ""
    with translation.override("en"):
        assert profile.opening_hours == "Pirmdien 8–17"  # then any language that has it
    profile.opening_hours_lv = ""
    with translation.override("en"):
        assert profile.opening_hours == ""


def test_a_meters_location_follows_the_page(personas):
    meter = personas.alice_cold
    for language, text in [("lv", "virtuve"), ("ru", "кухня"), ("en", "kitchen")]:
        with translation.override(language):
            assert meter.location == text


def test_a_plain_text_is_the_text_of_the_utilitys_first_language(personas):
    meter = Meter(location="gaitenis")
    assert (meter.location_lv, meter.location_ru, meter.location_en) == ("gaitenis", "", "")
    set_profile(languages="ru")
    meter.location = "коридор"
    assert (meter.location_lv, meter.location_ru) == ("gaitenis", "коридор")


def test_the_contacts_page_shows_the_opening_hours_of_its_language(personas, client):
    set_profile(opening_hours_lv="Darba dienās 8–17", opening_hours_ru="По будням 8–17", opening_hours_en="")
    client.cookies["django_language"] = "ru"
    page = client.get(reverse("portal:contacts")).content.decode()
    assert "По будням 8–17" in page and "Darba dienās" not in page
    client.cookies["django_language"] = "en"
    assert "Darba dienās 8–17" in client.get(reverse("portal:contacts")).content.decode()


def test_a_news_item_needs_a_title_and_a_text_in_one_language(personas):
    with pytest.raises(ValidationError) as error:
        News(body_ru="Текст").full_clean()
    assert set(error.value.message_dict) == {"title_lv"}  # the utility's first language
    News(title_ru="Заголовок", body_ru="Текст").full_clean()


def test_a_news_item_reads_in_the_pages_language(personas, client):
    item = News.objects.create(
        title_lv="Ūdens atslēgums", title_ru="Отключение воды", body_lv="Teksts", body_ru="Текст"
    )
    client.cookies["django_language"] = "ru"
    page = client.get(reverse("portal:news-detail", args=[item.pk])).content.decode()
    assert "Отключение воды" in page and "Ūdens" not in page
    client.cookies["django_language"] = "en"
    assert "Ūdens atslēgums" in client.get(reverse("portal:news-detail", args=[item.pk])).content.decode()

"""The back office names a model in the case its title needs ("Labot klientu", not
"Labot klients"), and shows the texts kept per language in the enabled languages only."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from kabinet.office.names import ACCUSATIVE


def title(html: bytes) -> str:
    return re.search(r"<h1>(.*?)</h1>", html.decode(), re.S).group(1).strip()


@pytest.mark.parametrize(
    "language, change, add, select",
    [
        ("lv", "Labot klientu", "Pievienot klientu", "Atlasīt klientu, lai labotu"),
        ("ru", "Изменить абонента", "Добавить абонента", "Выберите абонента для изменения"),
        ("en", "Change customer", "Add customer", "Select customer to change"),
    ],
)
def test_the_titles_put_the_model_in_the_accusative(personas, client, language, change, add, select):
    client.force_login(personas.carol)
    client.cookies["django_language"] = language
    customer = personas.alice.customer
    assert title(client.get(reverse("admin:customers_customer_change", args=[customer.pk])).content) == change
    assert title(client.get(reverse("admin:customers_customer_add")).content) == add
    changelist = client.get(reverse("admin:customers_customer_changelist")).content
    assert title(changelist) == select
    assert f">\n      {add}\n    </a>" in changelist.decode()  # the "Add …" button


def test_a_read_only_title_and_the_delete_question_too(personas, client):
    client.cookies["django_language"] = "lv"
    client.force_login(personas.dave)
    page = client.get(reverse("admin:news_outage_changelist")).content
    assert title(page) == "Atlasīt paziņojumu par atslēgumu, lai apskatītu"
    client.force_login(personas.carol)
    service = personas.services["cold_water"]
    page = client.get(reverse("admin:utility_service_delete", args=[service.pk])).content.decode()
    assert "izdzēst pakalpojumu" in page  # Vai tiešām izdzēst pakalpojumu "…"?


def test_every_model_of_the_back_office_has_its_accusative():
    names = {model._meta.verbose_name_raw for model in admin.site._registry}
    assert names <= set(ACCUSATIVE), sorted(names - set(ACCUSATIVE))
    with translation.override("en"):
        assert all(str(form) == name for name, form in ACCUSATIVE.items())
    with translation.override("lv"):
        assert all(str(form) != name for name, form in ACCUSATIVE.items())


def test_the_profile_shows_a_text_box_per_enabled_language(personas, client):
    client.force_login(personas.carol)
    url = reverse("admin:utility_utilityprofile_change", args=[1])
    fields = client.get(url).context["adminform"].form.fields
    assert {"opening_hours_lv", "opening_hours_ru", "opening_hours_en"} <= set(fields)


def test_a_russian_utility_writes_its_texts_in_russian_only(ru_personas, client):
    client.force_login(ru_personas.carol)
    fields = client.get(reverse("admin:utility_utilityprofile_change", args=[1])).context["adminform"].form.fields
    assert "opening_hours_ru" in fields and "opening_hours_lv" not in fields and "opening_hours_en" not in fields
    fields = client.get(reverse("admin:meters_meter_change", args=[ru_personas.alice_cold.pk])).context["adminform"]
    assert "location_ru" in fields.form.fields and "location_lv" not in fields.form.fields
    fields = client.get(reverse("admin:news_news_add")).context["adminform"].form.fields
    assert {"title_ru", "body_ru"} <= set(fields) and "title_en" not in fields

"""Each save keeps the texts it replaces; any version can be restored."""

from django.urls import reverse

from kabinet.pages.models import Page, PageVersion
from kabinet.pages.services import page_restore, page_save
from kabinet.pages.tests.conftest import make_page


def test_it_keeps_the_replaced_texts_with_who_wrote_them(personas):
    page = make_page(title_en="First", actor=personas.carol)
    assert not page.versions.exists()
    page.title_en = "Second"
    page_save(page=page, actor=personas.dave)
    version = page.versions.get()
    assert version.title_en == "First" and version.written_by == personas.carol
    page.sort_order = 5  # not a text: no version
    page_save(page=page, actor=personas.dave)
    assert page.versions.count() == 1


def test_a_restore_puts_the_texts_back_and_keeps_the_ones_it_replaces(personas):
    page = make_page(title_en="First", body_en="Old text.", actor=personas.carol)
    page.title_en, page.body_en = "Second", "New text."
    page_save(page=page, actor=personas.carol)
    page_restore(version=page.versions.get(), actor=personas.dave)
    page.refresh_from_db()
    assert (page.title_en, page.body_en, page.updated_by) == ("First", "Old text.", personas.dave)
    assert list(page.versions.values_list("title_en", flat=True)) == ["Second", "First"]


def test_the_office_saves_through_the_history_and_restores_by_action(client, personas):
    client.force_login(personas.carol)
    client.cookies["django_language"] = "en"
    page = make_page(title_en="First", body_en="Old.", actor=personas.carol)
    data = {
        "slug": "about", "kind": "about", "title_lv": "Par mums", "title_ru": "", "title_en": "Second",
        "body_lv": "", "body_ru": "", "body_en": "New.", "publish_from": "2026-01-01", "published": "on",
        "sort_order": "0", "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client.post(reverse("admin:pages_page_change", args=[page.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    version = PageVersion.objects.get(page=page)
    change_page = client.get(reverse("admin:pages_page_change", args=[page.pk])).content.decode()
    assert reverse("admin:pages_pageversion_change", args=[version.pk]) in change_page
    response = client.post(
        reverse("admin:pages_pageversion_changelist"), {"action": "restore", "_selected_action": [version.pk]}
    )
    assert response.status_code == 302
    page = Page.objects.get(pk=page.pk)
    assert (page.title_en, page.body_en) == ("First", "Old.")

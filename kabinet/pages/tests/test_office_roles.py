"""Who edits the utility's pages in the back office: administrators and customer service;
the auditor reads them; other roles do not see them."""

import pytest
from django.urls import reverse

from kabinet.pages.services import page_save
from kabinet.pages.tests.conftest import make_page


@pytest.mark.parametrize("role", ["Administrator", "Customer service"])
def test_editors_add_and_change_pages_and_documents(client, personas, role_login, role):
    page = make_page()
    page.title_en = "Changed"
    page_save(page=page, actor=personas.carol)  # a version to restore
    client.force_login(role_login(role))
    assert client.get(reverse("admin:pages_page_add")).status_code == 200
    assert client.get(reverse("admin:pages_page_change", args=[page.pk])).status_code == 200
    assert client.get(reverse("admin:pages_document_add")).status_code == 200
    changelist = client.get(reverse("admin:pages_pageversion_changelist")).content.decode()
    assert 'value="restore"' in changelist


def test_the_auditor_reads_and_changes_nothing(client, personas, role_login):
    page = make_page()
    page.title_en = "Changed"
    page_save(page=page, actor=personas.carol)
    client.force_login(role_login("Auditor"))
    assert client.get(reverse("admin:pages_page_changelist")).status_code == 200
    assert client.get(reverse("admin:pages_page_add")).status_code == 403
    changelist = client.get(reverse("admin:pages_pageversion_changelist")).content.decode()
    assert 'value="restore"' not in changelist
    response = client.post(reverse("admin:pages_page_change", args=[page.pk]), {"title_en": "Hacked"})
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["Operator", "Accountant", "Dispatcher", "Meter engineer"])
def test_other_roles_are_refused(client, personas, role_login, role):
    client.force_login(role_login(role))
    assert client.get(reverse("admin:pages_page_changelist")).status_code == 403
    assert client.get(reverse("admin:pages_document_add")).status_code == 403


def test_a_customer_is_not_let_into_the_office(client, personas):
    client.force_login(personas.alice)
    assert client.get(reverse("admin:pages_page_changelist")).status_code == 302


def test_a_russian_utility_writes_its_pages_in_russian_only(client, ru_personas):
    client.force_login(ru_personas.carol)
    form = client.get(reverse("admin:pages_page_add")).content.decode()
    assert 'name="title_ru"' in form and 'name="body_ru"' in form
    assert 'name="title_lv"' not in form and 'name="body_en"' not in form

"""PDFs uploaded in the back office: only a PDF is taken, and it is served as one."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.pages.demo import tiny_pdf
from kabinet.pages.models import Document, DocumentKind, PageKind
from kabinet.pages.services import document_save
from kabinet.pages.tests.conftest import make_page
from kabinet.test import png_bytes
from kabinet.utility.exceptions import ApplicationError

FORM = {"kind": "water_quality", "title_lv": "Ūdens kvalitāte", "title_ru": "", "title_en": "Water quality",
        "publish_from": "2026-01-01", "published": "on"}  # fmt: skip


@pytest.fixture
def office(client, personas, private_media):
    client.force_login(personas.carol)
    client.cookies["django_language"] = "en"
    return client


def test_the_office_refuses_a_file_that_is_not_a_pdf(office):
    # A PNG with a PDF's name and type: judged by its first bytes.
    upload = SimpleUploadedFile("report.pdf", png_bytes(), content_type="application/pdf")
    response = office.post(reverse("admin:pages_document_add"), {**FORM, "file": upload})
    assert response.status_code == 200
    assert "The file must be a PDF document." in response.content.decode()
    assert not Document.objects.exists()


def test_the_office_takes_a_pdf_and_the_page_serves_it_as_one(office, personas):
    upload = SimpleUploadedFile("Report 2026.pdf", tiny_pdf("Water"), content_type="application/octet-stream")
    response = office.post(reverse("admin:pages_document_add"), {**FORM, "file": upload})
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.file.name == f"pages/{document.token}.pdf" and document.created_by == personas.carol
    make_page("water-quality", PageKind.WATER_QUALITY, title_en="Water quality")
    office.logout()
    page = office.get(reverse("pages:page", args=["water-quality"])).content.decode()
    assert reverse("pages:document", args=[document.pk]) in page
    response = office.get(reverse("pages:document", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_an_unpublished_or_future_document_is_404(client, personas, private_media):
    for published, start in [(False, dt.date(2026, 1, 1)), (True, dt.date(2099, 1, 1))]:
        document = Document(kind=DocumentKind.CONTRACT, title_en="Contract", published=published, publish_from=start)
        document_save(document=document, actor=None, upload=SimpleUploadedFile("c.pdf", tiny_pdf("C")))
        assert client.get(reverse("pages:document", args=[document.pk])).status_code == 404


def test_a_too_big_file_is_refused(personas, private_media):
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), content_type="application/pdf")
    with pytest.raises(ApplicationError) as error:
        document_save(document=Document(title_en="Big"), actor=None, upload=upload)
    assert error.value.code == "document_too_big"

"""Writes of the utility's pages: saving with history, restoring, checking an uploaded PDF."""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.pages.models import VERSIONED_FIELDS, Document, Page, PageVersion
from kabinet.utility.exceptions import ApplicationError

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
PDF = "application/pdf"


def sniff_pdf(head: bytes) -> bool:
    """Whether the first bytes are a PDF's header. Judged by content as kabinet.lib.uploads
    judges images: a file's name and declared type are whatever the uploader says."""
    return head.startswith(b"%PDF-")


@transaction.atomic
def page_save(*, page: Page, actor) -> Page:
    """Save `page`; when its texts changed, keep the ones it replaces as a PageVersion with
    who wrote them and when (a first save has nothing to keep)."""
    if page.pk:
        before = Page.objects.select_for_update().filter(pk=page.pk).first()
        if before and any(getattr(before, f) != getattr(page, f) for f in VERSIONED_FIELDS):
            PageVersion.objects.create(
                page=page,
                written_at=before.updated,
                written_by_id=before.updated_by_id,
                **{f: getattr(before, f) for f in VERSIONED_FIELDS},
            )
    page.updated = timezone.now()
    page.updated_by = actor
    page.save()
    return page


@transaction.atomic
def page_restore(*, version: PageVersion, actor) -> Page:
    """Put `version`'s texts back on its page; what they replace becomes a version itself,
    so a restore can be undone the same way."""
    page = Page.objects.select_for_update().get(pk=version.page_id)
    for field in VERSIONED_FIELDS:
        setattr(page, field, getattr(version, field))
    return page_save(page=page, actor=actor)


def document_check(upload) -> None:
    """Refuse anything but a PDF (by its first bytes) of up to 20 MB."""
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ApplicationError("document_too_big", _("The file is larger than 20 MB."), field="file")
    upload.seek(0)
    is_pdf = sniff_pdf(upload.read(8))
    upload.seek(0)
    if not is_pdf:
        raise ApplicationError("not_a_pdf", _("The file must be a PDF document."), field="file")


@transaction.atomic
def document_save(*, document: Document, actor, upload=None) -> Document:
    """Save `document`; a new `upload` is checked and stored under a new random name."""
    if upload is not None:
        document_check(upload)
        document.token = secrets.token_hex(16)
        document.file.save(f"{document.token}.pdf", upload, save=False)
        document.size = upload.size
    if not document.token:
        raise ApplicationError("no_file", _("Choose a PDF file."), field="file")
    if document.pk is None:
        document.created_by = actor
    document.save()
    return document

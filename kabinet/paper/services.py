"""Writes of the print batch: start (plan the bundles), render bundle by bundle, finish
(the manifest). See the design overview in kabinet/paper/models.py."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from kabinet.billing.models import BillingRun, RunStatus
from kabinet.paper import render, rules, selectors
from kabinet.paper.models import BatchStatus, BundleStatus, PrintBatch, PrintBundle
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record
from kabinet.utility.storage import private_storage

# The workers' task, by name: a task imports its service, never the reverse.
PRINT_BUNDLES_TASK = "kabinet.paper.tasks.print_batch_bundles"


def batch_set_status(batch: PrintBatch, status: str, *, actor=None, data: dict | None = None) -> None:
    """The one door for a batch's status: refuses transitions the table does not allow."""
    if not batch.can_become(status):
        raise ApplicationError("print_batch_status", _("This print batch cannot change its status that way."))
    old = batch.status
    batch.status = status
    batch.save(update_fields=["status", "finished", "page_count", "manifest"])
    event_record(kind=f"print_batch.{status}", actor=actor, obj=batch, message=f"{old} → {status}", data=data or {})


@transaction.atomic
def print_batch_start(*, run: BillingRun, actor=None, bundle_size: int = rules.BUNDLE_SIZE) -> PrintBatch:
    """Plan the run's paper receipts into bundles, or return the batch already planned
    (starting twice makes one batch: the run is locked, and one batch per run is a
    constraint of the table)."""
    run = BillingRun.objects.select_for_update().get(pk=run.pk)
    existing = PrintBatch.objects.filter(run=run).first()
    if existing is not None:
        return existing
    if run.status != RunStatus.PUBLISHED:
        raise ApplicationError("run_not_published", _("Receipts are printed for a published run only."))
    planned = rules.bundles_plan(selectors.paper_recipients(run_id=run.pk), bundle_size)
    try:
        with transaction.atomic():
            batch = PrintBatch.objects.create(
                run=run,
                created_by=actor if getattr(actor, "pk", None) else None,
                bundle_count=len(planned),
                receipt_count=sum(len(b.invoice_ids) for b in planned),
            )
    except IntegrityError:  # another process planned it between our read and our insert
        return PrintBatch.objects.get(run=run)
    PrintBundle.objects.bulk_create(
        [
            PrintBundle(
                batch=batch,
                number=b.number,
                building_id=b.building_id,
                address=b.address,
                first_flat=b.first_flat,
                last_flat=b.last_flat,
                invoice_ids=b.invoice_ids,
                receipt_count=len(b.invoice_ids),
            )
            for b in planned
        ],
        batch_size=1000,
    )
    event_record(
        kind="print_batch.started",
        actor=actor,
        obj=batch,
        message=f"{run.period:%Y-%m}",
        data={"bundles": batch.bundle_count, "receipts": batch.receipt_count},
    )
    return batch


def _folder(batch: PrintBatch) -> str:
    return f"paper/run-{batch.run_id}-batch-{batch.pk}"


def _write(name: str, content: bytes) -> str:
    """Write a private file under a fixed name, whole or not at all: a bundle rendered
    again after a crash replaces its file instead of leaving a second one."""
    storage = private_storage()
    path = Path(storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(content)
    os.replace(partial, path)
    return name


def _rows(bundle: PrintBundle, invoices: list, pages: list[int]) -> list[list]:
    return [
        [
            bundle.number,
            seq,
            invoice.account.number,
            invoice.account.customer.display_name,
            invoice.account.premises.address,
            rules.money_text(invoice.amount_due),
            count,
        ]
        for seq, (invoice, count) in enumerate(zip(invoices, pages, strict=True), start=1)
    ]


def print_bundle_process(*, batch_id: int) -> bool:
    """Claim one pending bundle of the batch and render it in one transaction; False when
    none is left. Safe to run in several processes at once (SKIP LOCKED)."""
    with transaction.atomic():
        bundle = (
            PrintBundle.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(batch_id=batch_id, status=BundleStatus.PENDING)
            .select_related("batch__run")
            .order_by("number")
            .first()
        )
        if bundle is None:
            return False
        batch = bundle.batch
        profile = UtilityProfile.get()
        languages = profile.language_codes
        invoices = selectors.invoices_for_print(bundle.invoice_ids)
        cover = {
            "language": languages[0] if languages else "en",
            "utility_name": profile.short_name or profile.name,
            "period": batch.run.period,
            "number": bundle.number,
            "bundle_count": batch.bundle_count,
            "address": bundle.address,
            "count": len(invoices),
            "first_flat": bundle.first_flat,
            "last_flat": bundle.last_flat,
        }
        with override(cover["language"]):
            rendered = render.bundle_render(cover=cover, invoices=invoices, languages=languages)
        bundle.file.name = _write(f"{_folder(batch)}/bundle-{bundle.number:05d}.pdf", rendered.pdf)
        bundle.rows = _rows(bundle, invoices, rendered.pages)
        bundle.page_count = rendered.total_pages
        bundle.status = BundleStatus.DONE
        bundle.finished = timezone.now()
        bundle.save(update_fields=["file", "rows", "page_count", "status", "finished"])
        PrintBatch.objects.filter(pk=batch_id).update(receipts_done=F("receipts_done") + bundle.receipt_count)
    return True


# The manifest's columns, headed in the utility's first language.
MANIFEST_COLUMNS = [
    gettext_noop("Bundle"),
    gettext_noop("No. in bundle"),
    gettext_noop("Account number"),
    gettext_noop("Name"),
    gettext_noop("Address"),
    gettext_noop("Amount"),
    gettext_noop("Pages"),
]


def _manifest_csv(batch: PrintBatch) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_(label) for label in MANIFEST_COLUMNS])
    for rows in PrintBundle.objects.filter(batch=batch).order_by("number").values_list("rows", flat=True).iterator():
        writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")  # with a BOM, so that spreadsheets read UTF-8


@transaction.atomic
def print_batch_finish(*, batch_id: int, actor=None) -> PrintBatch:
    """Close a batch whose bundles are all rendered: write the manifest."""
    batch = PrintBatch.objects.select_for_update().select_related("run").get(pk=batch_id)
    if batch.status != BatchStatus.RUNNING:
        return batch
    if PrintBundle.objects.filter(batch=batch, status=BundleStatus.PENDING).exists():
        return batch
    profile = UtilityProfile.get()
    with override((profile.language_codes or ["en"])[0]):
        content = _manifest_csv(batch)
    batch.manifest.name = _write(f"{_folder(batch)}/manifest.csv", content)
    batch.page_count = sum(PrintBundle.objects.filter(batch=batch).values_list("page_count", flat=True))
    batch.finished = timezone.now()
    batch_set_status(batch, BatchStatus.DONE, actor=actor, data={"pages": batch.page_count})
    return batch


def print_batch_work(*, batch_id: int, actor=None) -> PrintBatch:
    """Render every pending bundle of the batch in this process, then close it."""
    while print_bundle_process(batch_id=batch_id):
        pass
    return print_batch_finish(batch_id=batch_id, actor=actor)


def print_batch(*, run: BillingRun, actor=None, bundle_size: int = rules.BUNDLE_SIZE) -> PrintBatch:
    """Start (or resume) the run's print batch and render it: with Celery workers on
    PostgreSQL the bundles are spread over them, otherwise they are rendered here."""
    batch = print_batch_start(run=run, actor=actor, bundle_size=bundle_size)
    if batch.status == BatchStatus.DONE:
        return batch
    if connection.vendor == "postgresql" and not settings.CELERY_TASK_ALWAYS_EAGER:
        for _n in range(max(1, getattr(settings, "PAPER_WORKERS", 2))):
            current_app.send_task(PRINT_BUNDLES_TASK, args=[batch.pk])
        return batch
    return print_batch_work(batch_id=batch.pk, actor=actor)

"""Paper receipts for the post: a print batch per published billing run.

Design overview. A PrintBatch holds the run's receipts for customers who get no invoice
e-mail (kabinet.paper.selectors.paper_recipients), in delivery order: building by
building, flats in natural order (rules.route_key). The batch is planned at once into
PrintBundles, one per building (a large building in several), each a PDF of its own with
a cover sheet for the postman. Bundles are rendered one per transaction by whichever
worker claims them (SKIP LOCKED): a bundle rendered is done for good, a crash leaves the
bundle it was rendering pending for the next worker, so the batch resumes where it
stopped. The CSV manifest is written from the bundles' rows when the last one is done.
Files live in private storage and are served to staff with the permission only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kabinet.utility.storage import private_storage


class BatchStatus(models.TextChoices):
    RUNNING = "running", _("Printing")
    DONE = "done", _("Ready")


BATCH_TRANSITIONS = {BatchStatus.RUNNING: {BatchStatus.DONE}, BatchStatus.DONE: set()}


class PrintBatch(models.Model):
    # One batch per run: starting it twice returns the first (services.print_batch_start).
    run = models.OneToOneField(
        "billing.BillingRun", on_delete=models.PROTECT, related_name="print_batch", verbose_name=_("billing run")
    )
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.RUNNING)
    created = models.DateTimeField(_("started"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started by"),
    )
    bundle_count = models.PositiveIntegerField(_("bundles"), default=0)
    receipt_count = models.PositiveIntegerField(_("receipts"), default=0)
    # Progress: receipts of the bundles done so far (moved in each bundle's transaction).
    receipts_done = models.PositiveIntegerField(_("receipts printed"), default=0)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    manifest = models.FileField(_("manifest"), storage=private_storage, max_length=200, blank=True)

    class Meta:
        verbose_name = _("print batch")
        verbose_name_plural = _("print batches")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(receipts_done__lte=models.F("receipt_count")), name="paper_batch_progress"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} ({self.status})"

    def can_become(self, status: str) -> bool:
        return status in BATCH_TRANSITIONS.get(self.status, set())

    @property
    def percent(self) -> int:
        if not self.receipt_count:
            return 100 if self.status == BatchStatus.DONE else 0
        return self.receipts_done * 100 // self.receipt_count


class BundleStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Printed")


class PrintBundle(models.Model):
    """One building's receipts (or a part of a large building's) in one PDF."""

    batch = models.ForeignKey(PrintBatch, on_delete=models.CASCADE, related_name="bundles")
    number = models.PositiveIntegerField(_("bundle"))
    building = models.ForeignKey(
        "customers.Building", on_delete=models.PROTECT, related_name="+", verbose_name=_("building")
    )
    address = models.CharField(_("address"), max_length=300)
    first_flat = models.CharField(_("first flat"), max_length=20, blank=True)
    last_flat = models.CharField(_("last flat"), max_length=20, blank=True)
    # The invoices in delivery order: planned once, so a resumed bundle prints the same.
    invoice_ids = models.JSONField(default=list)
    receipt_count = models.PositiveIntegerField(_("receipts"))
    status = models.CharField(_("status"), max_length=10, choices=BundleStatus.choices, default=BundleStatus.PENDING)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    file = models.FileField(_("file"), storage=private_storage, max_length=200, blank=True)
    # The manifest's rows of this bundle, written with its file.
    rows = models.JSONField(default=list, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("print bundle")
        verbose_name_plural = _("print bundles")
        ordering = ["batch", "number"]
        constraints = [models.UniqueConstraint(fields=["batch", "number"], name="paper_bundle_unique_number")]
        indexes = [models.Index(fields=["batch", "status"], name="paper_bundle_batch_status_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.number}"

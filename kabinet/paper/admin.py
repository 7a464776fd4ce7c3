"""The back office's pages of the paper receipts: from a published run's page, start its
print batch, follow its progress and download the bundles and the manifest. Each page is
behind a named permission (office_view); starting calls the service, nothing here
decides who gets paper or in what order."""

from django.contrib import admin, messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.billing.models import BillingRun, RunStatus
from kabinet.paper import selectors, services
from kabinet.paper.models import BatchStatus, PrintBatch, PrintBundle
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.office import office_view
from kabinet.utility.storage import private_storage

VIEW, ADD = "paper.view_printbatch", "paper.add_printbatch"


@admin.register(PrintBatch)
class PrintBatchAdmin(admin.ModelAdmin):
    list_display = ["run", "status", "receipts_done", "receipt_count", "bundle_count", "created", "created_by", "page"]
    list_filter = ["status"]
    list_select_related = ["run", "created_by"]
    search_fields = ["run__period"]
    actions = None

    def has_add_permission(self, request):
        return False  # started from the run's page, which calls the service

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("Receipts and files"))
    def page(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:paper_printbatch_run", args=[obj.run_id]), _("Open"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, object_id)
        if batch is None or not self.has_view_permission(request, batch):
            return super().change_view(request, object_id, form_url, extra_context)
        return redirect("admin:paper_printbatch_run", batch.run_id)

    def get_urls(self):
        site = self.admin_site
        return [
            path(
                "run/<int:run_id>/",
                office_view(site, self.run_view, perm=VIEW, post_perm=ADD),
                name="paper_printbatch_run",
            ),
            path(
                "<int:batch_id>/bundle/<int:number>/",
                office_view(site, self.bundle_download, perm=VIEW),
                name="paper_printbatch_bundle",
            ),
            path(
                "<int:batch_id>/manifest/",
                office_view(site, self.manifest_download, perm=VIEW),
                name="paper_printbatch_manifest",
            ),
            *super().get_urls(),
        ]

    def run_view(self, request, run_id: int):
        run = get_object_or_404(BillingRun, pk=run_id)
        if request.method == "POST":
            try:
                batch = services.print_batch(run=run, actor=request.user)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                if batch.status == BatchStatus.DONE:
                    messages.success(request, _("The paper receipts are ready."))
                else:
                    messages.info(request, _("Printing has started; this page shows its progress."))
            return redirect("admin:paper_printbatch_run", run.pk)
        batch = selectors.batch_for_run(run.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Paper receipts for %(period)s") % {"period": f"{run.period:%m.%Y}"},
            "opts": self.model._meta,
            "run": run,
            "batch": batch,
            "bundles": list(selectors.bundles_for_page(batch)) if batch else [],
            "can_start": request.user.has_perm(ADD) and run.status == RunStatus.PUBLISHED and batch is None,
            "published": run.status == RunStatus.PUBLISHED,
            "recipients": selectors.paper_recipient_count(run_id=run.pk)
            if batch is None and run.status == RunStatus.PUBLISHED
            else None,
        }
        return TemplateResponse(request, "admin/paper/batch.html", context)

    def bundle_download(self, request, batch_id: int, number: int):
        bundle = get_object_or_404(
            PrintBundle.objects.only("file", "number", "batch__run__period").select_related("batch__run"),
            batch_id=batch_id,
            number=number,
        )
        name = f"receipts-{bundle.batch.run.period:%Y-%m}-{bundle.number:05d}.pdf"
        return _serve(bundle.file.name, name, "application/pdf")

    def manifest_download(self, request, batch_id: int):
        batch = get_object_or_404(PrintBatch.objects.select_related("run"), pk=batch_id)
        return _serve(batch.manifest.name, f"receipts-{batch.run.period:%Y-%m}-manifest.csv", "text/csv; charset=utf-8")


def _serve(stored: str, filename: str, content_type: str) -> FileResponse:
    """A private file to the staff member who may see it (never by a public URL)."""
    storage = private_storage()
    if not stored or not storage.exists(stored):
        raise Http404
    return FileResponse(storage.open(stored, "rb"), as_attachment=True, filename=filename, content_type=content_type)

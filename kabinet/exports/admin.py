"""The back office's exports: the page listing what this utility can export for a month
(the ГИС ЖКХ templates for a Russian utility, the UBL e-invoices for a Latvian one) with
their downloads, the UBL of one invoice (linked from the invoice's page) and a ZIP of a
run's UBL invoices; and the list of customers who receive e-invoices. Every page is behind
exports.view_exports (office_view); the files are built by the modules they name."""

import datetime as dt

from django.contrib import admin
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kabinet.billing.models import BillingRun, Invoice, InvoiceStatus, RunStatus
from kabinet.exports import gis, selectors, ubl
from kabinet.exports.models import EInvoiceRecipient, Exports
from kabinet.lib.periods import add_months, month_start
from kabinet.utility.models import UtilityProfile
from kabinet.utility.office import office_view

PERM = "exports.view_exports"


def period_from(value: str | None) -> dt.date:
    """ "YYYY-MM" from the page's month field; the previous month (the one billed last)
    when empty or wrong."""
    try:
        return dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return add_months(month_start(timezone.localdate()), -1)


@admin.register(EInvoiceRecipient)
class EInvoiceRecipientAdmin(admin.ModelAdmin):
    list_display = ["customer", "scheme", "endpoint", "enabled", "created"]
    list_filter = ["enabled", "scheme"]
    list_select_related = ["customer"]
    search_fields = ["customer__client_code", "customer__organisation_name", "endpoint"]
    raw_id_fields = ["customer"]

    # --- the exports page and its downloads (Exports, a model without a table, holds
    # their permission; the page is linked from the back office's home page) -----------
    def get_urls(self):
        site = self.admin_site
        return [
            path("page/", office_view(site, self.page_view, perm=PERM), name="exports_page"),
            path("gis/<slug:slug>/", office_view(site, self.gis_download, perm=PERM), name="exports_gis"),
            path(
                "invoice/<int:pk>/ubl/", office_view(site, self.invoice_download, perm=PERM), name="exports_invoice_ubl"
            ),
            path("run/<int:pk>/ubl/", office_view(site, self.run_download, perm=PERM), name="exports_run_ubl"),
            *super().get_urls(),
        ]

    @staticmethod
    def _is_rub() -> bool:
        return UtilityProfile.get().currency == "RUB"

    @method_decorator(require_GET)
    def page_view(self, request):
        period = period_from(request.GET.get("period"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("State exports and e-invoices"),
            "opts": Exports._meta,
            "period": period,
            "is_rub": self._is_rub(),
        }
        if context["is_rub"]:
            context["templates"] = [
                (t, f"{reverse('admin:exports_gis', args=[t.slug])}?period={period:%Y-%m}") for t in gis.TEMPLATES
            ]
        else:
            einvoiced = Q(invoices__status=InvoiceStatus.ISSUED, invoices__account__customer__einvoice__enabled=True)
            context["runs"] = list(
                BillingRun.objects.filter(period=period, status=RunStatus.PUBLISHED).annotate(
                    einvoices=Count("invoices", filter=einvoiced)
                )
            )
            context["recipients"] = EInvoiceRecipient.objects.filter(enabled=True).count()
        return TemplateResponse(request, "admin/exports/index.html", context)

    @staticmethod
    def _file(content: bytes, name: str, content_type: str) -> HttpResponse:
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @method_decorator(require_GET)
    def gis_download(self, request, slug: str):
        if slug not in gis.BY_SLUG or not self._is_rub():
            raise Http404
        period = period_from(request.GET.get("period"))
        content = selectors.gis_workbook(slug, period)
        return self._file(content, f"{slug}-{period:%Y-%m}.xlsx", gis.XLSX_TYPE)

    @method_decorator(require_GET)
    def invoice_download(self, request, pk: int):
        invoice = get_object_or_404(
            Invoice.objects.select_related("account__customer", "account__premises__building"),
            pk=pk,
            status=InvoiceStatus.ISSUED,
        )
        return self._file(ubl.invoice_ubl(invoice), f"{invoice.number}.xml", "application/xml")

    @method_decorator(require_GET)
    def run_download(self, request, pk: int):
        run = get_object_or_404(BillingRun, pk=pk, status=RunStatus.PUBLISHED)
        content, _count = ubl.run_ubl_zip(run.pk)
        return self._file(content, f"ubl-{run.period:%Y-%m}.zip", "application/zip")

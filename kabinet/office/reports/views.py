"""The reports' pages in the back office: the dashboard, each report with its filters,
and its CSV and XLSX exports (the same rows, every one of them).

Behind office.view_reports (office_view); registered on the back office's site
(OfficeSite.get_urls). A page shows the first PAGE_ROWS rows with the totals of all of
them; the exports have them all.
"""

import datetime as dt
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kabinet.office.reports import billing, consumption, debtors, payments, readings, turnover
from kabinet.office.reports.columns import DATE, INT, MONEY, MONTH, QTY, Column, Report
from kabinet.office.reports.dashboard import dashboard
from kabinet.office.reports.export import XLSX_TYPE, csv_bytes, xlsx_bytes
from kabinet.office.reports.filters import BUILDING, PERIOD, SERVICE, STREET, ReportForm
from kabinet.utility.models import UtilityProfile
from kabinet.utility.office import office_view

PERM = "office.view_reports"
PAGE_ROWS = 500

REPORTS = (
    Report(
        "debtors",
        _("Debtors"),
        _(
            "Accounts with overdue debt at the end of the month (today for the current month), by how many "
            "days it is past its due date, and the penalties in it. Payments cover the oldest debt first."
        ),
        (PERIOD, BUILDING, STREET),
        debtors.columns,
        debtors.rows,
        debtors.totals,
    ),
    Report(
        "billing",
        _("Billing summary"),
        _("The month's invoice lines by service and tariff, beside the previous month's."),
        (PERIOD, SERVICE, BUILDING, STREET),
        billing.columns,
        billing.rows,
        billing.totals,
    ),
    Report(
        "readings",
        _("Readings by channel"),
        _("Readings that count for the month, by the day they arrived and the channel they came by."),
        (PERIOD, SERVICE, BUILDING, STREET),
        readings.columns,
        readings.rows,
        readings.totals,
    ),
    Report(
        "consumption",
        _("Consumption by building"),
        _("What the month's invoices charged per building and service, from the apartments' lines."),
        (PERIOD, SERVICE, BUILDING, STREET),
        consumption.columns,
        consumption.rows,
        consumption.totals,
    ),
    Report(
        "payments",
        _("Payments by day"),
        _("Payments received in the month by day, channel and bank file."),
        (PERIOD, BUILDING, STREET),
        payments.columns,
        payments.rows,
        payments.totals,
    ),
    Report(
        "turnover",
        _("Turnover"),
        _("Charged, paid and the balance at the end of each of the twelve months up to the chosen one."),
        (PERIOD, BUILDING, STREET),
        turnover.columns,
        turnover.rows,
        turnover.totals,
    ),
)
BY_SLUG = {report.slug: report for report in REPORTS}


def report_urls(admin_site) -> list:
    return [
        path("reports/", office_view(admin_site, dashboard_view, perm=PERM), name="reports"),
        path("reports/<slug:slug>/", office_view(admin_site, report_view, perm=PERM), name="report"),
    ]


# --- showing a cell ---------------------------------------------------------------------


def shown(value, kind: str) -> str:
    """A cell as the page shows it, in the language's number and date format."""
    if value is None or value == "":
        return ""
    if kind == MONEY:
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if kind == QTY:
        plain = value.normalize() if isinstance(value, Decimal) else value
        if isinstance(plain, Decimal) and plain == plain.to_integral():
            plain = plain.quantize(Decimal(1))  # 1E+2 -> 100
        return formats.number_format(plain, use_l10n=True, force_grouping=True)
    if kind == INT:
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if kind == DATE and isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if kind == MONTH and isinstance(value, dt.date):
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    return str(value)


def table(columns: list[Column], rows) -> list[list[tuple[str, bool]]]:
    return [[(shown(getattr(row, c.key), c.kind), c.numeric) for c in columns] for row in rows]


# --- the pages ----------------------------------------------------------------------------


def _context(request: HttpRequest, title, **extra) -> dict:
    from django.contrib import admin

    return {
        **admin.site.each_context(request),
        "title": title,
        "reports": REPORTS,
        "currency": UtilityProfile.get().currency,
        **extra,
    }


@require_GET
def report_view(request: HttpRequest, slug: str) -> HttpResponse:
    report = BY_SLUG.get(slug)
    if report is None:
        raise Http404
    form = ReportForm(request.GET or None, fields=report.filters)
    filters = form.filters()
    columns = report.columns()
    rows = report.rows(filters)
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        name = f"{report.slug}-{filters.period:%Y-%m}.{export}"
        if export == "csv":
            response = HttpResponse(csv_bytes(columns, rows), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(xlsx_bytes(str(report.title), columns, rows), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    query = request.GET.copy()
    query.pop("export", None)
    return TemplateResponse(
        request,
        "admin/reports/report.html",
        _context(
            request,
            report.title,
            report=report,
            form=form,
            filters=filters,
            columns=columns,
            rows=table(columns, rows[:PAGE_ROWS]),
            total_rows=len(rows),
            shown_rows=min(len(rows), PAGE_ROWS),
            totals=table(columns, [report.totals(rows)])[0] if report.totals and rows else None,
            window=readings.window(filters) if report.slug == "readings" else None,
            csv_url=_export_url(slug, query, "csv"),
            xlsx_url=_export_url(slug, query, "xlsx"),
        ),
    )


def _export_url(slug: str, query, export: str) -> str:
    query = query.copy()
    query["export"] = export
    return f"{reverse('admin:report', args=[slug])}?{query.urlencode()}"


@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.GET or None, fields=(PERIOD, BUILDING, STREET))
    filters = form.filters()
    return TemplateResponse(
        request,
        "admin/reports/dashboard.html",
        _context(
            request, _("Reports"), form=form, filters=filters, board=dashboard(filters), query=request.GET.urlencode()
        ),
    )

"""Reads of the print batch: who gets paper, the invoices of a bundle, the batch page."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from kabinet.billing.models import Invoice, InvoiceLine, InvoiceStatus
from kabinet.customers.models import AccessRole, AccountAccess, MailPreference
from kabinet.notifications.models import MailKind
from kabinet.paper.models import PrintBatch, PrintBundle
from kabinet.paper.rules import Recipient


def _invoice_mail_goes_out():
    """The account has a login that receives its invoice by e-mail: the same rule as
    kabinet.billing.selectors.invoice_mail_recipients (a login that may see invoices, is
    active, has an address and did not turn invoice mail off), as a subquery."""
    opted_out = MailPreference.objects.filter(user_id=OuterRef("user_id"), kind=MailKind.INVOICE, enabled=False)
    return Exists(
        AccountAccess.objects.filter(
            account_id=OuterRef("account_id"),
            role__in=[AccessRole.HOLDER, AccessRole.READINGS_INVOICES],
            user__is_active=True,
        )
        .exclude(user__email="")
        .filter(~Exists(opted_out))
    )


def paper_recipients(*, run_id: int) -> list[Recipient]:
    """The run's issued invoices whose account gets no invoice e-mail, with the address
    parts the route is sorted by: one query (the route order is rules.route_key's)."""
    rows = (
        Invoice.objects.filter(run_id=run_id, status=InvoiceStatus.ISSUED)
        .filter(~_invoice_mail_goes_out())
        .values_list(
            "id",
            "account__premises__building_id",
            "account__premises__building__city",
            "account__premises__building__street",
            "account__premises__building__house",
            "account__premises__building__postcode",
            "account__premises__apartment",
        )
    )
    return [Recipient(*row) for row in rows.iterator(chunk_size=5000)]


def invoices_for_print(invoice_ids: list[int]) -> list[Invoice]:
    """The invoices of one bundle with everything their receipts show, in the bundle's
    order: three queries whatever their number."""
    lines = InvoiceLine.objects.select_related("service").order_by("id")
    by_id = (
        Invoice.objects.select_related("account__customer", "account__premises__building")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .in_bulk(invoice_ids)
    )
    return [by_id[pk] for pk in invoice_ids if pk in by_id]


def batch_for_run(run_id: int) -> PrintBatch | None:
    return PrintBatch.objects.select_related("run", "created_by").filter(run_id=run_id).first()


def bundles_for_page(batch: PrintBatch) -> QuerySet[PrintBundle]:
    """The bundle list of the batch page, without the planned ids and manifest rows."""
    return (
        PrintBundle.objects.filter(batch=batch)
        .only(
            "id",
            "batch_id",
            "number",
            "address",
            "first_flat",
            "last_flat",
            "receipt_count",
            "status",
            "page_count",
            "file",
        )
        .order_by("number")
    )


def paper_recipient_count(*, run_id: int) -> int:
    """How many receipts a batch of the run would print (the start page shows it)."""
    return Invoice.objects.filter(run_id=run_id, status=InvoiceStatus.ISSUED).filter(~_invoice_mail_goes_out()).count()

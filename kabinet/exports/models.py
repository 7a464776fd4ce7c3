"""Exports to the state and to other systems: the UBL e-invoices (Peppol BIS Billing 3.0,
Latvia) and the ГИС ЖКХ Excel upload templates (Russia).

Design overview. Nothing here changes money: every export reads the published invoices,
meters, readings and payments and writes a file. The only data of its own is who takes
invoices as UBL (EInvoiceRecipient): an organisation customer with a Peppol participant
identifier, kept here rather than on the customer, as the customers app knows nothing of
e-invoicing. Exports (no table) holds the permission to open the exports page.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import Customer


class Exports(models.Model):
    """No table: the holder of the permission to open the exports page and download the
    files, which read across billing, meters and payments and belong to no one model."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_exports", _("Can download exports for the state and e-invoices"))]
        verbose_name = _("exports page")
        verbose_name_plural = _("exports pages")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class EInvoiceRecipient(models.Model):
    """An organisation that receives its invoices as UBL over Peppol: public bodies now,
    every business from 2028. The endpoint is its Peppol participant identifier: an EAS
    scheme code (0218: Latvian unified registration number, 9939: Latvian VAT number)
    and the identifier in that scheme."""

    customer = models.OneToOneField(
        Customer,
        on_delete=models.CASCADE,
        related_name="einvoice",
        verbose_name=_("customer"),
        limit_choices_to={"kind": "organisation"},  # a household bill needs no e-invoice
    )
    scheme = models.CharField(
        _("endpoint scheme"),
        max_length=4,
        default="0218",
        help_text=_("The EAS code of the Peppol identifier: 0218 registration number, 9939 VAT number."),
    )
    endpoint = models.CharField(_("endpoint identifier"), max_length=50)
    enabled = models.BooleanField(_("sends invoices as UBL"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("e-invoice recipient")
        verbose_name_plural = _("e-invoice recipients")
        ordering = ["customer__client_code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(scheme__regex=r"^[0-9]{4}$"), name="einvoice_scheme_4_digits"),
            models.CheckConstraint(condition=~models.Q(endpoint=""), name="einvoice_endpoint_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.endpoint}"

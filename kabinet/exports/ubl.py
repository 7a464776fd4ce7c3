"""The invoice as UBL 2.1 XML following Peppol BIS Billing 3.0 (EN 16931), for customers
that receive e-invoices (EInvoiceRecipient): public bodies in Latvia now, every business
from 2028.

What goes where (the invoice requisites of the Latvian VAT law s.125 in EN 16931 terms):
the seller is the UtilityProfile (legal name, registration and VAT numbers, address, IBAN
and BIC), the buyer the account's customer with the premises' address, one InvoiceLine per
invoice line, the VAT breakdown per rate (rules.vat_breakdown) and payment means 58 (SEPA
credit transfer) to the utility's IBAN with the same ISO 11649 RF reference the receipt
prints (kabinet.lib.reference.rf_reference of the account number, which bank statements
are matched by). Elements are written in the order the UBL 2.1 schema requires.
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

from lxml import etree

from kabinet.billing.models import Invoice, InvoiceStatus
from kabinet.exports import rules
from kabinet.exports.models import EInvoiceRecipient
from kabinet.lib.periods import month_end
from kabinet.lib.reference import rf_reference
from kabinet.utility.models import UtilityProfile

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NSMAP = {None: NS_INVOICE, "cac": NS_CAC, "cbc": NS_CBC}

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_TYPE = "380"  # commercial invoice (UNCL1001)
SEPA_CREDIT_TRANSFER = "58"  # UNCL4461
# The seller's own Peppol identifier: the Latvian unified registration number (EAS 0218).
SELLER_SCHEME = "0218"
# Both reference utilities that send e-invoices are Latvian; the country of the
# addresses is the utility's (EUR deployments here are Latvian).
COUNTRY = "LV"


def _cbc(parent, name: str, text, **attrs):
    element = etree.SubElement(parent, f"{{{NS_CBC}}}{name}", {k: str(v) for k, v in attrs.items()})
    element.text = str(text)
    return element


def _cac(parent, name: str):
    return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")


def _amount(parent, name: str, value: Decimal, currency: str):
    return _cbc(parent, name, f"{rules.money(value):.2f}", currencyID=currency)


def _decimal(value: Decimal) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _tax_category(parent, name: str, category: str, rate: Decimal):
    element = _cac(parent, name)
    _cbc(element, "ID", category)
    _cbc(element, "Percent", _decimal(rate))
    _cbc(_cac(element, "TaxScheme"), "ID", "VAT")
    return element


def _address(party, street: str, city: str = "", postcode: str = ""):
    address = _cac(party, "PostalAddress")
    if street:
        _cbc(address, "StreetName", street)
    if city:
        _cbc(address, "CityName", city)
    if postcode:
        _cbc(address, "PostalZone", postcode)
    _cbc(_cac(address, "Country"), "IdentificationCode", COUNTRY)


def _seller(root, profile: UtilityProfile):
    party = _cac(_cac(root, "AccountingSupplierParty"), "Party")
    if profile.registration_number:
        _cbc(party, "EndpointID", profile.registration_number, schemeID=SELLER_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", profile.name)
    _address(party, profile.address)
    if profile.vat_number:
        tax = _cac(party, "PartyTaxScheme")
        _cbc(tax, "CompanyID", profile.vat_number)
        _cbc(_cac(tax, "TaxScheme"), "ID", "VAT")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", profile.legal_name or profile.name)
    if profile.registration_number:
        _cbc(legal, "CompanyID", profile.registration_number)


def _buyer(root, invoice: Invoice, recipient: EInvoiceRecipient | None):
    customer = invoice.account.customer
    building = invoice.account.premises.building
    party = _cac(_cac(root, "AccountingCustomerParty"), "Party")
    if recipient is not None:
        _cbc(party, "EndpointID", recipient.endpoint, schemeID=recipient.scheme)
    elif customer.registration_number:
        _cbc(party, "EndpointID", customer.registration_number, schemeID=SELLER_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", customer.display_name)
    flat = f"-{invoice.account.premises.apartment}" if invoice.account.premises.apartment else ""
    _address(party, f"{building.street} {building.house}{flat}", building.city, building.postcode)
    if customer.vat_number:
        tax = _cac(party, "PartyTaxScheme")
        _cbc(tax, "CompanyID", customer.vat_number)
        _cbc(_cac(tax, "TaxScheme"), "ID", "VAT")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", customer.display_name)
    if customer.registration_number:
        _cbc(legal, "CompanyID", customer.registration_number)


def _line_name(line) -> str:
    if line.service_id:
        return line.service.name_lv or line.service.code
    return line.description or line.get_kind_display()


def invoice_ubl(invoice: Invoice, *, recipient: EInvoiceRecipient | None = None) -> bytes:
    """The invoice as a Peppol BIS Billing 3.0 UBL document (UTF-8 XML bytes). The caller
    selects the account, customer, premises and lines (ubl_invoices() does for a run)."""
    profile = UtilityProfile.get()
    currency = profile.currency
    if recipient is None:
        recipient = EInvoiceRecipient.objects.filter(customer_id=invoice.account.customer_id).first()
    lines = list(invoice.lines.all())
    breakdown = rules.vat_breakdown([(line.vat_rate, line.amount, line.vat) for line in lines])
    totals = rules.totals(breakdown)

    root = etree.Element(f"{{{NS_INVOICE}}}Invoice", nsmap=NSMAP)
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", invoice.number or f"DRAFT-{invoice.pk}")
    _cbc(root, "IssueDate", invoice.issued_on.isoformat())
    _cbc(root, "DueDate", invoice.due_on.isoformat())
    _cbc(root, "InvoiceTypeCode", INVOICE_TYPE)
    _cbc(root, "DocumentCurrencyCode", currency)
    # PEPPOL-EN16931-R003: a buyer reference or an order reference; the account number is
    # what the buyer's accounts payable knows the contract by.
    _cbc(root, "BuyerReference", invoice.account.number)
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", invoice.period.isoformat())
    _cbc(period, "EndDate", month_end(invoice.period).isoformat())
    _seller(root, profile)
    _buyer(root, invoice, recipient)

    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", SEPA_CREDIT_TRANSFER)
    _cbc(means, "PaymentID", rf_reference(invoice.account.number))
    if profile.iban:
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", profile.iban.replace(" ", ""))
        _cbc(account, "Name", (profile.legal_name or profile.name)[:70])
        if profile.bic:
            _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", profile.bic)

    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", totals.tax, currency)
    for row in breakdown:
        subtotal = _cac(tax_total, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", row.taxable, currency)
        _amount(subtotal, "TaxAmount", row.tax, currency)
        _tax_category(subtotal, "TaxCategory", row.category, row.rate)

    monetary = _cac(root, "LegalMonetaryTotal")
    _amount(monetary, "LineExtensionAmount", totals.line_extension, currency)
    _amount(monetary, "TaxExclusiveAmount", totals.tax_exclusive, currency)
    _amount(monetary, "TaxInclusiveAmount", totals.tax_inclusive, currency)
    _amount(monetary, "PayableAmount", totals.payable, currency)

    for number, line in enumerate(lines, start=1):
        shown = rules.line_quantity_price(line.quantity, line.price, line.amount)
        element = _cac(root, "InvoiceLine")
        _cbc(element, "ID", number)
        unit = rules.unit_code(line.unit) if shown.quantity == line.quantity else "C62"
        _cbc(element, "InvoicedQuantity", _decimal(shown.quantity), unitCode=unit)
        _amount(element, "LineExtensionAmount", shown.amount, currency)
        item = _cac(element, "Item")
        _cbc(item, "Name", _line_name(line)[:100])
        _tax_category(item, "ClassifiedTaxCategory", rules.vat_category(line.vat_rate), line.vat_rate)
        price = _cac(element, "Price")
        _cbc(price, "PriceAmount", _decimal(shown.price), currencyID=currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- a run's e-invoices ------------------------------------------------------------------


def einvoice_invoices(run_id: int):
    """The issued invoices of a run whose customers receive UBL, with what the XML reads
    (a constant number of queries whatever their number)."""
    return (
        Invoice.objects.filter(
            run_id=run_id,
            status=InvoiceStatus.ISSUED,
            account__customer__einvoice__enabled=True,
        )
        .select_related("account__customer__einvoice", "account__premises__building")
        .prefetch_related("lines__service")
        .order_by("number")
    )


def run_ubl_zip(run_id: int) -> tuple[bytes, int]:
    """One ZIP of the run's UBL invoices (<number>.xml each) and how many it holds."""
    buffer = io.BytesIO()
    count = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for invoice in einvoice_invoices(run_id):
            recipient = invoice.account.customer.einvoice
            archive.writestr(f"{invoice.number}.xml", invoice_ubl(invoice, recipient=recipient))
            count += 1
    return buffer.getvalue(), count

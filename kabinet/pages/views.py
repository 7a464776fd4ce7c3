"""The public pages under /info/: no login, in the visitor's language."""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from kabinet.pages import selectors
from kabinet.pages.models import Document, PageKind
from kabinet.pages.services import PDF


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/index.html", {"pages": list(selectors.pages_published()[:100])})


@require_safe
def page_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = selectors.page_published(slug)
    if page is None:
        raise Http404
    context = {"page": page}
    if page.kind == PageKind.TARIFFS:
        context["tariffs"] = selectors.tariffs_in_force()
    elif page.kind == PageKind.READINGS:
        context["channels"] = selectors.readings_channels()
    if page.kind in selectors.PAGE_DOCUMENTS:
        context["show_documents"] = True
        context["documents"] = selectors.documents_published(selectors.PAGE_DOCUMENTS[page.kind])
    return render(request, "pages/page.html", context)


@require_safe
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    document = get_object_or_404(Document.objects.published(), pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    # Stored only after document_check() sniffed a PDF; the name is the title, not the upload's.
    response = FileResponse(handle, content_type=PDF, filename=f"{document.token}.pdf")
    response["Content-Disposition"] = f'inline; filename="{document.token}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response

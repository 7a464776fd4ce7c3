from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from kabinet.api.main import api


def healthz(request):
    """A bare view: load balancers' liveness probe, and the benchmarks' ceiling."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("office/", admin.site.urls),
    path("", include("kabinet.portal.urls")),
]

# The product's pages, also with DEBUG on (kabinet/portal/errors.py).
handler404 = "kabinet.portal.errors.page_not_found"
handler500 = "kabinet.portal.errors.server_error"

from django.contrib import admin
from django.urls import include, path

from kabinet.api.main import api
from kabinet.health import healthz, readyz
from kabinet.observability.metrics import metrics

urlpatterns = [
    # Probes: answered by kabinet.health.HealthCheckMiddleware before the other middleware;
    # listed here so that they resolve (and reverse) like any other page.
    path("healthz", healthz),
    path("readyz", readyz),
    # Prometheus: answered by kabinet.observability.metrics.MetricsMiddleware the same way.
    path("metrics", metrics),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("office/", admin.site.urls),
    path("telegram/", include("kabinet.telegram.urls")),
    path("ivr/", include("kabinet.ivr.urls")),
    path("identity/", include("kabinet.identity.urls")),
    path("info/", include("kabinet.pages.urls")),
    path("autopay/", include("kabinet.autopay.urls")),  # automatic payment with a saved card
    path("inspection/", include("kabinet.inspection.urls")),  # the inspector's phone pages
    path("", include("kabinet.portal.urls")),
]

# The product's pages, also with DEBUG on (kabinet/portal/errors.py).
handler404 = "kabinet.portal.errors.page_not_found"
handler500 = "kabinet.portal.errors.server_error"

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from kabinet.api.main import api
from kabinet.customers.admin import OfficeLoginForm

admin.site.site_header = _("Kabinet back office")
admin.site.site_title = _("Kabinet back office")
admin.site.index_title = _("Back office")
admin.site.login_form = OfficeLoginForm  # throttled like the portal's login


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

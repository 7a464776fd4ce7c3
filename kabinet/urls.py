from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Kabinet back office")
admin.site.site_title = _("Kabinet back office")
admin.site.index_title = _("Back office")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("office/", admin.site.urls),
    path("", include("kabinet.portal.urls")),
]

from django.contrib import admin
from django.urls import path

from kabinet.inspection import views
from kabinet.inspection.selectors import RECORD_PERM
from kabinet.utility.office import office_view

app_name = "inspection"


def _inspector(view):
    # The back office's login and second factor, and the permission to record checks.
    return office_view(admin.site, view, perm=RECORD_PERM, post_perm=RECORD_PERM)


urlpatterns = [
    # The inspector's phone pages (/inspection/)
    path("", _inspector(views.today), name="today"),
    path("routes/<int:pk>/", _inspector(views.route), name="route"),
    path("stops/<int:pk>/", _inspector(views.stop_record), name="stop"),
]

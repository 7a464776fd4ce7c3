from django.urls import path

from kabinet.pages import views

app_name = "pages"

urlpatterns = [
    # The utility's public pages (/info/): no login
    path("", views.index, name="index"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("<slug:slug>/", views.page_detail, name="page"),
]

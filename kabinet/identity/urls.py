from django.urls import path

from kabinet.identity import views

app_name = "identity"

urlpatterns = [
    # Sign-in with an external identity (OpenID Connect): kabinet/identity/views.py
    path("link/", views.link, name="link"),
    path("linked/<int:pk>/unlink/", views.unlink, name="unlink"),
    path("<slug:provider>/start/", views.start, name="start"),
    path("<slug:provider>/callback/", views.callback, name="callback"),
]

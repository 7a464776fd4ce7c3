from django.urls import path

from kabinet.autopay import views

app_name = "autopay"

urlpatterns = [
    # The customer's automatic payment (kabinet/autopay/views.py), under /autopay/
    path("", views.home, name="home"),
    path("return/<uuid:online_id>/", views.setup_return, name="return"),
    path("<int:pk>/stop/", views.stop, name="stop"),
]

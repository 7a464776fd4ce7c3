from django.urls import path

from kabinet.portal import views

app_name = "portal"

urlpatterns = [
    # Access
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    # The customer's cabinet
    path("", views.dashboard, name="dashboard"),
    path("account/choose/", views.account_choose, name="account-choose"),
]

from django.urls import path

from kabinet.portal import payments, views

app_name = "portal"

urlpatterns = [
    # Access
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    # The customer's cabinet
    path("", views.dashboard, name="dashboard"),
    path("account/choose/", views.account_choose, name="account-choose"),
    # Payments (kabinet/portal/payments.py)
    path("payments/", payments.history, name="payment-history"),
    path("payments/pay/", payments.pay, name="pay"),
    path("payments/return/<uuid:online_id>/", payments.pay_return, name="pay-return"),
    path("payments/notify/<slug:provider>/", payments.notify, name="payment-notify"),
    path("pay/sandbox/<str:charge_id>/", payments.sandbox_page, name="sandbox-page"),
]

from django.urls import path

from kabinet.portal import readings, views

app_name = "portal"

urlpatterns = [
    # Access
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    # The customer's cabinet
    path("", views.dashboard, name="dashboard"),
    path("account/choose/", views.account_choose, name="account-choose"),
    # Meter readings (kabinet/portal/readings.py)
    path("readings/", readings.readings_form, name="readings"),
    path("readings/receipt/", readings.readings_receipt, name="readings-receipt"),
    path("readings/history/", readings.readings_history_view, name="readings-history"),
    path("readings/history.csv", readings.readings_history_csv, name="readings-history-csv"),
    path("readings/meter/<int:meter_id>/", readings.meter_detail, name="meter-detail"),
    path("readings/api-tokens/", readings.api_tokens, name="api-tokens"),
    path("readings/api-tokens/<int:token_id>/revoke/", readings.api_token_revoke_view, name="api-token-revoke"),
]

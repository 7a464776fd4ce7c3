from django.urls import path

from kabinet.telegram import views

app_name = "telegram"

urlpatterns = [
    # The Bot API posts updates here (setWebhook with secret_token); see kabinet/telegram/views.py.
    path("webhook/<str:secret>/", views.webhook, name="webhook"),
]

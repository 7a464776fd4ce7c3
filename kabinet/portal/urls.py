from django.urls import path

from kabinet.portal import access, billing, news, payments, pwa, readings, reception, servicedesk, settings_pages, views
from kabinet.portal.developers import developers
from kabinet.privacy import views as privacy
from kabinet.telegram import views as telegram_views

app_name = "portal"

urlpatterns = [
    # Access: login, registration, activation, passwords (kabinet/portal/access.py)
    path("login/", access.login, name="login"),
    path("logout/", access.logout, name="logout"),
    path("register/", access.register, name="register"),
    path("register/sent/", access.register_sent, name="register-sent"),
    path("register/application/", access.application, name="application"),
    path("register/application/sent/", access.application_sent, name="application-sent"),
    path("activate/resend/", access.activation_resend, name="activation-resend"),
    path("activate/code/", access.activate_code, name="activate-code"),
    path("activate/<str:token>/", access.activate, name="activate"),
    path("password/reset/", access.password_reset, name="password-reset"),
    path("password/reset/sent/", access.password_reset_sent, name="password-reset-sent"),
    path("password/reset/<str:token>/", access.password_reset_confirm, name="password-reset-confirm"),
    path("email/confirm/<str:token>/", access.email_confirm, name="email-confirm"),
    path("invitation/<str:token>/", access.invitation_accept, name="invitation-accept"),
    # Access: the logged-in customer's login, premises and co-users
    path("access/", access.access_home, name="access"),
    path("access/password/", access.password_change, name="password-change"),
    path("access/email/", access.email_change, name="email-change"),
    path("access/premises/add/", access.premises_add, name="premises-add"),
    path("access/invite/", access.invite, name="invite"),
    path("access/people/<int:pk>/revoke/", access.access_revoke, name="access-revoke"),
    path("access/invitations/<int:pk>/revoke/", access.invitation_revoke, name="invitation-revoke"),
    # The customer's cabinet
    path("", views.dashboard, name="dashboard"),
    path("account/choose/", views.account_choose, name="account-choose"),
    # --- service requests, news and outages, reception, notification settings (servicedesk branch) ---
    path("requests/", servicedesk.request_list, name="requests"),
    path("requests/new/", servicedesk.request_new, name="request-new"),
    path("requests/<int:pk>/", servicedesk.request_detail, name="request-detail"),
    path("requests/<int:pk>/comment/", servicedesk.request_comment, name="request-comment"),
    path("requests/<int:pk>/rate/", servicedesk.request_rating, name="request-rate"),
    path("requests/<int:pk>/reopen/", servicedesk.request_reopen_view, name="request-reopen"),
    path("requests/<int:pk>/photos/<int:photo_pk>/", servicedesk.request_photo, name="request-photo"),
    path("news/", news.news_list, name="news"),
    path("news/<int:pk>/", news.news_detail, name="news-detail"),
    path("news/<int:pk>/image/", news.news_image, name="news-image"),
    path("news/rss/", news.NewsFeed(), name="news-rss"),
    path("news/atom/", news.NewsAtomFeed(), name="news-atom"),
    path("outages/", news.outages, name="outages"),
    path("outages/atom/", news.OutagesFeed(), name="outages-atom"),
    path("contacts/", reception.contacts, name="contacts"),
    path("messages/", reception.message_list, name="reception-messages"),
    path("messages/<int:pk>/", reception.message_detail, name="reception-detail"),
    path("messages/<int:pk>/reply/", reception.message_reply, name="reception-reply"),
    path("settings/notifications/", settings_pages.notification_settings, name="notification-settings"),
    path("settings/telegram/", telegram_views.telegram_link, name="telegram"),
    path("unsubscribe/<str:token>/", settings_pages.unsubscribe, name="unsubscribe"),
    # Privacy and my data: the notice is public, the rest the login's own (kabinet/privacy/views.py)
    path("privacy/", privacy.policy, name="privacy-policy"),
    path("settings/privacy/", privacy.privacy_home, name="privacy"),
    path("settings/privacy/export/", privacy.export_request, name="privacy-export"),
    path("settings/privacy/export/<str:token>/", privacy.export_download, name="privacy-download"),
    path("settings/privacy/correction/", privacy.correction_new, name="privacy-correction"),
    path("settings/privacy/erasure/", privacy.erasure, name="privacy-erasure"),
    path("settings/privacy/erasure/cancel/", privacy.erasure_cancel, name="privacy-erasure-cancel"),
    # --- end servicedesk branch ---
    # Meter readings (kabinet/portal/readings.py)
    path("readings/", readings.readings_form, name="readings"),
    path("readings/receipt/", readings.readings_receipt, name="readings-receipt"),
    path("readings/photo/", readings.readings_photo_upload, name="readings-photo"),
    path("readings/photos/<int:photo_id>/", readings.reading_photo, name="reading-photo"),
    path("readings/history/", readings.readings_history_view, name="readings-history"),
    path("readings/history.csv", readings.readings_history_csv, name="readings-history-csv"),
    path("readings/meter/<int:meter_id>/", readings.meter_detail, name="meter-detail"),
    path("readings/api-tokens/", readings.api_tokens, name="api-tokens"),
    path("readings/api-tokens/<int:token_id>/revoke/", readings.api_token_revoke_view, name="api-token-revoke"),
    path("readings/api-tokens/developers/", developers, name="developers"),
    # Payments (kabinet/portal/payments.py)
    path("payments/", payments.history, name="payment-history"),
    path("payments/pay/", payments.pay, name="pay"),
    path("payments/return/<uuid:online_id>/", payments.pay_return, name="pay-return"),
    path("payments/notify/<slug:provider>/", payments.notify, name="payment-notify"),
    path("pay/sandbox/<str:charge_id>/", payments.sandbox_page, name="sandbox-page"),
    # --- installable web app: manifest, service worker at the root scope, offline page (pwa branch) ---
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("offline/", pwa.offline, name="offline"),
    path("offline/pages/", pwa.pages, name="offline-pages"),
    # --- end pwa branch ---
    # Invoices, receipts, statement (billing)
    path("invoices/", billing.invoices, name="invoices"),
    path("invoices/<int:pk>/", billing.invoice_detail, name="invoice-detail"),
    path("invoices/<int:pk>/receipt/", billing.invoice_receipt, name="invoice-receipt"),
    path("invoices/<int:pk>/receipt.pdf", billing.invoice_pdf, name="invoice-pdf"),
    path("statement/", billing.statement_page, name="statement"),
    path("statement.pdf", billing.statement_pdf, name="statement-pdf"),
    path("consumption/", billing.consumption, name="consumption"),
]

from django.urls import path

from kabinet.portal import news, reception, servicedesk, settings_pages, views

app_name = "portal"

urlpatterns = [
    # Access
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
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
    path("unsubscribe/<str:token>/", settings_pages.unsubscribe, name="unsubscribe"),
    # --- end servicedesk branch ---
]

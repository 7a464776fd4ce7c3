from django.urls import path

from kabinet.portal import access, views

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
]

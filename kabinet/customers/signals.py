"""Logins are audited wherever they happen (portal, back office, API session)."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from kabinet.customers.services import login_failed_record, login_succeeded_record
from kabinet.customers.throttle import client_ip


@receiver(user_logged_in, dispatch_uid="kabinet.customers.login_succeeded")
def _login_succeeded(sender, request, user, **kwargs):
    login_succeeded_record(user=user, ip=client_ip(request) if request is not None else None)


@receiver(user_login_failed, dispatch_uid="kabinet.customers.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    login_failed_record(
        identifier=str(credentials.get("username", "")),
        ip=client_ip(request) if request is not None else None,
    )

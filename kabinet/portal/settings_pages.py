"""Notification settings (which e-mails a login wants) and the one-click unsubscribe link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from kabinet.customers.models import User
from kabinet.customers.preferences import mail_preferences_for, mail_preferences_set, mail_unsubscribe, optional_kinds
from kabinet.notifications.models import MailKind
from kabinet.notifications.unsubscribe import unsubscribe_token_read
from kabinet.privacy.models import ConsentSource
from kabinet.privacy.services import consents_record
from kabinet.telegram.services import bot_enabled


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        allowed = {kind for kind, _label in optional_kinds()}
        chosen = set(request.POST.getlist("kinds")) & allowed
        with transaction.atomic():  # the choice and its consent record, together
            before = mail_preferences_for(request.user)
            after = mail_preferences_set(user=request.user, enabled=chosen, actor=request.user)
            consents_record(user=request.user, before=before, after=after)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("portal:notification-settings")
    prefs = mail_preferences_for(request.user)
    kinds = [(kind, label, prefs[kind]) for kind, label in optional_kinds()]
    return render(request, "portal/settings/notifications.html", {"kinds": kinds, "telegram_on": bot_enabled()})


@csrf_exempt  # the signed token is the proof; RFC 8058 one-click POSTs carry no CSRF token
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what will be turned off and a button (mail scanners follow links, so
    a GET must not unsubscribe); POST turns it off. No login needed: the token is signed."""
    parsed = unsubscribe_token_read(token)
    user = User.objects.filter(pk=parsed[0], is_active=True).first() if parsed else None
    if user is None:
        return render(request, "portal/settings/unsubscribe.html", {"invalid": True}, status=404)
    kind_label = MailKind(parsed[1]).label
    if request.method == "POST":
        with transaction.atomic():
            if mail_unsubscribe(user=user, kind=parsed[1], ip=request.META.get("REMOTE_ADDR")):
                consents_record(
                    user=user, before={parsed[1]: True}, after={parsed[1]: False}, source=ConsentSource.UNSUBSCRIBE
                )
        return render(request, "portal/settings/unsubscribe.html", {"done": True, "kind_label": kind_label})
    return render(request, "portal/settings/unsubscribe.html", {"kind_label": kind_label, "email": user.email})

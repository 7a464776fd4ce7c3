"""Notification settings over the API: which e-mails the login wants (customers.preferences,
as the portal's notification settings page). Account and security mail is always sent."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kabinet.api.auth import scope_require
from kabinet.api.common import AUTH
from kabinet.customers.models import TokenScope
from kabinet.customers.preferences import mail_preferences_for, mail_preferences_set, optional_kinds
from kabinet.utility.exceptions import ApplicationError

router = Router(tags=["settings"], auth=AUTH)


class KindOut(Schema):
    kind: str
    label: str
    enabled: bool


class NotificationsIn(Schema):
    enabled: list[str]  # the kinds wanted; every other optional kind is turned off


def _out(user) -> list[dict]:
    prefs = mail_preferences_for(user)
    return [{"kind": kind, "label": str(label), "enabled": prefs[kind]} for kind, label in optional_kinds()]


@router.get("/notifications", response=list[KindOut], summary="Which e-mails I get")
def notifications_get(request: HttpRequest):
    scope_require(request, TokenScope.SETTINGS_WRITE)
    return _out(request.auth)


@router.put("/notifications", response=list[KindOut], summary="Choose which e-mails I get")
def notifications_put(request: HttpRequest, payload: NotificationsIn):
    """PUT sets the whole choice: sending it again changes nothing (no Idempotency-Key needed)."""
    scope_require(request, TokenScope.SETTINGS_WRITE)
    allowed = {kind for kind, _label in optional_kinds()}
    unknown = sorted(set(payload.enabled) - allowed)
    if unknown:
        raise ApplicationError(
            "bad_kind",
            _("Unknown kind of e-mail: %(kinds)s.") % {"kinds": ", ".join(unknown)},
            field="enabled",
        )
    mail_preferences_set(user=request.auth, enabled=set(payload.enabled), actor=request.auth)
    return _out(request.auth)

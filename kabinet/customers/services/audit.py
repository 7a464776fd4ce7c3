"""The audit of logins, written from Django's login signals."""

from kabinet.customers.backends import user_for_identifier
from kabinet.customers.models import (
    User,
)
from kabinet.utility.services import event_record

# --- the audit of logins ----------------------------------------------------------------


def login_succeeded_record(*, user: User, ip: str | None = None) -> None:
    event_record(kind="login.succeeded", actor=user, obj=user, ip=ip)


def login_failed_record(*, identifier: str, ip: str | None = None) -> None:
    user = user_for_identifier(identifier) if identifier else None
    event_record(
        kind="login.failed",
        obj=user,
        ip=ip,
        data={"identifier": (identifier or "")[:80]},
    )

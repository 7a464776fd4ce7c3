"""Linking, using and unlinking external identities.

The one rule: an identity is linked to a login only by someone who has just proved that
login (its password, or being signed in to it), never because the provider's e-mail,
name or personal code matches one we know. External sign-in is for customers: staff log
in with a password and their second factor (the back office), so a staff login can
neither link an identity nor be signed in by one.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.customers.models import User
from kabinet.identity.models import ExternalIdentity
from kabinet.identity.providers import Verified
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.services import event_record


def may_sign_in_externally(user: User) -> bool:
    """Customers' logins (holders and co-users) only; never staff."""
    return not user.is_staff and not user.is_superuser


def staff_refused() -> ApplicationError:
    return ApplicationError(
        "identity_staff",
        _("Sign-in with a bank or ID provider is for customers. Staff log in with a password and a second factor."),
    )


@transaction.atomic
def identity_link(*, user: User, verified: Verified, ip: str | None = None) -> ExternalIdentity:
    """Link the verified identity to `user`, who has just proved the login. Linking the
    same identity to the same login again changes nothing (a retried form)."""
    if not may_sign_in_externally(user):
        raise staff_refused()
    existing = (
        ExternalIdentity.objects.select_for_update().filter(issuer=verified.issuer, subject=verified.subject).first()
    )
    if existing is not None:
        if existing.user_id == user.pk:
            return existing
        raise ApplicationError(
            "identity_taken",
            _("This identity is already linked to another login. Unlink it there first."),
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            identity = ExternalIdentity.objects.create(
                user=user,
                provider=verified.provider,
                issuer=verified.issuer,
                subject=verified.subject,
                linked_at=now,
                last_login_at=now,
            )
    except IntegrityError:  # a parallel request linked it first
        identity = ExternalIdentity.objects.get(issuer=verified.issuer, subject=verified.subject)
        if identity.user_id != user.pk:
            raise ApplicationError(
                "identity_taken", _("This identity is already linked to another login. Unlink it there first.")
            ) from None
        return identity
    event_record(
        kind="identity.linked",
        actor=user,
        obj=identity,
        ip=ip,
        data={"provider": identity.provider, "issuer": identity.issuer},
    )
    return identity


def identity_sign_in(*, identity: ExternalIdentity, ip: str | None = None) -> User:
    """The login a linked identity signs in, with the sign-in recorded; staff refused
    (and the refusal recorded: it is not rolled back with an exception)."""
    user = identity.user
    if not user.is_active:  # waiting for activation, or closed by staff
        raise ApplicationError("identity_inactive", _("This login is not active. Please contact the utility."))
    if not may_sign_in_externally(user):
        event_record(kind="identity.refused", actor=user, obj=identity, ip=ip, data={"reason": "staff"})
        raise staff_refused()
    with transaction.atomic():
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        event_record(kind="identity.login", actor=user, obj=identity, ip=ip, data={"provider": identity.provider})
    return user


@transaction.atomic
def identity_unlink(*, user: User, identity: ExternalIdentity, ip: str | None = None) -> None:
    """Unlink one of the login's own identities. The last way in is never taken away: a
    login without a usable password keeps its last identity."""
    if identity.user_id != user.pk:
        raise ApplicationError("identity_not_found", _("There is no such linked identity."))
    others = ExternalIdentity.objects.filter(user=user).exclude(pk=identity.pk).exists()
    if not user.has_usable_password() and not others:
        raise ApplicationError(
            "identity_last",
            _("This is your only way to log in. Set a password first, then unlink it."),
        )
    event_record(
        kind="identity.unlinked",
        actor=user,
        obj=identity,
        ip=ip,
        data={"provider": identity.provider, "issuer": identity.issuer},
    )
    identity.delete()


@transaction.atomic
def identity_unlink_by_staff(*, identity: ExternalIdentity, actor: User) -> None:
    """Customer service unlinks a customer's identity (a bank login the customer lost, or
    one someone else used). Unlike the customer's own unlink it may take the last way in:
    the customer then sets a password through "Forgot password" by e-mail."""
    event_record(
        kind="identity.unlinked",
        actor=actor,
        obj=identity,
        data={"provider": identity.provider, "issuer": identity.issuer, "login": identity.user_id, "by_staff": True},
    )
    identity.delete()

"""Several premises under one login, and co-users invited by the account holder."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.customers.models import (
    AccessRole,
    Account,
    AccountAccess,
    Invitation,
    User,
)
from kabinet.customers.services._common import (
    InvoiceProof,
    _email_owner,
    _free_username,
    _language,
    _mail,
    _password_check,
)
from kabinet.customers.tokens import (
    LINK_INVALID,
    LINK_USED,
    Purpose,
    token_make,
    token_read,
)
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.services import event_record

# --- several premises, co-users ---------------------------------------------------------

PREMISES_REFUSED = gettext_lazy(
    "We could not add these premises: the account number and the invoice details do not match. "
    "If the premises belong to another customer, ask the account holder to invite you."
)


@transaction.atomic
def premises_add(
    *, user: User, account_number: str, proof: str, ip: str | None = None, invoice_proof: InvoiceProof
) -> AccountAccess:
    """Add another account of the same customer to this login, proven by its latest invoice."""
    account = Account.objects.filter(number=account_number.strip(), closed_on__isnull=True).first()
    if (
        account is None
        or user.customer_id is None
        or account.customer_id != user.customer_id
        or not invoice_proof([account.id], proof)
    ):
        event_record(kind="premises.refused", actor=user, ip=ip, data={"account_number": account_number[:20]})
        raise ApplicationError("premises_refused", PREMISES_REFUSED)
    access, created = AccountAccess.objects.get_or_create(
        user=user, account=account, defaults={"role": AccessRole.HOLDER, "granted_by": user}
    )
    if not created:
        raise ApplicationError("already_added", _("These premises are already in your list."))
    event_record(kind="access.granted", actor=user, obj=access, ip=ip, data={"account": account.number, "by": "proof"})
    return access


def _holder_access(actor: User, account: Account) -> AccountAccess:
    access = AccountAccess.objects.filter(user=actor, account=account, role=AccessRole.HOLDER).first()
    if access is None:
        raise ApplicationError("not_holder", _("Only the account holder can manage who has access."))
    return access


@transaction.atomic
def invitation_send(*, account: Account, email: str, role: str, actor: User, ip: str | None = None) -> Invitation:
    _holder_access(actor, account)
    email = email.strip()
    if role not in (AccessRole.READINGS, AccessRole.READINGS_INVOICES):
        raise ApplicationError("bad_role", _("Choose what the person may do."), field="role")
    if email.lower() == actor.email.lower():
        raise ApplicationError("self_invite", _("You already have access to this account."), field="email")
    if AccountAccess.objects.filter(account=account, user__email__iexact=email).exists():
        raise ApplicationError("has_access", _("This person already has access to this account."), field="email")
    if Invitation.objects.filter(
        account=account, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).exists():
        raise ApplicationError(
            "already_invited", _("An invitation to this address is already waiting to be accepted."), field="email"
        )
    invitation = Invitation.objects.create(account=account, email=email, role=role, invited_by=actor)
    _mail(
        to=email,
        template="invitation",
        language=actor.language or _language(),
        customer_id=account.customer_id,
        inviter=actor,
        invitation=invitation,
        account=account,
        address=account.premises.address,
        token=token_make(Purpose.INVITE, i=invitation.pk),
    )
    event_record(kind="invitation.sent", actor=actor, obj=invitation, ip=ip, data={"email": email, "role": role})
    return invitation


def invitation_check(*, token: str) -> Invitation:
    data = token_read(Purpose.INVITE, token)
    invitation = (
        Invitation.objects.select_related("account__premises__building", "invited_by")
        .filter(pk=data.payload.get("i"))
        .first()
    )
    if invitation is None:
        raise ApplicationError("link_invalid", LINK_INVALID)
    if not invitation.is_open:
        raise ApplicationError("link_used", LINK_USED)
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    first_name: str = "",
    last_name: str = "",
    password: str = "",
    ip: str | None = None,
) -> AccountAccess:
    """Accept as the logged-in login with the invited address, or create a login for it."""
    invitation = invitation_check(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ApplicationError("link_used", LINK_USED)
    owner = _email_owner(invitation.email)
    if user is not None and user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            raise ApplicationError(
                "wrong_login", _("This invitation was sent to another e-mail address. Log out and open the link again.")
            )
    elif owner is not None:
        raise ApplicationError("login_to_accept", _("This address already has a login. Log in to accept."))
    else:
        if not first_name.strip() or not last_name.strip():
            raise ApplicationError("name_required", _("Enter your first and last name."), field="first_name")
        user = User(
            username=_free_username(invitation.email),
            email=invitation.email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            language=_language(),
        )
        _password_check(password, user)
        user.set_password(password)
        user.save()
        event_record(kind="user.activated", actor=user, obj=user, ip=ip, data={"by": "invitation"})
    access, created = AccountAccess.objects.get_or_create(
        user=user,
        account=invitation.account,
        defaults={"role": invitation.role, "granted_by": invitation.invited_by},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    event_record(
        kind="access.granted",
        actor=user,
        obj=access,
        ip=ip,
        data={"account": invitation.account.number, "role": access.role, "by": "invitation"},
    )
    return access


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User, ip: str | None = None) -> None:
    if not actor.is_staff:
        _holder_access(actor, invitation.account)
    if invitation.is_open:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        event_record(kind="invitation.revoked", actor=actor, obj=invitation, ip=ip, data={"email": invitation.email})


@transaction.atomic
def access_grant(*, user: User, account: Account, role: str, actor: User, ip: str | None = None) -> AccountAccess:
    """Staff give a login access to an account (the back office)."""
    access, created = AccountAccess.objects.update_or_create(
        user=user, account=account, defaults={"role": role, "granted_by": actor}
    )
    event_record(
        kind="access.granted",
        actor=actor,
        obj=access,
        ip=ip,
        data={"account": account.number, "user": user.pk, "role": role, "by": "staff"},
    )
    return access


@transaction.atomic
def access_revoke(*, access: AccountAccess, actor: User, ip: str | None = None) -> None:
    """The holder removes a co-user, or staff remove anyone. Holders are removed by staff."""
    if not actor.is_staff:
        _holder_access(actor, access.account)
        if access.role == AccessRole.HOLDER:
            raise ApplicationError("holder", _("An account holder's access can only be removed by the utility."))
    user, account = access.user, access.account
    access.delete()
    if user.email and user != actor:
        _mail(
            to=user.email,
            template="access_revoked",
            language=user.language or _language(),
            user=user,
            account=account,
            address=account.premises.address,
        )
    event_record(
        kind="access.revoked",
        actor=actor,
        obj=account,
        ip=ip,
        data={
            "account": account.number,
            "user": user.pk,
            "email": user.email,
            "by": "staff" if actor.is_staff else "holder",
        },
    )

"""Portal access: registration, activation, passwords, e-mail, premises and co-users.

Every function that changes who may log in or see an account is atomic, writes an audit
event and queues its e-mail in the same transaction (notifications.message_enqueue).

Anti-enumeration: the functions a stranger can call (registration_submit,
activation_resend, password_reset_request) return nothing and raise nothing that depends
on whether a client code, account or e-mail exists; what happens is told only to the
owner of the e-mail address. They also do the same password hashing on every path.
"""

from kabinet.customers.services._common import InvoiceProof, customer_language, proof_amount, proof_normalise
from kabinet.customers.services.audit import login_failed_record, login_succeeded_record
from kabinet.customers.services.passwords import (
    email_change_confirm,
    email_change_request,
    password_change,
    password_reset_check,
    password_reset_confirm,
    password_reset_request,
)
from kabinet.customers.services.registration import (
    CODE_REFUSED,
    activation_check,
    activation_resend,
    code_activate,
    registration_submit,
    user_activate,
)
from kabinet.customers.services.sharing import (
    PREMISES_REFUSED,
    access_grant,
    access_revoke,
    invitation_accept,
    invitation_check,
    invitation_revoke,
    invitation_send,
    premises_add,
)
from kabinet.customers.services.staff import (
    OpenMethod,
    access_open,
    application_approve,
    application_reject,
    application_submit,
)

__all__ = [
    "CODE_REFUSED",
    "PREMISES_REFUSED",
    "InvoiceProof",
    "OpenMethod",
    "access_grant",
    "access_open",
    "access_revoke",
    "activation_check",
    "activation_resend",
    "application_approve",
    "application_reject",
    "application_submit",
    "code_activate",
    "customer_language",
    "email_change_confirm",
    "email_change_request",
    "invitation_accept",
    "invitation_check",
    "invitation_revoke",
    "invitation_send",
    "login_failed_record",
    "login_succeeded_record",
    "password_change",
    "password_reset_check",
    "password_reset_confirm",
    "password_reset_request",
    "premises_add",
    "proof_amount",
    "proof_normalise",
    "registration_submit",
    "user_activate",
]

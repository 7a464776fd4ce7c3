"""The audit trail's kinds as staff read them.

An event's kind is a stable code ("billing_run.published", "reading.queued_accepted"): it is
searched, filtered and kept for years, so it is stored as code and worded here, in the
reader's language, as "area: what happened" (in the "event" context: "Payment" or "started"
here name an event, worded apart from the same English word elsewhere). A code without a wording here (a kind added
later) is shown as it is.
"""

from django.utils.translation import pgettext_lazy

AREAS = {
    "access": pgettext_lazy("event", "Access to an account"),
    "activation": pgettext_lazy("event", "Activation"),
    "api_token": pgettext_lazy("event", "API token"),
    "application": pgettext_lazy("event", "Application"),
    "billing_run": pgettext_lazy("event", "Billing run"),
    "correction": pgettext_lazy("event", "Correction"),
    "customer": pgettext_lazy("event", "Customer"),
    "demo": pgettext_lazy("event", "Demo"),
    "email": pgettext_lazy("event", "E-mail address"),
    "inbound": pgettext_lazy("event", "Incoming message"),
    "invitation": pgettext_lazy("event", "Invitation"),
    "login": pgettext_lazy("event", "Login"),
    "mail": pgettext_lazy("event", "Mail"),
    "meter": pgettext_lazy("event", "Meter"),
    "office": pgettext_lazy("event", "Back office"),
    "online": pgettext_lazy("event", "Online payment"),
    "outage": pgettext_lazy("event", "Outage"),
    "password": pgettext_lazy("event", "Password"),
    "payment": pgettext_lazy("event", "Payment"),
    "premises": pgettext_lazy("event", "Premises"),
    "print_batch": pgettext_lazy("event", "Paper receipts"),
    "privacy": pgettext_lazy("event", "Privacy"),
    "reading": pgettext_lazy("event", "Reading"),
    "reception": pgettext_lazy("event", "Message to the utility"),
    "registration": pgettext_lazy("event", "Registration"),
    "servicerequest": pgettext_lazy("event", "Service request"),
    "staff": pgettext_lazy("event", "Staff"),
    "statement": pgettext_lazy("event", "Bank statement"),
    "user": pgettext_lazy("event", "Login"),
}

ACTIONS = {
    "accepted": pgettext_lazy("event", "accepted"),
    "activated": pgettext_lazy("event", "activated"),
    "added": pgettext_lazy("event", "added"),
    "amount_mismatch": pgettext_lazy("event", "amount differs"),
    "approved": pgettext_lazy("event", "approved"),
    "assigned": pgettext_lazy("event", "assigned"),
    "automatic": pgettext_lazy("event", "automatic reply ignored"),
    "cancelled": pgettext_lazy("event", "cancelled"),
    "change_requested": pgettext_lazy("event", "change requested"),
    "changed": pgettext_lazy("event", "changed"),
    "comment": pgettext_lazy("event", "comment"),
    "corrected": pgettext_lazy("event", "corrected"),
    "correction_requested": pgettext_lazy("event", "correction requested"),
    "created": pgettext_lazy("event", "created"),
    "deleted": pgettext_lazy("event", "deleted"),
    "discarded": pgettext_lazy("event", "discarded"),
    "done": pgettext_lazy("event", "done"),
    "draft": pgettext_lazy("event", "issued, not published"),
    "erasure_requested": pgettext_lazy("event", "erasure requested"),
    "export_ready": pgettext_lazy("event", "data download ready"),
    "export_requested": pgettext_lazy("event", "data download requested"),
    "failed": pgettext_lazy("event", "failed"),
    "file_imported": pgettext_lazy("event", "file imported"),
    "filed": pgettext_lazy("event", "filed"),
    "handled": pgettext_lazy("event", "handled"),
    "not_ours": pgettext_lazy("event", "not ours"),
    "notified": pgettext_lazy("event", "customers notified"),
    "opened": pgettext_lazy("event", "opened"),
    "passed": pgettext_lazy("event", "passed"),
    "pending": pgettext_lazy("event", "pending"),
    "posted": pgettext_lazy("event", "posted"),
    "preferences": pgettext_lazy("event", "preferences changed"),
    "published": pgettext_lazy("event", "published"),
    "processed": pgettext_lazy("event", "processed"),
    "queued_accepted": pgettext_lazy("event", "queued reading accepted"),
    "queued_rejected": pgettext_lazy("event", "queued reading refused"),
    "queued_estimated": pgettext_lazy("event", "queued reading estimated"),
    "queued_superseded": pgettext_lazy("event", "queued reading replaced"),
    "unparsed": pgettext_lazy("event", "not understood"),
    "withdrawn": pgettext_lazy("event", "withdrawn"),
    "ready": pgettext_lazy("event", "ready"),
    "rated": pgettext_lazy("event", "rated"),
    "received": pgettext_lazy("event", "received"),
    "refused": pgettext_lazy("event", "refused"),
    "registered": pgettext_lazy("event", "registered"),
    "rejected": pgettext_lazy("event", "rejected"),
    "replaced": pgettext_lazy("event", "replaced"),
    "reply": pgettext_lazy("event", "replied"),
    "reset": pgettext_lazy("event", "reset"),
    "reset_refused": pgettext_lazy("event", "reset refused"),
    "reset_requested": pgettext_lazy("event", "reset requested"),
    "resent": pgettext_lazy("event", "sent again"),
    "reversed": pgettext_lazy("event", "reversed"),
    "reviewed": pgettext_lazy("event", "reviewed"),
    "revoked": pgettext_lazy("event", "revoked"),
    "running": pgettext_lazy("event", "running"),
    "sealed": pgettext_lazy("event", "sealed"),
    "seeded": pgettext_lazy("event", "seeded"),
    "sent": pgettext_lazy("event", "sent"),
    "split": pgettext_lazy("event", "split"),
    "started": pgettext_lazy("event", "started"),
    "status": pgettext_lazy("event", "status changed"),
    "submitted": pgettext_lazy("event", "submitted"),
    "succeeded": pgettext_lazy("event", "succeeded"),
    "two_factor_failed": pgettext_lazy("event", "second factor failed"),
    "two_factor_passed": pgettext_lazy("event", "second factor passed"),
    "two_factor_set_up": pgettext_lazy("event", "second factor set up"),
    "unsubscribed": pgettext_lazy("event", "unsubscribed"),
    "uploaded": pgettext_lazy("event", "uploaded"),
    "verified": pgettext_lazy("event", "verified"),
}


def event_kind_label(kind: str) -> str:
    """ "billing_run.published" → "Billing run: published"; an unknown part stays as it is."""
    area, _sep, action = kind.partition(".")
    if area not in AREAS:
        return kind
    action = action.rsplit(".", 1)[-1]  # privacy.<model>.<status>: the status
    if not action:
        return str(AREAS[area])
    return f"{AREAS[area]}: {ACTIONS.get(action, action)}"

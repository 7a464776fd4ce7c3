"""Signals of the payments app, for the apps above it (payments imports none of them)."""

from django.dispatch import Signal

# Sent by online_payment_settle() inside its transaction, after the provider's status is
# applied (also for a repeat): online=OnlinePayment, remote=RemoteStatus. Receivers must
# be idempotent and must not register money (online.py does, once per line).
online_payment_settled = Signal()

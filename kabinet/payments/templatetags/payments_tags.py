from django import template

from kabinet.payments.selectors import invoice_payment_status

register = template.Library()


@register.simple_tag
def invoice_states(invoices):
    """Paid / part-paid / unpaid for a list of invoices, in one go (one query)."""
    invoices = list(invoices or [])
    return invoice_payment_status([i.pk for i in invoices], account_ids={i.account_id for i in invoices})


@register.filter
def state_of(states, invoice_id):
    return states.get(invoice_id) if states else None

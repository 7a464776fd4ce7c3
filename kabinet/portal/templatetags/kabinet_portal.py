from django import template

from kabinet.portal.context import may_see_invoices

register = template.Library()


@register.simple_tag(takes_context=True)
def invoices_visible(context) -> bool:
    """Whether the menu offers invoices and payments (see context.may_see_invoices)."""
    request = context.get("request")
    return request is not None and may_see_invoices(request)

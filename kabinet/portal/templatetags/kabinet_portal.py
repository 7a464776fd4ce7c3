from django import template
from django.utils.safestring import mark_safe

from kabinet.portal.context import may_see_invoices

register = template.Library()

# The pages under each menu item (URL names): the item stays marked while the customer is
# on one of them (aria-current="true"); the item's own page is aria-current="page".
MENU_SECTIONS = {
    "dashboard": {"account-choose"},
    "readings": {"readings-receipt", "readings-history", "meter-detail", "api-tokens"},
    "invoices": {"invoice-detail", "statement", "consumption"},
    "payment-history": {"pay", "pay-return"},
    "requests": {"request-new", "request-detail"},
    "access": {"password-change", "email-change", "premises-add", "invite"},
    "news": {"news-detail"},
    "reception-messages": {"reception-detail"},
}
CURRENT_PAGE = mark_safe(' aria-current="page"')  # nosec B308  # a constant, no data in it
CURRENT_SECTION = mark_safe(' aria-current="true"')  # nosec B308  # a constant, no data in it


@register.simple_tag(takes_context=True)
def invoices_visible(context) -> bool:
    """Whether the menu offers invoices and payments (see context.may_see_invoices)."""
    request = context.get("request")
    return request is not None and may_see_invoices(request)


@register.simple_tag(takes_context=True)
def aria_current(context, url_name: str, section: bool = True) -> str:
    """The aria-current attribute of a link to `url_name` (portal namespace) on this page;
    section=False marks the page only (tabs inside a section)."""
    match = getattr(context.get("request"), "resolver_match", None)
    here = match.url_name if match and match.namespace == "portal" else None
    if here == url_name:
        return CURRENT_PAGE
    if section and here in MENU_SECTIONS.get(url_name, ()):
        return CURRENT_SECTION
    return ""

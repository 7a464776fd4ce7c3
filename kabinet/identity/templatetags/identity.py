"""The login page's "Sign in with …" buttons and the linked identities on "Login and
access", as template tags: the portal's pages show them without knowing this app's models."""

from django import template

from kabinet.identity.providers import providers
from kabinet.identity.selectors import identities_of
from kabinet.identity.services import may_sign_in_externally

register = template.Library()


@register.inclusion_tag("identity/_buttons.html", takes_context=True)
def identity_buttons(context):
    return {"providers": providers(), "next": context.get("next", "")}


@register.inclusion_tag("identity/_settings.html", takes_context=True)
def identity_settings(context):
    configured = providers()
    user = context["request"].user
    if not configured or not user.is_authenticated or not may_sign_in_externally(user):
        return {"show": False}
    names = {provider.key: provider.name for provider in configured}
    linked = [(identity, names.get(identity.provider, identity.provider)) for identity in identities_of(user)]
    return {"show": True, "providers": configured, "linked": linked}

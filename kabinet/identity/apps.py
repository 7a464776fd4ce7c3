from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "kabinet.identity"
    verbose_name = _("Sign-in with an external identity")

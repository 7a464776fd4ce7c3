from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running the deployment: backups and their restore drill (README, "Backups")."""

    name = "kabinet.ops"
    verbose_name = _("Operations")
